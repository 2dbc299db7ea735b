"""An independent FHIRPath engine (fhirpathpy) agrees with clinicguide on every exported condition.

The exported PlanDefinitions state each contraindication that FHIRPath can express as an
applicability condition over the patient's Bundle, and when to ask its question as the
condition of a nested action. For every content case's patient, fhirpathpy evaluates both
expressions of each action (R4 and R5 exports) and clinicguide evaluates the same criterion on
the record read from the same Bundle, with no answers: the three values must agree. A case
whose patient is the plain mapping is first written as the FHIR Bundle it stands for (what the
criteria read: the patient, conditions, allergies, medications and observations).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fhirpathpy import compile as fhirpath_compile

from clinicguide.clinical.criteria import Context, evaluate
from clinicguide.clinical.readers import from_bundle
from clinicguide.errors import ClinicguideError
from clinicguide.guide import ClinicGuide

ROOT = Path(__file__).resolve().parents[2]
CASES = sorted((ROOT / "tests" / "content" / "cases").glob("*/*.json"))
_CLINICAL = {"Condition": "http://terminology.hl7.org/CodeSystem/condition-clinical",
             "AllergyIntolerance": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"}
_VERIFICATION = {"Condition": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                 "AllergyIntolerance": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"}


def _concept(text: str) -> dict[str, Any]:
    system, code = text.rsplit("|", 1)
    return {"coding": [{"system": system, "code": code}]}


def _condition(kind: str, item: dict[str, Any], index: int) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": kind, "id": item.get("id") or f"{kind.lower()}-{index}",
        "clinicalStatus": {"coding": [{"system": _CLINICAL[kind], "code": item.get("status", "active")}]},
        "verificationStatus": {"coding": [{"system": _VERIFICATION[kind], "code": item.get("verification", "confirmed")}]},
        "code": _concept(item["code"]), "patient": {"reference": "Patient/p"},
    }
    for key, field in (("onset", "onsetDateTime"), ("recorded", "recordedDate"), ("abatement", "abatementDateTime")):
        if key in item:
            resource["lastOccurrence" if kind == "AllergyIntolerance" and key == "abatement" else field] = item[key]
    return resource


def _medication(item: dict[str, Any], index: int) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "MedicationStatement", "id": item.get("id") or f"medication-{index}",
                                "status": item.get("status", "active"), "medicationCodeableConcept": _concept(item["code"]),
                                "subject": {"reference": "Patient/p"}}
    period = {k: item[k] for k in ("start", "end") if k in item}
    if period:
        resource["effectivePeriod"] = period
    if "asserted" in item:
        resource["dateAsserted"] = item["asserted"]
    return resource


def _observation(item: dict[str, Any], index: int) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Observation", "id": item.get("id") or f"observation-{index}",
                                "status": "final", "code": _concept(item["code"]), "subject": {"reference": "Patient/p"}}
    if "valueCode" in item:
        resource["valueCodeableConcept"] = _concept(item["valueCode"])
    if "value" in item:
        value, unit = item["value"].split(None, 1)
        resource["valueQuantity"] = {"value": float(value), "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}
    if "date" in item:
        resource["effectiveDateTime"] = item["date"]
    return resource


def as_bundle(patient: dict[str, Any]) -> dict[str, Any]:
    """The FHIR Bundle that a plain patient mapping stands for (a Bundle is returned as it is)."""
    if patient.get("resourceType") == "Bundle":
        return patient
    person = {"resourceType": "Patient", **{k: patient[k] for k in ("id", "birthDate", "gender") if k in patient}}
    resources = [person]
    resources += [_condition("Condition", c, n) for n, c in enumerate(patient.get("conditions", []))]
    resources += [_condition("AllergyIntolerance", c, n) for n, c in enumerate(patient.get("allergies", []))]
    resources += [_medication(m, n) for n, m in enumerate(patient.get("medications", []))]
    resources += [_observation(o, n) for n, o in enumerate(patient.get("observations", []))]
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


def _patient(case: dict[str, Any]) -> dict[str, Any]:
    if "patient" in case:
        return dict(case["patient"])
    return dict(json.loads((ROOT / case["patient_file"]).read_text(encoding="utf-8")))


@functools.cache
def _compiled(expression: str) -> Any:
    return fhirpath_compile(expression)


def _fhirpath(bundle: dict[str, Any], expression: str, variables: dict[str, str]) -> bool | None:
    return _value(_compiled(expression)(bundle, variables))


def _value(result: list[Any]) -> bool | None:
    assert len(result) <= 1 and all(isinstance(v, bool) for v in result), result
    return result[0] if result else None


def _actions(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    group = next((a for a in plan["action"] if a.get("id") == "screening"), {"action": []})
    return {a["id"]: a for a in group["action"]}


def _condition_expression(action: dict[str, Any]) -> str | None:
    conditions = action.get("condition", [])
    assert len(conditions) <= 1 and all(c["expression"]["language"] == "text/fhirpath" for c in conditions)
    return conditions[0]["expression"]["expression"] if conditions else None


@pytest.fixture(scope="module")
def guide() -> ClinicGuide:
    return ClinicGuide(entry_point_plugins=False)


@pytest.fixture(scope="module")
def exports(guide: ClinicGuide) -> dict[str, dict[str, dict[str, Any]]]:
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for version in ("R4", "R5"):
        for entry in guide.export(version)["entry"]:
            resource = entry["resource"]
            if resource["resourceType"] == "PlanDefinition":
                found[f"{version} {resource['url'].rsplit('/', 1)[1]}|{resource['version']}"] = resource
    return found


COMPARED: Counter[str] = Counter()


@pytest.mark.parametrize("path", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_fhirpathpy_agrees_with_the_engine(path: Path, guide: ClinicGuide,
                                           exports: dict[str, dict[str, dict[str, Any]]]) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    bundle = as_bundle(_patient(case))
    try:
        record = from_bundle(bundle)
    except ClinicguideError:
        pytest.skip("the engine refuses this patient: there is no evaluation to compare")
    guidance = guide.library.get(case["guidance"], case.get("version"))
    date = dt.date.fromisoformat(case["date"])
    context = Context(record, date, {})
    variables = {"procedureDate": date.isoformat()}
    for version in ("R4", "R5"):
        actions = _actions(exports[f"{version} {guidance.ref}"])
        for item in guidance.contraindications:
            action = actions[item.id]
            expected = evaluate(item.criterion, context).value if item.criterion is not None else None
            if (expression := _condition_expression(action)) is not None:
                got = _fhirpath(bundle, expression, variables)
                assert got == expected, f"{version} {item.id}: fhirpathpy {got}, clinicguide {expected}"
                COMPARED[f"criterion {expected}"] += 1
            ask = _condition_expression(action["action"][0])
            if ask is not None:
                applies = evaluate(item.applies_to, context).value if item.applies_to is not None else None
                wanted = expected is None and applies is not False
                got_ask = _fhirpath(bundle, ask, variables) is True
                assert got_ask == wanted, f"{version} {item.id}: fhirpathpy asks {got_ask}, clinicguide {wanted}"
                COMPARED[f"ask {wanted}"] += 1


def test_the_comparison_saw_every_value() -> None:
    """Run after the cases (file order): each value was compared, so the agreement is not vacuous."""
    if not COMPARED:
        pytest.skip("the agreement cases did not run in this session")
    assert {"criterion True", "criterion None", "criterion False", "ask True", "ask False"} <= set(COMPARED), COMPARED
