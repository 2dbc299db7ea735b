"""Dose, parameter and interval checks: ranges, regimens, weight-based doses, maximums, minimum intervals."""

from __future__ import annotations

import pytest

from clinicguide.errors import InputError
from clinicguide.guide import ClinicGuide, PlanResult

DATE = "2026-12-01"
ADULT = {"id": "adult", "birthDate": "1990-06-15", "gender": "female"}
ADULT_60KG = {**ADULT, "weight": "60 kg"}
ISO_NO = {"ci-pregnancy": "no", "ci-hypersensitivity": "no", "ci-tetracycline-vitamin-a": "no"}


def codes(result: PlanResult) -> list[tuple[str, str]]:
    return [(f.code, f.item) for f in result.findings]


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
    assert codes(result) == [("weight-needed", "rng-label-dose"), ("weight-needed", "max-daily-dose")]
    assert {f.question for f in result.findings} == {"What is the patient's body weight (kg)?"}
    assert result.findings[0].message.endswith(": no body weight is recorded")

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
    assert codes(result) == [("dose-above-range", "rng-total-dose"), ("over-maximum", "max-glabellar-session"),
                             ("over-maximum", "max-all-indications")]
    assert "per 3 mo" in result.findings[2].message

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


# -- dose tiers: above the label is never routine; over a maximum is contraindicated -------------------

NEW_DATE = "2026-11-20"


def test_above_the_labelled_range_is_a_high_severity_caution(guide: ClinicGuide) -> None:
    result = guide.plan("isotretinoin-oral", ADULT_60KG, date=DATE, answers=ISO_NO,
                        proposed={"dose": "120 mg/d", "last_treatment": "never"})  # 2 mg/kg/d: at the ceiling, not over it
    assert codes(result) == [("dose-within-range", "rng-severe-dose")]
    result = guide.plan("salicylic-acid-topical", ADULT, date=DATE, proposed={"params": {"concentration": "3 %"}},
                        answers={"ci-hypersensitivity": "no", "ci-other-topical-acne": "no"})
    (finding,) = result.findings
    assert (finding.code, finding.outcome, finding.severity) == ("dose-above-range", "caution", "high")
    assert "labelled range" in finding.message
    assert result.decision == "caution"


def test_below_the_range_stays_a_moderate_caution(guide: ClinicGuide) -> None:
    result = guide.plan("salicylic-acid-topical", ADULT, date=DATE, proposed={"params": {"concentration": "0.2 %"}},
                        answers={"ci-hypersensitivity": "no", "ci-other-topical-acne": "no"})
    (finding,) = result.findings
    assert (finding.code, finding.severity) == ("dose-below-range", "moderate")


def test_above_an_off_label_range_is_not_raised_to_high(guide: ClinicGuide) -> None:
    result = guide.plan("isotretinoin-oral", ADULT_60KG, date=DATE, answers=ISO_NO,
                        proposed={"dose": "40 mg/d", "indication": "ind-pores-oiliness", "last_treatment": "never"})
    above = next(f for f in result.findings if f.code == "dose-above-range")
    assert (above.item, above.severity) == ("rng-low-dose", "moderate")


@pytest.mark.parametrize(("dose", "over"), [("2 mg/kg/d", False), ("2.01 mg/kg/d", True), ("120 mg/d", False),
                                            ("121 mg/d", True), ("3 mg/kg/d", True)])
def test_the_daily_ceiling_is_a_maximum_per_day(guide: ClinicGuide, dose: str, over: bool) -> None:
    result = guide.plan("isotretinoin-oral", ADULT_60KG, date=DATE, answers=ISO_NO,
                        proposed={"dose": dose, "last_treatment": "never"})
    assert (("over-maximum", "max-daily-dose") in codes(result)) is over
    assert (result.decision == "contraindicated") is over
    if over:
        finding = next(f for f in result.findings if f.item == "max-daily-dose")
        assert "exceeds the maximum 2 mg/kg/d per day" in finding.message


def test_the_daily_ceiling_needs_a_weight_for_a_dose_in_mg_per_day(guide: ClinicGuide) -> None:
    result = guide.plan("isotretinoin-oral", ADULT, date=DATE, answers=ISO_NO,
                        proposed={"dose": "3 mg/kg/d", "last_treatment": "never"})  # its own unit: no weight needed
    assert ("over-maximum", "max-daily-dose") in codes(result)


def test_the_labelled_glabellar_dose_is_a_maximum_for_glabellar_lines(guide: ClinicGuide) -> None:
    base = {"last_treatment": "never", "prior_doses": [], "indication": "ind-glabellar-lines"}
    assert ("over-maximum", "max-glabellar-session") not in codes(
        guide.plan("botulinum-toxin-glabellar", ADULT, date=DATE, proposed={**base, "dose": "20 [USP'U]"}))
    result = guide.plan("botulinum-toxin-glabellar", ADULT, date=DATE, proposed={**base, "dose": "400 [USP'U]"})
    assert result.decision == "contraindicated"
    doses = [f for f in result.findings if f.item.startswith(("rng-", "max-"))]
    assert [(f.code, f.item) for f in doses] == [("dose-above-range", "rng-total-dose"),
                                                 ("over-maximum", "max-glabellar-session")]
    assert doses[0].severity == "high"


def test_a_maximum_for_other_indications_does_not_apply(fixture_guide: ClinicGuide) -> None:
    patient = {**ADULT, "weight": "50 kg"}
    proposed = {"dose": "110 mg/d", "last_treatment": "never"}  # 2.2 mg/kg/d: over max-day too
    for_a = fixture_guide.plan("fixture-dosing", patient, date=DATE, proposed={**proposed, "indication": "ind-a"})
    for_c = fixture_guide.plan("fixture-dosing", patient, date=DATE, proposed={**proposed, "indication": "ind-c"})
    unstated = fixture_guide.plan("fixture-dosing", patient, date=DATE, proposed=proposed)
    assert ("over-maximum", "max-session-a") in codes(for_a)
    assert ("over-maximum", "max-session-a") not in codes(for_c)
    assert ("over-maximum", "max-session-a") in codes(unstated)  # it may be for ind-a
    assert all(("over-maximum", "max-day") in codes(r) for r in (for_a, for_c, unstated))


# -- the weight used for mg/kg doses must be current ----------------------------------------------------

def weighed(on: str, kg: float = 60, ident: str = "w1") -> dict[str, str]:
    return {"code": "http://loinc.org|29463-7", "value": f"{kg} kg", "date": on, "id": ident}


def iso(patient: dict[str, object], guide: ClinicGuide, dose: str = "45 mg/d") -> PlanResult:
    return guide.plan("isotretinoin-oral", patient, date=NEW_DATE, answers=ISO_NO,
                      proposed={"dose": dose, "last_treatment": "never", "indication": "ind-nodular-acne"})


def test_a_stale_weight_is_not_used_and_is_named(guide: ClinicGuide) -> None:
    result = iso({**ADULT, "observations": [weighed("2023-04-12")]}, guide)
    assert result.decision == "needs-information"
    finding = next(f for f in result.findings if f.item == "rng-label-dose")
    assert finding.code == "weight-needed" and finding.evidence == ("w1",)
    assert "the latest body weight, 60 kg (w1) on 2023-04-12, is older than 30 d" in finding.message


@pytest.mark.parametrize(("taken", "code"), [("2026-10-21", "dose-within-range"), ("2026-10-20", "weight-needed")])
def test_weight_exactly_at_the_limit_is_used_and_one_day_older_is_not(guide: ClinicGuide, taken: str, code: str) -> None:
    result = iso({**ADULT, "observations": [weighed(taken)]}, guide)
    assert (code, "rng-label-dose") in codes(result)


def test_two_different_weights_on_the_newest_day_decide_nothing(guide: ClinicGuide) -> None:
    both = [weighed("2026-11-18", 60, "w-a"), weighed("2026-11-18", 95, "w-b")]
    for records in (both, both[::-1]):
        result = iso({**ADULT, "observations": records}, guide)
        finding = next(f for f in result.findings if f.item == "rng-label-dose")
        assert finding.code == "weight-needed" and finding.evidence == ("w-a", "w-b")
        assert "differ: 60 kg (w-a), 95 kg (w-b)" in finding.message


def test_the_guidance_sets_its_own_weight_age(fixture_guide: ClinicGuide) -> None:
    proposed = {"dose": "40 mg/d", "indication": "ind-a", "last_treatment": "never"}
    for taken, usable in (("2026-11-06", True), ("2026-11-05", False)):  # 14 d, 15 d
        patient = {**ADULT, "observations": [weighed(taken, 50)]}
        result = fixture_guide.plan("fixture-dosing", patient, date=NEW_DATE, proposed=proposed)
        assert (("dose-within-range", "rng-label") in codes(result)) is usable, taken
