"""Error and trace output never carry patient identifiers or clinical values.

The patient below is full of canaries: identifiers (id, MRN, name, phone, address, birth
date) and clinical values (a weight, dates, free text). Every way of making clinicguide
fail or trace on that patient, in process and through the command line, is checked for
them: exception messages and tracebacks, the hook trace, log records, stderr.
Error messages name places (``Bundle.entry[3] (Observation).valueQuantity``) and resource
ids of clinical records, never values.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clinicguide import ClinicGuide, ClinicguideError, hookimpl
from clinicguide.clinical.readers import read_patient

PATIENT_ID, MRN, FAMILY, GIVEN = "pid-7Q2XK9", "MRN-55501999", "Quixotrel", "Zephyrine"
PHONE, ADDRESS, BIRTH = "+44-7700-900417", "42 Wisteria Vale", "1983-09-27"
WEIGHT, ONSET, NOTE, DISPLAY = "71.937", "2019-07-23", "Qzx-private-note", "Qzx-private-diagnosis"
MED_START, MED_END = "2024-03-11", "2024-10-02"
CANARIES = [PATIENT_ID, MRN, FAMILY, GIVEN, PHONE, ADDRESS, BIRTH, WEIGHT, ONSET, NOTE, DISPLAY, MED_START, MED_END]
SNOMED, RXNORM, LOINC = "http://snomed.info/sct", "http://www.nlm.nih.gov/research/umls/rxnorm", "http://loinc.org"
DATE = "2026-12-01"

BUNDLE: dict[str, Any] = {"resourceType": "Bundle", "type": "collection", "entry": [
    {"resource": {"resourceType": "Patient", "id": PATIENT_ID, "identifier": [{"system": "urn:mrn", "value": MRN}],
                  "name": [{"family": FAMILY, "given": [GIVEN]}], "telecom": [{"system": "phone", "value": PHONE}],
                  "address": [{"line": [ADDRESS]}], "gender": "female", "birthDate": BIRTH}},
    {"resource": {"resourceType": "Condition", "id": "cond-1", "subject": {"reference": f"Patient/{PATIENT_ID}"},
                  "clinicalStatus": {"coding": [{"code": "active"}]}, "onsetDateTime": ONSET, "note": [{"text": NOTE}],
                  "code": {"coding": [{"system": SNOMED, "code": "11381005", "display": DISPLAY}], "text": DISPLAY}}},
    {"resource": {"resourceType": "MedicationStatement", "id": "med-1", "status": "completed",
                  "subject": {"reference": f"Patient/{PATIENT_ID}"},
                  "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "197844"}]},
                  "effectivePeriod": {"start": MED_START, "end": MED_END}}},
    {"resource": {"resourceType": "Observation", "id": "obs-1", "status": "final",
                  "subject": {"reference": f"Patient/{PATIENT_ID}"},
                  "code": {"coding": [{"system": LOINC, "code": "29463-7"}]}, "effectiveDateTime": "2026-11-20",
                  "valueQuantity": {"value": float(WEIGHT), "unit": "kg", "code": "kg"}, "note": [{"text": NOTE}]}},
]}
PATIENT, CONDITION, MEDICATION, WEIGHT_OBS = range(4)
MAPPING = {"id": PATIENT_ID, "birthDate": BIRTH, "gender": "female", "weight": f"{WEIGHT} kg",
           "conditions": [{"code": f"{SNOMED}|11381005", "status": "active", "id": "cond-1"}],
           "medications": [{"code": f"{RXNORM}|197844", "status": "completed", "start": MED_START, "end": MED_END}]}


def _change(index: int, **fields: Any) -> dict[str, Any]:
    bundle = copy.deepcopy(BUNDLE)
    bundle["entry"][index]["resource"].update(fields)
    return bundle


def _quantity(**fields: Any) -> dict[str, Any]:
    bundle = copy.deepcopy(BUNDLE)
    bundle["entry"][WEIGHT_OBS]["resource"]["valueQuantity"].update(fields)
    return bundle


# Malformed patients whose bad values are themselves identifiers or clinical values.
MALFORMED: list[tuple[str, Any]] = [
    ("patient-id-list", _change(PATIENT, id=[PATIENT_ID, MRN])),
    ("gender-is-name", _change(PATIENT, gender=GIVEN)),
    ("birth-date-garbage", _change(PATIENT, birthDate=f"{BIRTH}T99:99")),
    ("birth-date-words", _change(PATIENT, birthDate=f"{GIVEN} {FAMILY} {BIRTH}")),
    ("birth-date-future", _change(PATIENT, birthDate="2030-01-01")),
    ("code-is-text", _change(CONDITION, code=DISPLAY)),
    ("coding-is-text", _change(CONDITION, code={"coding": f"{DISPLAY} {ONSET}"})),
    ("status-is-text", _change(CONDITION, clinicalStatus=NOTE)),
    ("period-is-list", _change(MEDICATION, effectivePeriod=[MED_START, MED_END])),
    ("period-start-garbage", _change(MEDICATION, effectivePeriod={"start": f"{MED_START} {NOTE}"})),
    ("period-end-month-13", _change(MEDICATION, effectivePeriod={"start": MED_START, "end": "2024-13-02"})),
    ("effective-garbage", _change(WEIGHT_OBS, effectiveDateTime=f"{ONSET}/{WEIGHT}")),
    ("quantity-is-text", _change(WEIGHT_OBS, valueQuantity=f"{WEIGHT} kg")),
    ("quantity-value-text", _quantity(value=WEIGHT)),
    ("quantity-negative", _quantity(value=-float(WEIGHT))),
    ("quantity-unit-unknown", _quantity(code=f"{WEIGHT}stone", unit=f"{WEIGHT}stone")),
    ("quantity-wrong-dimension", _quantity(code="mm", unit="mm")),
    ("quantity-zero", _quantity(value=0)),
    ("value-concept-text", _change(WEIGHT_OBS, valueCodeableConcept=NOTE)),
    ("two-patients", {**BUNDLE, "entry": BUNDLE["entry"] + [BUNDLE["entry"][PATIENT]]}),
    ("mapping-unknown-value-field", {**MAPPING, "name": f"{GIVEN} {FAMILY}"}),
    ("mapping-birth-date", {**MAPPING, "birthDate": f"{BIRTH}!"}),
    ("mapping-weight", {**MAPPING, "weight": f"{WEIGHT} stone"}),
    ("mapping-weight-number", {**MAPPING, "weight": float(WEIGHT)}),
    ("mapping-status", {**MAPPING, "conditions": [{"code": f"{SNOMED}|1", "status": NOTE}]}),
    ("mapping-code", {**MAPPING, "conditions": [{"code": DISPLAY}]}),
    ("mapping-medication-date", {**MAPPING, "medications": [{"code": f"{RXNORM}|1", "start": f"{MED_START}x"}]}),
    ("mapping-observation-value", {**MAPPING, "observations": [{"code": f"{LOINC}|1", "value": f"{WEIGHT} furlong"}]}),
    ("mapping-id-number", {**MAPPING, "id": 55501999}),
]


def assert_private(text: str, what: str = "") -> None:
    leaked = [c for c in CANARIES if c in text]
    assert not leaked, f"{what}: {leaked} in {text[:500]!r}"


def assert_exception_private(exc: BaseException) -> None:
    assert_private(str(exc), "message")
    assert_private(repr(exc), "repr")
    assert_private(repr(exc.args), "args")
    assert_private("".join(traceback.format_exception(exc)), "traceback")


@pytest.fixture(scope="module")
def guide() -> ClinicGuide:
    return ClinicGuide(entry_point_plugins=False)


def test_the_canary_patient_plans(guide: ClinicGuide) -> None:
    """The canaries are real data: the plan reads them (and may cite the records in its output)."""
    record = read_patient(BUNDLE)
    assert record.id == PATIENT_ID and record.birth_date is not None
    result = guide.plan("isotretinoin-oral", BUNDLE, proposed={"dose": "0.5 mg/kg/d", "last_treatment": "never"}, date=DATE)
    assert "dose-within-range" in [f.code for f in result.findings]


@pytest.mark.parametrize("patient", [pytest.param(p, id=i) for i, p in MALFORMED])
def test_patient_errors_name_places_not_values(guide: ClinicGuide, patient: Any, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ClinicguideError) as raised:
        guide.plan("isotretinoin-oral", patient, proposed={"dose": "0.5 mg/kg/d", "last_treatment": "never"}, date=DATE)
    assert_exception_private(raised.value)
    assert_private(caplog.text, "log")


def _response(**fields: Any) -> dict[str, Any]:
    return {"resourceType": "QuestionnaireResponse", "status": "completed",
            "subject": {"reference": f"Patient/{PATIENT_ID}", "display": GIVEN},
            "questionnaire": "https://clinicguide.org/fhir/Questionnaire/microneedling-consent|1.1.0",
            "authored": f"{DATE}T09:00:00Z",
            "item": [], **fields}


@pytest.mark.parametrize("response", [
    _response(authored=f"{BIRTH} {FAMILY}"),
    _response(subject=f"Patient/{PATIENT_ID}"),
    _response(status="in-progress"),
    _response(item=f"{GIVEN} agreed"),
    _response(item=[{"linkId": "consent-procedure", "answer": f"yes - {GIVEN}"}]),
    _response(item=[{"linkId": "consent-procedure", "answer": [{"valueBoolean": True}]}]),  # incomplete: lists what is missing
    _response(item=[{"text": NOTE}]),
])
def test_consent_errors_name_places_not_values(guide: ClinicGuide, response: dict[str, Any]) -> None:
    with pytest.raises(ClinicguideError) as raised:
        guide.consent("microneedling", response)
    assert_exception_private(raised.value)


def test_answer_values_are_not_echoed(guide: ClinicGuide) -> None:
    with pytest.raises(ClinicguideError) as raised:
        guide.plan("microneedling", BUNDLE, answers={"ci-pregnancy": f"{GIVEN} says maybe"}, date=DATE)
    assert_exception_private(raised.value)


def test_trace_and_logs_carry_no_patient_data(guide: ClinicGuide, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str],
                                              caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("CLINICGUIDE_TRACE", "1")
    caplog.set_level(logging.DEBUG)
    traced = ClinicGuide(guide.library, entry_point_plugins=False)
    capsys.readouterr()
    for patient in (BUNDLE, MAPPING):
        traced.plan("isotretinoin-oral", patient, proposed={"dose": "0.5 mg/kg/d", "last_treatment": "never"}, date=DATE)
    err = capsys.readouterr().err
    assert "clinicguide trace: clinicguide_screen -> clinicguide.screening" in err
    assert_private(err, "trace")
    assert_private(caplog.text, "log")


# -- plugins: their failures are reported without the patient they were working on -----------------------------------

def _raises_with(make: Callable[[dict[str, Any]], BaseException], hook: str) -> object:
    arguments = {"clinicguide_screen": "guidance, record, date, answers, proposal",
                 "clinicguide_patient_context": "reference",
                 "clinicguide_fhir_bundle": "screening, record, context"}[hook]
    namespace: dict[str, Any] = {}
    keywords = ", ".join(f"{a}={a}" for a in arguments.split(", "))
    exec(f"def {hook}({arguments}):\n    raise make(dict({keywords}))\n", {"make": make}, namespace)
    plugin = type("Leaky", (), {hook: staticmethod(hookimpl(namespace[hook]))})()
    plugin.__name__ = f"leaky-{hook.removeprefix('clinicguide_')}"  # type: ignore[attr-defined]
    return plugin


@pytest.mark.parametrize(("hook", "make"), [
    ("clinicguide_patient_context", lambda kw: KeyError(kw["reference"])),
    ("clinicguide_patient_context", lambda kw: LookupError(f"no record for {kw['reference']} in the clinic system")),
    ("clinicguide_screen",
     lambda kw: ValueError(f"site rule failed for patient {kw['record'].id} born {kw['record'].birth_date[0]}")),
    ("clinicguide_fhir_bundle", lambda kw: RuntimeError(f"cannot write bundle for {kw['record'].id!r}")),
])
def test_plugin_errors_do_not_carry_patient_identifiers(guide: ClinicGuide, hook: str,
                                                        make: Callable[[dict[str, Any]], BaseException]) -> None:
    leaky = ClinicGuide(guide.library, plugins=[_raises_with(make, hook)], entry_point_plugins=False)
    patient: Any = f"Patient/{PATIENT_ID}" if hook == "clinicguide_patient_context" else BUNDLE
    with pytest.raises(ClinicguideError) as raised:
        leaky.plan("microneedling", patient, date=DATE)
    assert str(raised.value).startswith("plugin 'leaky-")
    assert_private(str(raised.value), "message")
    assert_private(repr(raised.value.args), "args")


# -- the command line --------------------------------------------------------------------------------------------------

def _cli(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clinicguide", *args], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={**os.environ, **env})


def test_command_line_errors_and_trace_carry_no_patient_data(tmp_path: Path) -> None:
    good = tmp_path / "patient.json"
    good.write_text(json.dumps(BUNDLE), encoding="utf-8")
    done = _cli(["plan", "isotretinoin-oral", "--patient", str(good), "--dose", "0.5 mg/kg/d",
                 "--last-treatment", "never", "--date", DATE],
                tmp_path, CLINICGUIDE_TRACE="1")
    assert done.returncode == 0 and "clinicguide trace:" in done.stderr
    assert_private(done.stderr, "trace")
    for name, patient in MALFORMED[::4]:
        bad = tmp_path / f"{name}.json"
        bad.write_text(json.dumps(patient), encoding="utf-8")
        failed = _cli(["screen", "isotretinoin-oral", "--patient", str(bad), "--date", DATE, "--dose", "0.5 mg/kg/d"], tmp_path,
                      CLINICGUIDE_TRACE="1")
        assert failed.returncode == 1 and "Traceback" not in failed.stderr, (name, failed.stderr)
        assert_private(failed.stderr, name)
        assert failed.stdout == ""
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(BUNDLE)[:-40], encoding="utf-8")
    failed = _cli(["screen", "isotretinoin-oral", "--patient", str(broken), "--date", DATE], tmp_path)
    assert failed.returncode == 1 and "not valid JSON" in failed.stderr
    assert_private(failed.stderr, "broken JSON")
