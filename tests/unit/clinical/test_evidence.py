"""Evidence with a direction and an age: windows and their edges, tie-breaks, pooling, undated records."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from clinicguide.clinical.criteria import Context, Truth, evaluate
from clinicguide.clinical.evidence import Claim, resolve
from clinicguide.clinical.readers import from_mapping
from clinicguide.content.criteria_kinds import ConditionTest, EvidenceTest, MedicationTest, ObservationTest
from clinicguide.content.values import Coding, Duration

DAY = dt.date(2026, 11, 20)
SCT, LOINC, RXNORM = "http://snomed.info/sct", "http://loinc.org", "http://www.nlm.nih.gov/research/umls/rxnorm"
PREGNANT = Coding(SCT, "77386006", "Pregnant (finding)")
STATUS = Coding(LOINC, "82810-3", "Pregnancy status")
URINE_HCG = Coding(LOINC, "2106-3", "Choriogonadotropin (pregnancy test) [Presence] in Urine")
POSITIVE, NEGATIVE = Coding(SCT, "10828004", "Positive (qualifier value)"), Coding(SCT, "260385009", "Negative (qualifier value)")
NOT_PREGNANT = Coding(SCT, "60001007", "Not pregnant (finding)")
ISOTRETINOIN = (Coding(RXNORM, "197844", "isotretinoin 20 MG Oral Capsule"),)

CONDITION = ConditionTest((PREGNANT,))
HCG = ObservationTest(URINE_HCG, value_code=POSITIVE, negative_value_codes=(NEGATIVE,))
STATUS_TEST = ObservationTest(STATUS, value_code=PREGNANT, negative_value_codes=(NOT_PREGNANT,))
PREGNANCY = EvidenceTest((CONDITION, STATUS_TEST, HCG))
T, F, U = True, False, None


def value(criterion: Any, patient: dict[str, Any], on: dt.date = DAY) -> bool | None:
    return evaluate(criterion, Context(from_mapping(patient), on, {})).value


def truth(criterion: Any, patient: dict[str, Any], on: dt.date = DAY) -> Truth:
    return evaluate(criterion, Context(from_mapping(patient), on, {}))


def hcg(date: str | None, result: Coding = NEGATIVE, ident: str = "hcg") -> dict[str, Any]:
    item = {"id": ident, "code": f"{LOINC}|2106-3", "valueCode": f"{SCT}|{result.code}"}
    return item | ({"date": date} if date else {})


def pregnancy(**dates: str) -> dict[str, Any]:
    return {"id": "preg", "code": f"{SCT}|77386006", **dates}


# -- window edges: the last day inside and the first day outside ------------------------------------------

@pytest.mark.parametrize(("dated", "expected"), [("2026-11-20", F), ("2026-11-19", U)])
def test_a_negative_counts_on_its_own_date_only_by_default(dated: str, expected: bool | None) -> None:
    assert value(HCG, {"observations": [hcg(dated)]}) is expected


@pytest.mark.parametrize(("dated", "expected"), [("2026-11-13", F), ("2026-11-12", U)])
def test_negative_for_widens_a_negatives_window(dated: str, expected: bool | None) -> None:
    week = ObservationTest(URINE_HCG, value_code=POSITIVE, negative_value_codes=(NEGATIVE,), negative_for=Duration(7, "d"))
    assert value(week, {"observations": [hcg(dated)]}) is expected


@pytest.mark.parametrize(("dated", "expected"), [("2026-11-13", T), ("2026-11-12", U)])
def test_positive_for_limits_a_positive_observation(dated: str, expected: bool | None) -> None:
    week = ObservationTest(URINE_HCG, value_code=POSITIVE, positive_for=Duration(7, "d"))
    assert value(week, {"observations": [hcg(dated, POSITIVE)]}) is expected


def test_max_age_is_the_default_of_both_windows() -> None:
    month = ObservationTest(URINE_HCG, value_code=POSITIVE, negative_value_codes=(NEGATIVE,), max_age=Duration(1, "mo"))
    assert value(month, {"observations": [hcg("2026-10-20", POSITIVE)]}) is T
    assert value(month, {"observations": [hcg("2026-10-19", POSITIVE)]}) is U
    assert value(month, {"observations": [hcg("2026-10-20")]}) is F
    assert value(month, {"observations": [hcg("2026-10-19")]}) is U


@pytest.mark.parametrize(("onset", "expected"), [("2026-01-20", T), ("2026-01-19", U)])
def test_positive_for_limits_an_active_condition_from_its_onset(onset: str, expected: bool | None) -> None:
    ten_months = ConditionTest((PREGNANT,), positive_for=Duration(10, "mo"))
    assert value(ten_months, {"conditions": [pregnancy(onset=onset)]}) is expected
    assert value(CONDITION, {"conditions": [pregnancy(onset=onset)]}) is T  # unset: as long as the record says active


@pytest.mark.parametrize(("abated", "expected"), [("2026-11-20", T), ("2026-11-19", U)])
def test_a_resolved_condition_counts_until_its_abatement_and_is_not_a_negative(abated: str, expected: bool | None) -> None:
    resolved = pregnancy(status="resolved", onset="2026-02-01", abatement=abated)
    assert value(CONDITION, {"conditions": [resolved]}) is expected


@pytest.mark.parametrize(("negative", "expected"), [("2026-11-20", F), ("2026-11-19", U)])
def test_medication_negative_for(negative: str, expected: bool | None) -> None:
    current = MedicationTest(ISOTRETINOIN)
    statement = {"code": f"{RXNORM}|197844", "status": "not-taken", "asserted": negative}
    assert value(current, {"medications": [statement]}) is expected
    two_days = MedicationTest(ISOTRETINOIN, negative_for=Duration(2, "d"))
    assert value(two_days, {"medications": [statement]}) is F


@pytest.mark.parametrize(("end", "expected"), [
    ("2026-05-20", T),  # exactly 6 months before: the last day inside
    ("2026-05-19", U),  # the first day outside: an earlier course says nothing about a later one
    ("2026-11-19", T),  # ended the day before the procedure
    ("2026-11-20", F),  # still running on the procedure date: not a course that has ended
])
def test_an_ended_only_medication_test(end: str, expected: bool | None) -> None:
    ended = MedicationTest(ISOTRETINOIN, within=Duration(6, "mo"), ended=True)
    course = {"code": f"{RXNORM}|197844", "status": "completed", "start": "2025-11-01", "end": end, "id": "course"}
    assert value(ended, {"medications": [course]}) is expected


def test_a_running_course_is_a_negative_for_an_ended_only_test() -> None:
    ended = MedicationTest(ISOTRETINOIN, within=Duration(6, "mo"), ended=True)
    running = {"code": f"{RXNORM}|197844", "status": "active", "start": "2026-09-01", "id": "running"}
    assert truth(ended, {"medications": [running]}) == Truth(False, ("running (2026-09-01, still running)",))
    earlier = {"code": f"{RXNORM}|197844", "status": "completed", "start": "2026-01-01", "end": "2026-07-01", "id": "earlier"}
    assert truth(ended, {"medications": [running, earlier]}) == Truth(True, ("earlier (2026-07-01)",))


# -- tie-breaks -----------------------------------------------------------------------------------------

def test_the_newest_record_decides() -> None:
    later_negative = {"conditions": [pregnancy(onset="2026-08-01")], "observations": [hcg("2026-11-20")]}
    assert truth(PREGNANCY, later_negative) == Truth(False, ("hcg (2026-11-20)",))
    later_positive = {"observations": [hcg("2026-11-10", ident="neg"), hcg("2026-11-18", POSITIVE, "pos")]}
    assert truth(PREGNANCY, later_positive) == Truth(True, ("pos (2026-11-18)",))


def test_on_the_same_day_the_positive_record_decides() -> None:
    same_day = {"conditions": [pregnancy(recorded="2026-11-20")], "observations": [hcg("2026-11-20")]}
    assert truth(PREGNANCY, same_day) == Truth(True, ("preg (2026-11-20)",))


def test_a_later_negative_ends_a_positive_even_when_too_old_to_count_itself() -> None:
    # The negative test of October ends the pregnancy recorded in March; by November it is itself
    # too old to rule pregnancy out: the question is asked.
    data = {"observations": [hcg("2026-03-01", POSITIVE, "march"), hcg("2026-10-01", ident="october")]}
    result = truth(PREGNANCY, data)
    assert result.value is None
    assert result.evidence == ("march (2026-03-01, superseded by a later record)", "october (2026-10-01, too old to decide)")


@pytest.mark.parametrize("code", ["102874004", "LA4489-6"])
def test_records_neither_positive_nor_negative_never_make_a_test_false(code: str) -> None:
    system = LOINC if code.startswith("LA") else SCT
    neither = {"id": "status", "code": f"{LOINC}|82810-3", "valueCode": f"{system}|{code}", "date": "2026-11-20"}
    assert value(PREGNANCY, {"observations": [neither]}) is U
    assert value(PREGNANCY, {"observations": [neither, hcg("2026-11-19", POSITIVE)]}) is T  # and end nothing


def test_a_resolved_record_ends_older_records_of_the_state() -> None:
    data = {"observations": [hcg("2026-03-01", POSITIVE, "march")],
            "conditions": [pregnancy(status="resolved", onset="2026-03-01", abatement="2026-10-30")]}
    result = truth(PREGNANCY, data)
    assert result.value is None and "preg (2026-10-30, resolved)" in result.evidence


def test_a_new_episode_after_a_resolved_one_counts() -> None:
    data = {"conditions": [pregnancy(status="resolved", onset="2025-01-01", abatement="2025-09-30"),
                           {**pregnancy(onset="2026-10-01"), "id": "new"}]}
    assert truth(CONDITION, data) == Truth(True, ("new (2026-10-01)",))


# -- undated records, records after the procedure date --------------------------------------------------------

def test_an_undated_positive_counts_and_an_undated_negative_does_not() -> None:
    assert value(HCG, {"observations": [hcg(None, POSITIVE)]}) is T
    assert truth(HCG, {"observations": [hcg(None)]}) == Truth(None, ("hcg (undated)",))
    # An undated positive cannot be shown to be older than a negative: it stands.
    assert value(PREGNANCY, {"conditions": [pregnancy()], "observations": [hcg("2026-11-20")]}) is T


def test_records_after_the_procedure_date_are_not_used() -> None:
    assert value(HCG, {"observations": [hcg("2026-11-21", POSITIVE)]}) is U
    assert value(CONDITION, {"conditions": [pregnancy(onset="2026-11-21")]}) is U


# -- the evidence kind pools its tests ---------------------------------------------------------------------------

def test_evidence_pools_records_of_every_test_and_dedupes_them() -> None:
    status = {"id": "status", "code": f"{LOINC}|82810-3", "valueCode": f"{SCT}|60001007", "date": "2026-11-20"}
    twice = EvidenceTest((STATUS_TEST, STATUS_TEST, CONDITION))
    assert truth(twice, {"observations": [status]}) == Truth(False, ("status (2026-11-20)",))


def test_resolve_on_claims_directly() -> None:
    positive = Claim("p", "positive", DAY, DAY, DAY, None, reach=DAY)
    negative = Claim("n", "negative", DAY, counts_from=DAY)
    assert resolve([positive, negative], DAY) == (True, ("p (2026-11-20)",))
    assert resolve([negative], DAY) == (False, ("n (2026-11-20)",))
    assert resolve([], DAY) == (None, ())
