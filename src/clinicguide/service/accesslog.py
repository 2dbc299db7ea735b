"""Structured access logs: one JSON line per request with its timing, never its content.

A line carries the method, the endpoint's route (not the raw path or query), the status, the
time taken and the caller's issuer and tenant. Tokens, bodies, prefetch and anything about the
patient never reach a log.
"""

from __future__ import annotations

import json
import logging

_log = logging.getLogger("clinicguide.service.access")


def configure() -> None:
    """Send the service's logs (access lines and errors) to standard error, once per process."""
    logger = logging.getLogger("clinicguide.service")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def access(method: str, endpoint: str, status: int, seconds: float, *, iss: str | None = None, tenant: str | None = None,
           cards: int | None = None) -> None:
    if not _log.isEnabledFor(logging.INFO):
        return
    line: dict[str, object] = {"method": method, "endpoint": endpoint, "status": status, "ms": round(seconds * 1000, 2)}
    if iss is not None:
        line["iss"] = iss
    if tenant is not None:
        line["tenant"] = tenant
    if cards is not None:
        line["cards"] = cards
    _log.info("%s", json.dumps(line, sort_keys=True))
