"""The value types guidance items and criteria share: a code and a length of time."""

from __future__ import annotations

import datetime as dt

from ..units import TIME_UNITS
from .records import record


@record
class Coding:
    system: str
    code: str
    display: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.system, self.code)


@record
class Duration:
    """A length of time with a UCUM unit (min, h, d, wk, mo, a)."""

    value: float
    unit: str

    def after(self, start: dt.date) -> dt.date:
        """The date this long after ``start``; months and years move by the calendar.

        A length that reaches past the calendar's ends stops at them: a valid document may
        say ``within: {value: 1e12, unit: a}``, and a screening must still give a decision.
        """
        try:
            return self._after(start)
        except (OverflowError, ValueError):  # ValueError: a year outside 1-9999
            return dt.date.max if self.value >= 0 else dt.date.min

    def _after(self, start: dt.date) -> dt.date:
        if self.unit in ("mo", "a"):
            # Whole months move by the calendar; a fraction of a month adds its mean length in
            # days, so that 0.5 mo is still some time.
            total = self.value * (12 if self.unit == "a" else 1)
            months = int(total)
            year, month = divmod(start.month - 1 + months, 12)
            year += start.year
            day = min(start.day, _month_days(year, month + 1))
            return dt.date(year, month + 1, day) + dt.timedelta(days=round((total - months) * TIME_UNITS["mo"]))
        return start + self.timedelta()

    def before(self, end: dt.date) -> dt.date:
        """The date this long before ``end``."""
        return Duration(-self.value, self.unit).after(end)

    def timedelta(self) -> dt.timedelta:
        hours = TIME_UNITS[self.unit] * 24
        try:
            return dt.timedelta(hours=self.value * hours)
        except OverflowError:  # longer than a timedelta holds (see after()); the longest one stands in
            return dt.timedelta.max if self.value >= 0 else -dt.timedelta.max

    def __str__(self) -> str:
        return f"{self.value:g} {self.unit}"


def _month_days(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day
