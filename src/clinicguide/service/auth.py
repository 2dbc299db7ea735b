"""The JWT a CDS client sends with every call, checked as CDS Hooks 2.0 and its best practices say.

The signature is checked with a key from the issuer's allow-listed JWK Set (a file, or a ``jku``
on the issuer's allow-list); ``iss`` must be allow-listed, ``aud`` must be the URL called,
``exp``, ``iat`` and ``jti`` are required, a token lives at most ``max_token_lifetime`` seconds,
and a ``jti`` is accepted once. ``none`` and symmetric (HS*) algorithms are refused. Every
failure is the same 401: a caller learns nothing about what failed. Tokens are never logged.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from .config import Issuer, ServiceConfig
from .keys import RemoteKeySets, read_jwks, verifying_key
from .outcome import Unauthorized
from .store import Store, StoreBusy

#: Asymmetric algorithms only, as the specification requires (ES384 and RS384 recommended).
ALGORITHMS = ("ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA")
MAX_TOKEN_BYTES = 16_000
_log = logging.getLogger("clinicguide.service.auth")


@dataclass(frozen=True)
class Caller:
    """Who called, as far as a log may say: the issuer and tenant, never the token."""

    iss: str
    tenant: str | None = None


class Failed(Exception):
    """Why a token was refused: logged by category, never sent to the caller."""


def _segment(text: str) -> dict[str, Any]:
    decoded = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    if not isinstance(decoded, dict):
        raise Failed("a JWT segment is not a JSON object")
    return decoded


def _unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims, read once and only to find the issuer's key: PyJWT checks the whole token after."""
    parts = token.split(".")
    if len(parts) != 3:
        raise Failed("not a compact JWS")
    return _segment(parts[0]), _segment(parts[1])


class Authenticator:
    def __init__(self, config: ServiceConfig, store: Store, client: httpx.AsyncClient) -> None:
        self.config = config
        self.store = store
        self.issuers = {issuer.iss: issuer for issuer in config.issuers}
        self.files = {issuer.iss: read_jwks(issuer.jwks_file) for issuer in config.issuers if issuer.jwks_file is not None}
        self.remote = RemoteKeySets(client, config.jwks_cache_seconds, config.fhir_timeout)

    async def check(self, authorization: str | None, audiences: Sequence[str]) -> Caller:
        """The caller of a request whose Authorization header is ``authorization``; Unauthorized otherwise."""
        try:
            return await self._check(authorization, audiences)
        except Failed as reason:
            _log.info("token refused: %s", reason)
        except (jwt.PyJWTError, ValueError, KeyError, TypeError, RecursionError, binascii.Error, httpx.HTTPError) as exc:
            _log.info("token refused: %s", exc.__class__.__name__)
        raise Unauthorized

    async def _check(self, authorization: str | None, audiences: Sequence[str]) -> Caller:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_BYTES:
            raise Failed("no bearer token")
        header, unverified = _unverified(token)
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise Failed("algorithm not allowed")
        if header.get("typ") != "JWT" or not isinstance(header.get("kid"), str):
            raise Failed("header lacks typ JWT or kid")
        iss = unverified.get("iss")
        issuer = self.issuers.get(iss) if isinstance(iss, str) else None
        if issuer is None:
            raise Failed("issuer not allow-listed")
        key = verifying_key(await self._keys(issuer, header), header["kid"], alg)
        skew = self.config.clock_skew
        claims: dict[str, Any] = jwt.decode(token, key, algorithms=[alg], audience=list(audiences), issuer=issuer.iss,
                                            leeway=skew, options={"require": ["exp", "iat", "jti", "iss", "aud"]})
        now = int(time.time())
        exp, iat, jti = claims["exp"], claims["iat"], claims["jti"]
        if not isinstance(jti, str) or not jti or len(jti) > 256:
            raise Failed("jti is not a text")
        if iat > now + skew or exp - iat > self.config.max_token_lifetime:
            raise Failed("iat in the future, or the token lives too long")
        tenant = claims.get("tenant")
        if issuer.tenants and tenant not in issuer.tenants:
            raise Failed("tenant not allow-listed")
        if not await self._remember(issuer.iss, jti, int(exp) + skew, now):
            raise Failed("jti replayed")
        return Caller(issuer.iss, tenant if isinstance(tenant, str) else None)

    async def _remember(self, iss: str, jti: str, exp: int, now: int) -> bool:
        """The replay cache's insert: on the event loop when a local file takes it at once (tens of
        microseconds, less than a hop to a thread costs), in a thread when it must wait for another writer."""
        if self.store.local:
            try:
                return self.store.remember_token(iss, jti, exp, now, wait=False)
            except StoreBusy:
                pass
        return await asyncio.to_thread(self.store.remember_token, iss, jti, exp, now)

    async def _keys(self, issuer: Issuer, header: dict[str, Any]) -> tuple[dict[str, Any], ...]:
        jku = header.get("jku")
        if jku is not None:
            if jku not in issuer.jku:
                raise Failed("jku not allow-listed")
            return await self.remote.get(jku)
        if issuer.iss in self.files:
            return self.files[issuer.iss]
        raise Failed("no key set for the issuer")
