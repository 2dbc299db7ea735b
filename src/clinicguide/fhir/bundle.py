"""Assembling a plan's resources into one collection Bundle, with deterministic ids."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..canonical import sha256
from ..clinical.patient import PatientRecord
from ..clinical.screening import Screening
from .careplan import build_careplan
from .common import Canonicals, FhirVersion, resource_id, subject_reference, urn
from .consent_draft import build_consent_draft
from .issues import build_issue
from .provenance import build_provenance
from .questionnaire import build_questionnaire
from .screening import build_answers_response


def _no_processing(kind: str, resource: dict[str, Any]) -> None:
    return None


@dataclass(frozen=True)
class BundleContext:
    """Everything a Bundle writer needs besides the decision and the patient."""

    canon: Canonicals
    version: FhirVersion
    digest: str
    agents: Sequence[str]
    amendments: Sequence[str] = ()
    #: runs the post-processing hooks: ``process("careplan", resource)``
    process: Callable[[str, dict[str, Any]], None] = field(default=_no_processing, compare=False)


def seed_of(screening: Screening, record: PatientRecord, version: FhirVersion, digest: str) -> str:
    """A digest of every input, so ids repeat exactly when the inputs do."""
    return sha256({
        "guidance": screening.guidance.ref, "record": record, "date": screening.date,
        "proposal": screening.proposal, "answers": dict(screening.answers),
        "answered": [screening.answered_by, screening.answered_at], "fhir": version, "digest": digest,
    })


def plan_bundle(screening: Screening, record: PatientRecord, context: BundleContext) -> dict[str, Any]:
    """CarePlan, consent checklist, the answers, DetectedIssues and Provenance in a collection Bundle."""
    canon, version = context.canon, context.version
    seed = seed_of(screening, record, version, context.digest)
    subject = subject_reference(record.id)
    issues = [f for f in screening.findings if f.outcome != "eligible"]
    issue_ids = [resource_id(seed, "DetectedIssue", n) for n in range(len(issues))]
    careplan_id = resource_id(seed, "CarePlan")
    questionnaire = build_questionnaire(screening.guidance, canon, version)
    careplan = build_careplan(screening, careplan_id, subject, canon, version, [urn(i) for i in issue_ids])
    answers = []
    if screening.answers:  # the answers the decision used, always in the output
        answers = [build_answers_response(screening, resource_id(seed, "QuestionnaireResponse"), subject, canon)]
        careplan.setdefault("supportingInfo", []).append({"reference": urn(answers[0]["id"])})
    # The checklist's conditions the screening settles (pregnancy cannot apply; the indication),
    # so the statements shown are those that apply to this patient.
    draft = build_consent_draft(screening, resource_id(seed, "QuestionnaireResponse", "consent"), subject, canon)
    context.process("careplan", careplan)
    context.process("questionnaire", questionnaire)
    resources = [careplan, questionnaire, *answers, *([draft] if draft else [])]
    resources += [build_issue(f, i, subject, screening.date, canon, version) for f, i in zip(issues, issue_ids, strict=True)]
    provenance_id = resource_id(seed, "Provenance")
    targets = [urn(r["id"]) for r in resources]
    resources.append(build_provenance(provenance_id, targets, screening.date, canon, context.digest,
                                      context.agents, context.amendments))
    return collection(seed, resources)


def collection(seed: str, resources: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A collection Bundle whose entries' fullUrls are ``urn:uuid:<resource id>``."""
    return {
        "resourceType": "Bundle",
        "id": resource_id(seed, "Bundle"),
        "type": "collection",
        "entry": [{"fullUrl": urn(r["id"]), "resource": r} for r in resources],
    }
