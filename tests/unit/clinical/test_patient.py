"""The patient record: the latest body weight, observations by date, and the ages a birth date allows."""

from __future__ import annotations

import datetime as dt

import pytest

from clinicguide.clinical.patient import ObservationFact, PatientRecord, age_range
from clinicguide.errors import InputError
from clinicguide.terminology import BODY_WEIGHT
from clinicguide.units import Quantity

DAY = dt.date(2026, 12, 1)


def weight(ref: str, date: dt.date | None, value: float, unit: str) -> ObservationFact:
    return ObservationFact(frozenset({BODY_WEIGHT}), frozenset(), Quantity(value, unit), date, ref, "Body weight")


# -- weight ----------------------------------------------------------------------------------------

def test_weight_is_the_latest_on_or_before_the_date() -> None:
    record = PatientRecord(observations=(
        weight("Observation/old", dt.date(2025, 1, 1), 70, "kg"),
        weight("Observation/new", dt.date(2026, 11, 20), 62, "kg"),
        weight("Observation/later", dt.date(2026, 12, 5), 90, "kg"),
    ))
    kg, fact = record.weight_kg(DAY)
    assert (kg, fact.ref) == (62, "Observation/new")
    assert record.weight_kg(dt.date(2025, 6, 1))[0] == 70
    assert record.weight_kg(dt.date(2024, 1, 1)) is None


def test_a_dated_weight_comes_before_an_undated_one() -> None:
    record = PatientRecord(observations=(weight("patient.weight", None, 70, "kg"),
                                         weight("Observation/new", dt.date(2026, 11, 20), 62, "kg")))
    assert [o.ref for o in record.latest(BODY_WEIGHT, DAY)] == ["Observation/new", "patient.weight"]
    assert record.weight_kg(DAY)[1].ref == "Observation/new"


def test_weight_in_pounds_is_converted() -> None:
    record = PatientRecord(observations=(weight("Observation/o1", dt.date(2026, 11, 20), 132.277, "[lb_av]"),))
    assert record.weight_kg(DAY)[0] == pytest.approx(60, abs=0.01)


def test_weight_in_grams_is_converted() -> None:
    record = PatientRecord(observations=(weight("Observation/o1", dt.date(2026, 11, 20), 62000, "g"),))
    assert record.weight_kg(DAY)[0] == pytest.approx(62)


def test_weight_in_a_non_weight_unit_is_refused_by_place() -> None:
    record = PatientRecord(observations=(weight("Observation/w9", dt.date(2026, 11, 20), 62, "mm"),))
    with pytest.raises(InputError, match="Observation/w9"):
        record.weight_kg(DAY)


def test_a_zero_weight_is_refused_by_place() -> None:
    record = PatientRecord(observations=(weight("Observation/w0", dt.date(2026, 11, 20), 0, "kg"),))
    with pytest.raises(InputError, match="Observation/w0: body weight must be more than zero"):
        record.weight_kg(DAY)


# -- age -------------------------------------------------------------------------------------------

def test_age_range_of_a_partial_birth_date() -> None:
    record = PatientRecord(birth_date=(dt.date(2004, 1, 1), dt.date(2004, 12, 31)))  # born in 2004
    assert age_range(record, dt.date(2026, 12, 1)) == (21, 22)  # 22 if born by 1 December 2004
    assert age_range(record, dt.date(2027, 1, 1)) == (22, 23)
    assert age_range(PatientRecord(), DAY) is None
