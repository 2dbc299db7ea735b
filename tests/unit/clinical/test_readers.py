"""Reading patients: FHIR R4 Bundles and the plain mapping, as three-valued facts; located errors."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from clinicguide.clinical.patient import PatientRecord
from clinicguide.clinical.readers import from_mapping, read_patient
from clinicguide.clinical.weights import current_weight
from clinicguide.errors import InputError
from clinicguide.fhir.models import validate_resource
from clinicguide.terminology import BODY_WEIGHT
from clinicguide.units import Quantity

ROOT = Path(__file__).resolve().parents[3]
SCT = "http://snomed.info/sct"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
PREGNANT = (SCT, "77386006")
ISOTRETINOIN_20 = (RXNORM, "197844")
DAY = dt.date(2026, 12, 1)


def bundle(*resources: dict[str, Any], patient: dict[str, Any] | None = None) -> dict[str, Any]:
    person = patient if patient is not None else {"resourceType": "Patient", "id": "p1",
                                                  "gender": "female", "birthDate": "1990-06-15"}
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in (person, *resources)]}


def condition(ident: str = "c1", clinical: str | None = "active", verification: str | None = "confirmed",
              code: tuple[str, str] = PREGNANT, kind: str = "Condition") -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": kind, "id": ident, "code": {"coding": [{"system": code[0], "code": code[1]}]}}
    status_system = "condition" if kind == "Condition" else "allergyintolerance"
    if clinical is not None:
        system = f"http://terminology.hl7.org/CodeSystem/{status_system}-clinical"
        resource["clinicalStatus"] = {"coding": [{"system": system, "code": clinical}]}
    if verification is not None:
        system = f"http://terminology.hl7.org/CodeSystem/{status_system}-verification"
        resource["verificationStatus"] = {"coding": [{"system": system, "code": verification}]}
    return resource


def medication(kind: str = "MedicationStatement", ident: str = "m1", **fields: Any) -> dict[str, Any]:
    return {"resourceType": kind, "id": ident,
            "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "197844"}]}, **fields}


def observation(ident: str = "o1", code: str = "29463-7", **fields: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": ident, "status": "final",
            "code": {"coding": [{"system": LOINC, "code": code}]}, **fields}


# -- conditions and allergies --------------------------------------------------------------------

@pytest.mark.parametrize(("clinical", "verification", "state"), [
    ("active", "confirmed", "present"),
    ("recurrence", "confirmed", "present"),
    ("relapse", "confirmed", "present"),
    ("resolved", "confirmed", "past"),
    ("inactive", "confirmed", "past"),
    ("remission", "confirmed", "past"),
    ("active", "refuted", "ruled-out"),
    ("resolved", "refuted", "ruled-out"),
    ("active", "unconfirmed", "possible"),
    ("active", "provisional", "possible"),
    ("active", "differential", "possible"),
    (None, "confirmed", "possible"),  # no clinical status: cannot tell whether it is current
    ("active", None, "present"),
])
def test_condition_status_becomes_a_state(clinical: str | None, verification: str | None, state: str) -> None:
    record = read_patient(bundle(condition(clinical=clinical, verification=verification)))
    assert [(f.state, f.ref) for f in record.conditions] == [(state, "Condition/c1")]
    assert PREGNANT in record.conditions[0].codes


def test_condition_entered_in_error_is_ignored() -> None:
    record = read_patient(bundle(condition(verification="entered-in-error")))
    assert record.conditions == ()


@pytest.mark.parametrize(("clinical", "verification", "state"), [
    ("active", "confirmed", "present"), ("inactive", "confirmed", "past"),
    ("active", "refuted", "ruled-out"), ("active", "unconfirmed", "possible"),
])
def test_allergy_status_becomes_a_state(clinical: str, verification: str, state: str) -> None:
    record = read_patient(bundle(condition("a1", clinical, verification, kind="AllergyIntolerance")))
    assert [(f.state, f.ref) for f in record.allergies] == [(state, "AllergyIntolerance/a1")]
    assert record.conditions == ()


def test_allergy_entered_in_error_is_ignored() -> None:
    assert read_patient(bundle(condition("a1", verification="entered-in-error", kind="AllergyIntolerance"))).allergies == ()


def test_other_resource_types_are_left_alone() -> None:
    record = read_patient(bundle({"resourceType": "Encounter", "id": "e1", "status": "finished"}))
    assert record == PatientRecord(id="p1", birth_date=(dt.date(1990, 6, 15),) * 2, sex="female")


# -- medications ---------------------------------------------------------------------------------

def test_medication_statement_period() -> None:
    record = read_patient(bundle(medication(status="completed", effectivePeriod={"start": "2026-02-01", "end": "2026-08-15"})))
    (med,) = record.medications
    assert (med.status, med.start, med.end, med.ref) == ("completed", dt.date(2026, 2, 1),
                                                         dt.date(2026, 8, 15), "MedicationStatement/m1")
    assert ISOTRETINOIN_20 in med.codes


def test_partial_period_end_is_the_last_day_it_can_mean() -> None:
    (med,) = read_patient(bundle(medication(status="completed",
                                            effectivePeriod={"start": "2026-02", "end": "2026-08"}))).medications
    assert (med.start, med.end) == (dt.date(2026, 2, 1), dt.date(2026, 8, 31))
    (med,) = read_patient(bundle(medication(status="completed", effectivePeriod={"start": "2025", "end": "2025"}))).medications
    assert (med.start, med.end) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def test_medication_statement_effective_datetime() -> None:
    (done,) = read_patient(bundle(medication(status="completed", effectiveDateTime="2026-05-04T10:00:00Z"))).medications
    assert (done.start, done.end) == (dt.date(2026, 5, 4), dt.date(2026, 5, 4))
    (ongoing,) = read_patient(bundle(medication(status="active", effectiveDateTime="2026-05-04"))).medications
    assert (ongoing.start, ongoing.end) == (dt.date(2026, 5, 4), None)


@pytest.mark.parametrize(("status", "kind"), [
    ("active", "active"), ("completed", "completed"), ("stopped", "stopped"), ("not-taken", "not-taken"),
    ("intended", "unknown"), ("on-hold", "unknown"), ("unknown", "unknown"), (None, "unknown"),
])
def test_medication_statement_status(status: str | None, kind: str) -> None:
    fields = {"status": status} if status else {}
    assert read_patient(bundle(medication(**fields))).medications[0].status == kind


@pytest.mark.parametrize("status", ["entered-in-error", "cancelled", "draft"])
def test_medication_records_that_never_happened_are_ignored(status: str) -> None:
    assert read_patient(bundle(medication(status=status))).medications == ()
    assert read_patient(bundle(medication("MedicationRequest", status=status))).medications == ()


def test_medication_request_dates() -> None:
    request = medication("MedicationRequest", "r1", status="active", intent="order", authoredOn="2026-10-01",
                         dispenseRequest={"validityPeriod": {"end": "2026-10-31"}})
    (med,) = read_patient(bundle(request)).medications
    assert (med.status, med.start, med.end, med.ref) == ("active", dt.date(2026, 10, 1),
                                                         dt.date(2026, 10, 31), "MedicationRequest/r1")
    validity = medication("MedicationRequest", "r2", status="stopped", intent="order", authoredOn="2026-09-20",
                          dispenseRequest={"validityPeriod": {"start": "2026-10-01"}})
    (med,) = read_patient(bundle(validity)).medications
    assert (med.status, med.start, med.end) == ("stopped", dt.date(2026, 10, 1), None)


# -- observations ---------------------------------------------------------------------------------

def test_observation_value_quantity() -> None:
    record = read_patient(bundle(observation(effectiveDateTime="2026-11-20",
                                             valueQuantity={"value": 62, "unit": "kg", "code": "kg"})))
    (obs,) = record.observations
    assert (obs.value, obs.date, obs.ref) == (Quantity(62, "kg"), dt.date(2026, 11, 20), "Observation/o1")
    assert BODY_WEIGHT in obs.code


def test_observation_unit_text_used_when_there_is_no_code() -> None:
    (obs,) = read_patient(bundle(observation(valueQuantity={"value": 140, "unit": "lb"}))).observations
    assert obs.value == Quantity(140, "[lb_av]")


def test_observation_value_codeable_concept() -> None:
    obs_data = observation(code="82810-3", effectiveDateTime="2026-12-01",
                           valueCodeableConcept={"coding": [{"system": SCT, "code": "77386006"}]})
    (obs,) = read_patient(bundle(obs_data)).observations
    assert obs.value_codes == frozenset({PREGNANT}) and obs.value is None


@pytest.mark.parametrize(("fields", "date"), [
    ({"effectiveDateTime": "2026-11-30T23:00:00+01:00"}, dt.date(2026, 11, 30)),
    ({"effectivePeriod": {"start": "2026-11-02"}}, dt.date(2026, 11, 2)),
    ({"issued": "2026-11-03T08:00:00Z"}, dt.date(2026, 11, 3)),
    ({}, None),
])
def test_observation_date(fields: dict[str, Any], date: dt.date | None) -> None:
    assert read_patient(bundle(observation(**fields))).observations[0].date == date


@pytest.mark.parametrize("status", ["entered-in-error", "cancelled"])
def test_observation_that_did_not_happen_is_ignored(status: str) -> None:
    assert read_patient(bundle(observation(status=status, valueQuantity={"value": 60, "code": "kg"}))).observations == ()










# -- patient demographics -------------------------------------------------------------------------

@pytest.mark.parametrize(("birth", "earliest", "latest"), [
    ("1990-06-15", dt.date(1990, 6, 15), dt.date(1990, 6, 15)),
    ("1990-06", dt.date(1990, 6, 1), dt.date(1990, 6, 30)),
    ("1990-02", dt.date(1990, 2, 1), dt.date(1990, 2, 28)),
    ("1990-12", dt.date(1990, 12, 1), dt.date(1990, 12, 31)),
    ("1990", dt.date(1990, 1, 1), dt.date(1990, 12, 31)),
])
def test_partial_birth_date_gives_a_range(birth: str, earliest: dt.date, latest: dt.date) -> None:
    person = {"resourceType": "Patient", "id": "p1", "birthDate": birth}
    assert read_patient(bundle(patient=person)).birth_date == (earliest, latest)




@pytest.mark.parametrize(("gender", "sex"), [("female", "female"), ("male", "male"), ("other", "other"), ("unknown", None)])
def test_gender(gender: str, sex: str | None) -> None:
    assert from_mapping({"gender": gender}).sex == sex


# -- plain mapping -------------------------------------------------------------------------------

def test_plain_mapping() -> None:
    record = from_mapping({
        "id": "plain-1", "birthDate": "1991-03-14", "gender": "female", "weight": "62 kg",
        "conditions": [{"code": f"{SCT}|77386006"}, {"code": f"{SCT}|235055003", "status": "resolved", "id": "cold-sore"},
                       {"code": f"{SCT}|108365000", "verification": "refuted"},
                       {"code": f"{SCT}|19824006", "verification": "entered-in-error"}],
        "allergies": [{"code": f"{SCT}|1", "verification": "unconfirmed"}],
        "medications": [{"code": f"{RXNORM}|197844", "status": "completed", "start": "2026-02-01", "end": "2026-08"}],
        "observations": [{"code": f"{LOINC}|82810-3", "valueCode": f"{SCT}|77386006", "date": "2026-12-01", "id": "preg"}],
    })
    assert record.id == "plain-1" and record.sex == "female"
    assert [(f.state, f.ref) for f in record.conditions] == [
        ("present", "patient.conditions[0]"), ("past", "cold-sore"), ("ruled-out", "patient.conditions[2]")]
    assert [f.state for f in record.allergies] == ["possible"]
    (med,) = record.medications
    assert (med.status, med.start, med.end) == ("completed", dt.date(2026, 2, 1), dt.date(2026, 8, 31))
    preg = next(o for o in record.observations if o.ref == "preg")
    assert preg.value_codes == frozenset({PREGNANT}) and preg.date == DAY
    weight = current_weight(record, DAY)
    assert weight.kg == 62 and weight.refs == ("patient.weight",)  # stated as the current weight: no date needed


def test_plain_mapping_medication_defaults_to_active() -> None:
    (med,) = from_mapping({"medications": [{"code": f"{RXNORM}|197844"}]}).medications
    assert (med.status, med.start, med.end) == ("active", None, None)


@pytest.mark.parametrize(("data", "where"), [
    ({"name": "Maria"}, "patient: unknown field(s) name"),
    ({"conditions": [{"code": f"{SCT}|1", "onsetDate": "2020"}]}, "patient.conditions[0]: unknown field(s) onsetDate"),
    ({"medications": [{"code": f"{RXNORM}|1", "dose": "20 mg"}]}, "patient.medications[0]: unknown field(s) dose"),
    ({"observations": [{"code": f"{LOINC}|1", "unit": "kg"}]}, "patient.observations[0]: unknown field(s) unit"),
])
def test_plain_mapping_unknown_fields_are_rejected(data: dict[str, Any], where: str) -> None:
    with pytest.raises(InputError) as raised:
        from_mapping(data)
    assert str(raised.value).startswith(where)


def test_plain_mapping_code_needs_a_system() -> None:
    with pytest.raises(InputError, match=r"patient.conditions\[0\].code must be 'system\|code'"):
        from_mapping({"conditions": [{"code": "77386006"}]})


def test_plain_mapping_lists_must_be_lists_of_mappings() -> None:
    with pytest.raises(InputError, match=r"patient\.conditions must be a list"):
        from_mapping({"conditions": {"code": f"{SCT}|1"}})


# -- errors name the place, never the value ------------------------------------------------------

SECRET = "zq-7731-Lopez"


@pytest.mark.parametrize(("data", "place"), [
    ({"resourceType": "Bundle", "entry": {"resource": SECRET}}, "Bundle.entry"),
    ({"resourceType": "Bundle", "entry": [{"resource": {"id": SECRET}}]}, "Bundle.entry[0]"),
    ({"resourceType": "Bundle", "entry": [SECRET]}, "Bundle.entry[0]"),
    (bundle(condition(), patient={"resourceType": "Patient", "id": "p", "birthDate": SECRET}), "Patient.birthDate"),
    (bundle(patient={"resourceType": "Patient", "id": "p", "birthDate": "1990-02-30"}), "Patient.birthDate"),
    (bundle(patient={"resourceType": "Patient", "id": "p", "gender": SECRET}), "Patient.gender"),
    (bundle(patient={"resourceType": "Patient", "id": ["x", SECRET]}), "Patient.id"),
    (bundle({"resourceType": "Condition", "id": "c9", "code": SECRET}), "Bundle.entry[1] (Condition).code"),
    (bundle({"resourceType": "Condition", "id": "c9", "code": {"coding": SECRET}}), "Bundle.entry[1] (Condition).code.coding"),
    (bundle(observation("o9", valueQuantity={"value": SECRET, "code": "kg"})), "Bundle.entry[1] (Observation).valueQuantity"),
    (bundle(observation("o9", valueQuantity={"value": 62, "code": SECRET})), "Bundle.entry[1] (Observation).valueQuantity"),
    (bundle(observation("o9", valueQuantity={"value": -62, "code": "kg"})), "Bundle.entry[1] (Observation).valueQuantity"),
    (bundle(observation("o9", valueQuantity={"value": 62})), "Bundle.entry[1] (Observation).valueQuantity"),
    (bundle(observation("o9", valueQuantity=SECRET)), "Bundle.entry[1] (Observation).valueQuantity"),
    (bundle(observation("o9", effectiveDateTime=SECRET)), "Bundle.entry[1] (Observation).effective"),
    (bundle(medication(status="active", effectivePeriod={"start": SECRET})), "Bundle.entry[1] (MedicationStatement).effective"),
    (bundle(medication(status="active", effectivePeriod={"start": "2026-01-01", "end": "2026-13-01"})),
     "Bundle.entry[1] (MedicationStatement).effectivePeriod.end"),
    ({"birthDate": SECRET}, "patient.birthDate"),
    ({"weight": f"62 {SECRET}"}, "patient.weight"),
    ({"weight": 62}, "patient.weight"),
    ({"medications": [{"code": f"{RXNORM}|1", "status": SECRET}]}, "patient.medications[0].status"),
    ({"observations": [{"code": f"{LOINC}|1", "value": f"{SECRET} kg"}]}, "patient.observations[0].value"),
    ({"conditions": [{"code": SECRET}]}, "patient.conditions[0].code"),
])
def test_malformed_input_names_the_place_but_not_the_value(data: dict[str, Any], place: str) -> None:
    with pytest.raises(InputError) as raised:
        read_patient(data)
    message = str(raised.value)
    assert place in message
    assert SECRET not in message and "1990-02-30" not in message and "2026-13-01" not in message


@pytest.mark.parametrize("text",
                         [f"1990-{SECRET}", "2026.12.01", "2026-12-01junk", "2026/08/15", "1991-3-14", "2026-12-01T25:99"])
def test_dates_with_trailing_garbage_are_refused(text: str) -> None:
    with pytest.raises(InputError) as raised:
        read_patient(bundle(observation("o9", effectiveDateTime=text)))
    assert "Observation).effective" in str(raised.value) and text not in str(raised.value)


def test_bundle_needs_exactly_one_patient() -> None:
    with pytest.raises(InputError, match="no Patient"):
        read_patient({"resourceType": "Bundle", "entry": [{"resource": condition()}]})
    second = {"resourceType": "Patient", "id": "p2"}
    with pytest.raises(InputError, match=r"Bundle.entry\[1\] \(Patient\): the Bundle holds more than one Patient"):
        read_patient(bundle(second))


@pytest.mark.parametrize(("data", "message"), [
    ({"resourceType": "Patient", "id": "p"}, "not a Patient"),
    ({"resourceType": "Condition"}, "not a Condition"),
    ({"resourceType": 7}, "non-text resourceType"),
    ([], "must be a FHIR Bundle"),
    ("examples/patients/maria-lopez.json", "must be a FHIR Bundle"),
    (None, "must be a FHIR Bundle"),
])
def test_patient_must_be_a_bundle_or_mapping(data: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_patient(data)


def test_a_record_is_accepted_as_is() -> None:
    record = PatientRecord(id="r")
    assert read_patient(record) is record


def test_reading_and_planning_log_nothing_about_the_patient(caplog: pytest.LogCaptureFixture) -> None:
    from clinicguide.guide import ClinicGuide

    caplog.set_level(logging.DEBUG)
    data = json.loads((ROOT / "examples/patients/maria-lopez.json").read_text())
    ClinicGuide(entry_point_plugins=False).plan("microneedling", data, date="2026-12-01",
                                                proposed={"params": {"needle-depth": "1 mm"}})
    assert not [r for r in caplog.records if "maria" in r.getMessage().lower() or "1991-03-14" in r.getMessage()]


@pytest.mark.parametrize("path", sorted((ROOT / "examples/patients").glob("*.json")), ids=lambda p: p.name)
def test_example_patients_are_valid_r4_bundles_that_read(path: Path) -> None:
    data = json.loads(path.read_text())
    validate_resource(data, "R4")
    record = read_patient(data)
    assert record.id and record.birth_date


# -- doses given: MedicationAdministration, MedicationStatement dosage, the plain mapping's doses ----------

def administration(ident: str = "a1", **fields: Any) -> dict[str, Any]:
    return medication("MedicationAdministration", ident, **{"status": "completed", "effectiveDateTime": "2026-10-01",
                                                            "dosage": {"dose": {"value": 20, "unit": "mg", "code": "mg"}},
                                                            **fields})


def test_an_administration_is_a_dose_given_on_its_date() -> None:
    record = read_patient(bundle(administration()))
    (dose,) = record.doses
    assert (dose.date, dose.dose, dose.ref) == (dt.date(2026, 10, 1), Quantity(20, "mg"), "MedicationAdministration/a1")
    assert ISOTRETINOIN_20 in dose.codes and record.medications == ()
    period = administration(effectiveDateTime=None, effectivePeriod={"start": "2026-09-30T10:00:00Z"})
    (dose,) = read_patient(bundle(period)).doses
    assert dose.date == dt.date(2026, 9, 30)


@pytest.mark.parametrize("status", ["not-done", "entered-in-error"])
def test_an_administration_that_gave_nothing_is_no_dose(status: str) -> None:
    assert read_patient(bundle(administration(status=status))).doses == ()


def test_an_administration_without_a_dose_gives_none() -> None:
    assert read_patient(bundle(administration(dosage=None))).doses == ()


def test_a_statement_with_a_dosage_gives_one_dose_on_its_date() -> None:
    statement = medication(status="completed", effectiveDateTime="2026-10-02",
                           dosage=[{"text": "as directed"}, {"doseAndRate": [{"doseQuantity": {"value": 40, "code": "mg"}}]}])
    record = read_patient(bundle(statement))
    (dose,) = record.doses
    assert (dose.date, dose.dose, dose.ref) == (dt.date(2026, 10, 2), Quantity(40, "mg"), "MedicationStatement/m1")
    assert len(record.medications) == 1
    for status in ("not-taken", "intended"):
        assert read_patient(bundle({**statement, "status": status})).doses == ()
    undated = {k: v for k, v in statement.items() if k != "effectiveDateTime"}
    assert read_patient(bundle(undated)).doses == ()


def test_the_plain_mapping_lists_doses() -> None:
    record = from_mapping({"doses": [{"code": f"{RXNORM}|197844", "date": "2026-10-01", "dose": "20 mg", "id": "d1"}]})
    (dose,) = record.doses
    assert (dose.date, dose.dose, dose.ref, dose.codes) == (dt.date(2026, 10, 1), Quantity(20, "mg"), "d1",
                                                           frozenset({ISOTRETINOIN_20}))


@pytest.mark.parametrize(("data", "place"), [
    (bundle(administration(status=SECRET)), "Bundle.entry[1] (MedicationAdministration).status must be one of"),
    (bundle(administration(status=None)), "Bundle.entry[1] (MedicationAdministration).status"),
    (bundle(administration(effectiveDateTime=None)), "(MedicationAdministration) needs effectiveDateTime or effectivePeriod"),
    (bundle(administration(effectiveDateTime=SECRET)), "(MedicationAdministration).effectiveDateTime"),
    (bundle(administration(effectiveDateTime=None, effectivePeriod=SECRET)), "(MedicationAdministration).effectivePeriod"),
    (bundle(administration(dosage=SECRET)), "(MedicationAdministration).dosage"),
    (bundle(administration(dosage={"dose": SECRET})), "(MedicationAdministration).dosage.dose"),
    (bundle(administration(dosage={"dose": {"value": SECRET, "code": "mg"}})), "(MedicationAdministration).dosage.dose"),
    (bundle(administration(dosage={"dose": {"value": 20, "code": SECRET}})), "(MedicationAdministration).dosage.dose"),
    (bundle(administration(dosage={"dose": {"value": 20}})), "(MedicationAdministration).dosage.dose needs a UCUM unit"),
    (bundle(medication(status="active", dosage=SECRET)), "(MedicationStatement).dosage"),
    (bundle(medication(status="active", dosage=[{"doseAndRate": SECRET}])), "(MedicationStatement).dosage[0].doseAndRate"),
    (bundle(medication(status="active", dosage=[{"doseAndRate": [{"doseQuantity": {"value": 1, "code": SECRET}}]}])),
     "(MedicationStatement).dosage[0].doseAndRate.doseQuantity"),
    ({"doses": [{"code": f"{RXNORM}|1", "dose": "20 mg"}]}, "patient.doses[0].date is required"),
    ({"doses": [{"code": f"{RXNORM}|1", "date": SECRET, "dose": "20 mg"}]}, "patient.doses[0].date"),
    ({"doses": [{"code": f"{RXNORM}|1", "date": "2026-10-01", "dose": f"20 {SECRET}"}]}, "patient.doses[0].dose"),
    ({"doses": [{"code": f"{RXNORM}|1", "date": "2026-10-01", "dose": "20 mg", "route": SECRET}]}, "patient.doses[0]: unknown"),
])
def test_malformed_doses_are_refused_by_place(data: dict[str, Any], place: str) -> None:
    with pytest.raises(InputError) as raised:
        read_patient(data)
    assert place in str(raised.value) and SECRET not in str(raised.value)


# -- the dates evidence needs ------------------------------------------------------------------------

def test_condition_dates_are_read() -> None:
    dated = condition("c-dated", "resolved") | {"onsetDateTime": "2026-02-01T10:00:00Z", "recordedDate": "2026-02-03",
                                                "abatementDateTime": "2026-10"}
    periods = condition("c-periods") | {"onsetPeriod": {"start": "2026-05-02"}, "abatementPeriod": {"end": "2026-12-24"}}
    ages = condition("c-age") | {"onsetAge": {"value": 30, "unit": "a"}}  # no date: says nothing about when
    facts = {f.ref: f for f in read_patient(bundle(dated, periods, ages)).conditions}
    first = facts["Condition/c-dated"]
    assert (first.onset, first.recorded, first.abated) == (dt.date(2026, 2, 1), dt.date(2026, 2, 3), dt.date(2026, 10, 31))
    second, third = facts["Condition/c-periods"], facts["Condition/c-age"]
    assert (second.onset, second.abated) == (dt.date(2026, 5, 2), dt.date(2026, 12, 24))
    assert (third.onset, third.recorded, third.abated) == (None, None, None)


def test_medication_statement_and_request_dates_are_read() -> None:
    statement = medication(status="not-taken", dateAsserted="2026-11-20T09:30:00+01:00")
    request = medication("MedicationRequest", "r1", status="active", authoredOn="2026-11-02")
    meds = {m.ref: m for m in read_patient(bundle(statement, request)).medications}
    assert meds["MedicationStatement/m1"].asserted == dt.date(2026, 11, 20)
    assert (meds["MedicationRequest/r1"].asserted, meds["MedicationRequest/r1"].start) == (dt.date(2026, 11, 2),) * 2


def test_the_plain_form_takes_the_same_dates() -> None:
    record = from_mapping({
        "conditions": [{"code": f"{SCT}|77386006", "status": "resolved", "onset": "2026-02-01", "recorded": "2026-02-03",
                        "abatement": "2026-10"}],
        "medications": [{"code": f"{RXNORM}|197844", "status": "not-taken", "asserted": "2026-11-20"}]})
    (fact,) = record.conditions
    assert (fact.onset, fact.recorded, fact.abated) == (dt.date(2026, 2, 1), dt.date(2026, 2, 3), dt.date(2026, 10, 31))
    assert record.medications[0].asserted == dt.date(2026, 11, 20)


@pytest.mark.parametrize(("resource", "where"), [
    (condition() | {"onsetDateTime": "2026-13-01"}, "Bundle.entry[1] (Condition).onset"),
    (condition() | {"abatementPeriod": "2026"}, "Bundle.entry[1] (Condition).abatementPeriod must be a JSON object"),
    (medication(dateAsserted="yesterday"), "Bundle.entry[1] (MedicationStatement).dateAsserted"),
])
def test_bad_dates_are_located(resource: dict[str, Any], where: str) -> None:
    with pytest.raises(InputError, match=re.escape(where)):
        read_patient(bundle(resource))


def test_a_bundle_of_other_mappings_reads_as_one_of_dicts() -> None:
    # Hosts may pass read-only or custom mappings at any level: only the check for a dict is quicker.
    def frozen(value: Any) -> Any:
        if isinstance(value, dict):
            return MappingProxyType({k: frozen(v) for k, v in value.items()})
        if isinstance(value, list):
            return [frozen(v) for v in value]
        return value

    for name in ("maria-lopez", "isotretinoin-current", "pregnant-patient"):
        bundle = json.loads((ROOT / "examples" / "patients" / f"{name}.json").read_text())
        assert read_patient(frozen(bundle)) == read_patient(bundle)
    with pytest.raises(InputError, match=r"Bundle.entry\[0\]"):
        read_patient(frozen({"resourceType": "Bundle", "entry": [{"resource": ["not", "a", "resource"]}]}))
