"""Guidance criteria as FHIRPath over the patient's FHIR Bundle, for computable PlanDefinitions.

Each expression is evaluated with the patient's Bundle (one Patient and its records, the
form :func:`clinicguide.clinical.readers.from_bundle` reads) as its context and the variable
``%procedureDate`` (the procedure date as ``YYYY-MM-DD`` text). It gives the same three values
as the engine on the record alone: ``true``, ``false``, or empty for unknown; FHIRPath's
``and``, ``or`` and ``not()`` are Kleene's logic on empty, as the engine's are.

Dates are compared as ``YYYY-MM-DD`` text, which orders as the calendar does. A partial date
is padded to its first day, or for an end (an abatement) to a last day: ``-12-31``, or ``-31``
for a month, which orders after every real day of that month and before the next.

Expressed: age, sex, allergy and condition tests (a condition's state lasting as long as the
record says, without ``positive_for``), questions (unknown on the record alone), and ``all``,
``any`` and ``not`` of them. Medication, observation and pooled-evidence tests have look-back
windows and newest-record-decides rules that FHIRPath cannot state without a variable per
record; :func:`fhirpath` gives None for them and for any combination that holds one
(``docs/fhir-export.md`` lists what is not covered).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..content.criteria_kinds import (
    AgeTest,
    AllergyTest,
    AllOf,
    AnyOf,
    ConditionTest,
    Criterion,
    Not,
    Question,
    SexTest,
)
from ..content.values import Coding

DATE = "%procedureDate"
UNKNOWN = "{}"

_PRESENT = "'active' | 'recurrence' | 'relapse'"
_PAST = "'inactive' | 'remission' | 'resolved'"
# A verification that leaves the record unconfirmed, refuted or in error: it states no condition.
_UNSTATED = "'entered-in-error' | 'refuted' | 'unconfirmed' | 'provisional' | 'differential' | 'presumed'"
_LATEST = "aggregate(iif($total.empty() or $this > $total, $this, $total))"
_PATIENT = "entry.resource.where(resourceType = 'Patient')"

C = TypeVar("C", bound=Criterion)
_WRITERS: dict[type[Criterion], Callable[[Any], str | None]] = {}


def _writes(kind: type[C]) -> Callable[[Callable[[C], str | None]], Callable[[C], str | None]]:
    def register(function: Callable[[C], str | None]) -> Callable[[C], str | None]:
        _WRITERS[kind] = function
        return function
    return register


def fhirpath(criterion: Criterion) -> str | None:
    """The FHIRPath expression of ``criterion``, or None when FHIRPath cannot state it faithfully."""
    writer = _WRITERS.get(type(criterion))
    return writer(criterion) if writer is not None else None


def literal(text: str) -> str:
    """``text`` as a FHIRPath string literal."""
    escaped = text.replace("\\", "\\\\").replace("'", "\\'")
    return f"'{escaped}'"


def _code_match(codes: tuple[Coding, ...]) -> str:
    alternatives = " or ".join(f"(system = {literal(c.system)} and code = {literal(c.code)})" for c in codes)
    return f"code.coding.where({alternatives}).exists()"


def _stated(statuses: str) -> str:
    """A Condition or AllergyIntolerance record that states the condition in one of ``statuses``."""
    return (f"verificationStatus.coding.code.intersect({_UNSTATED}).empty()"
            f" and clinicalStatus.coding.code.intersect({statuses}).exists()")


def _first_day(value: str) -> str:
    """``value`` (a FHIR date or dateTime) as the ``YYYY-MM-DD`` of its first day."""
    return f"({value}).select(($this + '-01-01').substring(0, 10))"


def _last_day(value: str) -> str:
    """``value`` as the ``YYYY-MM-DD`` of its last day: a year's 31 December, a month's last day."""
    month = "substring(5, 2)"
    year = "substring(0, 4).toInteger()"
    leap = f"({year} mod 4 = 0 and ({year} mod 100 != 0 or {year} mod 400 = 0))"
    month_end = (f"$this + '-' + iif({month} = '02', iif({leap}, '29', '28'), "
                 f"iif({month} in ('04' | '06' | '09' | '11'), '30', '31'))")
    return (f"({value}).select(iif(length() = 4, $this + '-12-31', "
            f"iif(length() = 7, {month_end}, substring(0, 10))))")


def _not_after(value: str, bound: str) -> str:
    """True when ``value`` is absent or on or before ``bound`` (absent: the record cannot be placed)."""
    return f"({value}).where($this > {bound}).empty()"


# The dates of a Condition record, as the reader takes them.
_ONSET = _first_day("iif(onsetDateTime.exists(), onsetDateTime, onsetPeriod.start)")
_RECORDED = _first_day("recordedDate")
_ABATED = _last_day("iif(abatementDateTime.exists(), abatementDateTime, abatementPeriod.end)")
_ASSERTED = f"({_ONSET} | {_RECORDED}).{_LATEST}"
_START = f"iif({_ONSET}.exists(), {_ONSET}, {_RECORDED})"
# The record speaks for a date on or before the procedure date, and the state began by then.
_IN_TIME = f"{_not_after(_ASSERTED, DATE)} and {_not_after(_START, DATE)}"


def _conditions(test: ConditionTest, root: str = "") -> str:
    return f"{root}entry.resource.where(resourceType = 'Condition' and {_code_match(test.codes)})"


@_writes(ConditionTest)
def _condition(test: ConditionTest) -> str | None:
    if test.status == "ever":  # a history: any episode, present or past, that began by the date
        holds = f"(({_stated(_PRESENT)}) or ({_stated(_PAST)})) and {_IN_TIME}"
        return f"iif({_conditions(test)}.where({holds}).exists(), true, {UNKNOWN})"
    if test.positive_for is not None:
        return None  # a presumed duration from the start date: calendar arithmetic FHIRPath does not share
    # The latest date a resolved record of the condition ended it, up to the procedure date: a
    # current record stated before then no longer counts (the state ended after it was recorded).
    ended = f"iif({_ABATED}.exists(), {_ABATED}, {_RECORDED})"
    latest_end = (f"{_conditions(test, '%context.')}.where({_stated(_PAST)}).select({ended})"
                  f".where($this <= {DATE}).{_LATEST}")
    not_superseded = f"({_ASSERTED}).where($this < ({latest_end})).empty()"
    current = (f"({_stated(_PRESENT)}) and {_IN_TIME} and {_ABATED}.where($this < {DATE}).empty()"
               f" and {not_superseded}")
    # A resolved record whose abatement is on or after the date still holds on the date.
    ending = f"({_stated(_PAST)}) and {_IN_TIME} and {_ABATED}.where($this >= {DATE}).exists()"
    return f"iif({_conditions(test)}.where(({current}) or ({ending})).exists(), true, {UNKNOWN})"


@_writes(AllergyTest)
def _allergy(test: AllergyTest) -> str:
    records = f"entry.resource.where(resourceType = 'AllergyIntolerance' and {_code_match(test.codes)})"
    return f"iif({records}.where({_stated(_PRESENT)}).exists(), true, {UNKNOWN})"


def _age() -> str:
    """The patient's age in whole years on the procedure date, born on ``$this`` (YYYY-MM-DD)."""
    return (f"({DATE}.substring(0, 4).toInteger() - substring(0, 4).toInteger()"
            f" - iif({DATE}.substring(5, 5) < substring(5, 5), 1, 0))")


@_writes(AgeTest)
def _age_test(test: AgeTest) -> str:
    birth = f"{_PATIENT}.birthDate"
    parts = ([f"{_age()} < {test.below}"] if test.below is not None else []) + (
        [f"{_age()} >= {test.at_least}"] if test.at_least is not None else [])
    within = " and ".join(f"({p})" for p in parts) if parts else "true"
    youngest, oldest = f"{_last_day(birth)}.select({within})", f"{_first_day(birth)}.select({within})"
    # A partial birth date gives a youngest and an oldest age: the test is known when both agree.
    return f"iif({youngest} = {oldest}, {youngest}, {UNKNOWN})"


@_writes(SexTest)
def _sex(test: SexTest) -> str:
    return f"({_PATIENT}.gender.where($this != 'unknown') = {literal(test.sex)})"


@_writes(Question)
def _question(test: Question) -> str:
    return UNKNOWN  # the record never answers a question; the screening questionnaire does


@_writes(AllOf)
def _all(test: AllOf) -> str | None:
    return _joined(test.items, "and")


@_writes(AnyOf)
def _any(test: AnyOf) -> str | None:
    return _joined(test.items, "or")


@_writes(Not)
def _not(test: Not) -> str | None:
    inner = fhirpath(test.item)
    return None if inner is None else f"({inner}).not()"


def _joined(items: tuple[Criterion, ...], operator: str) -> str | None:
    parts = [fhirpath(item) for item in items]
    if any(p is None for p in parts):
        return None
    return f" {operator} ".join(f"({p})" for p in parts)
