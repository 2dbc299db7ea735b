"""The weight a weight-based dose check uses: the newest, current (within weight_max_age), and not in doubt."""

from __future__ import annotations

import datetime as dt

import pytest

from clinicguide.clinical.patient import ObservationFact, PatientRecord
from clinicguide.clinical.weights import DEFAULT_WEIGHT_MAX_AGE, current_weight
from clinicguide.content.values import Duration
from clinicguide.errors import InputError
from clinicguide.terminology import BODY_WEIGHT
from clinicguide.units import Quantity

DAY = dt.date(2026, 11, 20)


def weight(ref: str, date: dt.date | None, value: float, unit: str = "kg", *, current: bool = False) -> ObservationFact:
    return ObservationFact(frozenset({BODY_WEIGHT}), frozenset(), Quantity(value, unit), date, ref, "Body weight", current)


def test_the_newest_weight_on_or_before_the_date_is_used() -> None:
    record = PatientRecord(observations=(
        weight("Observation/old", dt.date(2026, 11, 1), 70),
        weight("Observation/new", dt.date(2026, 11, 15), 62),
        weight("Observation/later", dt.date(2026, 11, 25), 90),  # after the procedure date: not yet taken
    ))
    found = current_weight(record, DAY)
    assert (found.kg, found.refs) == (62, ("Observation/new",))


def test_default_limit_is_30_days() -> None:
    assert Duration(30, "d") == DEFAULT_WEIGHT_MAX_AGE


@pytest.mark.parametrize(("taken", "usable"), [
    (dt.date(2026, 10, 21), True),   # exactly 30 days old: still current
    (dt.date(2026, 10, 20), False),  # 31 days old: stale
])
def test_weight_at_the_age_limit_and_one_day_past(taken: dt.date, usable: bool) -> None:
    found = current_weight(PatientRecord(observations=(weight("Observation/w", taken, 62),)), DAY)
    assert (found.kg is not None) is usable
    if not usable:
        assert found.problem == "the latest body weight, 62 kg (Observation/w) on 2026-10-20, is older than 30 d"
        assert found.refs == ("Observation/w",)


def test_the_guidance_limit_replaces_the_default() -> None:
    record = PatientRecord(observations=(weight("Observation/w", dt.date(2026, 8, 1), 62),))
    assert current_weight(record, DAY).kg is None
    assert current_weight(record, DAY, Duration(6, "mo")).kg == 62


def test_a_stale_weight_is_not_rescued_by_an_older_one() -> None:
    record = PatientRecord(observations=(weight("Observation/a", dt.date(2023, 5, 2), 62),
                                         weight("Observation/b", dt.date(2022, 5, 2), 64)))
    found = current_weight(record, DAY)
    assert found.kg is None and "2023-05-02" in found.problem and "Observation/b" not in found.problem


def test_two_different_weights_on_the_newest_day_are_not_used_whatever_their_order() -> None:
    a, b = weight("Observation/a", DAY, 60), weight("Observation/b", DAY, 66)
    for order in ((a, b), (b, a)):
        found = current_weight(PatientRecord(observations=order), DAY)
        assert found.kg is None
        assert found.problem == "the body weights recorded on 2026-11-20 differ: 60 kg (Observation/a), 66 kg (Observation/b)"
        assert found.refs == ("Observation/a", "Observation/b")


def test_the_same_weight_twice_in_other_units_is_one_weight() -> None:
    record = PatientRecord(observations=(weight("Observation/a", DAY, 60), weight("Observation/b", DAY, 132.277, "[lb_av]")))
    found = current_weight(record, DAY)
    assert found.kg == 60 and found.refs == ("Observation/a", "Observation/b")


def test_an_older_different_weight_does_not_conflict() -> None:
    record = PatientRecord(observations=(weight("Observation/a", DAY, 60), weight("Observation/b", dt.date(2026, 11, 1), 70)))
    assert current_weight(record, DAY).kg == 60


def test_an_undated_weight_has_an_unknown_age_unless_stated_as_current() -> None:
    undated = PatientRecord(observations=(weight("Observation/u", None, 60),))
    found = current_weight(undated, DAY)
    assert found.kg is None and found.problem == "the body weight on record (Observation/u) has no date, so its age is not known"
    stated = PatientRecord(observations=(weight("patient.weight", None, 60, current=True),))
    assert current_weight(stated, DAY).kg == 60


def test_a_stated_current_weight_conflicts_with_another_of_the_same_day() -> None:
    record = PatientRecord(observations=(weight("patient.weight", None, 60, current=True), weight("Observation/b", DAY, 70)))
    assert "differ" in current_weight(record, DAY).problem


def test_no_weight() -> None:
    found = current_weight(PatientRecord(), DAY)
    assert (found.kg, found.refs, found.problem) == (None, (), "no body weight is recorded")


@pytest.mark.parametrize(("value", "unit"), [(132.277, "[lb_av]"), (60000, "g")])
def test_weight_in_pounds_or_grams_is_converted(value: float, unit: str) -> None:
    found = current_weight(PatientRecord(observations=(weight("Observation/o1", DAY, value, unit),)), DAY)
    assert found.kg == pytest.approx(60, abs=0.01)


@pytest.mark.parametrize(("value", "unit", "message"), [
    (62, "mm", "Observation/w9: body weight must be in kg, g or \\[lb_av\\]"),
    (0, "kg", "Observation/w9: body weight must be more than zero"),
])
def test_a_weight_that_is_not_a_weight_is_refused_by_place(value: float, unit: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        current_weight(PatientRecord(observations=(weight("Observation/w9", DAY, value, unit),)), DAY)
