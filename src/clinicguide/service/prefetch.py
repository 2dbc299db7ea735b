"""Prefetch templates derived from what the guidance criteria read.

Each template asks for one resource type of the patient, narrowed to the codes some criterion,
regimen or weight-based range of the library tests, so the EHR sends the minimum necessary:
the decision engine reads nothing else. Conditions, medications, observations and allergies
by code; MedicationAdministration only when a maximum sums doses over a period; the
QuestionnaireResponses to the screening questionnaires; and the Patient itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..content.criteria_kinds import AllergyTest, ConditionTest, Criterion, MedicationTest, ObservationTest
from ..content.library import Library
from ..content.model import Guidance
from ..content.values import Coding
from ..fhir.common import Canonicals

PATIENT_TOKEN = "{{context.patientId}}"
BODY_WEIGHT = ("http://loinc.org", "29463-7")


@dataclass(frozen=True)
class Template:
    """One prefetch key: the resource type it returns and its FHIR query."""

    key: str
    resource_type: str
    query: str

    def for_patient(self, patient_id: str) -> str:
        return self.query.replace(PATIENT_TOKEN, patient_id)


def _criteria(guidance: Guidance) -> Iterator[Criterion]:
    roots: list[Criterion | None] = [c.criterion for c in guidance.contraindications]
    roots += [c.applies_to for c in guidance.contraindications] + [m.applies_to for m in guidance.monitoring]
    pending = [c for c in roots if c is not None]
    while pending:
        criterion = pending.pop()
        yield criterion
        pending.extend(criterion.parts())


def _keys(codings: Iterable[Coding]) -> set[tuple[str, str]]:
    return {c.key for c in codings}


def _codes(keys: Iterable[tuple[str, str]]) -> str:
    return ",".join(sorted(f"{system}|{code}" for system, code in keys))


def templates(library: Library, base: str) -> tuple[Template, ...]:
    """The prefetch templates for every guidance in ``library``, in a fixed order."""
    conditions: set[tuple[str, str]] = set()
    medications: set[tuple[str, str]] = set()
    observations: set[tuple[str, str]] = set()
    allergies: set[tuple[str, str]] = set()
    administered: set[tuple[str, str]] = set()
    questionnaires: set[str] = set()
    for guidance in library:
        questionnaires.add(Canonicals(base, guidance).screening_questionnaire)
        for criterion in _criteria(guidance):
            if isinstance(criterion, ConditionTest):
                conditions.update(_keys(criterion.codes))
            elif isinstance(criterion, MedicationTest):
                medications.update(_keys(criterion.codes))
            elif isinstance(criterion, ObservationTest):
                observations.add(criterion.code.key)
            elif isinstance(criterion, AllergyTest):
                allergies.update(_keys(criterion.codes))
        for regimen in guidance.regimens:
            medications.update(_keys(regimen.codes))  # running courses and earlier courses
            if any(m.per == "period" for m in regimen.maximums):
                administered.update(_keys(regimen.codes))
            if any("/kg" in r.unit for r in regimen.ranges) or any("/kg" in m.unit for m in regimen.maximums):
                observations.add(BODY_WEIGHT)
    found = [Template("patient", "Patient", f"Patient/{PATIENT_TOKEN}")]
    for key, kind, codes in (("conditions", "Condition", conditions),
                             ("medicationStatements", "MedicationStatement", medications),
                             ("medicationRequests", "MedicationRequest", medications),
                             ("medicationAdministrations", "MedicationAdministration", administered),
                             ("observations", "Observation", observations), ("allergies", "AllergyIntolerance", allergies)):
        if codes:
            found.append(Template(key, kind, f"{kind}?patient={PATIENT_TOKEN}&code={_codes(codes)}"))
    found.append(Template("screeningResponses", "QuestionnaireResponse",
                          f"QuestionnaireResponse?patient={PATIENT_TOKEN}&questionnaire={','.join(sorted(questionnaires))}"))
    return tuple(found)
