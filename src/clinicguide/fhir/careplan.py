"""The CarePlan: the proposed intervention, pre-treatment requirements, aftercare and monitoring.

R4 describes activities inline (``activity.detail``); R5 removed that, so R5 activities are
contained Task, ServiceRequest or MedicationRequest resources the plan references.
"""

from __future__ import annotations

from typing import Any

from ..clinical.screening import Screening
from ..content.model import AftercareItem, MonitoringItem
from ..units import TIME_UNITS
from .common import Canonicals, FhirVersion, at, codeable, period


def _timing(item: MonitoringItem, screening: Screening) -> dict[str, Any]:
    timing: dict[str, Any] = {"code": {"text": item.timing}}
    if item.at:
        timing["event"] = [at(screening.date, offset) for offset in item.at]
    if item.every and item.every.unit in TIME_UNITS:  # each is also a FHIR UnitsOfTime code
        timing["repeat"] = {"frequency": 1, "period": item.every.value, "periodUnit": item.every.unit}
    return timing


def _proposal_text(screening: Screening) -> str:
    proposal = screening.proposal
    if proposal is None:
        return ""
    values = ", ".join(f"{name} {value}" for name, value in proposal.values())
    return f" Proposed: {values}." if values else ""


class _Activities:
    """Collects activities in the shape of one FHIR version."""

    def __init__(self, version: FhirVersion, subject: dict[str, str]) -> None:
        self.version, self.subject = version, subject
        self.activities: list[dict[str, Any]] = []
        self.contained: list[dict[str, Any]] = []

    def add(self, ident: str, kind: str, label: str, text: str, *, period_: dict[str, str] | None = None,
            timing: dict[str, Any] | None = None, coding: dict[str, Any] | None = None, do_not_perform: bool = False) -> None:
        if self.version == "R4":
            detail: dict[str, Any] = {"kind": kind, "code": codeable(label, coding), "status": "not-started", "description": text}
            if period_:
                detail["scheduledPeriod"] = period_
            if timing:
                detail["scheduledTiming"] = timing
            if do_not_perform:
                detail["doNotPerform"] = True
            self.activities.append({"detail": detail})
            return
        resource: dict[str, Any] = {"resourceType": kind, "id": ident, "status": "draft", "intent": "proposal"}
        if kind == "Task":
            resource.update({"code": codeable(label, coding), "description": text, "for": self.subject})
            if period_:
                resource["requestedPeriod"] = period_
        else:
            concept = codeable(label, coding)
            resource.update({"subject": self.subject, "note": [{"text": text}]})
            if kind == "MedicationRequest":
                resource["medication"] = {"concept": concept}
            else:
                resource["code"] = {"concept": concept}
            if timing:
                resource["occurrenceTiming"] = timing
            elif period_:
                resource["effectiveDosePeriod" if kind == "MedicationRequest" else "occurrencePeriod"] = period_
        if do_not_perform:
            resource["doNotPerform"] = True
        self.contained.append(resource)
        self.activities.append({"plannedActivityReference": {"reference": f"#{ident}"}})


def _aftercare_text(item: AftercareItem) -> str:
    return f"Aftercare ({item.category}): {item.text}"


def build_careplan(screening: Screening, ident: str, subject: dict[str, str], canon: Canonicals, version: FhirVersion,
                   issue_refs: list[str]) -> dict[str, Any]:
    guidance = screening.guidance
    acts = _Activities(version, subject)
    kind = "MedicationRequest" if guidance.kind == "medication" else "ServiceRequest"
    day = {"start": screening.date.isoformat(), "end": screening.date.isoformat()}
    acts.add("intervention", kind, guidance.title,
             f"{guidance.title}.{_proposal_text(screening)} Decision: {screening.decision}.",
             period_=day, do_not_perform=screening.decision == "contraindicated")
    for item in guidance.prerequisites:
        acts.add(item.id, "Task", "Before treatment", f"Before treatment: {item.text}",
                 period_={"end": screening.date.isoformat()})
    for care in guidance.aftercare:
        acts.add(care.id, "Task", f"Aftercare: {care.category}", _aftercare_text(care),
                 period_=period(screening.date, care.start, care.lasts))
    for mon in screening.monitoring:
        coding = {"system": mon.code.system, "code": mon.code.code, "display": mon.code.display} if mon.code else None
        acts.add(mon.id, "ServiceRequest" if mon.kind == "lab" else "Task", f"Monitoring: {mon.kind}",
                 f"Monitoring ({mon.kind}): {mon.text}", timing=_timing(mon, screening) if mon.kind == "lab" else None,
                 period_=None if mon.kind == "lab" else _first_period(mon, screening), coding=coding)
    plan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": ident,
        "status": "draft",
        "intent": "proposal",
        "instantiatesCanonical": [canon.versioned(canon.plan_definition)],
        "title": guidance.title,
        "description": f"Decision: {screening.decision} ({len(screening.findings)} finding(s)) per {guidance.ref}.",
        "subject": subject,
        "created": screening.date.isoformat(),
        "activity": acts.activities,
    }
    if acts.contained:
        plan["contained"] = acts.contained
    if screening.addresses:
        plan["addresses"] = ([{"reference": r} for r in screening.addresses] if version == "R4"
                             else [{"reference": {"reference": r}} for r in screening.addresses])
    if issue_refs:
        plan["supportingInfo"] = [{"reference": r} for r in issue_refs]
    return plan


def _first_period(item: MonitoringItem, screening: Screening) -> dict[str, str] | None:
    if not item.at:
        return None
    return period(screening.date, item.at[0], None)
