"""Maximums summed over a period add the doses already given in it: from the record or the proposal."""

from __future__ import annotations

from typing import Any

import pytest

from clinicguide.errors import InputError
from clinicguide.guide import ClinicGuide, PlanResult

DATE = "2026-11-20"
ADULT = {"id": "adult", "birthDate": "1990-06-15", "gender": "female", "weight": "50 kg"}  # 2 mg/kg: 100 mg per 8 weeks
TOXIN_NO = dict.fromkeys(["ci-injection-site-infection", "ci-toxin-hypersensitivity", "ci-neuromuscular",
                          "ci-pregnancy", "ci-breastfeeding"], "no")
RXNORM_10 = "http://www.nlm.nih.gov/research/umls/rxnorm|197843"


def plan(guide: ClinicGuide, dose: str = "20 mg", patient: dict[str, Any] = ADULT, **proposed: Any) -> PlanResult:
    return guide.plan("fixture-period-maximum", patient, date=DATE, proposed={"dose": dose, **proposed})


def period(result: PlanResult) -> list[tuple[str, str]]:
    return [(f.code, f.item) for f in result.findings if f.item.startswith("max-")]


def given(on: str, dose: str = "20 mg", ident: str = "adm") -> dict[str, str]:
    return {"code": RXNORM_10, "date": on, "dose": dose, "id": ident}


def test_unknown_prior_doses_are_asked_for(fixture_guide: ClinicGuide) -> None:
    result = plan(fixture_guide)
    assert result.decision == "needs-information"
    assert period(result) == [("prior-doses-unknown", "max-month"), ("prior-doses-unknown", "max-per-kg")]
    finding = result.findings[1]
    assert finding.question == "What doses were given in the last 1 month (since 2026-10-20)?"


def test_none_given_is_a_statement(fixture_guide: ClinicGuide) -> None:
    result = plan(fixture_guide, prior_doses=[])
    assert period(result) == [] and result.decision == "eligible"


def test_stated_doses_are_added(fixture_guide: ClinicGuide) -> None:
    within = plan(fixture_guide, prior_doses=[{"date": "2026-11-01", "dose": "30 mg"}])  # 30 + 20 = 50: at the maximum
    assert period(within) == []
    over = plan(fixture_guide, prior_doses=[{"date": "2026-11-01", "dose": "31 mg"}])
    assert period(over) == [("over-maximum", "max-month")]
    finding = next(f for f in over.findings if f.item == "max-month")
    assert "with 31 mg already given since 2026-10-20 makes 51 mg" in finding.message
    assert finding.evidence == ("stated prior dose 31 mg on 2026-11-01",)


@pytest.mark.parametrize(("on", "counted"), [("2026-10-20", True), ("2026-10-19", False), ("2026-11-20", True)])
def test_prior_doses_at_the_period_edge(fixture_guide: ClinicGuide, on: str, counted: bool) -> None:
    result = plan(fixture_guide, prior_doses=[{"date": on, "dose": "40 mg"}])
    assert (("over-maximum", "max-month") in period(result)) is counted


def test_a_prior_dose_after_the_procedure_date_is_refused(fixture_guide: ClinicGuide) -> None:
    with pytest.raises(InputError, match=r"prior_doses\[0\] is dated after the procedure date"):
        plan(fixture_guide, prior_doses=[{"date": "2026-11-21", "dose": "10 mg"}])


def test_recorded_doses_of_the_regimen_codes_are_added(fixture_guide: ClinicGuide) -> None:
    patient = {**ADULT, "doses": [given("2026-11-02", "35 mg", "adm-1"),
                                  {"code": "http://www.nlm.nih.gov/research/umls/rxnorm|197845", "date": "2026-11-03",
                                   "dose": "35 mg", "id": "other-drug"}]}
    result = plan(fixture_guide, patient=patient)
    finding = next(f for f in result.findings if f.item == "max-month")
    assert finding.code == "over-maximum" and finding.evidence == ("adm-1",)  # 35 + 20; the other code does not count


def test_recorded_doses_alone_do_not_show_that_nothing_else_was_given(fixture_guide: ClinicGuide) -> None:
    result = plan(fixture_guide, patient={**ADULT, "doses": [given("2026-11-02", "10 mg")]})
    finding = next(f for f in result.findings if f.item == "max-month")
    assert finding.code == "prior-doses-unknown"
    assert "the record shows 10 mg already given since 2026-10-20" in finding.message and finding.evidence == ("adm",)


def test_a_dose_in_the_record_and_the_proposal_on_the_same_day_counts_once(fixture_guide: ClinicGuide) -> None:
    patient = {**ADULT, "doses": [given("2026-11-02", "25 mg")]}
    same = plan(fixture_guide, patient=patient, prior_doses=[{"date": "2026-11-02", "dose": "25 mg"}])
    assert period(same) == []  # 25 + 20, not 25 + 25 + 20
    larger = plan(fixture_guide, patient=patient, prior_doses=[{"date": "2026-11-02", "dose": "31 mg"}])
    assert ("over-maximum", "max-month") in period(larger)
    other_day = plan(fixture_guide, patient=patient, prior_doses=[{"date": "2026-11-03", "dose": "10 mg"}])
    assert ("over-maximum", "max-month") in period(other_day)  # 25 + 10 + 20


def test_a_per_kg_maximum_converts_prior_doses_with_the_weight(fixture_guide: ClinicGuide) -> None:
    prior = [{"date": "2026-10-01", "dose": "81 mg"}]  # outside the month, inside the 8 weeks: 81 + 20 > 100 mg at 50 kg
    assert period(plan(fixture_guide, prior_doses=prior)) == [("over-maximum", "max-per-kg")]
    no_weight = {k: v for k, v in ADULT.items() if k != "weight"}
    result = plan(fixture_guide, patient=no_weight, prior_doses=prior)
    assert ("weight-needed", "max-per-kg") in period(result)


def test_a_prior_dose_that_cannot_be_added_is_refused(fixture_guide: ClinicGuide) -> None:
    with pytest.raises(InputError, match="a dose in mm cannot be added up against the maximum in mg"):
        plan(fixture_guide, prior_doses=[{"date": "2026-11-01", "dose": "1 mm"}])


def test_toxin_doses_in_the_last_three_months(guide: ClinicGuide) -> None:
    base = {"dose": "20 [USP'U]", "last_treatment": "2026-08-01", "indication": "ind-glabellar-lines"}
    unknown = guide.plan("botulinum-toxin-glabellar", ADULT, date=DATE, answers=TOXIN_NO, proposed=base)
    finding = next(f for f in unknown.findings if f.item == "max-all-indications")
    assert (finding.code, finding.question) == ("prior-doses-unknown",
                                                "What doses were given in the last 3 months (since 2026-08-20)?")
    over = guide.plan("botulinum-toxin-glabellar", ADULT, date=DATE, answers=TOXIN_NO,
                      proposed={**base, "prior_doses": [{"date": "2026-08-20", "dose": "200 [USP'U]"},
                                                        {"date": "2026-10-01", "dose": "190 [USP'U]"}]})
    assert over.decision == "contraindicated"
    assert ("over-maximum", "max-all-indications") in [(f.code, f.item) for f in over.findings]
