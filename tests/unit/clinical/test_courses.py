"""Courses: a refill of a running course is not a new course; minimum and advisory intervals between courses."""

from __future__ import annotations

from typing import Any

import pytest

from clinicguide.guide import ClinicGuide, PlanResult

DATE = "2026-11-20"
ADULT = {"id": "adult", "birthDate": "1990-06-15", "gender": "female", "weight": "60 kg"}
ISO_NO = {"ci-pregnancy": "no", "ci-hypersensitivity": "no", "ci-tetracycline-vitamin-a": "no"}
ISOTRETINOIN_20 = "http://www.nlm.nih.gov/research/umls/rxnorm|197844"


def course(status: str = "active", start: str = "2026-08-01", end: str | None = None, ident: str = "course") -> dict[str, Any]:
    return {"code": ISOTRETINOIN_20, "status": status, "start": start, "id": ident, **({"end": end} if end else {})}


def iso(guide: ClinicGuide, medications: list[dict[str, Any]], **proposed: Any) -> PlanResult:
    return guide.plan("isotretinoin-oral", {**ADULT, "medications": medications}, date=DATE, answers=ISO_NO,
                      proposed={"dose": "40 mg/d", "indication": "ind-nodular-acne", **proposed})


def intervals(result: PlanResult) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(f.code, f.item, f.evidence) for f in result.findings if f.item.startswith("int-")]


def test_a_refill_of_a_running_course_is_not_a_second_course(guide: ClinicGuide) -> None:
    result = iso(guide, [course()], last_treatment="2026-10-21")  # last month's prescription
    assert intervals(result) == [("course-running", "int-second-course", ("course",))]
    finding = result.findings[-1]
    assert (finding.outcome, finding.severity) == ("eligible", "low")
    assert result.decision == "eligible"


@pytest.mark.parametrize(("end", "running"), [("2026-11-20", True), ("2026-11-19", False)])
def test_a_course_ending_on_the_date_runs_and_one_ending_the_day_before_does_not(guide: ClinicGuide, end: str,
                                                                                   running: bool) -> None:
    result = iso(guide, [course(end=end)], last_treatment="never")
    if running:
        assert intervals(result) == [("course-running", "int-second-course", ("course",))]
    else:  # a new course one day after the last ended: the 8 weeks apply, from the record's end date
        assert intervals(result) == [("interval-too-short", "int-second-course", ("course (ended 2026-11-19)",))]
        assert result.decision == "caution"


def test_a_course_that_has_not_started_is_not_running(guide: ClinicGuide) -> None:
    result = iso(guide, [course(start="2026-11-21")], last_treatment="never")
    assert intervals(result) == []


def test_only_an_active_record_is_a_running_course(guide: ClinicGuide) -> None:
    result = iso(guide, [course(status="completed", end="2026-12-31")], last_treatment="never")
    assert [code for code, _, _ in intervals(result)] != ["course-running"]


def test_a_running_course_of_another_medicine_does_not_count(guide: ClinicGuide) -> None:
    other = {**course(), "code": "http://www.nlm.nih.gov/research/umls/rxnorm|0000"}
    assert intervals(iso(guide, [other], last_treatment="never")) == []


def test_the_later_of_the_stated_and_the_recorded_last_treatment_counts(guide: ClinicGuide) -> None:
    ended = course(status="completed", start="2026-03-01", end="2026-09-01")
    assert intervals(iso(guide, [ended], last_treatment="2026-10-15")) == [
        ("interval-too-short", "int-second-course", ("last treatment 2026-10-15",))]
    assert intervals(iso(guide, [ended], last_treatment="2026-06-01")) == []  # 2026-09-01 + 8 weeks is before the date
    assert intervals(iso(guide, [ended])) == []  # the record answers what the proposal leaves open


def test_a_running_request_counts_like_a_statement(guide: ClinicGuide) -> None:
    request = {"resourceType": "MedicationRequest", "id": "rx-oct", "status": "active", "intent": "order",
               "medicationCodeableConcept": {"coding": [{"system": ISOTRETINOIN_20.split("|")[0], "code": "197844"}]},
               "authoredOn": "2026-10-22", "dispenseRequest": {"validityPeriod": {"start": "2026-10-22", "end": "2026-11-21"}}}
    weight = {"resourceType": "Observation", "id": "w", "status": "final",
              "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]}, "effectiveDateTime": "2026-11-20",
              "valueQuantity": {"value": 60, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}}
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p", "gender": "female", "birthDate": "1990-06-15"}},
        {"resource": request}, {"resource": weight}]}
    result = guide.plan("isotretinoin-oral", bundle, date=DATE, answers=ISO_NO,
                        proposed={"dose": "40 mg/d", "last_treatment": "2026-10-22"})
    assert intervals(result) == [("course-running", "int-second-course", ("MedicationRequest/rx-oct",))]


# -- advisory intervals (a trial's schedule) --------------------------------------------------------------

def series(guide: ClinicGuide, last: str | None) -> PlanResult:
    proposed = {"params": {"needle-depth": "1 mm"}, **({"last_treatment": last} if last else {})}
    return guide.plan("fixture-advisory-interval", {"id": "p"}, date=DATE, proposed=proposed)


@pytest.mark.parametrize(("last", "code"), [
    (None, "interval-advisory"),          # unknown: a note, not a question
    ("2026-11-13", "interval-advisory"),  # 1 week: a note, not a caution
    ("2026-11-06", None),                 # 2 weeks: on the schedule
    ("never", None),
])
def test_an_advisory_interval_gives_notes(fixture_guide: ClinicGuide, last: str | None, code: str | None) -> None:
    result = series(fixture_guide, last)
    assert [f.code for f in result.findings if f.item == "int-schedule"] == ([code] if code else [])
    assert result.decision == "eligible"
    for finding in result.findings:
        assert finding.question is None and finding.severity == "low"
