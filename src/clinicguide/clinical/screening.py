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
from .answers import Answers
from .criteria import UNKNOWN, Conflict, Context, Truth, applies, evaluate, with_answer
from .dosing import proposal_findings
from .findings import Decision, Finding, worst
from .label import LabelStatus, label_status
from .patient import PatientRecord
from .proposal import Proposal


@dataclass(frozen=True, slots=True)
class NotApplicable:
    """A contraindication that cannot apply to this patient, with the data or answer that decided it."""

    item: str
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Screening:
    """The decision for one guidance, patient, proposal and date, with its findings.

    ``monitoring`` holds the guidance's monitoring items that apply to the patient;
    ``addresses`` the references of the patient's present Condition records that match a
    coded indication; ``not_applicable`` the contraindications that cannot apply to the
    patient (no finding, no question); ``answered_by`` and ``answered_at`` who gave the
    answers and when, where the host said. ``label`` is the proposal's label status:
    ``on-label``, ``off-label``, or ``not judged`` (no indication given, or none that decides it).
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
    not_applicable: tuple[NotApplicable, ...] = ()
    answered_by: str | None = None
    answered_at: dt.date | None = None


@dataclass(frozen=True, slots=True)
class ItemScreening:
    """What one contraindication gives: its findings, or why it cannot apply."""

    findings: tuple[Finding, ...] = ()
    not_applicable: NotApplicable | None = None


def findings_for(guidance: Guidance, record: PatientRecord, date: dt.date, answers: Mapping[str, bool],
                 proposal: Proposal | None) -> list[Finding]:
    """Contraindication and proposal findings, in guidance order; answers already checked."""
    ctx = Context(record, date, answers)
    findings = [f for item in guidance.contraindications for f in screen_item(guidance, item, ctx).findings]
    if proposal is not None:
        findings += proposal_findings(guidance, record, proposal, date)
    return findings


def decide(guidance: Guidance, record: PatientRecord, date: dt.date, answers: Mapping[str, bool], proposal: Proposal | None,
           findings: Iterable[Finding]) -> Screening:
    """The screening result of ``findings`` (the built-in ones and any plugin's)."""
    found = tuple(findings)
    ctx = Context(record, date, answers)
    by, at = (answers.by, answers.at) if isinstance(answers, Answers) else (None, None)
    return Screening(guidance, worst(f.outcome for f in found), found, date, answers, proposal,
                     applicable_monitoring(guidance, ctx), addressed_conditions(guidance, record),
                     label=label_status(guidance, proposal, found), not_applicable=not_applicable(guidance, ctx),
                     answered_by=by, answered_at=at)



def not_applicable(guidance: Guidance, ctx: Context) -> tuple[NotApplicable, ...]:
    """The contraindications that cannot apply to this patient, in guidance order.

    As :func:`screen_item` decides: only an item with an applicability known false, and
    whose own criterion is not known true. An item without ``applies_to`` applies to everyone.
    """
    found = []
    for item in guidance.contraindications:
        if item.applies_to is None:
            continue
        scope = applies(item.applies_to, ctx)
        if scope.value is False and not _item_truth(item, ctx).value:
            found.append(NotApplicable(item.id, scope.evidence))
    return tuple(found)


def applicable_monitoring(guidance: Guidance, ctx: Context) -> tuple[MonitoringItem, ...]:
    """Monitoring that applies to this patient: kept unless its criterion is known false."""
    return tuple(m for m in guidance.monitoring if m.applies_to is None or applies(m.applies_to, ctx).value is not False)


def addressed_conditions(guidance: Guidance, record: PatientRecord) -> tuple[str, ...]:
    """The patient's own present Condition records that match a coded indication."""
    codes = {i.code.key for i in guidance.indications if i.code}
    return tuple(f.ref for f in record.conditions
                 if f.state == "present" and f.codes & codes and f.ref.startswith("Condition/"))


#: The applicability of an item without ``applies_to``: it applies to every patient.
_EVERYONE = Truth(True)


def screen_item(guidance: Guidance, item: Contraindication, ctx: Context) -> ItemScreening:
    """One contraindication: the record first, then the answers, then whether it can apply.

    A criterion the record (or a "yes") shows true always gives its finding, whoever it seems
    not to apply to: a recorded pregnancy shows that the patient can become pregnant. Only a
    criterion that is not known true is dropped when it cannot apply.
    """
    truth = _item_truth(item, ctx)
    scope = applies(item.applies_to, ctx) if item.applies_to is not None else _EVERYONE
    conflicts = truth.conflicts
    if truth.value and truth.from_record and scope.value is False and not scope.from_record and item.applies_to:
        # "Cannot become pregnant" against a recorded pregnancy: the record stands, as for any "no".
        conflicts += (Conflict(item.applies_to.id or item.id, scope.evidence[0], truth.evidence),)
    noted = tuple(_conflict(guidance, item, c) for c in conflicts) if conflicts else ()
    if truth.value:
        return ItemScreening((_finding(guidance, item, truth, scope),) + noted)
    if scope.value is False:
        return ItemScreening(noted, NotApplicable(item.id, scope.evidence))
    if truth.value is False:
        return ItemScreening(noted)
    return ItemScreening((_finding(guidance, item, truth, scope),) + noted)


def _item_truth(item: Contraindication, ctx: Context) -> Truth:
    truth = evaluate(item.criterion, ctx) if item.criterion is not None else UNKNOWN
    if item.id in ctx.answers:
        return with_answer(item.id, ctx.answers[item.id], truth, ctx.answers)
    return truth


def _finding(guidance: Guidance, item: Contraindication, truth: Truth, scope: Truth) -> Finding:
    absolute = item.severity == "absolute"
    outcome: Decision
    if truth.value:
        code, outcome = ("contraindicated", "contraindicated") if absolute else ("relative-contraindication", "caution")
        return Finding(code, outcome, item.id, guidance.ref, f"{item.text} ({item.severity} contraindication)",
                       item.sources, truth.evidence)
    code, outcome = ("needs-answer", "needs-information") if absolute else ("relative-unknown", "caution")
    message = f"Not known from the record: {item.text} ({item.severity} contraindication)"
    if scope.value is None and item.applies_question:
        # Either answer settles it: the contraindication itself, or whether it can apply at all.
        ident = item.applies_to.id if item.applies_to is not None else None
        message += (f" It applies only to some patients, and the record cannot say whether to this one; ask: "
                    f"{item.applies_question}" + (f" (answer {ident})" if ident else ""))
    return Finding(code, outcome, item.id, guidance.ref, message, item.sources, truth.evidence + scope.evidence,
                   item.question)


def _conflict(guidance: Guidance, item: Contraindication, conflict: Conflict) -> Finding:
    records = "; ".join(conflict.records)
    message = (f"{conflict.answer[0].upper()}{conflict.answer[1:]} contradicts the record ({records}). The recorded "
               f"finding on {item.id} stands; to clear this conflict, correct the record.")
    return Finding("record-conflict", "needs-information", item.id, guidance.ref, message, item.sources,
                   conflict.records + (conflict.answer,))
