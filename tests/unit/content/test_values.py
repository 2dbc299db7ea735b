"""The shared value types: lengths of time and the dates they lead to."""

from __future__ import annotations

import datetime as dt

import pytest

from clinicguide.content.values import Duration

D = dt.date


# -- Duration ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("start", "value", "unit", "expected"),
    [
        (D(2026, 8, 31), 6, "mo", D(2027, 2, 28)),  # crosses the year end and clamps to February's end
        (D(2027, 8, 31), 6, "mo", D(2028, 2, 29)),  # leap year
        (D(2026, 11, 15), 3, "mo", D(2027, 2, 15)),
        (D(2026, 12, 31), 1, "mo", D(2027, 1, 31)),
        (D(2026, 1, 31), 1, "mo", D(2026, 2, 28)),
        (D(2026, 3, 31), 1, "mo", D(2026, 4, 30)),
        (D(2026, 5, 10), 12, "mo", D(2027, 5, 10)),
        (D(2026, 5, 10), 25, "mo", D(2028, 6, 10)),
        (D(2026, 5, 10), 0, "mo", D(2026, 5, 10)),
        (D(2024, 2, 29), 1, "a", D(2025, 2, 28)),
        (D(2024, 2, 29), 4, "a", D(2028, 2, 29)),
        (D(2026, 12, 25), 10, "d", D(2027, 1, 4)),
        (D(2026, 12, 25), 2, "wk", D(2027, 1, 8)),
        (D(2026, 12, 31), 24, "h", D(2027, 1, 1)),
    ],
)
def test_duration_after(start: dt.date, value: float, unit: str, expected: dt.date) -> None:
    assert Duration(value, unit).after(start) == expected


@pytest.mark.parametrize(
    ("end", "value", "unit", "expected"),
    [
        (D(2027, 2, 28), 6, "mo", D(2026, 8, 28)),
        (D(2026, 1, 31), 2, "mo", D(2025, 11, 30)),
        (D(2026, 3, 31), 1, "mo", D(2026, 2, 28)),
        (D(2027, 1, 4), 10, "d", D(2026, 12, 25)),
        (D(2028, 2, 29), 1, "a", D(2027, 2, 28)),
    ],
)
def test_duration_before(end: dt.date, value: float, unit: str, expected: dt.date) -> None:
    assert Duration(value, unit).before(end) == expected


@pytest.mark.parametrize("months", [0.5, 0.25])
def test_a_positive_fraction_of_a_month_moves_the_date(months: float) -> None:
    start = D(2026, 5, 10)
    assert Duration(months, "mo").after(start) > start


def test_fractional_months_add_whole_months_then_days() -> None:
    assert Duration(2.5, "mo").after(D(2026, 5, 10)) == D(2026, 7, 25)  # 2 months, then 15 days
    assert Duration(-0.5, "mo").after(D(2026, 5, 10)) == D(2026, 4, 25)


def test_duration_timedelta_and_text() -> None:
    assert Duration(90, "min").timedelta() == dt.timedelta(minutes=90)
    assert Duration(2, "wk").timedelta() == dt.timedelta(days=14)
    assert Duration(1, "a").timedelta() == dt.timedelta(days=365.25)
    assert str(Duration(6.0, "mo")) == "6 mo"
    assert str(Duration(1.5, "h")) == "1.5 h"
