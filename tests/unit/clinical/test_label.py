"""Label status follows the indication and the regimen a proposal names, never the dose alone."""

from __future__ import annotations

from typing import Any

import pytest

from clinicguide.errors import InputError
from clinicguide.guide import ClinicGuide

DATE = "2026-11-20"
ADULT = {"id": "adult", "birthDate": "1990-06-15", "gender": "female"}
ADULT_60KG = {**ADULT, "weight": "60 kg"}
ISO_NO = {"ci-pregnancy": "no", "ci-hypersensitivity": "no", "ci-tetracycline-vitamin-a": "no"}


def screen(guide: ClinicGuide, proposed: dict[str, Any], patient: dict[str, Any] = ADULT_60KG,
           guidance: str = "isotretinoin-oral") -> tuple[str, list[tuple[str, str]], str]:
    screening, _ = guide.screen(guidance, patient, date=DATE, answers=ISO_NO if guidance == "isotretinoin-oral" else {},
                                proposed={"last_treatment": "never", **proposed})
    return screening.decision, [(f.code, f.item) for f in screening.findings], screening.label


def test_the_pores_regimen_at_30_mg_for_pores_is_off_label_though_the_dose_is_labelled_for_acne(guide: ClinicGuide) -> None:
    # 30 mg/d at 60 kg is 0.5 mg/kg/d: inside the labelled range for nodular acne.
    assert screen(guide, {"dose": "30 mg/d"}) == ("eligible", [("dose-within-range", "rng-label-dose")], "not judged")
    decision, found, label = screen(guide, {"dose": "30 mg/d", "indication": "ind-pores-oiliness"})
    assert (decision, label) == ("caution", "off-label")
    assert found == [("off-label-indication", "ind-pores-oiliness"), ("off-label-regimen", "reg-low-dose-pores")]


def test_off_label_is_flagged_without_a_weight(guide: ClinicGuide) -> None:
    decision, found, label = screen(guide, {"dose": "20 mg/d", "indication": "ind-pores-oiliness"}, ADULT)
    assert label == "off-label"
    assert ("off-label-indication", "ind-pores-oiliness") in found and ("off-label-regimen", "reg-low-dose-pores") in found
    assert ("weight-needed", "max-daily-dose") in found  # the daily ceiling still needs the weight
    assert decision == "needs-information"


def test_a_named_off_label_regimen_is_flagged_whatever_the_dose(guide: ClinicGuide) -> None:
    for dose in ("25 mg/d", "90 mg/d"):  # within its range, and at a dose within a labelled range
        _, found, label = screen(guide, {"dose": dose, "regimen": "reg-low-dose-pores"})
        assert ("off-label-regimen", "reg-low-dose-pores") in found and label == "off-label"
        assert not [item for _, item in found if item in ("rng-label-dose", "rng-severe-dose")]


def test_an_on_label_indication_checks_its_own_regimens_only(guide: ClinicGuide) -> None:
    decision, found, label = screen(guide, {"dose": "20 mg/d", "indication": "ind-nodular-acne"})
    assert found == [("dose-below-range", "rng-label-dose")]  # not "off-label regimen" from the pores range
    assert (decision, label) == ("caution", "on-label")


def test_an_on_label_indication_is_on_label_before_its_dose_is_checked(guide: ClinicGuide) -> None:
    _, found, label = screen(guide, {"dose": "45 mg/d", "indication": "ind-nodular-acne"}, ADULT)
    assert ("weight-needed", "rng-label-dose") in found and label == "on-label"


def test_without_an_indication_the_label_is_not_judged(guide: ClinicGuide) -> None:
    assert screen(guide, {"dose": "45 mg/d"})[2] == "not judged"
    screening, _ = guide.screen("isotretinoin-oral", ADULT_60KG, date=DATE, answers=ISO_NO)
    assert screening.label == "not judged"  # no proposal at all


def test_a_proposal_may_name_only_the_indication(guide: ClinicGuide) -> None:
    assert screen(guide, {"indication": "ind-pores-oiliness"}) == (
        "caution", [("off-label-indication", "ind-pores-oiliness"), ("off-label-regimen", "reg-low-dose-pores")], "off-label")


def test_unknown_indication_is_refused_naming_it(guide: ClinicGuide) -> None:
    with pytest.raises(InputError, match="has no indication 'ind-rosacea'; known: ind-nodular-acne, ind-pores-oiliness"):
        screen(guide, {"dose": "20 mg/d", "indication": "ind-rosacea"})


def test_a_regimen_for_another_indication_is_refused(guide: ClinicGuide) -> None:
    with pytest.raises(InputError, match="regimen 'reg-low-dose-pores' is not for indication 'ind-nodular-acne'; "
                                         "its regimens: reg-label, reg-label-severe"):
        screen(guide, {"dose": "20 mg/d", "indication": "ind-nodular-acne", "regimen": "reg-low-dose-pores"})


def test_an_indication_without_a_regimen_of_its_own_uses_every_regimen(guide: ClinicGuide) -> None:
    answers = dict.fromkeys(["ci-pregnancy", "ci-breastfeeding", "ci-skin-infection", "ci-active-herpes",
                             "ci-isotretinoin-current", "ci-isotretinoin-recent"], "no")
    screening, _ = guide.screen("microneedling", ADULT, date=DATE, answers=answers,
                                proposed={"params": {"needle-depth": "2 mm"}, "indication": "ind-stretch-marks"})
    found = [(f.code, f.item) for f in screening.findings]
    assert ("off-label-indication", "ind-stretch-marks") in found
    assert ("over-maximum", "max-needle-depth") in found  # the device's ceiling still holds
    assert screening.label == "off-label"


def test_fixture_labels(fixture_guide: ClinicGuide) -> None:
    patient = {**ADULT, "weight": "50 kg"}
    base = {"dose": "40 mg/d", "last_treatment": "never"}
    labels = {ind: fixture_guide.screen("fixture-dosing", patient, date=DATE, proposed={**base, "indication": ind})[0].label
              for ind in ("ind-a", "ind-b", "ind-c")}
    assert labels == {"ind-a": "on-label", "ind-b": "off-label", "ind-c": "on-label"}


def test_without_an_indication_or_a_weight_a_low_dose_is_not_judged(guide: ClinicGuide) -> None:
    # 20 mg/d lies in the off-label pores range, but for a patient of 40 kg or less it is also a labelled
    # dose: without the weight or the indication, neither can be told.
    decision, found, label = screen(guide, {"dose": "20 mg/d"}, ADULT)
    assert (decision, label) == ("needs-information", "not judged")
    assert ("weight-needed", "rng-label-dose") in found and not [c for c, _ in found if c.startswith("off-label")]
