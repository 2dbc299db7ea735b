"""The public keys of trusted CDS clients: a static JWK Set file, or an allow-listed ``jku``, cached."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import jwt

from ..errors import UsageError

MAX_JWKS_BYTES = 100_000


#: The key type each algorithm family signs with; a symmetric ("oct") key is never used.
KEY_TYPES = {"ES": "EC", "RS": "RSA", "PS": "RSA", "Ed": "OKP"}


def key_set(data: Any) -> tuple[dict[str, Any], ...]:
    """The public keys of a JWK Set, each with a ``kid``; ValueError when it is none."""
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ValueError("a JWK Set is an object with a keys list")
    keys = tuple(k for k in data["keys"] if isinstance(k, dict))
    for key in keys:
        if not isinstance(key.get("kid"), str) or key.get("kty") not in KEY_TYPES.values() or "d" in key:
            raise ValueError("every key needs a kid and a kty of EC, RSA or OKP, and only its public part")
        jwt.PyJWK(key)  # refuses a key it cannot use
    return keys


def verifying_key(keys: tuple[dict[str, Any], ...], kid: str, alg: str) -> Any:
    """The key ``kid`` of the set, for ``alg``; ValueError when there is none that fits."""
    for key in keys:
        if key["kid"] == kid:
            if KEY_TYPES.get(alg[:2]) != key["kty"] or key.get("alg", alg) != alg:
                raise ValueError("the key does not fit the algorithm")
            return jwt.PyJWK(key, algorithm=alg).key
    raise ValueError("kid not in the key set")


def read_jwks(path: Path) -> tuple[dict[str, Any], ...]:
    """A JWK Set file, checked when the service starts: a bad file stops it with a clear message."""
    try:
        return key_set(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the JWK Set {path}: {exc.__class__.__name__}") from None
    except (ValueError, jwt.PyJWKError) as exc:
        raise UsageError(f"{path} is not a usable JWK Set: {exc}") from None


class RemoteKeySets:
    """JWK Sets fetched from allow-listed URLs, each kept for ``ttl`` seconds."""

    def __init__(self, client: httpx.AsyncClient, ttl: float, timeout: float) -> None:
        self.client = client
        self.ttl = ttl
        self.timeout = timeout
        self._cache: dict[str, tuple[float, tuple[dict[str, Any], ...]]] = {}

    async def get(self, url: str) -> tuple[dict[str, Any], ...]:
        cached = self._cache.get(url)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        body = bytearray()
        async with self.client.stream("GET", url, timeout=self.timeout, follow_redirects=False) as response:
            response.raise_for_status()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_JWKS_BYTES:
                    raise ValueError("JWK Set too large")
        keys = key_set(json.loads(bytes(body)))
        self._cache[url] = (time.monotonic() + self.ttl, keys)
        return keys
