"""Words a patient reads that the guidance does not spell out: dates, times after treatment, how often a risk happens."""

from __future__ import annotations

import datetime as dt

from ..content.model import Frequency
from ..content.values import Duration

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_UNITS = {"min": "minute", "h": "hour", "d": "day", "wk": "week", "mo": "month", "a": "year"}

#: The schema's frequency bands (guidance schema, ``frequency.category``) in words; the
#: bands are those of the EU summary of product characteristics (very common: 1 in 10 or more).
FREQUENCY_WORDS = {
    "expected": "expected: almost everyone has this",
    "very-common": "very common: more than 1 in 10 people",
    "common": "common: between 1 in 100 and 1 in 10 people",
    "uncommon": "uncommon: between 1 in 1,000 and 1 in 100 people",
    "rare": "rare: between 1 in 10,000 and 1 in 1,000 people",
    "very-rare": "very rare: fewer than 1 in 10,000 people",
    "unknown": "not known: the sources give no figure",
}


def long_date(day: dt.date) -> str:
    """``Tuesday 1 December 2026``, the same in every locale."""
    return f"{_DAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def duration_words(length: Duration) -> str:
    """``72 hours``, ``1 day``, ``6 months``."""
    word = _UNITS.get(length.unit, length.unit)
    return f"{length.value:g} {word}{'' if length.value == 1 else 's'}"


def frequency_words(frequency: Frequency) -> str:
    """How often a risk happens, in plain words; with the figure as ``about N in 100`` where a source gives one."""
    words = FREQUENCY_WORDS[frequency.category]
    if frequency.percent is None:
        return words
    return f"{words} (about {in_people(frequency.percent)})"


def in_people(percent: float) -> str:
    """A rate in whole people: ``8 in 100``, or ``1 in 110`` (two figures) when fewer than 1 in 100."""
    if percent >= 0.995:
        return f"{round(percent)} in 100 people"
    if percent <= 0:
        return "none of the people in the studies"
    return f"1 in {float(f'{100 / percent:.2g}'):,.0f} people"
