"""What every FHIR builder shares: versions, canonical URLs, deterministic ids, dates."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from ..content.model import Guidance
from ..content.values import Duration
from ..errors import UsageError

FhirVersion = Literal["R4", "R5"]
DEFAULT_CANONICAL_BASE = "https://clinicguide.org/fhir"
CANONICAL_BASE_ENV = "CLINICGUIDE_CANONICAL_BASE"
# Fixed namespace so the same inputs always give the same resource ids.
_NAMESPACE = uuid.UUID("3f6c3c1e-8a4b-5d0e-9b7a-2f1d6c5e4a10")
_NAMESPACE_BYTES = _NAMESPACE.bytes
#: The RFC 4122 variant (binary 10) in the top bits of a hex digit, for each digit the hash gives.
_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}


def fhir_version(value: str) -> FhirVersion:
    """Normalise ``r4``/``R4``/``4.0.1`` and ``r5``/``R5``/``5.0.0``; anything else is a usage error."""
    text = str(value).upper()
    if text in ("R4", "4.0.1", "R4B", "4.3.0"):
        return "R4"
    if text in ("R5", "5.0.0"):
        return "R5"
    raise UsageError(f"unknown FHIR version {value!r}; use R4 or R5")


def canonical_base(base: str | None = None) -> str:
    """The canonical base URL: the argument, else $CLINICGUIDE_CANONICAL_BASE, else the default."""
    chosen = base or os.environ.get(CANONICAL_BASE_ENV) or DEFAULT_CANONICAL_BASE
    if not chosen.startswith(("http://", "https://")):
        raise UsageError(f"canonical base {chosen!r} must be an http(s) URL")
    if not chosen.isprintable():
        # Bytes that are not UTF-8 on the command line (surrogate escapes) cannot be encoded in
        # the resource ids; control characters are no URL either.
        raise UsageError(f"canonical base {chosen!r} must be a URL of printable text")
    return chosen.rstrip("/")


@dataclass(frozen=True)
class Canonicals:
    """Canonical URLs of the artefacts derived from one guidance document."""

    base: str
    guidance: Guidance

    @functools.cached_property  # every DetectedIssue of a plan cites it
    def plan_definition(self) -> str:
        return f"{self.base}/PlanDefinition/{self.guidance.id}"

    @property
    def questionnaire(self) -> str:
        return f"{self.base}/Questionnaire/{self.guidance.id}-consent"

    @property
    def screening_questionnaire(self) -> str:
        return f"{self.base}/Questionnaire/{self.guidance.id}-screening"

    def activity_definition(self, regimen_id: str) -> str:
        return f"{self.base}/ActivityDefinition/{self.guidance.id}-{regimen_id}"

    @functools.cached_property  # every DetectedIssue of a plan codes with it
    def finding_system(self) -> str:
        return finding_system(self.base)

    @property
    def digest_system(self) -> str:
        return f"{self.base}/NamingSystem/library-digest"

    def versioned(self, url: str) -> str:
        return f"{url}|{self.guidance.version}"


def finding_system(base: str) -> str:
    """The canonical URL of the finding CodeSystem (:mod:`.codesystem`) under ``base``."""
    return f"{base}/CodeSystem/finding"


def publication_status(guidance: Guidance) -> str:
    """The FHIR PublicationStatus of an artefact derived from ``guidance``: the guidance's own
    status, whose codes (draft, active, retired) are PublicationStatus codes."""
    return guidance.status


def resource_id(seed: str, *parts: object) -> str:
    """A deterministic UUID for one resource of one output: ``uuid.uuid5(_NAMESPACE, seed/parts...)``.

    Written out here (SHA-1 of the namespace and the name, with the version and variant in
    their places) because a plan makes a score of ids and the uuid module's objects cost more
    than the hash.
    """
    text = hashlib.sha1(_NAMESPACE_BYTES + "/".join([seed, *map(str, parts)]).encode("utf-8")).hexdigest()
    return f"{text[:8]}-{text[8:12]}-5{text[13:16]}-{_VARIANT[text[16]]}{text[17:20]}-{text[20:32]}"


def copied(value: Any) -> Any:
    """A copy of JSON data (dicts, lists and values that cannot change) that shares no dict or list with it."""
    kind = type(value)
    if kind is dict:
        return {key: copied(item) for key, item in value.items()}
    if kind is list:
        return [copied(item) for item in value]
    return value


def urn(ident: str) -> str:
    return f"urn:uuid:{ident}"


def at(date: dt.date, offset: Duration) -> str:
    """The calendar date ``offset`` after ``date`` (hours round down to whole days).

    Duration.after() does both (a date plus a timedelta counts its whole days) and stops at
    the calendar's ends, which adding the days here would overflow for a huge offset.
    """
    return offset.after(date).isoformat()


def period(date: dt.date, start: Duration, lasts: Duration | None) -> dict[str, str]:
    begin = at(date, start)
    if lasts is None:
        return {"start": begin}
    total = Duration(start.value + _in_unit(lasts, start.unit), start.unit)
    return {"start": begin, "end": at(date, total)}


def _in_unit(duration: Duration, unit: str) -> float:
    if duration.unit == unit:
        return duration.value
    return duration.timedelta() / Duration(1, unit).timedelta()


def subject_reference(patient_id: str | None) -> dict[str, str]:
    return {"reference": f"Patient/{patient_id}"} if patient_id else {"display": "patient (no id given)"}


def codeable(text: str, coding: dict[str, Any] | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": text}
    if coding:
        concept["coding"] = [coding]
    return concept
