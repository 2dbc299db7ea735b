"""The service's configuration: a JSON file, checked whole before the service starts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .urls import is_loopback

DEFAULT_DATABASE = "clinicguide-feedback.sqlite3"


@dataclass(frozen=True)
class Issuer:
    """A trusted CDS client: its ``iss``, where its keys come from, and the tenants it may name."""

    iss: str
    jwks_file: Path | None = None
    jku: tuple[str, ...] = ()  # allow-listed JWK Set URLs a token's ``jku`` header may name
    tenants: tuple[str, ...] = ()  # when set, a token's ``tenant`` must be one of these


@dataclass(frozen=True)
class ServiceConfig:
    """Everything ``clinicguide serve`` and ``create_app`` take.

    ``public_url`` is the base URL the EHR calls (scheme, host, port, path prefix): a JWT's
    ``aud`` must be this base plus the endpoint's path.
    """

    public_url: str = "http://127.0.0.1:8080"
    issuers: tuple[Issuer, ...] = ()
    insecure_dev: bool = False  # no JWT check at all: for a developer's own machine only
    database: str = DEFAULT_DATABASE  # a SQLite file path, or a postgresql:// URL
    cors_origins: tuple[str, ...] = ()
    max_request_bytes: int = 1_000_000
    request_timeout: float = 10.0  # seconds for one whole request, FHIR fetches included
    fhir_timeout: float = 5.0  # seconds for one FHIR request
    fhir_max_bytes: int = 5_000_000  # per FHIR response
    fhir_servers: tuple[str, ...] = ()  # allow-listed fhirServer prefixes; empty: any https server
    fhir_allow_http: bool = False  # plain http to fhirServer (a test server on this machine)
    jwks_cache_seconds: float = 300.0
    max_token_lifetime: int = 3600  # seconds from iat to exp
    clock_skew: int = 30  # seconds allowed between the EHR's clock and ours
    guidance: tuple[str, ...] = ()  # extra guidance folders
    canonical_base: str | None = None

    @property
    def base(self) -> str:
        return self.public_url.rstrip("/")


_KEYS = {"public_url", "issuers", "database", "cors_origins", "max_request_bytes", "request_timeout", "fhir_timeout",
         "fhir_max_bytes", "fhir_servers", "fhir_allow_http", "jwks_cache_seconds", "max_token_lifetime", "clock_skew",
         "guidance", "canonical_base"}
_ISSUER_KEYS = {"iss", "jwks_file", "jku", "tenants"}


def load_config(path: str | Path | None, **overrides: Any) -> ServiceConfig:
    """Read the JSON configuration file (None: the defaults), then apply the command line's ``overrides``."""
    data: dict[str, Any] = {}
    where = str(path) if path is not None else "the configuration"
    if path is not None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read the configuration {where}: {exc.__class__.__name__}") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{where}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from exc
        if not isinstance(data, dict):
            raise UsageError(f"{where}: the configuration must be a JSON object")
    unknown = sorted((set(data) | set(overrides)) - _KEYS)
    if unknown:
        raise UsageError(f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(_KEYS))}")
    base = Path(path).resolve().parent if path is not None else Path.cwd()
    data.update({k: v for k, v in overrides.items() if v is not None})
    return ServiceConfig(
        public_url=_url(data.get("public_url", ServiceConfig.public_url), f"{where}: public_url"),
        issuers=tuple(_issuer(item, base, f"{where}: issuers[{i}]") for i, item in enumerate(_list(data, "issuers", where))),
        database=_text(data.get("database", DEFAULT_DATABASE), f"{where}: database"),
        cors_origins=tuple(_text(o, f"{where}: cors_origins") for o in _list(data, "cors_origins", where)),
        max_request_bytes=int(_number(data.get("max_request_bytes", 1_000_000), f"{where}: max_request_bytes")),
        request_timeout=_number(data.get("request_timeout", 10.0), f"{where}: request_timeout"),
        fhir_timeout=_number(data.get("fhir_timeout", 5.0), f"{where}: fhir_timeout"),
        fhir_max_bytes=int(_number(data.get("fhir_max_bytes", 5_000_000), f"{where}: fhir_max_bytes")),
        fhir_servers=tuple(_url(s, f"{where}: fhir_servers") for s in _list(data, "fhir_servers", where)),
        fhir_allow_http=data.get("fhir_allow_http", False) is True,
        jwks_cache_seconds=_number(data.get("jwks_cache_seconds", 300.0), f"{where}: jwks_cache_seconds"),
        max_token_lifetime=int(_number(data.get("max_token_lifetime", 3600), f"{where}: max_token_lifetime")),
        clock_skew=int(_number(data.get("clock_skew", 30), f"{where}: clock_skew", allow_zero=True)),
        guidance=tuple(str(base / _text(g, f"{where}: guidance")) for g in _list(data, "guidance", where)),
        canonical_base=data.get("canonical_base"),
    )


def _list(data: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise UsageError(f"{where}: {key} must be a list")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value or not value.isprintable():
        raise UsageError(f"{where} must be a non-empty text")
    return value


def _url(value: Any, where: str) -> str:
    text = _text(value, where)
    if not text.startswith(("https://", "http://")):
        raise UsageError(f"{where} must be an http(s) URL, not {text!r}")
    return text.rstrip("/")


def _number(value: Any, where: str, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or (value == 0 and not allow_zero):
        raise UsageError(f"{where} must be a positive number")
    return float(value)


def _issuer(item: Any, base: Path, where: str) -> Issuer:
    if not isinstance(item, dict):
        raise UsageError(f"{where} must be an object with iss and jwks_file or jku")
    unknown = sorted(set(item) - _ISSUER_KEYS)
    if unknown:
        raise UsageError(f"{where}: unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(_ISSUER_KEYS))}")
    jwks = item.get("jwks_file")
    jku = tuple(_url(u, f"{where}.jku") for u in _list(item, "jku", where))
    if jwks is None and not jku:
        raise UsageError(f"{where} needs its keys: a jwks_file or an allow-listed jku")
    if any(not u.startswith("https://") and not is_loopback(u) for u in jku):
        raise UsageError(f"{where}.jku: a JWK Set URL must be https (plain http only on this machine)")
    return Issuer(iss=_text(item.get("iss"), f"{where}.iss"),
                  jwks_file=base / _text(jwks, f"{where}.jwks_file") if jwks is not None else None,
                  jku=jku, tenants=tuple(_text(t, f"{where}.tenants") for t in _list(item, "tenants", where)))
