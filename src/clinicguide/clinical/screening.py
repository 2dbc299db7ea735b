"""Screening one patient against one guidance: contraindications, the proposal, and the result.

The built-in findings (:func:`findings_for`) are what the screening plugin contributes;
:func:`decide` turns every plugin's findings into the :class:`Screening`, with what the
result implies for the plan: the monitoring that applies and the conditions it addresses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..content.model import Contraindication, Guidance, MonitoringItem
from .criteria import Context, Truth, answered, evaluate
from .dosing import proposal_findings
from .findings import Decision, Finding, worst
from .label import LabelStatus, label_status
from .patient import PatientRecord
from .proposal import Proposal


@dataclass(frozen=True, slots=True)
class Screening:
    """The decision for one guidance, patient, proposal and date, with its findings.

    ``monitoring`` holds the guidance's monitoring items that apply to the patient;
    ``addresses`` the references of the patient's present Condition records that match a
    coded indication. ``label`` is the proposal's label status: ``on-label``, ``off-label``,
    or ``not judged`` (no indication given, or none that decides it).
    """

    guidance: Guidance
    decision: Decision
    findings: tuple[Finding, ...]
    date: dt.date
    answers: Mapping[str, bool]
    proposal: Proposal | None
    monitoring: tuple[MonitoringItem, ...]
    addresses: tuple[str, ...]
    label: LabelStatus = "not judged"
    answered_by: str | None = None  # who gave the answers (a reference such as Practitioner/x, or a name)
    answered_at: dt.date | None = None  # when; the procedure date when not given


def findings_for(guidance: Guidance, record: PatientRecord, date: dt.date, answers: Mapping[str, bool],
                 proposal: Proposal | None) -> list[Finding]:
    """Contraindication and proposal findings, in guidance order; answers already checked."""
    ctx = Context(record, date, answers)
    findings = [f for item in guidance.contraindications if (f := _contraindication(guidance, item, ctx)) is not None]
    if proposal is not None:
        findings += proposal_findings(guidance, record, proposal, date)
    return findings


def decide(guidance: Guidance, record: PatientRecord, date: dt.date, answers: Mapping[str, bool], proposal: Proposal | None,
           findings: Iterable[Finding]) -> Screening:
    """The screening result of ``findings`` (the built-in ones and any plugin's)."""
    found = tuple(findings)
    return Screening(guidance, worst(f.outcome for f in found), found, date, answers, proposal,
                     applicable_monitoring(guidance, Context(record, date, answers)), addressed_conditions(guidance, record),
                     label=label_status(guidance, proposal, found))


def applicable_monitoring(guidance: Guidance, ctx: Context) -> tuple[MonitoringItem, ...]:
    """Monitoring that applies to this patient: kept unless its criterion is known false."""
    return tuple(m for m in guidance.monitoring if m.applies_to is None or evaluate(m.applies_to, ctx).value is not False)


def addressed_conditions(guidance: Guidance, record: PatientRecord) -> tuple[str, ...]:
    """The patient's own present Condition records that match a coded indication."""
    codes = {i.code.key for i in guidance.indications if i.code}
    return tuple(f.ref for f in record.conditions
                 if f.state == "present" and f.codes & codes and f.ref.startswith("Condition/"))


def _contraindication(guidance: Guidance, item: Contraindication, ctx: Context) -> Finding | None:
    if item.id in ctx.answers:
        truth = answered(item.id, ctx.answers[item.id])
    elif item.criterion is not None:
        truth = evaluate(item.criterion, ctx)
    else:
        truth = Truth(None)
    if truth.value is False:
        return None
    absolute = item.severity == "absolute"
    outcome: Decision
    if truth.value:
        code, outcome = ("contraindicated", "contraindicated") if absolute else ("relative-contraindication", "caution")
        message = f"{item.text} ({item.severity} contraindication)"
        question = None
    else:
        code, outcome = ("needs-answer", "needs-information") if absolute else ("relative-unknown", "caution")
        message = f"Not known from the record: {item.text} ({item.severity} contraindication)"
        question = item.question
    return Finding(code, outcome, item.id, guidance.ref, message, item.sources, truth.evidence, question)
