"""Adversarial patient input and questionnaire responses.

Malformed Bundles, wrong resource types, missing fields, absurd quantities and dates far
in the past or future: each is either refused with an InputError that names the place
(exit 1 on the command line, no traceback) or gets the documented decision.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clinicguide import ClinicGuide, ConsentIncomplete, InputError
from clinicguide.cli import main
from clinicguide.clinical.dates import EARLIEST_DATE, LATEST_DATE
from clinicguide.clinical.findings import DECISION_ORDER
from clinicguide.clinical.readers import read_patient

SNOMED, RXNORM, LOINC = "http://snomed.info/sct", "http://www.nlm.nih.gov/research/umls/rxnorm", "http://loinc.org"
DATE = "2026-12-01"
NEEDLE = {"params": {"needle-depth": "1.0 mm"}, "last_treatment": "never"}

BUNDLE: dict[str, Any] = {
    "resourceType": "Bundle", "type": "collection",
    "entry": [
        {"resource": {"resourceType": "Patient", "id": "adv-patient", "gender": "female", "birthDate": "1990-05-17",
                      "name": [{"family": "Adversary", "given": ["Ada"]}]}},
        {"resource": {"resourceType": "Condition", "id": "adv-acne",
                      "clinicalStatus": {"coding": [{"code": "inactive"}]},
                      "verificationStatus": {"coding": [{"code": "confirmed"}]},
                      "code": {"coding": [{"system": SNOMED, "code": "11381005", "display": "Acne"}]}}},
        {"resource": {"resourceType": "MedicationStatement", "id": "adv-iso", "status": "completed",
                      "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "197844"}]},
                      "effectivePeriod": {"start": "2026-02-01", "end": "2026-08-15"}}},
        {"resource": {"resourceType": "Observation", "id": "adv-weight", "status": "final",
                      "code": {"coding": [{"system": LOINC, "code": "29463-7"}]}, "effectiveDateTime": "2026-11-20",
                      "valueQuantity": {"value": 61.5, "unit": "kg", "code": "kg"}}},
        {"resource": {"resourceType": "MedicationRequest", "id": "adv-request", "status": "active",
                      "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "999999"}]},
                      "authoredOn": "2026-10-01"}},
    ],
}
PATIENT, CONDITION, MEDICATION, WEIGHT, REQUEST = range(5)


@pytest.fixture(scope="module")
def guide() -> ClinicGuide:
    return ClinicGuide(entry_point_plugins=False)


def mutated(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    bundle = copy.deepcopy(BUNDLE)
    change(bundle)
    return bundle


def res(bundle: dict[str, Any], index: int) -> dict[str, Any]:
    return bundle["entry"][index]["resource"]


def test_the_base_bundle_plans(guide: ClinicGuide) -> None:
    result = guide.plan("microneedling", BUNDLE, proposed=NEEDLE, date=DATE)
    assert result.decision in DECISION_ORDER


# (id, patient data, text the error must contain: the place)
MALFORMED: list[tuple[str, Any, str]] = [
    ("list", [BUNDLE], "must be a FHIR Bundle"),
    ("string", "Bundle", "no plugin supplied the patient"),  # text is a reference for a patient-context plugin
    ("number", 42, "must be a FHIR Bundle"),
    ("null", None, "must be a FHIR Bundle"),
    ("patient-not-bundle", res(BUNDLE, PATIENT), "not a Patient"),
    ("resource-type-number", {"resourceType": 7}, "non-text resourceType"),
    ("entry-mapping", {"resourceType": "Bundle", "entry": {"resource": {}}}, "Bundle.entry must be a list"),
    ("entry-item-text", {"resourceType": "Bundle", "entry": ["Patient"]}, "Bundle.entry[0]"),
    ("entry-without-resource", {"resourceType": "Bundle", "entry": [{"fullUrl": "urn:x"}]}, "Bundle.entry[0]"),
    ("resource-list", {"resourceType": "Bundle", "entry": [{"resource": [1, 2]}]}, "Bundle.entry[0]"),
    ("resource-without-type", mutated(lambda b: res(b, CONDITION).pop("resourceType")), "Bundle.entry[1]"),
    ("empty-bundle", {"resourceType": "Bundle"}, "no Patient"),
    ("no-patient", mutated(lambda b: b["entry"].pop(PATIENT)), "no Patient"),
    ("two-patients", mutated(lambda b: b["entry"].append(copy.deepcopy(b["entry"][PATIENT]))), "more than one Patient"),
    ("patient-id-number", mutated(lambda b: res(b, PATIENT).__setitem__("id", 12345)), "Patient.id"),
    ("gender-number", mutated(lambda b: res(b, PATIENT).__setitem__("gender", 1)), "Patient.gender"),
    ("gender-unknown-word", mutated(lambda b: res(b, PATIENT).__setitem__("gender", "f")), "Patient.gender"),
    ("birth-date-number", mutated(lambda b: res(b, PATIENT).__setitem__("birthDate", 19900517)), "Patient.birthDate"),
    ("birth-date-30-feb", mutated(lambda b: res(b, PATIENT).__setitem__("birthDate", "1990-02-30")), "Patient.birthDate"),
    ("birth-date-one-digit-month", mutated(lambda b: res(b, PATIENT).__setitem__("birthDate", "1990-5-17")), "Patient.birthDate"),
    ("birth-date-year-zero", mutated(lambda b: res(b, PATIENT).__setitem__("birthDate", "0000-01-01")), "Patient.birthDate"),
    ("birth-date-bad-time", mutated(lambda b: res(b, PATIENT).__setitem__("birthDate", "1990-05-17T25:99")), "Patient.birthDate"),
    ("birth-date-words", mutated(lambda b: res(b, PATIENT).__setitem__("birthDate", "May 1990")), "Patient.birthDate"),
    ("condition-code-text", mutated(lambda b: res(b, CONDITION).__setitem__("code", "acne")), "(Condition).code"),
    ("condition-coding-mapping",
     mutated(lambda b: res(b, CONDITION)["code"].__setitem__("coding", {"code": "1"})), "(Condition).code.coding"),
    ("condition-coding-of-text",
     mutated(lambda b: res(b, CONDITION)["code"].__setitem__("coding", ["11381005"])), "(Condition).code.coding"),
    ("condition-status-text",
     mutated(lambda b: res(b, CONDITION).__setitem__("clinicalStatus", "active")), "(Condition).clinicalStatus"),
    ("medication-period-list", mutated(lambda b: res(b, MEDICATION).__setitem__("effectivePeriod", ["2026-02-01"])),
     "(MedicationStatement).effectivePeriod"),
    ("medication-period-text", mutated(lambda b: res(b, MEDICATION).__setitem__("effectivePeriod", "2026")),
     "(MedicationStatement).effectivePeriod"),
    ("medication-end-month-13", mutated(lambda b: res(b, MEDICATION)["effectivePeriod"].__setitem__("end", "2026-13")),
     "(MedicationStatement).effectivePeriod.end"),
    ("medication-concept-list", mutated(lambda b: res(b, MEDICATION).__setitem__("medicationCodeableConcept", [])),
     "(MedicationStatement).medicationCodeableConcept"),
    ("request-dispense-text", mutated(lambda b: res(b, REQUEST).__setitem__("dispenseRequest", "30 days")),
     "(MedicationRequest).dispenseRequest"),
    ("request-validity-list", mutated(lambda b: res(b, REQUEST).__setitem__("dispenseRequest", {"validityPeriod": []})),
     "(MedicationRequest).dispenseRequest.validityPeriod"),
    ("request-authored-garbage", mutated(lambda b: res(b, REQUEST).__setitem__("authoredOn", "yesterday")),
     "(MedicationRequest).authoredOn"),
    ("observation-period-number",
     mutated(lambda b: (res(b, WEIGHT).pop("effectiveDateTime"), res(b, WEIGHT).__setitem__("effectivePeriod", 5))),
     "(Observation).effectivePeriod"),
    ("observation-date-number",
     mutated(lambda b: res(b, WEIGHT).__setitem__("effectiveDateTime", 20261120)), "(Observation).effective"),
    ("quantity-text", mutated(lambda b: res(b, WEIGHT).__setitem__("valueQuantity", "61.5 kg")), "(Observation).valueQuantity"),
    ("quantity-value-text", mutated(lambda b: res(b, WEIGHT)["valueQuantity"].__setitem__("value", "61.5")),
     "(Observation).valueQuantity"),
    ("quantity-value-bool", mutated(lambda b: res(b, WEIGHT)["valueQuantity"].__setitem__("value", True)),
     "(Observation).valueQuantity"),
    ("quantity-negative", mutated(lambda b: res(b, WEIGHT)["valueQuantity"].__setitem__("value", -61.5)),
     "(Observation).valueQuantity"),
    ("quantity-nan", mutated(lambda b: res(b, WEIGHT)["valueQuantity"].__setitem__("value", float("nan"))),
     "(Observation).valueQuantity"),
    ("quantity-infinite", mutated(lambda b: res(b, WEIGHT)["valueQuantity"].__setitem__("value", float("inf"))),
     "(Observation).valueQuantity"),
    ("quantity-no-unit", mutated(lambda b: res(b, WEIGHT).__setitem__("valueQuantity", {"value": 61.5})),
     "(Observation).valueQuantity"),
    ("quantity-unknown-unit", mutated(lambda b: res(b, WEIGHT)["valueQuantity"].update(code="stone", unit="stone")),
     "(Observation).valueQuantity"),
    ("value-concept-text", mutated(lambda b: res(b, WEIGHT).__setitem__("valueCodeableConcept", "pregnant")),
     "(Observation).valueCodeableConcept"),
    # The plain mapping form.
    ("mapping-unknown-field", {"id": "p", "name": "Ada"}, "patient: unknown field(s) name"),
    ("mapping-number-key", {"id": "p", 7: "seven"}, "patient: unknown field(s) 7"),
    ("mapping-conditions-mapping", {"conditions": {"code": "a|b"}}, "patient.conditions"),
    ("mapping-condition-code-plain", {"conditions": [{"code": "11381005"}]}, "patient.conditions[0].code"),
    ("mapping-condition-status-list", {"conditions": [{"code": "a|b", "status": ["active"]}]}, "patient.conditions[0].status"),
    ("mapping-condition-status-typo", {"conditions": [{"code": "a|b", "status": "actve"}]}, "patient.conditions[0].status"),
    ("mapping-verification-typo", {"allergies": [{"code": "a|b", "verification": "confirmd"}]},
     "patient.allergies[0].verification"),
    ("mapping-medication-status", {"medications": [{"code": "a|b", "status": "taking"}]}, "patient.medications[0].status"),
    ("mapping-observation-value-number", {"observations": [{"code": "a|b", "value": 5}]}, "patient.observations[0].value"),
    ("mapping-observation-value-code", {"observations": [{"code": "a|b", "valueCode": 5}]}, "patient.observations[0].valueCode"),
    ("mapping-weight-number", {"weight": 61.5}, "patient.weight"),
    ("mapping-weight-infinite", {"weight": "1e999 kg"}, "patient.weight"),
    ("mapping-birth-date-garbage", {"birthDate": "1990-05-17junk"}, "patient.birthDate"),
]


@pytest.mark.parametrize(("data", "place"), [pytest.param(d, p, id=i) for i, d, p in MALFORMED])
def test_malformed_patient_is_refused_with_its_place(guide: ClinicGuide, data: Any, place: str) -> None:
    with pytest.raises(InputError) as raised:
        guide.plan("microneedling", data, proposed=NEEDLE, date=DATE)
    assert place in str(raised.value)
    assert raised.value.exit_code == 1


def test_weight_that_is_not_a_weight_is_refused(guide: ClinicGuide) -> None:
    for value, unit in [(61.5, "mm"), (0, "kg")]:
        quantity = {"value": value, "code": unit, "unit": unit}
        bundle = mutated(lambda b, quantity=quantity: res(b, WEIGHT)["valueQuantity"].update(quantity))
        with pytest.raises(InputError, match="Observation/adv-weight: body weight"):
            guide.plan("isotretinoin-oral", bundle, proposed={"dose": "0.5 mg/kg/d", "last_treatment": "never"}, date=DATE)


@pytest.mark.parametrize("status", ["unknown", "suspected", "ACTIVE", ""])
def test_unrecognised_condition_status_does_not_rule_the_condition_out(guide: ClinicGuide, status: str) -> None:
    """A status outside the value set says nothing: the contraindication stays open (it used to count as past)."""
    cold_sore = {"resourceType": "Condition", "id": "adv-herpes", "clinicalStatus": {"coding": [{"code": status}]},
                 "verificationStatus": {"coding": [{"code": "confirmed"}]},
                 "code": {"coding": [{"system": SNOMED, "code": "235055003"}]}}
    bundle = mutated(lambda b: b["entry"].append({"resource": cold_sore}))
    result = guide.plan("microneedling", bundle, proposed=NEEDLE, date=DATE)
    herpes = [f for f in result.findings if f.item == "ci-active-herpes"]
    assert [f.code for f in herpes] == ["needs-answer"]


def test_unknown_resource_types_are_ignored(guide: ClinicGuide) -> None:
    extra = [{"resource": {"resourceType": kind, "id": f"x{i}"}}
             for i, kind in enumerate(["Encounter", "Binary", "Bundle", "Zzz"])]
    with_extra = guide.plan("microneedling", mutated(lambda b: b["entry"].extend(extra)), proposed=NEEDLE, date=DATE)
    without = guide.plan("microneedling", BUNDLE, proposed=NEEDLE, date=DATE)
    assert with_extra.summary() == without.summary()


# -- absurd quantities: the documented checks apply, nothing breaks -----------------------------------------

@pytest.mark.parametrize(("weight", "dose", "code"), [
    (1e300, "0.5 mg/kg/d", "dose-within-range"),
    (1e-300, "0.5 mg/kg/d", "dose-within-range"),
    (61.5, "1e308 mg/d", "dose-above-range"),
    (61.5, "1e-300 mg/d", "dose-below-range"),
    (1e-300, "1e308 mg/d", "dose-above-range"),
])
def test_absurd_quantities_get_the_range_checks(guide: ClinicGuide, weight: float, dose: str, code: str) -> None:
    bundle = mutated(lambda b: res(b, WEIGHT)["valueQuantity"].__setitem__("value", weight))
    result = guide.plan("isotretinoin-oral", bundle, proposed={"dose": dose, "last_treatment": "never"}, date=DATE)
    assert code in [f.code for f in result.findings]
    json.dumps(result.bundle, allow_nan=False)  # every number in the output is finite


@pytest.mark.parametrize("dose", ["1e999 mg/d", "-1 mg/d", "nan mg/d", "20", "20 furlong", "20 U", "", "mg/d 20"])
def test_unusable_proposed_dose_is_refused(guide: ClinicGuide, dose: str) -> None:
    with pytest.raises(InputError):
        guide.plan("isotretinoin-oral", BUNDLE, proposed={"dose": dose, "last_treatment": "never"}, date=DATE)


def test_a_bare_number_is_reported_as_missing_its_unit(guide: ClinicGuide) -> None:
    with pytest.raises(InputError, match="'20' is not a quantity"):
        guide.plan("isotretinoin-oral", BUNDLE, proposed={"dose": "20"}, date=DATE)


def test_large_bundle_is_read_in_bounded_time(guide: ClinicGuide) -> None:
    many = [{"resource": {"resourceType": "Condition", "id": f"c{i}", "clinicalStatus": {"coding": [{"code": "resolved"}]},
                          "code": {"coding": [{"system": SNOMED, "code": str(100000 + i)}]}}} for i in range(20_000)]
    started = time.perf_counter()
    guide.plan("microneedling", mutated(lambda b: b["entry"].extend(many)), proposed=NEEDLE, date=DATE)
    assert time.perf_counter() - started < 10


# -- dates far in the past or future ------------------------------------------------------------------------

@pytest.mark.parametrize("date", ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31"])
def test_procedure_date_outside_the_supported_years_is_refused(guide: ClinicGuide, date: str) -> None:
    with pytest.raises(InputError, match="the procedure date must lie between 1900-01-01 and 2999-12-31"):
        guide.plan("microneedling", {"id": "p"}, proposed=NEEDLE, date=date)


@pytest.mark.parametrize("last", ["0001-01-01", "9999-12-31"])
def test_last_treatment_outside_the_supported_years_is_refused(guide: ClinicGuide, last: str) -> None:
    with pytest.raises(InputError, match="last_treatment must lie between"):
        guide.plan("botulinum-toxin-glabellar", {"id": "p"}, proposed={"dose": "20 [USP'U]", "last_treatment": last}, date=DATE)


@pytest.mark.parametrize("date", [EARLIEST_DATE.isoformat(), LATEST_DATE.isoformat()])
@pytest.mark.parametrize("guidance", ["microneedling", "isotretinoin-oral", "botulinum-toxin-glabellar"])
@pytest.mark.parametrize("fhir", ["R4", "R5"])
def test_the_supported_years_plan_at_both_ends(guide: ClinicGuide, date: str, guidance: str, fhir: str) -> None:
    """Interval, window and aftercare arithmetic stays inside the calendar at both ends."""
    proposals = {"microneedling": NEEDLE, "isotretinoin-oral": {"dose": "20 mg/d", "last_treatment": date},
                 "botulinum-toxin-glabellar": {"dose": "20 [USP'U]", "last_treatment": date}}
    patient = {"id": "p", "weight": "60 kg",
               "medications": [{"code": f"{RXNORM}|197844", "status": "completed", "start": "0001-01-01", "end": date}]}
    result = guide.plan(guidance, patient, proposed=proposals[guidance], date=date, fhir_version=fhir)
    assert result.decision in DECISION_ORDER


@pytest.mark.parametrize("birth", ["2027", "2026-12-02", "9999-12-31"])
def test_birth_after_the_procedure_is_refused(guide: ClinicGuide, birth: str) -> None:
    bundle = mutated(lambda b: res(b, PATIENT).__setitem__("birthDate", birth))
    with pytest.raises(InputError, match=r"Patient\.birthDate is after the procedure date"):
        guide.plan("microneedling", bundle, proposed=NEEDLE, date=DATE)


def test_born_the_same_year_and_long_ago_are_accepted(guide: ClinicGuide) -> None:
    for birth in ["2026", "2026-12", "0001-01-01", "1900"]:
        bundle = mutated(lambda b, birth=birth: res(b, PATIENT).__setitem__("birthDate", birth))
        assert guide.plan("microneedling", bundle, proposed=NEEDLE, date=DATE).decision in DECISION_ORDER


def test_future_records_do_not_decide_and_ancient_ones_name_their_date(guide: ClinicGuide) -> None:
    """A pregnancy observation dated after the procedure is not used: the question stays open. One dated long
    ago still counts (a recorded pregnancy has no time limit until a later record ends it), and the finding
    names its date, so the clinician sees what to correct."""
    for when, code in [("9999-12-31", "needs-answer"), ("2027-01-01", "needs-answer"), ("0001-01-01", "contraindicated")]:
        observation = {"resourceType": "Observation", "id": "adv-preg", "status": "final", "effectiveDateTime": when,
                       "code": {"coding": [{"system": LOINC, "code": "82810-3"}]},
                       "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "77386006"}]}}
        bundle = mutated(lambda b, observation=observation: b["entry"].append({"resource": observation}))
        result = guide.plan("microneedling", bundle, proposed=NEEDLE, date=DATE)
        pregnancy = [f for f in result.findings if f.item == "ci-pregnancy"]
        assert [f.code for f in pregnancy] == [code], when
        if code == "contraindicated":
            assert pregnancy[0].evidence == (f"Observation/adv-preg ({when})",)


def test_partial_dates_at_the_calendar_end_are_read() -> None:
    record = read_patient({"id": "p", "birthDate": "9999-12",
                           "medications": [{"code": "a|b", "start": "9999-12", "end": "9999-12"}]})
    assert record.birth_date is not None and record.birth_date[1].isoformat() == "9999-12-31"
    assert record.medications[0].end is not None and record.medications[0].end.isoformat() == "9999-12-31"


# -- answers ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("answers", "message"), [
    (["ci-pregnancy"], "answers must map criterion ids"),
    ("yes", "answers must map criterion ids"),
    ({"ci-pregnancy": 1}, "answer to 'ci-pregnancy' must be yes or no"),
    ({"ci-pregnancy": None}, "answer to 'ci-pregnancy' must be yes or no"),
    ({"ci-pregnancy": ["no"]}, "answer to 'ci-pregnancy' must be yes or no"),
    ({"ci-pregnancy": "nope"}, "answer to 'ci-pregnancy' must be yes or no"),
    ({"no-such-criterion": "no"}, "answers name unknown criteria"),
])
def test_bad_answers_are_refused(guide: ClinicGuide, answers: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        guide.plan("microneedling", BUNDLE, proposed=NEEDLE, date=DATE, answers=answers)


# -- questionnaire responses ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def response(guide: ClinicGuide) -> dict[str, Any]:
    """A complete response to the microneedling checklist, built from the checklist itself."""
    checklist = guide.checklist("microneedling")

    def answer(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for item in items:
            entry: dict[str, Any] = {"linkId": item["linkId"]}
            if item.get("type") == "boolean":
                entry["answer"] = [{"valueBoolean": True}]
            if item.get("item"):
                entry["item"] = answer(item["item"])
            out.append(entry)
        return out

    return {"resourceType": "QuestionnaireResponse", "id": "adv-response", "status": "completed",
            "questionnaire": f"{checklist['url']}|{checklist['version']}", "subject": {"reference": "Patient/adv-patient"},
            "authored": "2026-12-01T09:00:00Z", "item": answer(checklist["item"])}


def test_the_complete_response_gives_consent(guide: ClinicGuide, response: dict[str, Any]) -> None:
    assert guide.consent("microneedling", response)["status"] == "active"


def _nested(depth: int) -> list[dict[str, Any]]:
    root: dict[str, Any] = {"linkId": "deep"}
    node = root
    for _ in range(depth):
        node["item"] = [{"linkId": "deep"}]
        node = node["item"][0]
    return [root]


RESPONSES: list[tuple[str, Callable[[dict[str, Any]], Any], str]] = [
    ("list", lambda r: [r], "must be a FHIR QuestionnaireResponse"),
    ("wrong-type", lambda r: {**r, "resourceType": "Consent"}, "must be a FHIR QuestionnaireResponse"),
    ("other-questionnaire", lambda r: {**r, "questionnaire": "https://example.org/Questionnaire/x|1"}, "not the checklist"),
    ("questionnaire-list", lambda r: {**r, "questionnaire": [r["questionnaire"]]}, "not the checklist"),
    ("in-progress", lambda r: {**r, "status": "in-progress"}, "status must be 'completed'"),
    ("item-mapping", lambda r: {**r, "item": {"linkId": "x"}}, "QuestionnaireResponse.item must be a list"),
    ("item-text", lambda r: {**r, "item": ["consent-procedure"]}, "QuestionnaireResponse.item[0] needs a linkId"),
    ("link-id-number", lambda r: {**r, "item": [{"linkId": 5}]}, "QuestionnaireResponse.item[0] needs a linkId"),
    ("answer-mapping",
     lambda r: {**r, "item": [{**r["item"][0], "item": [{**r["item"][0]["item"][0], "answer": {"valueBoolean": True}}]}]},
     "QuestionnaireResponse.item[0].item[0].answer must be a list"),
    ("nested-item-text", lambda r: {**r, "item": [{**r["item"][0], "item": "all of them"}]},
     "QuestionnaireResponse.item[0].item must be a list"),
    ("unknown-link-ids", lambda r: {**r, "item": r["item"] + [{"linkId": f"extra-{i}"} for i in range(5_000)]},
     "items the checklist does not"),
    ("nested-200-deep", lambda r: {**r, "item": _nested(200)}, "nested more than"),
    ("nested-5000-deep", lambda r: {**r, "item": _nested(5_000)}, "nested more than"),
    ("authored-garbage", lambda r: {**r, "authored": "2026-13-45"}, "QuestionnaireResponse.authored"),
    ("authored-number", lambda r: {**r, "authored": 20261201}, "QuestionnaireResponse.authored"),
    ("subject-text", lambda r: {**r, "subject": "Patient/adv-patient"}, "QuestionnaireResponse.subject"),
    ("subject-missing", lambda r: {k: v for k, v in r.items() if k != "subject"}, "QuestionnaireResponse.subject"),
]


@pytest.mark.parametrize(("change", "message"), [pytest.param(c, m, id=i) for i, c, m in RESPONSES])
def test_malformed_response_is_refused(guide: ClinicGuide, response: dict[str, Any], change: Callable[[dict[str, Any]], Any],
                                       message: str) -> None:
    started = time.perf_counter()
    with pytest.raises(InputError) as raised:
        guide.consent("microneedling", change(copy.deepcopy(response)))
    assert message in str(raised.value)
    assert not isinstance(raised.value, ConsentIncomplete)
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("answer", [[{"valueBoolean": "true"}], [{"valueBoolean": 1}], [{"valueString": "yes"}], [],
                                    [{"valueBoolean": True}, {"valueBoolean": True}], [{"valueBoolean": False}]])
def test_anything_but_one_true_answer_is_not_consent(guide: ClinicGuide, response: dict[str, Any], answer: list[Any]) -> None:
    changed = copy.deepcopy(response)
    first = changed["item"][0]["item"][0]
    first["answer"] = answer
    with pytest.raises(ConsentIncomplete) as raised:
        guide.consent("microneedling", changed)
    assert raised.value.missing and raised.value.missing[0].startswith(first["linkId"])


# -- the same through the command line (in process: exit code and stderr) --------------------------------------------

def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.mark.parametrize(("data", "place"), [pytest.param(d, p, id=i) for i, d, p in MALFORMED if d is not None][::3])
def test_cli_malformed_patient_exits_1_with_one_line(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str], data: Any, place: str) -> None:
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps(data, default=str), encoding="utf-8")
    code, out, err = run_cli(["screen", "microneedling", "--patient", str(patient), "--date", DATE, "--param", "needle-depth=1mm",
                              "--last-treatment", "never"], capsys)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("clinicguide: error: ") and place in err


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.json", b"", "patient.json:1:1: patient file is not valid JSON"),
    ("truncated.json", json.dumps(BUNDLE).encode()[:200], "patient file is not valid JSON"),
    ("utf16.json", json.dumps(BUNDLE).encode("utf-16"), "patient file is not UTF-8 text"),
    ("latin1.json", '{"id": "Jos\xe9"}'.encode("latin-1"), "patient file is not UTF-8 text"),
    ("binary.json", bytes(range(256)), "patient file is not UTF-8 text"),
    ("deep.json", b"[" * 200_000 + b"]" * 200_000, "nested too deeply"),
    ("huge-int.json", b'{"id": "p", "weight": ' + b"9" * 100_000 + b"}", "a number with too many digits"),
    ("nan.json",
     b'{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient", "id": NaN}}]}', "Patient.id must be text"),
])
def test_cli_unreadable_patient_file_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             name: str, content: bytes, message: str) -> None:
    patient = tmp_path / "patient.json"
    patient.write_bytes(content)
    code, out, err = run_cli(["screen", "microneedling", "--patient", str(patient), "--date", DATE], capsys)
    assert (code, out) == (1, "")
    assert message in err and err.count("\n") == 1


def test_cli_malformed_response_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str], response: dict[str, Any]) -> None:
    for name, change, message in RESPONSES:
        if name == "nested-5000-deep":  # deeper than JSON goes; the file test above covers deep files
            continue
        path = tmp_path / f"response-{name}.json"
        path.write_text(json.dumps(change(copy.deepcopy(response))), encoding="utf-8")
        code, out, err = run_cli(["consent", "microneedling", "--response", str(path)], capsys)
        assert code == 1 and out == "", (name, err)
        assert err.startswith("clinicguide: error: ") and message in err, (name, err)
