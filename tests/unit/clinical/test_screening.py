"""Screening: contraindication findings, their order and evidence, the result, and deterministic output."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from clinicguide.clinical.answers import parse_answers
from clinicguide.clinical.criteria import Context
from clinicguide.clinical.findings import FINDING_CODES, QUESTION_CODES, SEVERITY, Finding
from clinicguide.clinical.readers import read_patient
from clinicguide.clinical.screening import addressed_conditions, decide, findings_for, not_applicable, screen_item
from clinicguide.content.library import load_library
from clinicguide.errors import ClinicguideError, UsageError
from clinicguide.guide import ClinicGuide

ROOT = Path(__file__).resolve().parents[3]
DATE = "2026-12-01"
MARIA = json.loads((ROOT / "examples/patients/maria-lopez.json").read_text())
MARIA_ANSWERS = json.loads((ROOT / "examples/answers/maria-lopez-microneedling.json").read_text())
ADULT = {"id": "adult", "birthDate": "1990-06-15", "gender": "female"}
SAM = json.loads((ROOT / "examples/patients/sam-okafor.json").read_text())
ACNE = ("http://snomed.info/sct", "11381005")
LIBRARY = load_library()  # the packaged documents as they are: the content loader applies no plugins


def test_contraindicated_outranks_needs_information(guide: ClinicGuide) -> None:
    pregnant = {**ADULT, "conditions": [{"code": "http://snomed.info/sct|77386006"}]}
    result = guide.plan("microneedling", pregnant, date=DATE)  # everything else unknown
    assert result.decision == "contraindicated"
    assert {"contraindicated", "needs-information", "caution"} == {f.outcome for f in result.findings}

def test_relative_unknown_is_only_a_caution(guide: ClinicGuide) -> None:
    result = guide.plan("laser-enlarged-pores", {"id": "x"}, date=DATE)
    assert result.decision == "caution"
    assert [(f.code, f.outcome, f.severity) for f in result.findings] == [("relative-unknown", "caution", "moderate")] * 2
    assert all(f.question for f in result.findings)

def test_absolute_unknown_needs_information_with_the_question(guide: ClinicGuide) -> None:
    result = guide.plan("salicylic-acid-topical", {"id": "x"}, date=DATE, answers={"ci-other-topical-acne": "no"})
    (finding,) = result.findings
    assert (result.decision, finding.code, finding.outcome) == ("needs-information", "needs-answer", "needs-information")
    assert finding.question == "Has the patient had an allergic reaction to salicylic acid or to this product before?"
    assert finding.message.startswith("Not known from the record")

def test_findings_cite_guidance_item_and_sources(guide: ClinicGuide) -> None:
    result = guide.plan("microneedling", MARIA, date=DATE, answers=MARIA_ANSWERS, proposed={"params": {"needle-depth": "1.0 mm"}})
    for finding in result.findings:
        assert finding.guidance == "microneedling|1.1.0"
        assert finding.sources and finding.code in FINDING_CODES
    recent = next(f for f in result.findings if f.item == "ci-isotretinoin-recent")
    assert recent.evidence == ("MedicationStatement/maria-isotretinoin (2026-08-15)",)
    assert recent.sources == ("M8", "M12", "I7", "I8")

def test_findings_keep_guidance_order_then_the_proposal(guide: ClinicGuide) -> None:
    result = guide.plan("microneedling", {"id": "x"}, date=DATE, proposed={"params": {"needle-depth": "2 mm"}})
    items = [f.item for f in result.findings]
    doc = guide.library.get("microneedling")
    contraindications = [c.id for c in doc.contraindications if c.id in items]
    assert items == contraindications + ["rng-needle-depth", "max-needle-depth"]

def test_answers_are_recorded_as_evidence(guide: ClinicGuide) -> None:
    result = guide.plan("salicylic-acid-topical", {"id": "x"}, date=DATE,
                        answers={"ci-hypersensitivity": True, "ci-other-topical-acne": "NO"})
    (finding,) = result.findings
    assert finding.evidence == ("clinician answer ci-hypersensitivity=yes",)


# -- the screening result, without plugins ----------------------------------------------------------

def screened(guidance_id: str, patient: Any, answers: dict[str, bool] | None = None, extra: tuple[Finding, ...] = ()) -> Any:
    guidance, record, day = LIBRARY.get(guidance_id), read_patient(patient), dt.date(2026, 12, 1)
    findings = findings_for(guidance, record, day, answers or {}, None) + list(extra)
    return decide(guidance, record, day, answers or {}, None, findings)


def test_the_result_is_the_worst_finding_with_every_finding_in_order(guide: ClinicGuide) -> None:
    site = Finding("needs-answer", "contraindicated", "site-item", "salicylic-acid-topical|1.0.0", "A site rule.", ("S",))
    answers = {"ci-hypersensitivity": False, "ci-other-topical-acne": False}
    assert screened("salicylic-acid-topical", ADULT, answers).decision == "eligible"
    result = screened("salicylic-acid-topical", ADULT, answers, (site,))
    assert (result.decision, result.findings) == ("contraindicated", (site,))
    via_guide, _ = guide.screen("microneedling", MARIA, date=DATE, answers=MARIA_ANSWERS)
    assert screened("microneedling", MARIA, parse_answers(MARIA_ANSWERS)) == via_guide  # the built-in plugin adds nothing else


def test_the_result_holds_the_monitoring_that_can_apply() -> None:
    def monitoring(patient: dict[str, Any]) -> list[str]:
        return [m.id for m in screened("isotretinoin-oral", patient).monitoring]
    every = [m.id for m in LIBRARY.get("isotretinoin-oral").monitoring]
    pregnancy = ["mon-pregnancy-test-serum", "mon-pregnancy-test-urine"]
    assert monitoring({"id": "f", "gender": "female"}) == every
    assert monitoring({"id": "u"}) == every  # sex unknown: kept
    assert monitoring(SAM) == [m for m in every if m not in pregnancy]


def test_only_present_conditions_that_match_an_indication_are_addressed() -> None:
    def condition(ident: str, clinical: str = "active", verification: str = "confirmed") -> dict[str, Any]:
        system = "http://terminology.hl7.org/CodeSystem/condition-"
        return {"resourceType": "Condition", "id": ident, "code": {"coding": [{"system": ACNE[0], "code": ACNE[1]}]},
                "clinicalStatus": {"coding": [{"system": f"{system}clinical", "code": clinical}]},
                "verificationStatus": {"coding": [{"system": f"{system}ver-status", "code": verification}]}}
    bundle = {"resourceType": "Bundle", "entry": [{"resource": r} for r in (
        {"resourceType": "Patient", "id": "p1"}, condition("now"), condition("then", clinical="resolved"),
        condition("maybe", verification="unconfirmed"))]}
    guidance = LIBRARY.get("salicylic-acid-topical")
    assert addressed_conditions(guidance, read_patient(bundle)) == ("Condition/now",)
    assert addressed_conditions(LIBRARY.get("microneedling"), read_patient(bundle)) == ()  # no coded indication
    plain = read_patient({"conditions": [{"code": f"{ACNE[0]}|{ACNE[1]}"}]})  # no Condition resource to point at
    assert addressed_conditions(guidance, plain) == ()
    assert screened("salicylic-acid-topical", SAM).addresses == ("Condition/sam-acne",)


# -- the screen contract and determinism -----------------------------------------------------------

def test_summary_contract(guide: ClinicGuide) -> None:
    result = guide.plan("microneedling", {"id": "x", "birthDate": "1990-01-01"}, date=DATE,
                        proposed={"params": {"needle-depth": "1 mm"}})
    summary = result.summary()
    assert set(summary) == {"guidance", "decision", "label", "findings", "questions", "answers", "not_applicable"}
    assert (summary["guidance"], summary["decision"]) == ("microneedling|1.1.0", "needs-information")
    assert summary["questions"] and summary["answers"] == []
    known = [f for f in result.findings if f.code not in QUESTION_CODES]
    asked = [f for f in result.findings if f.code in QUESTION_CODES]
    for entry, finding in zip(summary["findings"] + summary["questions"], known + asked, strict=True):
        assert {"code", "severity", "item", "message"} <= set(entry)
        assert ("question" in entry) == bool(finding.question)
        assert entry["severity"] == SEVERITY[finding.outcome]
    json.dumps(summary)  # plain JSON

def test_screen_matches_plan(guide: ClinicGuide) -> None:
    screening, record = guide.screen("microneedling", MARIA, date=DATE, answers=MARIA_ANSWERS)
    result = guide.plan("microneedling", MARIA, date=DATE, answers=MARIA_ANSWERS)
    assert (screening.decision, screening.findings) == (result.decision, result.findings)
    assert record.id == "maria-lopez"

@pytest.mark.parametrize("version", ["R4", "R5"])
def test_same_inputs_give_byte_identical_output(guide: ClinicGuide, version: str) -> None:
    kwargs = {"date": DATE, "answers": MARIA_ANSWERS, "proposed": {"params": {"needle-depth": "1.0 mm"}}, "fhir_version": version}
    first = json.dumps(guide.plan("microneedling", MARIA, **kwargs).bundle, sort_keys=True)
    again = json.dumps(guide.plan("microneedling", json.loads(json.dumps(MARIA)), **kwargs).bundle, sort_keys=True)
    other = ClinicGuide(canonical_base_url="https://clinicguide.org/fhir", entry_point_plugins=False)
    fresh = json.dumps(other.plan("microneedling", MARIA, **kwargs).bundle, sort_keys=True)
    assert first == again == fresh

def test_different_inputs_give_different_ids(guide: ClinicGuide) -> None:
    one = guide.plan("microneedling", MARIA, date=DATE).bundle
    other = guide.plan("microneedling", MARIA, date="2026-12-02").bundle
    answered = guide.plan("microneedling", MARIA, date=DATE, answers={"ci-pregnancy": "no"}).bundle
    r5 = guide.plan("microneedling", MARIA, date=DATE, fhir_version="R5").bundle
    assert len({one["id"], other["id"], answered["id"], r5["id"]}) == 4

def test_unknown_guidance_and_version_are_usage_errors(guide: ClinicGuide) -> None:
    with pytest.raises(UsageError, match="unknown guidance 'botox'"):
        guide.plan("botox", ADULT, date=DATE)
    with pytest.raises(UsageError, match=r"no version '2\.0\.0'; versions: 1\.1\.0"):
        guide.plan("microneedling", ADULT, date=DATE, version="2.0.0")
    assert guide.plan("microneedling", ADULT, date=DATE, version="1.1.0").guidance == "microneedling|1.1.0"

def test_module_level_plan_uses_the_packaged_library() -> None:
    from clinicguide import guide as engine

    result = engine.plan("salicylic-acid-topical", ADULT, date=DATE,
                         answers={"ci-hypersensitivity": "no", "ci-other-topical-acne": "no"})
    assert (result.guidance, result.decision, result.fhir_version) == ("salicylic-acid-topical|1.1.0", "eligible", "R4")


def _case_inputs() -> list[tuple[str, Any, dict[str, Any], str]]:
    found = []
    for path in sorted((ROOT / "tests/content/cases").glob("*/*.json")):
        case = json.loads(path.read_text())
        patient = case.get("patient") or json.loads((ROOT / case["patient_file"]).read_text())
        answers = json.loads((ROOT / case["answers_file"]).read_text()) if "answers_file" in case else {}
        found.append((case["guidance"], patient, {**answers, **case.get("answers", {})}, case["date"]))
    return found


def test_not_applicable_is_what_screening_each_item_finds() -> None:
    # decide() looks only at the items with an applicability; each must come out as the
    # item's own screening says, for every content case (pregnancy, answers, conflicts).
    checked = 0
    for guidance_id, patient, answers, date in _case_inputs():
        guidance = LIBRARY.get(guidance_id)
        try:
            record = read_patient(patient)
        except ClinicguideError:
            continue
        ctx = Context(record, dt.date.fromisoformat(date), parse_answers(answers))
        expected = tuple(na for item in guidance.contraindications
                         if (na := screen_item(guidance, item, ctx).not_applicable) is not None)
        assert not_applicable(guidance, ctx) == expected
        checked += bool(expected)
    assert checked >= 5  # the cases include patients some items cannot apply to
