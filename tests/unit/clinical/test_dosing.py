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
