"""Comparing two lengths of time as the engine counts them, over every start date.

A month is not a fixed number of days: :meth:`Duration.after` moves by the calendar, so
3 mo from 1 February is 89 days and from 1 July 92. Whether one length is shorter than
another therefore depends on the day it is counted from, and "90 d -> 3 mo" shortens the
interval for every start in February. A change is only safe when it holds from *every*
start date; :func:`first_shortfall` finds a start date from which it does not.

The Gregorian calendar repeats every 400 years, and within a month every day up to the
28th moves alike (no month is shorter), so one start per month for days 1-28, plus the
29th, 30th and 31st where they exist, over one 400-year cycle, covers every start date.
The arithmetic is on day numbers, not :class:`datetime.date`, so lengths far past the
calendar's ends still compare (the engine stops at those ends; a site never needs them).
Hours and minutes count exactly, so aftercare that starts an hour later is later.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache

from ..units import TIME_UNITS
from .values import Duration

#: The first year of the 400-year cycle sampled; any year would do, a near one reads best in messages.
_FIRST_YEAR = 2026
_CALENDAR = ("mo", "a")


@dataclass(frozen=True)
class Shortfall:
    """From ``start``, the new length ends ``new_days`` later and the old one ``old_days`` later."""

    start: dt.date
    new_days: float
    old_days: float

    def __str__(self) -> str:
        return f"from {self.start} it ends after {self.new_days:g} days, not {self.old_days:g}"


def _days_before_year(year: int) -> int:
    y = year - 1
    return y * 365 + y // 4 - y // 100 + y // 400


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _month_days(year: int, month: int) -> int:
    if month == 2:
        return 29 if _is_leap(year) else 28
    return 30 if month in (4, 6, 9, 11) else 31


#: Days in the months before each month, in a common and in a leap year.
_BEFORE_MONTH = {leap: tuple(sum(_month_days(2000 if leap else 2001, m) for m in range(1, month)) for month in range(1, 13))
                 for leap in (False, True)}


_MONTH_DAYS = {leap: tuple(_month_days(2000 if leap else 2001, month) for month in range(1, 13)) for leap in (False, True)}


def _ordinal(year: int, month: int, day: int) -> int:
    return _days_before_year(year) + _BEFORE_MONTH[_is_leap(year)][month - 1] + day


def _fixed_days(duration: Duration) -> float:
    """A fixed-unit length in days, exactly: hours count, although a plan's dates move by whole days
    (``date + timedelta``), so a comparison is never laxer than the engine's."""
    return duration.value * TIME_UNITS[duration.unit]


@lru_cache(maxsize=1)
def _starts() -> tuple[tuple[int, int, int, int], ...]:
    """Every start that moves differently: (year, month, day, day number), in date order."""
    return tuple((year, month, day, _ordinal(year, month, day))
                 for year in range(_FIRST_YEAR, _FIRST_YEAR + 400) for month in range(1, 13)
                 for day in (1, 29, 30, 31) if day <= _month_days(year, month))


@lru_cache(maxsize=256)
def _lengths(duration: Duration) -> tuple[float, ...]:
    """Days from each start to ``duration.after()`` of it, as :meth:`Duration.after` moves a date."""
    if duration.unit not in _CALENDAR:
        return (_fixed_days(duration),) * len(_starts())
    total = duration.value * (12 if duration.unit == "a" else 1)
    if not math.isfinite(total):
        return (total,) * len(_starts())
    months = int(total)
    extra = round((total - months) * TIME_UNITS["mo"])
    shift = [divmod(index + months, 12) for index in range(12)]  # by start month: (years on, month index landed in)
    years: dict[int, tuple[int, tuple[int, ...], tuple[int, ...]]] = {}
    found = []
    for year, month, day, number in _starts():
        ahead, index = shift[month - 1]
        to_year = year + ahead
        if to_year not in years:
            leap = _is_leap(to_year)
            years[to_year] = (_days_before_year(to_year), _BEFORE_MONTH[leap], _MONTH_DAYS[leap])
        before, before_month, month_days = years[to_year]
        found.append(float(before + before_month[index] + min(day, month_days[index]) - number + extra))
    return tuple(found)


@lru_cache(maxsize=256)
def first_shortfall(new: Duration, old: Duration) -> Shortfall | None:
    """The first start date (of those giving the largest shortfall) from which ``new`` ends before ``old``.

    None when ``new`` is at least as long as ``old`` from every start date.
    """
    worst: tuple[float, int] | None = None
    for index, (a, b) in enumerate(zip(_lengths(new), _lengths(old), strict=True)):
        if a < b and (worst is None or a - b < worst[0]):
            worst = (a - b, index)
    if worst is None:
        return None
    year, month, day, _ = _starts()[worst[1]]
    return Shortfall(dt.date(year, month, day), _lengths(new)[worst[1]], _lengths(old)[worst[1]])


def never_shorter(new: Duration, old: Duration) -> bool:
    """Whether ``new`` ends no earlier than ``old`` from every start date."""
    return first_shortfall(new, old) is None
