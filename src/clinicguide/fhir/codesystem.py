"""The CodeSystem of finding codes that DetectedIssue.code uses, published with the export."""

from __future__ import annotations

from typing import Any

from ..clinical.findings import FINDING_CODES

FINDING_SYSTEM_ID = "finding"


def finding_codesystem(url: str, software_version: str) -> dict[str, Any]:
    """Every finding code with what it means (the display DetectedIssue codings carry). Its id is the
    last part of its canonical URL, so the canonical resolves where the export is served at its base."""
    return {
        "resourceType": "CodeSystem",
        "id": FINDING_SYSTEM_ID,
        "url": url,
        "version": software_version,
        "name": "ClinicguideFinding",
        "title": "clinicguide finding codes",
        "status": "active",
        "description": "The reasons a clinicguide decision gives: each DetectedIssue.code is one of these.",
        "caseSensitive": True,
        "content": "complete",
        "count": len(FINDING_CODES),
        "concept": [{"code": code, "display": meaning, "definition": meaning} for code, meaning in FINDING_CODES.items()],
    }
