"""Three-valued criteria: Kleene logic, current data only, medication windows, answers override."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from clinicguide.clinical.answers import Answers
from clinicguide.clinical.criteria import EVALUATORS, Conflict, Context, Truth, evaluate
from clinicguide.clinical.readers import from_mapping, read_patient
from clinicguide.content.criteria_kinds import (
    KINDS,
    AgeTest,
    AllergyTest,
    AllOf,
    AnyOf,
    ConditionTest,
    Criterion,
    MedicationTest,
    Not,
    ObservationTest,
    Question,
    SexTest,
)
from clinicguide.content.values import Coding, Duration
from clinicguide.errors import InputError

DAY = dt.date(2026, 12, 1)
SCT = "http://snomed.info/sct"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
PREGNANT = Coding(SCT, "77386006", "Pregnant (finding)")
HERPES = Coding(SCT, "235055003", "Oral herpes simplex infection")
ISOTRETINOIN = tuple(Coding(RXNORM, code, "") for code in ("197843", "197844", "403930", "197845"))
PREGNANCY_STATUS = Coding(LOINC, "82810-3", "Pregnancy status")
WEIGHT = Coding(LOINC, "29463-7", "Body weight")


def ctx(patient: dict[str, Any] | None = None, answers: dict[str, bool] | None = None, date: dt.date = DAY) -> Context:
    return Context(from_mapping(patient or {}), date, answers or {})


# -- Kleene logic ----------------------------------------------------------------------------------
# Each operand is a question: answered yes (T), answered no (F) or unanswered (U).

T, F, U = True, False, None
AND = {(T, T): T, (T, F): F, (T, U): U, (F, T): F, (F, F): F, (F, U): F, (U, T): U, (U, F): F, (U, U): U}
OR = {(T, T): T, (T, F): T, (T, U): T, (F, T): T, (F, F): F, (F, U): U, (U, T): T, (U, F): U, (U, U): U}
NOT = {T: F, F: T, U: U}


def operands(*values: bool | None) -> tuple[tuple[Question, ...], dict[str, bool]]:
    questions = tuple(Question(f"q{i}", f"question {i}?") for i in range(len(values)))
    return questions, {q.id: v for q, v in zip(questions, values, strict=True) if v is not None}


@pytest.mark.parametrize(("a", "b"), list(itertools.product((T, F, U), repeat=2)))
def test_all_of_is_kleene_and(a: bool | None, b: bool | None) -> None:
    items, answers = operands(a, b)
    assert evaluate(AllOf(items), ctx(answers=answers)).value is AND[a, b]


@pytest.mark.parametrize(("a", "b"), list(itertools.product((T, F, U), repeat=2)))
def test_any_of_is_kleene_or(a: bool | None, b: bool | None) -> None:
    items, answers = operands(a, b)
    assert evaluate(AnyOf(items), ctx(answers=answers)).value is OR[a, b]


@pytest.mark.parametrize("a", [T, F, U])
def test_not_keeps_unknown_unknown(a: bool | None) -> None:
    (item,), answers = operands(a)
    assert evaluate(Not(item), ctx(answers=answers)).value is NOT[a]


def test_three_way_combinations() -> None:
    items, answers = operands(U, U, T)
    assert evaluate(AnyOf(items), ctx(answers=answers)).value is True
    items, answers = operands(T, T, U)
    assert evaluate(AllOf(items), ctx(answers=answers)).value is None
    items, answers = operands(U, F, U)
    assert evaluate(AllOf(items), ctx(answers=answers)).value is False
    assert evaluate(AllOf(()), ctx()).value is True and evaluate(AnyOf(()), ctx()).value is False


def test_evidence_comes_from_the_deciding_operands() -> None:
    items, answers = operands(T, F)
    assert evaluate(AnyOf(items), ctx(answers=answers)).evidence == ("clinician answer q0=yes",)
    assert evaluate(AllOf(items), ctx(answers=answers)).evidence == ("clinician answer q1=no",)


def test_an_unanswered_question_is_unknown() -> None:
    assert evaluate(Question("q", "?"), ctx()) == Truth(None)


# -- conditions and allergies ----------------------------------------------------------------------

def conditions(*items: dict[str, str]) -> dict[str, Any]:
    return {"conditions": list(items)}


@pytest.mark.parametrize(("status", "verification", "active", "ever"), [
    ("active", "confirmed", T, T),
    ("resolved", "confirmed", U, T),  # an earlier episode does not rule out a current one
    ("active", "unconfirmed", U, U),
    ("active", "refuted", U, U),  # refuted records are ignored: only a clinician's answer rules out
    ("active", "entered-in-error", U, U),
])
def test_condition_status(status: str, verification: str, active: bool | None, ever: bool | None) -> None:
    context = ctx(conditions({"code": f"{SCT}|235055003", "status": status, "verification": verification}))
    assert evaluate(ConditionTest((HERPES,)), context).value is active
    assert evaluate(ConditionTest((HERPES,), status="ever"), context).value is ever


def test_no_record_is_not_absence_of_the_condition() -> None:
    assert evaluate(ConditionTest((PREGNANT,)), ctx()).value is None
    other = ctx(conditions({"code": f"{SCT}|11381005"}))
    assert evaluate(ConditionTest((PREGNANT,)), other).value is None


def test_a_present_record_wins_over_a_refuted_one() -> None:
    context = ctx(conditions({"code": f"{SCT}|77386006", "verification": "refuted", "id": "old"},
                             {"code": f"{SCT}|77386006", "id": "new"}))
    assert evaluate(ConditionTest((PREGNANT,)), context) == Truth(True, ("new",))


def test_past_condition_does_not_rule_out_a_current_one() -> None:
    context = ctx(conditions({"code": f"{SCT}|235055003", "status": "resolved", "id": "cold-sore-2024"}))
    assert evaluate(ConditionTest((HERPES,)), context).value is None


@pytest.mark.parametrize(("verification", "value"), [("confirmed", T), ("unconfirmed", U), ("refuted", U)])
def test_allergy(verification: str, value: bool | None) -> None:
    latex = Coding(SCT, "1003755004", "")
    context = ctx({"allergies": [{"code": f"{SCT}|1003755004", "verification": verification}]})
    assert evaluate(AllergyTest((latex,)), context).value is value
    assert evaluate(AllergyTest((latex,)), ctx()).value is None


# -- observations ----------------------------------------------------------------------------------

def pregnancy_status(date: str | None, value: str = "77386006", ident: str = "preg") -> dict[str, Any]:
    obs = {"code": f"{LOINC}|82810-3", "valueCode": f"{SCT}|{value}", "id": ident}
    return {"observations": [obs | ({"date": date} if date else {})]}


PREGNANCY_TEST = ObservationTest(PREGNANCY_STATUS, value_code=PREGNANT)


def test_observation_on_the_procedure_date_decides() -> None:
    assert evaluate(PREGNANCY_TEST, ctx(pregnancy_status("2026-12-01"))) == Truth(True, ("preg (2026-12-01)",))
    # A value the test does not list as negative is not a negative ("not pregnant" here, since
    # this test names no negative_value_codes).
    assert evaluate(PREGNANCY_TEST, ctx(pregnancy_status("2026-12-01", "60001007"))) == Truth(
        None, ("preg (2026-12-01, neither positive nor negative)",))


def test_a_positive_observation_keeps_counting_without_a_window() -> None:
    # A pregnancy recorded last week is still a pregnancy: no positive_for and no max_age, no limit.
    assert evaluate(PREGNANCY_TEST, ctx(pregnancy_status("2026-11-30"))) == Truth(True, ("preg (2026-11-30)",))
    assert evaluate(PREGNANCY_TEST, ctx(pregnancy_status("2025-01-01"))).value is True
    # Undated: its age cannot be shown to be past a window, and missing a pregnancy is the worse error.
    assert evaluate(PREGNANCY_TEST, ctx(pregnancy_status(None))) == Truth(True, ("preg",))


def test_max_age_lets_older_observations_decide() -> None:
    recent = ObservationTest(PREGNANCY_STATUS, value_code=PREGNANT, max_age=Duration(7, "d"))
    assert evaluate(recent, ctx(pregnancy_status("2026-11-24"))).value is True
    assert evaluate(recent, ctx(pregnancy_status("2026-11-23"))) == Truth(None, ("preg (2026-11-23, too old to decide)",))


def test_observation_after_the_procedure_date_is_not_used() -> None:
    assert evaluate(PREGNANCY_TEST, ctx(pregnancy_status("2026-12-02"))).value is None


NOT_PREGNANT = (Coding(SCT, "60001007", "Not pregnant (finding)"), Coding(LOINC, "LA26683-5", "Not pregnant"))


def test_a_later_negative_decides_and_a_later_neutral_does_not() -> None:
    def data(value: str) -> dict[str, Any]:
        return {"observations": [
            {"code": f"{LOINC}|82810-3", "valueCode": f"{SCT}|77386006", "date": "2026-11-01", "id": "old"},
            {"code": f"{LOINC}|82810-3", "valueCode": value, "date": "2026-12-01", "id": "today"},
        ]}
    test = ObservationTest(PREGNANCY_STATUS, value_code=PREGNANT, negative_value_codes=NOT_PREGNANT)
    assert evaluate(test, ctx(data(f"{SCT}|60001007"))) == Truth(False, ("today (2026-12-01)",))
    assert evaluate(test, ctx(data(f"{LOINC}|LA26683-5"))).value is False
    # "Possible pregnancy" is neither: it does not end the pregnancy recorded earlier.
    assert evaluate(test, ctx(data(f"{SCT}|102874004"))) == Truth(True, ("old (2026-11-01)",))


@pytest.mark.parametrize(("system", "code"), [(SCT, "102874004"), (LOINC, "LA4489-6"), (LOINC, "LA15173-0")])
def test_unrecognised_observation_value_is_not_a_negative(system: str, code: str) -> None:
    data = {"observations": [{"code": f"{LOINC}|82810-3", "valueCode": f"{system}|{code}", "date": "2026-12-01"}]}
    assert evaluate(PREGNANCY_TEST, ctx(data)).value is not False


def test_conflicting_same_day_observations_do_not_rule_out() -> None:
    def bundle(*codes: str) -> dict[str, Any]:
        entries = [{"resource": {"resourceType": "Patient", "id": "p"}}]
        entries += [{"resource": {"resourceType": "Observation", "id": f"o{i}", "status": "final",
                                  "code": {"coding": [{"system": LOINC, "code": "82810-3"}]}, "effectiveDateTime": "2026-12-01",
                                  "valueCodeableConcept": {"coding": [{"system": SCT, "code": code}]}}}
                    for i, code in enumerate(codes)]
        return {"resourceType": "Bundle", "type": "collection", "entry": entries}
    for order in (("60001007", "77386006"), ("77386006", "60001007")):
        assert evaluate(PREGNANCY_TEST, Context(read_patient(bundle(*order)), DAY, {})).value is not False, order


def test_numeric_observation_thresholds_convert_units() -> None:
    heavy = ObservationTest(WEIGHT, at_least=50, unit="kg", max_age=Duration(1, "a"))
    light = ObservationTest(WEIGHT, below=50, unit="kg", max_age=Duration(1, "a"))
    context = ctx({"observations": [{"code": f"{LOINC}|29463-7", "value": "140 [lb_av]", "date": "2026-11-01", "id": "w"}]})
    assert evaluate(heavy, context) == Truth(True, ("w (2026-11-01)",))
    assert evaluate(light, context) == Truth(False, ("w (2026-11-01)",))


def test_numeric_observation_with_incomparable_unit_names_the_record() -> None:
    heavy = ObservationTest(WEIGHT, at_least=50, unit="kg", max_age=Duration(1, "a"))
    context = ctx({"observations": [{"code": f"{LOINC}|29463-7", "value": "140 mm", "date": "2026-11-01", "id": "w7"}]})
    with pytest.raises(InputError, match="w7"):
        evaluate(heavy, context)


def test_observation_without_the_kind_of_value_tested_is_unknown() -> None:
    context = ctx({"observations": [{"code": f"{LOINC}|82810-3", "value": "1 %", "date": "2026-12-01"}]})
    assert evaluate(PREGNANCY_TEST, context).value is None
    no_value = ctx({"observations": [{"code": f"{LOINC}|29463-7", "date": "2026-12-01"}]})
    assert evaluate(ObservationTest(WEIGHT, at_least=50, unit="kg"), no_value).value is None


# -- medications -----------------------------------------------------------------------------------

CURRENT = MedicationTest(ISOTRETINOIN)
RECENT = MedicationTest(ISOTRETINOIN, within=Duration(6, "mo"))


def meds(**fields: str) -> dict[str, Any]:
    return {"medications": [{"code": f"{RXNORM}|197844", "id": "iso", **fields}]}


@pytest.mark.parametrize(("fields", "current", "recent"), [
    ({"status": "active", "start": "2026-09-01"}, T, T),
    ({"status": "active"}, T, T),
    # A course that ended says nothing about a later, unrecorded one: not a negative.
    ({"status": "completed", "start": "2026-02-01", "end": "2026-08-15"}, U, T),  # stopped 3.5 months ago
    ({"status": "completed", "start": "2025-10-01", "end": "2026-05-31"}, U, U),  # stopped 6 months and a day ago
    ({"status": "completed", "start": "2025-10-01", "end": "2026-06-01"}, U, T),  # exactly 6 months ago
    ({"status": "completed", "end": "2026-12-01"}, T, T),  # ends on the procedure date
    ({"status": "stopped"}, U, U),  # stopped, but when?
    ({"status": "unknown", "start": "2026-01-01"}, U, U),
    ({"status": "unknown", "end": "2026-03-01"}, U, U),
    # A not-taken statement counts on its own date only (negative_for unset), and an undated one
    # cannot be shown to be current. It rules out the 6 months before only if it covers them.
    ({"status": "not-taken", "asserted": "2026-12-01"}, F, U),
    ({"status": "not-taken", "start": "2026-05-01", "asserted": "2026-12-01"}, F, F),
    ({"status": "not-taken", "start": "2026-05-01", "end": "2026-12-31"}, F, F),
    ({"status": "not-taken", "asserted": "2026-11-30"}, U, U),
    ({"status": "not-taken"}, U, U),
    ({"status": "active", "start": "2026-12-10"}, U, U),  # not started by the procedure date
])
def test_medication_within_window(fields: dict[str, str], current: bool | None, recent: bool | None) -> None:
    context = ctx(meds(**fields))
    assert evaluate(CURRENT, context).value is current
    assert evaluate(RECENT, context).value is recent


def test_no_medication_record_is_unknown() -> None:
    assert evaluate(CURRENT, ctx()).value is None
    assert evaluate(CURRENT, ctx({"medications": [{"code": f"{RXNORM}|0000"}]})).value is None


# -- age and sex -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("birth", "value"), [
    ("2004-12-02", T),  # turns 22 the day after
    ("2004-12-01", F),  # 22 on the procedure date
    ("1990-01-01", F),
    ("2004", U),  # 21 or 22: cannot tell
    ("2004-11", F),
    (None, U),
])
def test_age_below(birth: str | None, value: bool | None) -> None:
    assert evaluate(AgeTest(below=22), ctx({"birthDate": birth} if birth else {})).value is value


def test_age_at_least() -> None:
    assert evaluate(AgeTest(at_least=18), ctx({"birthDate": "2008-12-01"})).value is True
    assert evaluate(AgeTest(at_least=18), ctx({"birthDate": "2008-12-02"})).value is False


@pytest.mark.parametrize(("gender", "value"), [("female", T), ("male", F), ("other", F), ("unknown", U), (None, U)])
def test_sex(gender: str | None, value: bool | None) -> None:
    assert evaluate(SexTest("female"), ctx({"gender": gender} if gender else {})).value is value


# -- answers ---------------------------------------------------------------------------------------

def test_a_yes_answer_makes_a_criterion_true_and_a_no_rules_out_only_what_the_record_leaves_unknown() -> None:
    test = ConditionTest((PREGNANT,), id="c-preg")
    assert evaluate(test, ctx(answers={"c-preg": True})) == Truth(True, ("clinician answer c-preg=yes",), from_record=False)
    assert evaluate(test, ctx(answers={"c-preg": False})) == Truth(False, ("clinician answer c-preg=no",), from_record=False)


def test_a_no_answer_never_erases_a_recorded_positive() -> None:
    test = ConditionTest((PREGNANT,), id="c-preg")
    context = ctx(conditions({"code": f"{SCT}|77386006", "id": "preg", "onset": "2026-09-15"}), answers={"c-preg": False})
    truth = evaluate(test, context)
    assert (truth.value, truth.evidence) == (True, ("preg (2026-09-15)",))
    assert truth.conflicts == (Conflict("c-preg", "clinician answer c-preg=no", ("preg (2026-09-15)",)),)


def test_the_conflict_quotes_who_answered_and_when() -> None:
    test = ConditionTest((PREGNANT,), id="c-preg")
    answers = Answers({"c-preg": False}, by="Dr A. Lee", at=dt.date(2026, 11, 20))
    truth = evaluate(test, Context(from_mapping(conditions({"code": f"{SCT}|77386006", "id": "preg"})), DAY, answers))
    assert [c.answer for c in truth.conflicts] == ["clinician answer c-preg=no (Dr A. Lee, 2026-11-20)"]


def test_answer_to_a_nested_criterion() -> None:
    test = AnyOf((ConditionTest((HERPES,)), Question("q-site", "inflamed?")), id="outer")
    assert evaluate(test, ctx()).value is None
    assert evaluate(test, ctx(answers={"q-site": True})).value is True
    assert evaluate(test, ctx(answers={"q-site": False})).value is None  # herpes still unknown
    refuted = conditions({"code": f"{SCT}|235055003", "verification": "refuted"})
    assert evaluate(test, ctx(refuted, answers={"q-site": False})).value is None  # a refuted record is ignored
    assert evaluate(test, ctx(answers={"outer": False})).value is False  # the outer answer settles the unknown
    # A "yes" is never lowered: the inner yes stands against the outer no, with both as evidence.
    both = evaluate(test, ctx(answers={"outer": False, "q-site": True}))
    assert (both.value, both.conflicts) == (True, ())
    assert both.evidence == ("clinician answer q-site=yes", "clinician answer outer=no")


def test_conflicts_travel_with_the_operands_that_decide() -> None:
    record = conditions({"code": f"{SCT}|235055003", "id": "herpes"})
    inner = ConditionTest((HERPES,), id="c-herpes")
    assert evaluate(AnyOf((inner, Question("q", "?"))), ctx(record, answers={"c-herpes": False})).conflicts
    # Under an "all" that another part makes false, the contradicted record decides nothing.
    assert evaluate(AllOf((inner, Question("q", "?"))), ctx(record, answers={"c-herpes": False, "q": False})).conflicts == ()


# -- the evaluators --------------------------------------------------------------------------------

def test_every_criterion_kind_has_an_evaluator() -> None:
    assert set(EVALUATORS) == {kind.model for kind in KINDS}


def test_a_criterion_without_an_evaluator_is_a_type_error() -> None:
    class Unevaluated(Criterion):
        id = None

    with pytest.raises(TypeError, match="no evaluation for Unevaluated"):
        evaluate(Unevaluated(), ctx())
