"""Property-based tests of the decision: more evidence for a contraindication never makes treatment look safer.

- Adding a positive record (an active condition, a positive observation, a running medication) never
  lowers the outcome.
- Adding a "yes" answer never lowers the outcome.
- A "no" answer never removes a finding the record decided.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinicguide import ClinicGuide
from clinicguide.clinical.answers import answer_keys
from clinicguide.clinical.findings import DECISION_ORDER
from clinicguide.errors import InputError

SCALE = max(1, int(os.environ.get("CLINICGUIDE_PROPERTY_SCALE", "1")))
DECISIONS = settings(max_examples=60 * SCALE, deadline=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

DAY = dt.date(2026, 11, 20)
SNOMED, RXNORM, LOINC = "http://snomed.info/sct", "http://www.nlm.nih.gov/research/umls/rxnorm", "http://loinc.org"
CONDITION_CODES = ["77386006", "866041003", "169750002", "19824006", "108365000", "235055003", "11381005"]
ISOTRETINOIN = ["197843", "197844", "403930", "197845"]
OBSERVATIONS = {"82810-3": [(SNOMED, "77386006"), (LOINC, "LA15173-0"), (SNOMED, "60001007"), (LOINC, "LA26683-5"),
                            (SNOMED, "102874004"), (LOINC, "LA4489-6")],
                "2106-3": [(SNOMED, "10828004"), (SNOMED, "260385009")],
                "2118-8": [(SNOMED, "10828004"), (SNOMED, "260385009")]}
POSITIVE_VALUES = {"82810-3": [(SNOMED, "77386006"), (LOINC, "LA15173-0")], "2106-3": [(SNOMED, "10828004")],
                   "2118-8": [(SNOMED, "10828004")]}
GUIDANCE = ["isotretinoin-oral", "microneedling", "ha-dermal-filler", "botulinum-toxin-glabellar", "laser-enlarged-pores",
            "salicylic-acid-topical"]

# Dates around the procedure date, where windows begin and end, and none at all.
NEAR = st.one_of(st.integers(min_value=-400, max_value=0).map(lambda d: str(DAY + dt.timedelta(days=d))),
                 st.sampled_from([str(DAY), str(DAY - dt.timedelta(days=1)), "2026-05-20", "2026-05-19"]))
MAYBE = st.one_of(st.none(), NEAR)


def _dated(item: dict[str, Any], **dates: str | None) -> dict[str, Any]:
    return item | {key: value for key, value in dates.items() if value is not None}


@st.composite
def conditions(draw: st.DrawFn, positive: bool = False) -> dict[str, Any]:
    item = {"code": f"{SNOMED}|{draw(st.sampled_from(CONDITION_CODES))}",
            "status": "active" if positive else draw(st.sampled_from(["active", "recurrence", "inactive", "resolved"])),
            "verification": "confirmed" if positive else draw(st.sampled_from(["confirmed", "unconfirmed", "refuted"]))}
    return _dated(item, onset=draw(MAYBE), recorded=draw(MAYBE), abatement=None if positive else draw(MAYBE))


@st.composite
def medications(draw: st.DrawFn, positive: bool = False) -> dict[str, Any]:
    status = "active" if positive else draw(st.sampled_from(["active", "completed", "stopped", "not-taken", "unknown"]))
    item = {"code": f"{RXNORM}|{draw(st.sampled_from(ISOTRETINOIN))}", "status": status}
    return _dated(item, start=draw(MAYBE), end=None if positive else draw(MAYBE), asserted=draw(MAYBE))


@st.composite
def observations(draw: st.DrawFn, positive: bool = False) -> dict[str, Any]:
    code = draw(st.sampled_from(sorted(OBSERVATIONS)))
    system, value = draw(st.sampled_from((POSITIVE_VALUES if positive else OBSERVATIONS)[code]))
    return _dated({"code": f"{LOINC}|{code}", "valueCode": f"{system}|{value}"}, date=draw(MAYBE))


@st.composite
def patients(draw: st.DrawFn) -> dict[str, Any]:
    patient: dict[str, Any] = {"id": "p", "birthDate": draw(st.sampled_from(["1990-06-15", "2008-01-01", "2005-11-21"]))}
    if draw(st.booleans()):
        patient["gender"] = draw(st.sampled_from(["female", "male", "other", "unknown"]))
    patient["conditions"] = draw(st.lists(conditions(), max_size=3))
    patient["medications"] = draw(st.lists(medications(), max_size=3))
    patient["observations"] = draw(st.lists(observations(), max_size=3))
    return _numbered(patient)


def _numbered(patient: dict[str, Any]) -> dict[str, Any]:
    """Every record gets an id, so evidence names records the same way in both runs."""
    for key in ("conditions", "medications", "observations"):
        patient[key] = [{**item, "id": f"{key}-{index}"} for index, item in enumerate(patient[key])]
    return patient


POSITIVE_RECORDS = st.one_of(conditions(positive=True).map(lambda r: ("conditions", r)),
                             medications(positive=True).map(lambda r: ("medications", r)),
                             observations(positive=True).map(lambda r: ("observations", r)))


@pytest.fixture(scope="module")
def guide() -> ClinicGuide:
    return ClinicGuide(entry_point_plugins=False)


def _rank(decision: str) -> int:
    return DECISION_ORDER.index(decision)  # type: ignore[arg-type]


def _screen(guide: ClinicGuide, guidance: str, patient: dict[str, Any], answers: dict[str, str]) -> Any:
    screening, _ = guide.screen(guidance, patient, date=DAY, answers=answers)
    return screening


def _answers(data: st.DataObject, guide: ClinicGuide, guidance: str, values: list[str]) -> dict[str, str]:
    keys = sorted(answer_keys(guide.library.get(guidance)))
    return data.draw(st.dictionaries(st.sampled_from(keys), st.sampled_from(values), max_size=4))


@DECISIONS
@given(data=st.data())
def test_adding_a_positive_record_never_lowers_the_outcome(guide: ClinicGuide, data: st.DataObject) -> None:
    guidance = data.draw(st.sampled_from(GUIDANCE))
    patient = data.draw(patients())
    answers = _answers(data, guide, guidance, ["yes", "no"])
    key, record = data.draw(POSITIVE_RECORDS)
    more = {**patient, key: [*patient[key], {**record, "id": "added"}]}
    try:
        before = _screen(guide, guidance, patient, answers)
    except InputError:
        return
    after = _screen(guide, guidance, more, answers)
    assert _rank(after.decision) >= _rank(before.decision), (before.findings, after.findings)


@DECISIONS
@given(data=st.data())
def test_adding_a_yes_answer_never_lowers_the_outcome(guide: ClinicGuide, data: st.DataObject) -> None:
    guidance = data.draw(st.sampled_from(GUIDANCE))
    patient = data.draw(patients())
    answers = _answers(data, guide, guidance, ["yes", "no"])
    unanswered = sorted(answer_keys(guide.library.get(guidance)) - set(answers))
    if not unanswered:
        return
    key = data.draw(st.sampled_from(unanswered))
    try:
        before = _screen(guide, guidance, patient, answers)
    except InputError:
        return
    after = _screen(guide, guidance, patient, {**answers, key: "yes"})
    assert _rank(after.decision) >= _rank(before.decision), (key, before.findings, after.findings)


@DECISIONS
@given(data=st.data())
def test_a_no_answer_never_removes_a_recorded_finding(guide: ClinicGuide, data: st.DataObject) -> None:
    guidance = data.draw(st.sampled_from(GUIDANCE))
    patient = data.draw(patients())
    try:
        before = _screen(guide, guidance, patient, {})
    except InputError:
        return
    recorded = {(f.code, f.item, f.evidence) for f in before.findings
                if f.code in ("contraindicated", "relative-contraindication")}
    answers = _answers(data, guide, guidance, ["no"])
    after = _screen(guide, guidance, patient, answers)
    kept = {(f.code, f.item, f.evidence) for f in after.findings}
    assert recorded <= kept, (answers, recorded - kept)
    contradicted = {f.item for f in after.findings if f.code == "record-conflict"}
    assert {item for _, item, _ in recorded if item in answers} <= contradicted
