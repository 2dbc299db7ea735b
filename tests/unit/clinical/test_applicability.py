"""Who a contraindication can apply to, and answers as recorded evidence that never erases a record."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from clinicguide.clinical.answers import Answers, answer_keys, criterion_ids
from clinicguide.clinical.criteria import Context
from clinicguide.clinical.readers import read_patient
from clinicguide.clinical.screening import NotApplicable, findings_for, not_applicable, screen_item
from clinicguide.content.criteria_kinds import ConditionTest, EvidenceTest, Not, SexTest
from clinicguide.content.library import load_library
from clinicguide.content.model import Contraindication
from clinicguide.content.values import Coding
from clinicguide.errors import InputError
from clinicguide.guide import ClinicGuide

DAY = dt.date(2026, 11, 20)
SCT = "http://snomed.info/sct"
LIBRARY = load_library()
PREGNANT_CONDITION = {"id": "preg", "code": f"{SCT}|77386006", "onset": "2026-09-15"}


def person(gender: str | None, **more: Any) -> dict[str, Any]:
    return {"id": "p", "birthDate": "1990-01-01", **({"gender": gender} if gender else {}), **more}


def screen(guidance_id: str, patient: dict[str, Any], answers: dict[str, bool] | None = None) -> Any:
    guidance = LIBRARY.get(guidance_id)
    ctx = Context(read_patient(patient), DAY, answers or {})
    return guidance, ctx


def item_result(guidance_id: str, item_id: str, patient: dict[str, Any], answers: dict[str, bool] | None = None) -> Any:
    guidance, ctx = screen(guidance_id, patient, answers)
    item = next(c for c in guidance.contraindications if c.id == item_id)
    return screen_item(guidance, item, ctx)


# -- applicability -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("gender", "answers", "applies", "evidence"), [
    ("female", {}, True, None),
    ("other", {}, True, None),
    (None, {}, True, None),  # unknown: applies, the conservative choice
    ("male", {}, False, ("Patient.gender=male",)),
    ("male", {"can-become-pregnant": True}, True, None),
    ("female", {"can-become-pregnant": False}, False, ("clinician answer can-become-pregnant=no",)),
])
def test_who_pregnancy_applies_to(gender: str | None, answers: dict[str, bool], applies: bool,
                                  evidence: tuple[str, ...] | None) -> None:
    result = item_result("microneedling", "ci-pregnancy", person(gender), answers)
    if applies:
        assert result.not_applicable is None and [f.code for f in result.findings] == ["needs-answer"]
    else:
        assert result.findings == () and result.not_applicable == NotApplicable("ci-pregnancy", evidence or ())


def test_the_question_says_which_answer_settles_applicability_when_the_record_cannot() -> None:
    (unknown,) = item_result("microneedling", "ci-pregnancy", person(None)).findings
    assert "Can this patient become pregnant? (answer can-become-pregnant)" in unknown.message
    (female,) = item_result("microneedling", "ci-pregnancy", person("female")).findings
    assert "can-become-pregnant" not in female.message and "Patient.gender=female" in female.evidence


def test_a_recorded_positive_is_never_hidden_by_applicability() -> None:
    (finding,) = item_result("microneedling", "ci-pregnancy", person("male", conditions=[PREGNANT_CONDITION])).findings
    assert (finding.code, finding.evidence) == ("contraindicated", ("preg (2026-09-15)",))


def test_the_screening_lists_what_cannot_apply_in_guidance_order() -> None:
    guidance, ctx = screen("microneedling", person("male"))
    assert not_applicable(guidance, ctx) == (NotApplicable("ci-pregnancy", ("Patient.gender=male",)),
                                             NotApplicable("ci-breastfeeding", ("Patient.gender=male",)))
    assert not [f for f in findings_for(guidance, ctx.record, DAY, {}, None) if f.item in ("ci-pregnancy", "ci-breastfeeding")]


def test_screening_result_holds_not_applicable_and_who_answered(guide: ClinicGuide) -> None:
    screening, _ = guide.screen("botulinum-toxin-glabellar", person("male"), date=DAY, answers={"ci-neuromuscular": "no"},
                                answered_by="Dr A. Lee", answered_at="2026-11-19")
    assert [na.item for na in screening.not_applicable] == ["ci-pregnancy", "ci-breastfeeding"]
    assert (screening.answered_by, screening.answered_at) == ("Dr A. Lee", dt.date(2026, 11, 19))
    assert dict(screening.answers) == {"ci-neuromuscular": False}


@pytest.mark.parametrize(("patient", "answers", "expected"), [
    (person("female"), {}, True),
    (person(None), {}, True),
    (person("other"), {}, True),
    (person("male"), {}, False),
    (person("female"), {"can-become-pregnant": "no"}, False),
    (person("male"), {"can-become-pregnant": "yes"}, True),
])
def test_pregnancy_test_monitoring_follows_the_same_applicability(guide: ClinicGuide, patient: dict[str, Any],
                                                                   answers: dict[str, str], expected: bool) -> None:
    screening, _ = guide.screen("isotretinoin-oral", patient, date=DAY, answers=answers)
    monitored = {m.id for m in screening.monitoring}
    assert ({"mon-pregnancy-test-serum", "mon-pregnancy-test-urine"} <= monitored) is expected


# -- answers never erase a record ---------------------------------------------------------------------

def test_a_no_against_a_recorded_positive_keeps_the_finding_and_adds_a_conflict() -> None:
    answers = Answers({"ci-pregnancy": False}, by="Dr A. Lee", at=DAY)
    result = item_result("isotretinoin-oral", "ci-pregnancy", person("female", conditions=[PREGNANT_CONDITION]), answers)
    found, conflict = result.findings
    assert (found.code, conflict.code, conflict.outcome, conflict.severity) == (
        "contraindicated", "record-conflict", "needs-information", "moderate")
    assert conflict.evidence == ("preg (2026-09-15)", "clinician answer ci-pregnancy=no (Dr A. Lee, 2026-11-20)")
    assert conflict.message == ("Clinician answer ci-pregnancy=no (Dr A. Lee, 2026-11-20) contradicts the record "
                                "(preg (2026-09-15)). The recorded finding on ci-pregnancy stands; to clear this conflict, "
                                "correct the record.")


def test_a_no_against_a_relative_record_needs_information(guide: ClinicGuide) -> None:
    patient = person("female", conditions=[PREGNANT_CONDITION])
    answers = {"ci-pregnancy": "no", "ci-breastfeeding": "no", "ci-injection-site-infection": "no",
               "ci-toxin-hypersensitivity": "no", "ci-neuromuscular": "no"}
    result = guide.plan("botulinum-toxin-glabellar", patient, date=DAY, answers=answers)
    assert result.decision == "needs-information"
    assert [f.code for f in result.findings] == ["relative-contraindication", "record-conflict"]


def test_a_yes_makes_true_and_a_no_rules_out_only_the_unknown() -> None:
    (yes,) = item_result("microneedling", "ci-skin-infection", person("female"), {"ci-skin-infection": True}).findings
    assert (yes.code, yes.evidence) == ("contraindicated", ("clinician answer ci-skin-infection=yes",))
    assert item_result("microneedling", "ci-skin-infection", person("female"), {"ci-skin-infection": False}).findings == ()


def test_a_cannot_become_pregnant_answer_against_a_recorded_pregnancy_conflicts() -> None:
    patient = person("female", conditions=[PREGNANT_CONDITION])
    result = item_result("isotretinoin-oral", "ci-pregnancy", patient, {"can-become-pregnant": False})
    assert [f.code for f in result.findings] == ["contraindicated", "record-conflict"]
    assert result.findings[1].evidence == ("preg (2026-09-15)", "clinician answer can-become-pregnant=no")
    assert result.not_applicable is None


# -- the ids answers may use ---------------------------------------------------------------------------

def test_answers_may_settle_applicability_but_not_a_test_inside_evidence() -> None:
    assert "can-become-pregnant" in answer_keys(LIBRARY.get("microneedling"))
    pooled = EvidenceTest((ConditionTest((Coding(SCT, "77386006", "Pregnant (finding)"),), id="inner"),), id="outer")
    assert criterion_ids(pooled) == ["outer"]
    item = Contraindication("ci-x", "absolute", "X.", "X?", ("S",), None, applies_to=Not(SexTest("male"), id="can-x"))
    assert "can-x" in criterion_ids(item.applies_to)


def test_the_answers_mapping_carries_who_and_when() -> None:
    answers = Answers({"a": True}, by="Dr A. Lee", at=DAY)
    assert dict(answers) == {"a": True} and answers == {"a": True} and len(answers) == 1
    assert (answers.by, answers.at) == ("Dr A. Lee", DAY)
    assert "Dr A. Lee" in repr(answers)
    assert Answers().by is None and dict(Answers()) == {}


@pytest.mark.parametrize(("options", "message"), [
    ({"answered_by": ""}, "answered_by must be the name or role"),
    ({"answered_by": 7}, "answered_by must be the name or role"),
    ({"answered_at": "20 Nov 2026"}, "answered_at must be a date as YYYY-MM-DD"),
    ({"answered_at": "1800-01-01"}, "answered_at must lie between"),
])
def test_who_and_when_are_checked(guide: ClinicGuide, options: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        guide.plan("microneedling", person("female"), date=DAY, **options)


def test_when_may_be_a_date_or_a_datetime(guide: ClinicGuide) -> None:
    when = dt.datetime(2026, 11, 20, 9, 30)
    screening, _ = guide.screen("microneedling", person("female"), date=DAY, answered_at=when)
    assert screening.answered_at == DAY
