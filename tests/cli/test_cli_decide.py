"""The decision commands end to end: ``python -m clinicguide plan|screen|checklist|consent|export``."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from clinicguide.fhir.models import validate_resource

ROOT = Path(__file__).resolve().parents[2]
MARIA = "examples/patients/maria-lopez.json"
PREGNANT = "examples/patients/pregnant-patient.json"
BASE = "https://clinicguide.org/fhir"


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CLINICGUIDE_CANONICAL_BASE"}
    done = subprocess.run([sys.executable, "-m", "clinicguide", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def ok(*args: str) -> Any:
    done = run(*args)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return json.loads(done.stdout)


def fails(code: int, *args: str) -> str:
    done = run(*args)
    assert done.returncode == code, (done.returncode, done.stderr)
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("clinicguide: error: "), done.stderr
    return done.stderr


def kinds(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["resourceType"] for e in bundle["entry"]]


def careplan(bundle: dict[str, Any]) -> dict[str, Any]:
    return next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CarePlan")


# -- plan and screen -------------------------------------------------------------------------------

def test_readme_main_job_command(tmp_path: Path) -> None:
    """The README's main job, run as written once the venv exists, prints the decision it states and writes the Bundle."""
    readme = (ROOT / "README.md").read_text()
    section = re.search(r"run the main job(.*?)```sh\n(.*?)\n```", readme, re.DOTALL | re.IGNORECASE)
    assert section, "README has no main-job command block"
    stated = re.search(r"The decision is `([a-z-]+)`", section.group(1))
    assert stated, "README does not state the main job's decision"
    command = section.group(2).split("&&")[-1].strip()  # what remains once the venv is set up
    words = shlex.split(command)
    assert words[:2] == [".venv/bin/clinicguide", "plan"] and words[words.index("--format") + 1] == "text"
    written = words[words.index("--bundle") + 1]
    words[words.index("--bundle") + 1] = str(tmp_path / written)  # the checkout stays as it was
    if not (ROOT / words[0]).exists():  # a checkout whose venv lives elsewhere: same command, this interpreter
        words = [sys.executable, "-m", "clinicguide", *words[1:]]
    env = {k: v for k, v in os.environ.items() if k not in ("CLINICGUIDE_CANONICAL_BASE", "NO_COLOR")}
    done = subprocess.run(words, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    decision = stated.group(1)
    assert done.stdout.startswith(f"Decision: {decision.upper()} - ") and "\x1b" not in done.stdout
    assert "Care plan from 2026-12-01" in done.stdout
    bundle = json.loads((tmp_path / written).read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle" and "CarePlan" in kinds(bundle)
    validate_resource(bundle, "R4")
    plan = careplan(bundle)
    assert plan["description"].startswith(f"Decision: {decision} ")
    assert f"Decision: {decision}." in plan["activity"][0]["detail"]["description"]
    assert plan["subject"] == {"reference": "Patient/maria-lopez"}


def test_plan_prints_an_r4_bundle_by_default() -> None:
    bundle = ok("plan", "microneedling", "--patient", PREGNANT, "--date", "2026-12-01")
    validate_resource(bundle, "R4")
    issue = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DetectedIssue")
    assert "patient" in issue and "subject" not in issue
    assert careplan(bundle)["description"].startswith("Decision: contraindicated ")


def test_plan_r5() -> None:
    bundle = ok("plan", "microneedling", "--patient", MARIA, "--param", "needle-depth=1.0mm", "--date", "2026-12-01",
                "--fhir", "R5",
                "--answers", "examples/answers/maria-lopez-microneedling.json", "--validate-fhir")
    validate_resource(bundle, "R5")
    plan = careplan(bundle)
    assert plan["description"].startswith("Decision: caution ")
    assert all("plannedActivityReference" in a for a in plan["activity"]) and plan["contained"]


def test_plan_with_dose_regimen_and_last_treatment() -> None:
    bundle = ok("plan", "isotretinoin-oral", "--patient", "examples/patients/lena-fischer.json", "--dose", "20 mg/d",
                "--regimen", "reg-label",
                "--last-treatment", "2026-11-03", "--date", "2026-12-01", "--answer", "ci-pregnancy=no")
    issues = [e["resource"]["code"]["text"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DetectedIssue"]
    assert "dose-below-range" in issues and "interval-too-short" in issues and "needs-answer" in issues


def test_screen_with_indication_and_prior_doses() -> None:
    toxin = ("screen", "botulinum-toxin-glabellar", "--patient", MARIA, "--dose", "20 [USP'U]", "--date", "2026-12-01",
             "--indication", "ind-glabellar-lines", "--last-treatment", "never",
             "--answers", "examples/answers/botulinum-toxin-glabellar-questions-no.json", "--answer", "ci-pregnancy=no",
             "--answer", "ci-breastfeeding=no", "--answer", "ci-injection-site-infection=no")
    unknown = ok(*toxin)
    assert ("prior-doses-unknown", "max-all-indications") in [(f["code"], f["item"]) for f in unknown["questions"]]
    assert unknown["label"] == "on-label"
    assert ok(*toxin, "--prior-dose", "none")["decision"] == "eligible"
    over = ok(*toxin, "--prior-dose", "2026-10-01=200[USP'U]", "--prior-dose", "2026-10-01=190 [USP'U]")
    assert (over["decision"], over["findings"][-1]["item"]) == ("contraindicated", "max-all-indications")
    pores = ok("screen", "isotretinoin-oral", "--patient", "examples/patients/lena-fischer.json", "--dose", "30 mg/d",
               "--indication", "ind-pores-oiliness", "--last-treatment", "never", "--date", "2026-12-01",
               "--answers", "examples/answers/isotretinoin-oral-questions-no.json", "--answer", "ci-pregnancy=no")
    assert [f["code"] for f in pores["findings"]] == ["off-label-indication", "off-label-regimen"]


@pytest.mark.parametrize(("value", "message"), [
    (["none", "2026-10-01=20[USP'U]"], "--prior-dose none says no dose was given"),
    (["last month=20[USP'U]"], "--prior-dose takes DATE=QTY"),
    (["2026-10-01"], "--prior-dose takes DATE=QTY"),
])
def test_bad_prior_dose_is_a_usage_error(value: list[str], message: str) -> None:
    options = [arg for v in value for arg in ("--prior-dose", v)]
    assert message in fails(2, "screen", "botulinum-toxin-glabellar", "--patient", MARIA, "--dose", "20 [USP'U]",
                            "--date", "2026-12-01", *options)


def test_unknown_indication_is_refused() -> None:
    # a misspelt name is a usage error, like a misspelt guidance id, with the closest known name
    refused = fails(2, "screen", "isotretinoin-oral", "--patient", MARIA, "--indication", "ind-pores", "--date", "2026-12-01")
    assert "has no indication 'ind-pores'" in refused and "did you mean 'ind-pores-oiliness'?" in refused


def test_screen_prints_the_documented_contract() -> None:
    summary = ok("screen", "microneedling", "--patient", MARIA, "--param", "needle-depth=2.0mm", "--date", "2026-12-01",
                 "--answers", "examples/answers/maria-lopez-microneedling.json", "--answer", "ci-active-herpes=no")
    assert set(summary) == {"guidance", "decision", "label", "findings", "questions", "answers", "not_applicable"}
    assert (summary["guidance"], summary["decision"]) == ("microneedling|1.1.0", "contraindicated")
    assert summary["questions"] == [] and len(summary["answers"]) == 13  # the file's 13, one repeated by --answer
    found = [(f["code"], f["item"]) for f in summary["findings"]]
    assert found == [("relative-contraindication", "ci-isotretinoin-recent"), ("dose-above-range", "rng-needle-depth"),
                     ("over-maximum", "max-needle-depth")]
    for finding in summary["findings"]:
        assert {"code", "severity", "item", "message"} <= set(finding)
        assert finding["severity"] in {"high", "moderate", "low"}


def test_screen_gives_the_question_when_data_is_missing() -> None:
    summary = ok("screen", "salicylic-acid-topical", "--patient", MARIA, "--date", "2026-12-01")
    assert summary["decision"] == "needs-information" and summary["findings"] == []
    first = summary["questions"][0]
    assert (first["code"], first["item"], first["severity"]) == ("needs-answer", "ci-hypersensitivity", "moderate")
    assert first["question"] == "Has the patient had an allergic reaction to salicylic acid or to this product before?"


def test_screen_quotes_who_answered_and_when_in_a_record_conflict() -> None:
    summary = ok("screen", "isotretinoin-oral", "--patient", "examples/patients/pregnancy-condition.json",
                 "--date", "2026-11-20", "--answer", "ci-pregnancy=no", "--answered-by", "Dr A. Lee",
                 "--answered-at", "2026-11-20")
    conflict = next(f for f in summary["findings"] if f["code"] == "record-conflict")
    assert conflict["item"] == "ci-pregnancy" and conflict["outcome"] == "needs-information"
    assert conflict["evidence"] == ["Condition/olivia-pregnancy (2026-09-15)",
                                    "clinician answer ci-pregnancy=no (Dr A. Lee, 2026-11-20)"]
    assert summary["decision"] == "contraindicated"


def test_bad_answered_at() -> None:
    assert "--answered-at takes a date as YYYY-MM-DD" in fails(2, "screen", "microneedling", "--patient", MARIA,
                                                               "--answered-at", "20/11/2026")


def test_output_writes_a_file(tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    done = run("plan", "microneedling", "--patient", MARIA, "--date", "2026-12-01", "--output", str(target))
    assert done.returncode == 0 and done.stdout == ""
    assert json.loads(target.read_text())["resourceType"] == "Bundle"
    summary = tmp_path / "screen.json"
    assert run("screen", "microneedling", "--patient", MARIA, "--date", "2026-12-01", "-o", str(summary)).returncode == 0
    assert json.loads(summary.read_text())["decision"] == "needs-information"


def test_output_is_stable() -> None:
    args = ("plan", "microneedling", "--patient", MARIA, "--date", "2026-12-01", "--param", "needle-depth=1.0mm")
    assert run(*args).stdout == run(*args).stdout


# -- checklist, consent, export --------------------------------------------------------------------

def test_checklist() -> None:
    questionnaire = ok("checklist", "microneedling")
    validate_resource(questionnaire, "R4")
    assert questionnaire["url"] == f"{BASE}/Questionnaire/microneedling-consent" and questionnaire["version"] == "1.1.0"
    r5 = ok("checklist", "botulinum-toxin-glabellar", "--fhir", "R5", "--canonical-base", "https://clinic.example/fhir")
    assert r5["url"] == "https://clinic.example/fhir/Questionnaire/botulinum-toxin-glabellar-consent"


def test_consent_with_a_complete_response() -> None:
    consent = ok("consent", "microneedling", "--response", "examples/responses/microneedling-complete.json")
    validate_resource(consent, "R4")
    assert (consent["status"], consent["patient"]) == ("active", {"reference": "Patient/maria-lopez"})
    r5 = ok("consent", "microneedling", "--response", "examples/responses/microneedling-complete.json", "--fhir", "R5")
    assert r5["decision"] == "permit" and "scope" not in r5


def test_consent_with_an_incomplete_response() -> None:
    message = fails(1, "consent", "microneedling", "--response", "examples/responses/microneedling-incomplete.json")
    assert "consent not given" in message
    assert "consent-no-products (" in message and "consent-home-use (" in message
    assert "consent-procedure" not in message and "consent-pigmentation" not in message


@pytest.mark.parametrize("version", ["R4", "R5"])
def test_export(version: str, tmp_path: Path) -> None:
    target = tmp_path / "export.json"
    assert run("export", "--fhir", version, "--output", str(target)).returncode == 0
    bundle = json.loads(target.read_text())
    validate_resource(bundle, version)
    # Per document a PlanDefinition, the consent checklist and the screening questionnaire; one finding CodeSystem.
    assert kinds(bundle).count("PlanDefinition") == 6 and kinds(bundle).count("Questionnaire") == 12
    assert "ActivityDefinition" in kinds(bundle) and kinds(bundle).count("CodeSystem") == 1


# -- bad input -------------------------------------------------------------------------------------

def test_malformed_json_patient_is_located(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "resourceType": "Bundle",\n  "entry": [\n    {"resource": }\n  ]\n}\n')
    message = fails(1, "plan", "microneedling", "--patient", str(bad), "--date", "2026-12-01")
    assert f"{bad}:4:18: patient file is not valid JSON" in message


def test_missing_patient_file_is_a_usage_error(tmp_path: Path) -> None:
    message = fails(2, "plan", "microneedling", "--patient", str(tmp_path / "nobody.json"), "--date", "2026-12-01")
    assert "no such file" in message


def test_non_bundle_resource_is_refused(tmp_path: Path) -> None:
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps({"resourceType": "Patient", "id": "solo-9931", "birthDate": "1980-04-04"}))
    message = fails(1, "plan", "microneedling", "--patient", str(patient), "--date", "2026-12-01")
    assert "must be a FHIR Bundle, not a Patient" in message
    assert "1980-04-04" not in message


def test_patient_values_are_not_echoed(tmp_path: Path) -> None:
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps({"resourceType": "Bundle", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p", "birthDate": "1980-04-04"}},
        {"resource": {"resourceType": "Observation", "id": "w",
                      "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
                      "valueQuantity": {"value": 61.37, "code": "stone-x"}}}]}))
    message = fails(1, "screen", "isotretinoin-oral", "--patient", str(patient), "--date", "2026-12-01")
    assert "Bundle.entry[1] (Observation).valueQuantity" in message
    assert "61.37" not in message and "stone-x" not in message


@pytest.mark.parametrize(("dose", "message"), [
    ("20 furlongs", "unknown unit 'furlongs'"),
    ("20 U", "unit 'U' is ambiguous"),
    ("twenty", "is not a quantity"),
])
def test_bad_dose_is_refused(dose: str, message: str) -> None:
    assert message in fails(1, "plan", "botulinum-toxin-glabellar", "--patient", MARIA, "--dose", dose, "--date", "2026-12-01")


def test_unknown_guidance_is_a_usage_error() -> None:
    message = fails(2, "plan", "botox", "--patient", MARIA, "--date", "2026-12-01")
    assert "unknown guidance 'botox'; known: botulinum-toxin-glabellar" in message
    assert "unknown guidance 'botox'" in fails(2, "checklist", "botox")


def test_unknown_version_is_a_usage_error() -> None:
    assert "has no version '9.9.9'" in fails(2, "plan", "microneedling", "--version", "9.9.9",
                                             "--patient", MARIA, "--date", "2026-12-01")


def test_answer_to_an_unknown_criterion() -> None:
    # A misspelt name is a usage error (exit 2), as an unknown guidance id is.
    message = fails(2, "plan", "microneedling", "--patient", MARIA, "--date", "2026-12-01", "--answer", "ci-nope=yes")
    assert "answers name unknown criteria for microneedling|1.1.0: ci-nope" in message


def test_answer_that_is_not_yes_or_no() -> None:
    assert "must be yes or no" in fails(1, "plan", "microneedling", "--patient", MARIA, "--date", "2026-12-01",
                                        "--answer", "ci-pregnancy=maybe")


def test_answers_file_must_be_an_object(tmp_path: Path) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text('["ci-pregnancy"]')
    message = fails(1, "plan", "microneedling", "--patient", MARIA, "--date", "2026-12-01", "--answers", str(answers))
    assert "answers must be a JSON object" in message


@pytest.mark.parametrize("option", ["--param", "--answer"])
@pytest.mark.parametrize("value", ["needle-depth", "=1mm", "needle-depth="])
def test_pairs_without_name_and_value_are_usage_errors(option: str, value: str) -> None:
    assert "takes NAME=VALUE" in fails(2, "plan", "microneedling", "--patient", MARIA, "--date", "2026-12-01", option, value)


@pytest.mark.parametrize("date", ["2026-13-01", "01/12/2026", "tomorrow"])
def test_bad_date(date: str) -> None:
    # A malformed option value is a usage error (exit 2), like any other bad option.
    assert "--date takes a date as YYYY-MM-DD" in fails(2, "plan", "microneedling", "--patient", MARIA, "--date", date)


def test_bad_last_treatment() -> None:
    assert "--last-treatment takes a date" in fails(2, "plan", "botulinum-toxin-glabellar", "--patient", MARIA,
                                                    "--dose", "20 [USP'U]",
                                    "--last-treatment", "recently", "--date", "2026-12-01")


def test_unknown_parameter() -> None:
    assert "no range for 'volume'" in fails(2, "plan", "ha-dermal-filler", "--patient", MARIA,
                                            "--param", "volume=1mL", "--date", "2026-12-01")


def test_unknown_fhir_version_is_a_usage_error() -> None:
    assert "use R4 or R5" in fails(2, "export", "--fhir", "R6")


def test_bad_canonical_base_is_a_usage_error() -> None:
    assert "must be an http(s) URL" in fails(2, "checklist", "microneedling", "--canonical-base", "clinic.example")


def test_consent_response_that_is_not_a_questionnaire_response() -> None:
    assert "must be a FHIR QuestionnaireResponse" in fails(1, "consent", "microneedling", "--response", MARIA)


def test_missing_required_option_is_a_usage_error() -> None:
    done = run("plan", "microneedling")
    assert done.returncode == 2 and "--patient" in done.stderr


# -- the screening questionnaire and answers as a QuestionnaireResponse ------------------------------

def test_questions_prints_the_screening_questionnaire() -> None:
    for fhir in ("R4", "R5"):
        questionnaire = ok("questions", "microneedling", "--fhir", fhir)
        validate_resource(questionnaire, fhir)
        assert questionnaire["url"] == f"{BASE}/Questionnaire/microneedling-screening"
        assert "ci-pregnancy" in [item["linkId"] for item in questionnaire["item"]]
    assert "unknown guidance" in fails(2, "questions", "microneedle")


def test_answers_file_may_be_a_response_to_the_screening_questionnaire(tmp_path: Path) -> None:
    response = {"resourceType": "QuestionnaireResponse", "status": "completed",
                "questionnaire": f"{BASE}/Questionnaire/microneedling-screening|1.1.0",
                "author": {"reference": "Practitioner/dr-ames"}, "authored": "2026-11-30",
                "item": [{"linkId": "ci-pregnancy", "answer": [{"valueBoolean": False}]}]}
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(response))
    summary = ok("screen", "microneedling", "--patient", MARIA, "--answers", str(path), "--date", "2026-12-01")
    asked = "Is the patient pregnant, or could the patient be pregnant?"
    assert summary["answers"] == [{"item": "ci-pregnancy", "answer": "no", "question": asked}]
    assert "ci-pregnancy" not in [q["item"] for q in summary["questions"]]
    bundle = ok("plan", "microneedling", "--patient", MARIA, "--answers", str(path), "--date", "2026-12-01")
    [answers] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    assert answers["author"] == {"reference": "Practitioner/dr-ames"}
    assert "not both" in fails(2, "screen", "microneedling", "--patient", MARIA, "--answers", str(path),
                               "--answer", "ci-breastfeeding=no", "--date", "2026-12-01")
    response["questionnaire"] = f"{BASE}/Questionnaire/isotretinoin-oral-screening"
    path.write_text(json.dumps(response))
    assert "screening questionnaire" in fails(1, "screen", "microneedling", "--patient", MARIA, "--answers", str(path),
                                              "--date", "2026-12-01")
