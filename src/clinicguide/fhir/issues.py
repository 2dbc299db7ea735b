"""A DetectedIssue for each finding that is not plain eligibility."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..clinical.findings import FINDING_CODES, Finding
from .common import Canonicals, FhirVersion


def _implicated(finding: Finding) -> list[dict[str, str]]:
    """References to the patient's records that triggered the finding (``Type/id`` only).

    Evidence names a record with the date it speaks for, ``Observation/x (2026-11-18)``.
    """
    refs = [e.split(" (", 1)[0] for e in finding.evidence]
    refs = [r for r in refs if "/" in r and " " not in r and r[0].isupper()]
    return [{"reference": ref} for ref in dict.fromkeys(refs)]


def build_issue(finding: Finding, ident: str, subject: dict[str, str], date: dt.date, canon: Canonicals,
                version: FhirVersion) -> dict[str, Any]:
    detail = finding.message + (f" Ask: {finding.question}" if finding.question else "")
    detail += f" Sources: {', '.join(finding.sources)}. Guidance item {finding.item} of {finding.guidance}."
    issue: dict[str, Any] = {
        "resourceType": "DetectedIssue",
        "id": ident,
        "status": "final",
        "code": {"coding": [{"system": canon.finding_system, "code": finding.code, "display": FINDING_CODES[finding.code]}],
                 "text": finding.code},
        "severity": finding.severity,
        "identifiedDateTime": date.isoformat(),
        "detail": detail,
        "reference": canon.versioned(canon.plan_definition),
    }
    issue["patient" if version == "R4" else "subject"] = subject
    if implicated := _implicated(finding):
        issue["implicated"] = implicated
    return issue
