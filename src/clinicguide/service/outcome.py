"""The errors a call can end in, and the FHIR OperationOutcome each is answered with.

A client's mistake is a 4xx with a message that names the place in the request; it never
quotes patient data back into a log.
"""

from __future__ import annotations

from typing import Any

_ISSUE_CODES = {400: "invalid", 401: "login", 404: "not-found", 405: "not-supported", 412: "not-found",
                413: "too-costly", 415: "not-supported", 503: "timeout"}


class ServiceError(Exception):
    """A request answered with an HTTP error status and an OperationOutcome."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


class BadRequest(ServiceError):
    """400: the request is not what the CDS Hooks specification or this service accepts."""

    def __init__(self, message: str) -> None:
        super().__init__(400, message)


class Unauthorized(ServiceError):
    """401, deliberately without detail: a caller learns nothing about why its token failed."""

    def __init__(self) -> None:
        super().__init__(401, "unauthorized", {"WWW-Authenticate": "Bearer"})


class PreconditionFailed(ServiceError):
    """412: the patient data was neither prefetched nor obtainable from the EHR's FHIR server."""

    def __init__(self, message: str) -> None:
        super().__init__(412, message)


def operation_outcome(status: int, message: str) -> dict[str, Any]:
    """An OperationOutcome with one error issue (``fatal`` for an unauthenticated call)."""
    return {"resourceType": "OperationOutcome",
            "issue": [{"severity": "fatal" if status == 401 else "error", "code": _ISSUE_CODES.get(status, "processing"),
                       "diagnostics": message}]}
