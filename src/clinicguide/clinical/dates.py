"""The dates the engine is given: the procedure date, plausible bounds, and FHIR dates."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from ..errors import InputError
from .patient import PatientRecord

#: The procedure and last-treatment dates accepted. Anything outside is a typing error, and
#: date arithmetic near the calendar's ends (year 1, year 9999) would overflow.
EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2999, 12, 31)

# A FHIR date or dateTime, matched whole, so that a part that does not fit ("1991-3-14",
# "1991-03-14T25:99") is refused rather than dropped.
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2})"
                   r"(?:T(?:[01]\d|2[0-3]):[0-5]\d(?::(?:[0-5]\d|60)(?:\.\d{1,9})?)?(?:Z|[+-](?:0\d|1[0-4]):[0-5]\d)?)?)?)?")


def plausible_date(value: dt.date, what: str) -> dt.date:
    """``value`` if it lies between :data:`EARLIEST_DATE` and :data:`LATEST_DATE`."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise InputError(f"{what} must lie between {EARLIEST_DATE} and {LATEST_DATE}")
    return value


def parse_date(value: dt.date | str | None) -> dt.date:
    """The procedure date: a date, a date and time (its date), ``YYYY-MM-DD``, or None for today."""
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return plausible_date(value.date(), "the procedure date")
    if isinstance(value, dt.date):
        return plausible_date(value, "the procedure date")
    try:
        parsed = dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InputError(f"date {value!r} is not YYYY-MM-DD") from None
    return plausible_date(parsed, "the procedure date")


def parse_optional_date(value: dt.date | str | None, what: str) -> dt.date | None:
    """A date given with the inputs (when answers were given): a date, ``YYYY-MM-DD``, or None when not stated."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return plausible_date(value.date(), what)
    if isinstance(value, dt.date):
        return plausible_date(value, what)
    try:
        return plausible_date(dt.date.fromisoformat(value), what)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a date as YYYY-MM-DD") from None


def check_born_by(record: PatientRecord, date: dt.date) -> None:
    """Refuse a procedure date before the patient's birth: ages would be negative, and "younger than" would hold."""
    if record.birth_date is not None and record.birth_date[0] > date:
        raise InputError("Patient.birthDate is after the procedure date")


def fhir_date(value: Any, where: str, *, end: bool = False) -> dt.date | None:
    """A FHIR date or dateTime as a date; partial dates give their first (or last) day."""
    if value is None:
        return None
    return present_date(value, where, end=end)


def present_date(value: Any, where: str, *, end: bool = False) -> dt.date:
    """``fhir_date`` of a value that is there."""
    match = _DATE.fullmatch(value) if isinstance(value, str) else None
    try:
        if not match:
            raise ValueError
        year, month, day = int(match[1]), match[2], match[3]
        if day:
            return dt.date(year, int(month), int(day))
        if month:
            import calendar  # with locale, ~2 ms: only a date without its day needs it

            # The month's last day from the calendar, which holds for December 9999 too.
            last = calendar.monthrange(year, int(month))[1] if 1 <= int(month) <= 12 else 0
            return dt.date(year, int(month), last if end else 1)
        return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
    except ValueError:
        raise InputError(f"{where} is not a valid FHIR date") from None
