"""Removing the patient from a plugin's error text: the second line of defence.

The first is not to take the text at all: a plugin's own exception, raised in a hook that
is handed patient data, is reported by its type and where in the plugin it was raised
(:mod:`.guard`). What is left to redact is the text of errors a site plugin raises as
clinicguide's own (``InputError("...")``), and of hooks that see no patient. Removed
here: every identifier and date the call's arguments hold about the patient (the
reference and the parts of its query, such as an SSN; the id; names, telecoms,
addresses and identifiers of a Patient resource; record labels such as a condition's
name; observation values), each date in the forms people write dates, and anything
shaped like a date or a US social security number, whoever it belongs to.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote

PLACEHOLDER = "<patient>"
_MONTHS = "(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\\.?"
# Dates as people write them: ISO and its compact form, day/month/year either way round, with names of months.
_DATE_SHAPES = re.compile(
    rf"(?<!\w)(?:\d{{4}}[-/.]\d{{1,2}}[-/.]\d{{1,2}}|\d{{1,2}}[-/.]\d{{1,2}}[-/.]\d{{2,4}}|(?:19|20)\d{{6}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS},?\s+\d{{2,4}}|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{2,4}})(?!\w)",
    re.IGNORECASE)
_SSN = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")
# Fields of FHIR resources (a Patient, a subject) that hold who the patient is.
_IDENTIFYING = frozenset({"id", "reference", "display", "value", "family", "given", "text", "line", "city", "postalCode",
                          "birthDate", "name", "identifier", "telecom", "address"})
_SHORTEST = 3  # shorter values (a "1", an "F") would blank out ordinary words


def redacted(text: str, arguments: Mapping[str, object]) -> str:
    """``text`` with what ``arguments`` (those the failing implementation was called with) say about the patient removed."""
    private = sorted({v for v in _private(arguments) if len(v) >= _SHORTEST}, key=len, reverse=True)
    for value in private:
        text = re.sub(rf"(?<![\w-]){re.escape(value)}(?![\w-])", PLACEHOLDER, text, flags=re.IGNORECASE)
    return _SSN.sub(PLACEHOLDER, _DATE_SHAPES.sub("<date>", text))


def _private(arguments: Mapping[str, object]) -> Iterator[str]:
    reference = arguments.get("reference")
    if isinstance(reference, str):
        yield from _reference(reference)
    record = arguments.get("record")
    if record is not None:
        yield from _record(record)
    for name, value in arguments.items():
        if isinstance(value, Mapping) and name != "document":  # an amendment's document is guidance, not a patient
            yield from _resources(value)


def _reference(reference: str) -> Iterator[str]:
    """A reference, its id, and each value of its query (``Patient?identifier=http://…/us-ssn|123-45-6789``)."""
    for form in {reference, unquote(reference)}:
        yield form
        path, _, query = form.partition("?")
        if "/" in path:  # Patient/123: the id; a bare type (Patient?identifier=...) names no one
            yield path.rsplit("/", 1)[-1]
        for _, value in parse_qsl(query, keep_blank_values=False):
            yield value
            yield from value.split("|")


def _record(record: object) -> Iterator[str]:
    """The id, dates, labels and values of a PatientRecord (read by attribute: any record-like object will do)."""
    ident = getattr(record, "id", None)
    if isinstance(ident, str):
        yield ident
    for born in getattr(record, "birth_date", None) or ():
        yield from _date_forms(born)
    for group in ("conditions", "allergies", "medications", "observations", "doses"):
        for fact in getattr(record, group, None) or ():
            label = getattr(fact, "label", None)
            if isinstance(label, str):
                yield label
            for field in ("onset", "recorded", "abated", "start", "end", "asserted", "date"):
                when = getattr(fact, field, None)
                if isinstance(when, dt.date):
                    yield from _date_forms(when)
            for field in ("value", "dose"):
                quantity = getattr(fact, field, None)
                number = getattr(quantity, "value", None)
                if isinstance(number, (int, float)):
                    yield from {f"{number:g}", str(number)}


def _date_forms(day: dt.date) -> Iterator[str]:
    """``day`` as ISO, day-first and month-first numbers, and with the month's name."""
    d, m, y = day.day, day.month, day.year
    for year in (f"{y}", f"{y % 100:02d}"):
        for sep in "/.-":
            yield from (f"{d:02d}{sep}{m:02d}{sep}{year}", f"{m:02d}{sep}{d:02d}{sep}{year}",
                        f"{d}{sep}{m}{sep}{year}", f"{m}{sep}{d}{sep}{year}")
    yield from (day.isoformat(), day.strftime("%Y%m%d"), day.strftime("%Y/%m/%d"))
    for month in (day.strftime("%B"), day.strftime("%b")):
        yield from (f"{d} {month} {y}", f"{month} {d}, {y}", f"{month} {d} {y}")


def _resources(value: Any, depth: int = 0) -> Iterator[str]:
    """Who the patient is, from FHIR resources in a mapping: a Patient's identifying fields, and patient references."""
    if depth > 40:
        return
    if isinstance(value, Mapping):
        if value.get("resourceType") == "Patient":
            yield from _identifying(value)
        reference = value.get("reference")
        if isinstance(reference, str) and reference.startswith("Patient"):
            yield from _reference(reference)
            if isinstance(value.get("display"), str):
                yield value["display"]
        for item in value.values():
            yield from _resources(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            yield from _resources(item, depth + 1)


def _identifying(value: Any) -> Iterator[str]:
    """Every text under a Patient's identifying fields."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key in _IDENTIFYING:
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _identifying(item)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
