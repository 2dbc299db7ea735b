"""Decisions: outcome ordering, findings, proposals, answers, and deterministic output."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from clinicguide.clinical.decision import DECISION_ORDER, FINDING_CODES, SEVERITY, Proposal, worst
from clinicguide.errors import InputError, UsageError
from clinicguide.guide import ClinicGuide, PlanResult, parse_answers, parse_date
from clinicguide.units import Quantity

ROOT = Path(__file__).resolve().parents[3]
DATE = "2026-12-01"
MARIA = json.loads((ROOT / "examples/patients/maria-lopez.json").read_text())
MARIA_ANSWERS = json.loads((ROOT / "examples/answers/maria-lopez-microneedling.json").read_text())
ADULT = {"id": "adult", "birthDate": "1990-06-15", "gender": "female"}
ADULT_60KG = {**ADULT, "weight": "60 kg"}
ISO_NO = {"ci-pregnancy": "no", "ci-hypersensitivity": "no", "ci-tetracycline-vitamin-a": "no"}


@pytest.fixture(scope="module")
def guide() -> ClinicGuide:
    return ClinicGuide(canonical_base_url="https://clinicguide.org/fhir", entry_point_plugins=False)


def codes(result: PlanResult) -> list[tuple[str, str]]:
    return [(f.code, f.item) for f in result.findings]


# -- outcome ordering ------------------------------------------------------------------------------

def test_outcome_order() -> None:
    assert DECISION_ORDER == ("eligible", "caution", "needs-information", "contraindicated")


@pytest.mark.parametrize("outcomes", [c for n in range(4) for c in itertools.combinations(DECISION_ORDER, n + 1)])
def test_worst_outcome_wins(outcomes: tuple[str, ...]) -> None:
    assert worst(outcomes) == outcomes[-1]  # combinations keep DECISION_ORDER's order
    assert worst(reversed(outcomes)) == outcomes[-1]


def test_no_findings_is_eligible() -> None:
    assert worst([]) == "eligible"


def test_severity_of_each_outcome() -> None:
    assert SEVERITY == {"contraindicated": "high", "needs-information": "moderate", "caution": "moderate", "eligible": "low"}


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
    assert recent.evidence == ("MedicationStatement/maria-isotretinoin",)
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


# -- answers ---------------------------------------------------------------------------------------

def test_answers_to_unknown_criteria_are_refused(guide: ClinicGuide) -> None:
    with pytest.raises(InputError, match=r"unknown criteria for microneedling\|1\.1\.0: ci-nope, q-other"):
        guide.plan("microneedling", MARIA, date=DATE, answers={"ci-nope": "yes", "q-other": "no", "ci-pregnancy": "no"})


def test_answer_to_another_guidance_criterion_is_refused(guide: ClinicGuide) -> None:
    with pytest.raises(InputError, match="q-site-inflammation"):  # a filler question, not microneedling's
        guide.plan("microneedling", MARIA, date=DATE, answers={"q-site-inflammation": "no"})


def test_answers_to_nested_criteria_are_accepted(guide: ClinicGuide) -> None:
    result = guide.plan("ha-dermal-filler", ADULT, date=DATE, answers={"q-site-inflammation": "yes"})
    finding = next(f for f in result.findings if f.item == "ci-site-infection-inflammation")
    assert finding.code == "contraindicated"


@pytest.mark.parametrize(("given", "parsed"), [
    ({"a": "yes", "b": "No", "c": True, "d": False, "e": "Y", "f": "n", "g": "TRUE", "h": "false"},
     {"a": True, "b": False, "c": True, "d": False, "e": True, "f": False, "g": True, "h": False}),
    (None, {}),
])
def test_parse_answers(given: dict[str, Any] | None, parsed: dict[str, bool]) -> None:
    assert parse_answers(given) == parsed


@pytest.mark.parametrize("value", ["maybe", "", 1, 0, None, ["yes"]])
def test_answers_must_be_yes_or_no(value: Any) -> None:
    with pytest.raises(InputError, match="'ci-pregnancy' must be yes or no"):
        parse_answers({"ci-pregnancy": value})


@pytest.mark.parametrize("value", ["2026-13-01", "01/12/2026", "tomorrow", 20261201])
def test_bad_dates_are_refused(value: Any) -> None:
    with pytest.raises(InputError, match="is not YYYY-MM-DD"):
        parse_date(value)


def test_dates_accepted() -> None:
    assert parse_date("2026-12-01") == dt.date(2026, 12, 1)
    assert parse_date(dt.datetime(2026, 12, 1, 9, 30)) == dt.date(2026, 12, 1)
    assert parse_date(None) == dt.date.today()


# -- proposals -------------------------------------------------------------------------------------

def test_proposal_from_a_mapping() -> None:
    proposal = Proposal.coerce({"dose": "20 mg/d", "params": {"b": "1 mm", "a": "2 %"},
                                "last_treatment": "2026-09-01", "regimen": "r"})
    assert proposal == Proposal(Quantity(20, "mg/d"), {"a": Quantity(2, "%"), "b": Quantity(1, "mm")}, dt.date(2026, 9, 1), "r")
    assert proposal.values() == [("dose", Quantity(20, "mg/d")), ("a", Quantity(2, "%")), ("b", Quantity(1, "mm"))]
    assert Proposal.coerce({"last_treatment": "never"}).last_treatment == "never"
    assert Proposal.coerce(None) is None
    assert Proposal.coerce(proposal) is proposal


@pytest.mark.parametrize(("value", "message"), [
    ({"dosage": "20 mg/d"}, "unknown field"),
    ({"params": ["needle-depth=1mm"]}, "params must map"),
    ({"last_treatment": "last week"}, "is not a date"),
    ({"last_treatment": 20260901}, "must be a date or 'never'"),
    ({"dose": 20}, "must be a quantity"),
    ({"dose": "20 furlongs"}, "unknown unit"),
    ({"params": {"needle-depth": "-1 mm"}}, "negative"),
    ("20 mg/d", "must be a mapping"),
])
def test_bad_proposals_are_refused(value: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Proposal.coerce(value)


def test_unknown_parameter_is_refused_with_the_known_ones(guide: ClinicGuide) -> None:
    with pytest.raises(InputError, match="no range for 'depth'; known parameters: needle-depth"):
        guide.plan("microneedling", ADULT, date=DATE, proposed={"params": {"depth": "1 mm"}})


def test_unit_that_cannot_be_compared_is_refused(guide: ClinicGuide) -> None:
    with pytest.raises(InputError, match="cannot be compared"):
        guide.plan("microneedling", ADULT, date=DATE, proposed={"params": {"needle-depth": "1 mg"}})


def test_unknown_regimen_is_refused(guide: ClinicGuide) -> None:
    with pytest.raises(InputError, match="no regimen 'reg-x'; known: reg-label, reg-label-severe, reg-low-dose-pores"):
        guide.plan("isotretinoin-oral", ADULT_60KG, date=DATE, proposed={"dose": "20 mg/d", "regimen": "reg-x"})


def test_regimen_restricts_the_ranges_checked(guide: ClinicGuide) -> None:
    base = {"dose": "20 mg/d", "last_treatment": "never"}
    free = guide.plan("isotretinoin-oral", ADULT_60KG, date=DATE, answers=ISO_NO, proposed=base)
    label = guide.plan("isotretinoin-oral", ADULT_60KG, date=DATE, answers=ISO_NO, proposed={**base, "regimen": "reg-label"})
    assert codes(free) == [("off-label-regimen", "reg-low-dose-pores")]
    assert codes(label) == [("dose-below-range", "rng-label-dose")]
    assert "0.333 mg/kg/d" in label.findings[0].message


def test_off_label_regimen_names_itself(guide: ClinicGuide) -> None:
    result = guide.plan("isotretinoin-oral", ADULT_60KG, date=DATE, answers=ISO_NO,
                        proposed={"dose": "25 mg/d", "last_treatment": "never"})
    (finding,) = result.findings
    assert finding.code == "off-label-regimen" and "OFF-LABEL" in finding.message
    assert set(finding.sources) >= {"I2", "I3", "I4", "I5"}  # the range's and the regimen's sources


def test_weight_based_dose_uses_the_weight_record(guide: ClinicGuide) -> None:
    result = guide.plan("isotretinoin-oral", ADULT_60KG, date=DATE, answers=ISO_NO,
                        proposed={"dose": "45 mg/d", "last_treatment": "never"})
    (finding,) = result.findings
    assert (finding.code, finding.item, finding.evidence) == ("dose-within-range", "rng-label-dose", ("patient.weight",))
    assert "(= 0.75 mg/kg/d)" in finding.message


def test_weight_based_dose_in_its_own_unit(guide: ClinicGuide) -> None:
    result = guide.plan("isotretinoin-oral", ADULT_60KG, date=DATE, answers=ISO_NO,
                        proposed={"dose": "0.75 mg/kg/d", "last_treatment": "never"})
    (finding,) = result.findings
    assert (finding.code, finding.evidence) == ("dose-within-range", ())


def test_missing_weight_needs_information(guide: ClinicGuide) -> None:
    result = guide.plan("isotretinoin-oral", ADULT, date=DATE, answers=ISO_NO,
                        proposed={"dose": "45 mg/d", "last_treatment": "never"})
    assert result.decision == "needs-information"
    (finding,) = result.findings
    assert (finding.code, finding.question) == ("weight-needed", "What is the patient's body weight (kg)?")


def test_boundaries_of_a_range_are_within(guide: ClinicGuide) -> None:
    for depth in ("0.5 mm", "1.5 mm", "1500 um", "0.15 cm"):
        result = guide.plan("microneedling", ADULT, date=DATE, proposed={"params": {"needle-depth": depth}})
        assert ("dose-within-range", "rng-needle-depth") in codes(result), depth
        assert ("over-maximum", "max-needle-depth") not in codes(result), depth


def test_over_maximum_is_contraindicated(guide: ClinicGuide) -> None:
    answers = dict.fromkeys(["ci-toxin-hypersensitivity", "ci-neuromuscular", "ci-injection-site-infection",
                             "ci-pregnancy", "ci-breastfeeding"], "no")
    result = guide.plan("botulinum-toxin-glabellar", ADULT, date=DATE, answers=answers,
                        proposed={"dose": "401 [USP'U]", "last_treatment": "never"})
    assert result.decision == "contraindicated"
    assert codes(result) == [("dose-above-range", "rng-total-dose"), ("over-maximum", "max-all-indications")]
    assert "per 3 mo" in result.findings[1].message


@pytest.mark.parametrize(("last", "finding"), [
    ("2026-09-02", None),  # 90 days
    ("2026-09-03", "interval-too-short"),  # 89 days
    ("never", None),
    (None, "last-treatment-unknown"),
])
def test_minimum_interval(guide: ClinicGuide, last: str | None, finding: str | None) -> None:
    proposed = {"dose": "20 [USP'U]", **({"last_treatment": last} if last else {})}
    result = guide.plan("botulinum-toxin-glabellar", ADULT, date=DATE, proposed=proposed)
    interval = [f.code for f in result.findings if f.item == "int-retreatment"]
    assert interval == ([finding] if finding else [])


def test_no_proposal_checks_no_interval(guide: ClinicGuide) -> None:
    result = guide.plan("botulinum-toxin-glabellar", ADULT, date=DATE)
    assert not [f for f in result.findings if f.item.startswith(("int-", "rng-", "max-"))]


# -- the screen contract and determinism -----------------------------------------------------------

def test_summary_contract(guide: ClinicGuide) -> None:
    result = guide.plan("microneedling", {"id": "x", "birthDate": "1990-01-01"}, date=DATE,
                        proposed={"params": {"needle-depth": "1 mm"}})
    summary = result.summary()
    assert set(summary) == {"guidance", "decision", "findings"}
    assert (summary["guidance"], summary["decision"]) == ("microneedling|1.1.0", "needs-information")
    for entry, finding in zip(summary["findings"], result.findings, strict=True):
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
