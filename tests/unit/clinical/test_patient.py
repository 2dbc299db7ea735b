"""The patient record: observations by date, and the ages a birth date allows."""

from __future__ import annotations

import datetime as dt

from clinicguide.clinical.patient import ObservationFact, PatientRecord, age_range
from clinicguide.terminology import BODY_WEIGHT
from clinicguide.units import Quantity

DAY = dt.date(2026, 12, 1)


def weight(ref: str, date: dt.date | None, value: float, unit: str) -> ObservationFact:
    return ObservationFact(frozenset({BODY_WEIGHT}), frozenset(), Quantity(value, unit), date, ref, "Body weight")


def test_latest_puts_a_dated_observation_before_an_undated_one() -> None:
    record = PatientRecord(observations=(weight("patient.weight", None, 70, "kg"),
                                         weight("Observation/new", dt.date(2026, 11, 20), 62, "kg"),
                                         weight("Observation/later", dt.date(2026, 12, 5), 90, "kg")))
    assert [o.ref for o in record.latest(BODY_WEIGHT, DAY)] == ["Observation/new", "patient.weight"]


# -- age -------------------------------------------------------------------------------------------

def test_age_range_of_a_partial_birth_date() -> None:
    record = PatientRecord(birth_date=(dt.date(2004, 1, 1), dt.date(2004, 12, 31)))  # born in 2004
    assert age_range(record, dt.date(2026, 12, 1)) == (21, 22)  # 22 if born by 1 December 2004
    assert age_range(record, dt.date(2027, 1, 1)) == (22, 23)
    assert age_range(PatientRecord(), DAY) is None
