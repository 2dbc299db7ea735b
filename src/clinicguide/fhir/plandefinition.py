"""The computable PlanDefinition of a guidance document.

Its shape follows the FHIR clinical-reasoning module and, as far as it fits without CQL, the
CPG-on-FHIR computable PlanDefinition: a ``type`` (clinical-protocol); one action per
contraindication whose applicability ``condition`` is the criterion in FHIRPath over the
patient's Bundle (see :mod:`.expressions`), with the data it reads as ``input`` and a nested
action that asks the screening questionnaire's question when the record leaves it unknown; the
consent checklist; the regimens (their ActivityDefinitions carry the doses); then what comes
before treatment, aftercare and monitoring. ``docs/fhir-export.md`` says what is not covered.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..clinical.questions import questions_in
from ..content.criteria_kinds import (
    AllergyTest,
    ConditionTest,
    Criterion,
    MedicationTest,
    ObservationTest,
)
from ..content.model import Contraindication, Guidance
from .citations import citation, citations, computable_name
from .common import Canonicals, FhirVersion, publication_status, resource_id
from .expressions import DATE, fhirpath

PLAN_TYPE = {"system": "http://terminology.hl7.org/CodeSystem/plan-definition-type", "code": "clinical-protocol",
             "display": "Clinical Protocol"}
_RESOURCE_TYPES = {"R4": "http://hl7.org/fhir/resource-types", "R5": "http://hl7.org/fhir/fhir-types"}
VARIABLE = "http://hl7.org/fhir/StructureDefinition/variable"
FHIRPATH = "text/fhirpath"
#: The resource types each kind of test reads from the patient's Bundle.
_READS: dict[type[Criterion], str] = {ConditionTest: "Condition", MedicationTest: "MedicationStatement",
                                      ObservationTest: "Observation", AllergyTest: "AllergyIntolerance"}


def _expression(text: str, description: str) -> dict[str, Any]:
    return {"description": description, "language": FHIRPATH, "expression": text}


def _tests(criterion: Criterion | None) -> Iterator[Criterion]:
    if criterion is None:
        return
    if type(criterion) in _READS:
        yield criterion
    for part in criterion.parts():
        yield from _tests(part)


def _inputs(item: Contraindication, version: FhirVersion) -> list[dict[str, Any]]:
    """The records the item's criteria read, by type and code, and the patient and the answers."""
    requirements: list[dict[str, Any]] = [{"type": "Patient"}]
    for test in [*_tests(item.criterion), *_tests(item.applies_to)]:
        codes = [test.code] if isinstance(test, ObservationTest) else list(getattr(test, "codes", ()))
        requirement: dict[str, Any] = {"type": _READS[type(test)]}
        if codes:
            # The search parameter, which every type read here names "code" in R4 and R5 alike (the
            # element differs: a medication's is medication[x] in R4, a CodeableReference in R5).
            requirement["codeFilter"] = [{"searchParam": "code", "code": [
                {"system": c.system, "code": c.code, "display": c.display} for c in codes]}]
        if requirement not in requirements:
            requirements.append(requirement)
        if isinstance(test, MedicationTest):  # the reader takes courses from requests as well as statements
            request = {**requirement, "type": "MedicationRequest"}
            if request not in requirements:
                requirements.append(request)
    requirements.append({"type": "QuestionnaireResponse"})
    if version == "R4":
        return requirements
    return [{"requirement": r} for r in requirements]


def _contraindication(guidance: Guidance, item: Contraindication, canon: Canonicals, version: FhirVersion) -> dict[str, Any]:
    criterion = fhirpath(item.criterion) if item.criterion is not None else None
    applies = fhirpath(item.applies_to) if item.applies_to is not None else None
    action: dict[str, Any] = {
        "id": item.id,
        "title": f"{item.severity.capitalize()} contraindication: {item.text}",
        "description": item.question,
        "documentation": citations(guidance, item.sources, version),
    }
    if criterion is not None:
        action["condition"] = [{"kind": "applicability", "expression": _expression(
            criterion, f"{item.id} holds on the record (empty: unknown)")}]
    action["input"] = _inputs(item, version)
    # When to ask: the record leaves the item unknown and it can apply. Stated only when every part
    # of it can be: a condition an engine cannot evaluate faithfully is left out, not approximated.
    ask: str | None = None
    if (item.criterion is None or criterion is not None) and (item.applies_to is None or applies is not None):
        parts = ([f"({criterion}).empty()"] if criterion else []) + (
            [f"({applies}).where($this = false).empty()"] if applies else [])
        ask = " and ".join(parts) or None
    nested = [q.id for q in questions_in(item.criterion)]
    question: dict[str, Any] = {
        "id": f"{item.id}-ask",
        "title": f"Ask: {item.question}",
        "description": f"Screening questionnaire item {item.id}; a yes makes the contraindication hold."
                       + (f" Its questions {', '.join(nested)} are items there too." if nested else ""),
        "definitionCanonical": canon.versioned(canon.screening_questionnaire),
    }
    if ask is not None:
        question["condition"] = [{"kind": "applicability", "expression": _expression(
            ask, f"the record leaves {item.id} unknown" + (" and it can apply" if item.applies_to else ""))}]
    action["action"] = [question]
    return action


def plan_definition(guidance: Guidance, canon: Canonicals, version: FhirVersion) -> dict[str, Any]:
    actions: list[dict[str, Any]] = []
    if guidance.contraindications:
        actions.append({"id": "screening", "title": "Screen for contraindications", "groupingBehavior": "logical-group",
                        "selectionBehavior": "all",
                        "action": [_contraindication(guidance, c, canon, version) for c in guidance.contraindications]})
    if guidance.consent:
        actions.append({"id": "consent", "title": "Consent checklist",
                        "description": "Every statement acknowledged before treatment.",
                        "definitionCanonical": canon.versioned(canon.questionnaire)})
    if guidance.regimens:
        actions.append({"id": "regimens", "title": "Regimen", "selectionBehavior": "at-most-one", "action": [
            {"id": r.id, "title": r.title, "description": f"{r.label} regimen",
             "definitionCanonical": canon.versioned(canon.activity_definition(r.id)),
             "documentation": citations(guidance, r.sources, version)} for r in guidance.regimens]})
    if guidance.prerequisites:
        actions.append({"id": "before-treatment", "title": "Before treatment",
                        "action": [{"id": p.id, "title": p.text,
                                    "documentation": citations(guidance, p.sources, version)} for p in guidance.prerequisites]})
    if guidance.aftercare:
        actions.append({"id": "aftercare", "title": "Aftercare", "action": [
            {"id": a.id, "title": f"{a.category}: {a.text}",
             "description": f"from {a.start}" + (f" for {a.lasts}" if a.lasts else ""),
             "documentation": citations(guidance, a.sources, version)} for a in guidance.aftercare]})
    if guidance.monitoring:
        actions.append({"id": "monitoring", "title": "Monitoring", "action": [
            {"id": m.id, "title": m.text, "description": m.timing,
             "documentation": citations(guidance, m.sources, version)} for m in guidance.monitoring]})
    resource: dict[str, Any] = {
        "resourceType": "PlanDefinition",
        "id": resource_id(canon.plan_definition, guidance.version, version),
        "extension": [{"url": VARIABLE, "valueExpression": {
            "name": DATE.lstrip("%"), "language": FHIRPATH, "expression": "today().toString()",
            "description": "The procedure date (YYYY-MM-DD); pass the planned date when it is not today."}}],
        "url": canon.plan_definition,
        "version": guidance.version,
        "name": computable_name(guidance.id),
        "title": guidance.title,
        "type": {"coding": [PLAN_TYPE]},
        "status": publication_status(guidance),
        "date": guidance.changelog[0].date.isoformat(),
        "subjectCodeableConcept": {"coding": [{"system": _RESOURCE_TYPES[version], "code": "Patient", "display": "Patient"}]},
        "relatedArtifact": [citation(s, version) for s in guidance.sources],
        "action": actions,
    }
    if guidance.summary:
        resource["description"] = guidance.summary
    if guidance.review.approved:
        resource["approvalDate"] = guidance.review.approved.isoformat()
    return resource
