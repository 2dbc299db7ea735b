"""CDS Hooks cards: one per guidance per order, from the screening result.

The indicator follows the decision: ``critical`` for contraindicated; ``warning`` for
needs-information, caution, and any high-severity finding (a dose above the labelled range);
``info`` for eligible, saying what was checked. The summary stays under 140 characters; the
detail lists the known findings, then the open questions, each with its sources, and the
guidance ``id|version``. Card and suggestion uuids derive from the inputs, so the same call
gives the same cards.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from ..canonical import dumps
from ..clinical.findings import QUESTION_CODES, Finding
from ..clinical.screening import Screening
from ..content.model import Guidance
from ..fhir.common import Canonicals
from . import markdown as md
from .orders import MatchedOrder

SUMMARY_LIMIT = 140  # the specification: a summary of fewer than 140 characters
_NAMESPACE = uuid.UUID("6d1e5c2a-7f43-5b8e-a0c4-19e2b7d3f581")
_DECISION_TEXT = {"contraindicated": "Contraindicated", "needs-information": "Needs information",
                  "caution": "Caution", "eligible": "No contraindication found"}
OVERRIDE_REASONS = (
    ("record-out-of-date", "The patient record is incorrect or out of date"),
    ("benefit-outweighs-risk", "Clinical judgement: the benefit outweighs the risk"),
    ("already-addressed", "Already addressed with the patient"),
    ("not-proceeding", "The order will not go ahead"),
)


def indicator(screening: Screening) -> str:
    if screening.decision == "contraindicated":
        return "critical"
    if screening.decision != "eligible" or any(f.severity == "high" for f in screening.findings):
        return "warning"
    return "info"


def summary(screening: Screening, questions: int) -> str:
    title = screening.guidance.title
    decision = screening.decision
    if decision == "contraindicated":
        tail = "contraindicated for this patient"
    elif decision == "needs-information":
        tail = f"{questions} open question{'s' if questions != 1 else ''} before deciding"
    elif decision == "caution":
        tail = "proceed only with caution"
    else:
        tail = "no contraindication found in the record and answers"
    text = f"{title}: {tail}"
    if len(text) >= SUMMARY_LIMIT:
        text = f"{title[: SUMMARY_LIMIT - len(tail) - 6].rstrip()}...: {tail}"
    return text[: SUMMARY_LIMIT - 1]


def _sources(guidance: Guidance, ids: Sequence[str]) -> str:
    shown = []
    for source_id in ids:
        source = next((s for s in guidance.sources if s.id == source_id), None)
        if source is None:
            shown.append(md.text(source_id))
            continue
        label = source.title + (f" ({source.identifier})" if source.identifier and not source.url else "")
        shown.append(md.link(label, source.url))
    return "; ".join(shown) if shown else "none cited"


def _finding(guidance: Guidance, finding: Finding) -> str:
    parts = [f"- **{md.text(finding.code)}** ({md.text(finding.severity)}, {md.code(finding.item)}): {md.text(finding.message)}"]
    if finding.question:
        parts.append(f"  Ask: {md.text(finding.question)}")
    if finding.evidence:
        parts.append(f"  Record: {', '.join(md.text(e) for e in finding.evidence)}")
    parts.append(f"  Sources: {_sources(guidance, finding.sources)}")
    return "\n".join(parts)


def detail(matched: MatchedOrder, screening: Screening) -> str:
    guidance = screening.guidance
    known = [f for f in screening.findings if f.code not in QUESTION_CODES]
    questions = [f for f in screening.findings if f.code in QUESTION_CODES]
    lines = [(f"**{_DECISION_TEXT[screening.decision]}**: {md.text(guidance.title)} for {md.text(matched.reference)} "
             f"on {screening.date.isoformat()}, guidance {md.code(guidance.ref)} ({md.text(guidance.status)})."), ""]
    lines += ["**Known findings**", ""] + ([_finding(guidance, f) for f in known] or ["- none"]) + [""]
    lines += ["**Open questions**", ""] + ([_finding(guidance, f) for f in questions] or ["- none"]) + [""]
    checked = [f"{len(guidance.contraindications)} contraindications"]
    if matched.dose is not None:
        checked.append(f"the dose {md.text(str(matched.dose))}")
    checked += [f"{md.text(name)} {md.text(str(value))}" for name, value in sorted(matched.params.items())]
    if screening.label != "not judged":
        checked.append(f"label status {md.text(screening.label)}")
    lines.append(f"**Checked**: {', '.join(checked)}.")
    if screening.not_applicable:
        lines.append("**Cannot apply**: " + ", ".join(
            f"{md.code(n.item)} ({', '.join(md.text(e) for e in n.evidence)})" for n in screening.not_applicable) + ".")
    if matched.notes:
        lines.append("**Not checked**: " + "; ".join(md.text(n) for n in matched.notes) + ".")
    lines += ["", f"Guidance {md.code(guidance.ref)} is reference content for clinicians to review; it does not replace one."]
    return "\n".join(lines)


def card_uuid(service_id: str, hook_instance: str, matched: MatchedOrder, screening: Screening) -> str:
    """A uuid from the inputs: the call, the order, the guidance and what was decided."""
    basis = [service_id, hook_instance, matched.reference, screening.guidance.ref, matched.proposed(),
             screening.date.isoformat(), screening.decision, [[f.code, f.item, list(f.evidence)] for f in screening.findings]]
    return str(uuid.uuid5(_NAMESPACE, dumps(basis)))


def build_card(service_id: str, hook_instance: str, patient_id: str, matched: MatchedOrder, screening: Screening,
               canonical_base: str, public_url: str) -> dict[str, Any]:
    """One card for one order and one guidance."""
    guidance = screening.guidance
    canonicals = Canonicals(canonical_base, guidance)
    questions = sum(1 for f in screening.findings if f.code in QUESTION_CODES)
    identifier = card_uuid(service_id, hook_instance, matched, screening)
    card: dict[str, Any] = {
        "uuid": identifier,
        "summary": summary(screening, questions),
        "indicator": indicator(screening),
        "detail": detail(matched, screening),
        "source": {"label": f"clinicguide: {guidance.title} {guidance.version}", "url": canonicals.plan_definition,
                   "topic": {"system": f"{canonical_base}/CodeSystem/guidance", "code": guidance.id,
                             "display": guidance.title}},
        "overrideReasons": [{"system": f"{canonical_base}/CodeSystem/override-reason", "code": code, "display": display}
                            for code, display in OVERRIDE_REASONS],
        "links": [{"label": f"Screening questions: {guidance.title}", "type": "absolute",
                   "url": f"{public_url}/guidance/{guidance.id}/{guidance.version}/screening-questionnaire"},
                  *_document_links(guidance, screening, public_url)],
    }
    if screening.decision in ("eligible", "caution"):
        card["suggestions"] = [_consent_task(identifier, patient_id, matched, canonicals)]
        card["selectionBehavior"] = "at-most-one"
    return card


def _document_links(guidance: Guidance, screening: Screening, public_url: str) -> list[dict[str, str]]:
    """The patient's consent form and aftercare handout, dated from the procedure date (blank, no patient data in the URL)."""
    base = f"{public_url}/guidance/{guidance.id}/{guidance.version}/documents"
    date = screening.date.isoformat()
    return [{"label": f"{label}: {guidance.title}", "type": "absolute", "url": f"{base}/{kind}?date={date}&format=pdf"}
            for kind, label in (("consent", "Consent form (PDF)"), ("aftercare", "Aftercare handout (PDF)"))]


def _consent_task(card: str, patient_id: str, matched: MatchedOrder, canonicals: Canonicals) -> dict[str, Any]:
    """Adding a task to complete the consent checklist changes no order: safe to suggest."""
    guidance = canonicals.guidance
    task: dict[str, Any] = {
        "resourceType": "Task", "status": "requested", "intent": "order",
        "code": {"text": "Complete the consent checklist"},
        "description": f"Complete the consent checklist for {guidance.title} ({guidance.ref}) before treatment",
        "for": {"reference": f"Patient/{patient_id}"},
        "input": [{"type": {"text": "consent checklist"}, "valueCanonical": canonicals.versioned(canonicals.questionnaire)}],
    }
    if "/" in matched.reference and not matched.reference.startswith("context."):
        task["basedOn"] = [{"reference": matched.reference}]
    return {"label": "Add a task: complete the consent checklist", "uuid": str(uuid.uuid5(_NAMESPACE, f"{card}|consent-task")),
            "isRecommended": True,
            "actions": [{"type": "create", "description": "Create a Task to complete the consent checklist", "resource": task}]}
