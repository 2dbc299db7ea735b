"""The typed, immutable model of a guidance document (schema 1.x).

Built only from data the schema and the rules have accepted, so construction trusts
shapes; lists become tuples so a loaded library can be shared between threads.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, TypeAlias, TypeVar, Union

from ..units import TIME_UNITS

Severity = Literal["absolute", "relative"]
RiskSeverity = Literal["mild", "moderate", "severe"]
Label = Literal["on-label", "off-label"]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Coding:
    system: str
    code: str
    display: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.system, self.code)


@dataclass(frozen=True, slots=True)
class Duration:
    """A length of time with a UCUM unit (min, h, d, wk, mo, a)."""

    value: float
    unit: str

    def after(self, start: dt.date) -> dt.date:
        """The date this long after ``start``; months and years move by the calendar.

        A length that reaches past the calendar's ends stops at them: a valid document may
        say ``within: {value: 1e12, unit: a}``, and screening must still give a plan.
        """
        try:
            return self._after(start)
        except (OverflowError, ValueError):  # ValueError: a year outside 1-9999
            return dt.date.max if self.value >= 0 else dt.date.min

    def _after(self, start: dt.date) -> dt.date:
        if self.unit in ("mo", "a"):
            # Whole months move by the calendar; a fraction of a month adds its mean length in
            # days (so that 0.5 mo is not rounded away to no time at all).
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


# -- criteria -------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ConditionTest:
    codes: tuple[Coding, ...]
    status: Literal["active", "ever"] = "active"
    id: str | None = None


@dataclass(frozen=True, slots=True)
class MedicationTest:
    codes: tuple[Coding, ...]
    within: Duration | None = None
    id: str | None = None


@dataclass(frozen=True, slots=True)
class ObservationTest:
    code: Coding
    value_code: Coding | None = None
    at_least: float | None = None
    below: float | None = None
    unit: str | None = None
    max_age: Duration | None = None
    id: str | None = None


@dataclass(frozen=True, slots=True)
class AllergyTest:
    codes: tuple[Coding, ...]
    id: str | None = None


@dataclass(frozen=True, slots=True)
class AgeTest:
    below: int | None = None
    at_least: int | None = None
    id: str | None = None


@dataclass(frozen=True, slots=True)
class SexTest:
    sex: str
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    question: str


@dataclass(frozen=True, slots=True)
class AllOf:
    items: tuple[Criterion, ...]
    id: str | None = None


@dataclass(frozen=True, slots=True)
class AnyOf:
    items: tuple[Criterion, ...]
    id: str | None = None


@dataclass(frozen=True, slots=True)
class Not:
    item: Criterion
    id: str | None = None


Criterion: TypeAlias = (ConditionTest | MedicationTest | ObservationTest | AllergyTest | AgeTest | SexTest | Question
                        | AllOf | AnyOf | Not)


def build_criterion(data: dict[str, Any]) -> Criterion:
    """Build a criterion from its YAML form (one key names the kind)."""
    ident = data.get("id")
    if "question" in data:
        return Question(data["id"], data["question"])
    if "all" in data:
        return AllOf(tuple(build_criterion(c) for c in data["all"]), ident)
    if "any" in data:
        return AnyOf(tuple(build_criterion(c) for c in data["any"]), ident)
    if "not" in data:
        return Not(build_criterion(data["not"]), ident)
    if "sex" in data:
        return SexTest(data["sex"], ident)
    kinds: dict[str, type[ConditionTest | MedicationTest | ObservationTest | AllergyTest | AgeTest]] = {
        "condition": ConditionTest, "medication": MedicationTest, "observation": ObservationTest,
        "allergy": AllergyTest, "age": AgeTest}
    for key, cls in kinds.items():
        if key in data:
            return build(cls, {**data[key], "id": ident})
    raise ValueError(f"not a criterion: {sorted(data)}")


# -- document parts -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Source:
    id: str
    title: str
    publisher: str
    evidence: str
    year: int | None = None
    url: str | None = None
    identifier: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Indication:
    id: str
    text: str
    label: Label
    sources: tuple[str, ...]
    code: Coding | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Contraindication:
    id: str
    severity: Severity
    text: str
    question: str
    sources: tuple[str, ...]
    criterion: Criterion | None = None
    evidence_note: str | None = None


@dataclass(frozen=True, slots=True)
class Range:
    id: str
    parameter: str
    low: float
    high: float
    unit: str
    sources: tuple[str, ...]
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Maximum:
    id: str
    parameter: str
    value: float
    unit: str
    per: Literal["session", "period"]
    sources: tuple[str, ...]
    period: Duration | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Interval:
    id: str
    value: float
    unit: str
    sources: tuple[str, ...]
    text: str | None = None

    @property
    def duration(self) -> Duration:
        return Duration(self.value, self.unit)


@dataclass(frozen=True, slots=True)
class Regimen:
    id: str
    title: str
    label: Label
    route: str
    ranges: tuple[Range, ...]
    sources: tuple[str, ...]
    indications: tuple[str, ...] = ()
    product: str | None = None
    frequency: str | None = None
    duration: str | None = None
    maximums: tuple[Maximum, ...] = ()
    min_interval: Interval | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Frequency:
    category: str
    percent: float | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class Risk:
    id: str
    text: str
    severity: RiskSeverity
    frequency: Frequency
    sources: tuple[str, ...]
    onset: str | None = None
    duration: str | None = None


@dataclass(frozen=True, slots=True)
class ConsentItem:
    id: str
    section: str
    text: str
    sources: tuple[str, ...]
    discloses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Prerequisite:
    id: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AftercareItem:
    id: str
    category: str
    text: str
    start: Duration
    sources: tuple[str, ...]
    lasts: Duration | None = field(default=None, metadata={"key": "for"})


@dataclass(frozen=True, slots=True)
class MonitoringItem:
    id: str
    kind: str
    text: str
    timing: str
    sources: tuple[str, ...]
    code: Coding | None = None
    at: tuple[Duration, ...] = ()
    every: Duration | None = None
    applies_to: Criterion | None = None


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    role: str


@dataclass(frozen=True, slots=True)
class Review:
    authors: tuple[Person, ...]
    required_reviewer: str
    reviewers: tuple[Person, ...] = ()
    approved: dt.date | None = None
    next_review: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Change:
    version: str
    date: dt.date
    changes: tuple[str, ...]


ClinicalItem: TypeAlias = (Indication | Contraindication | Regimen | Range | Maximum | Interval | Risk | ConsentItem
                           | Prerequisite | AftercareItem | MonitoringItem)


@dataclass(frozen=True, slots=True)
class Guidance:
    """One version of the guidance for one intervention."""

    schema: str
    id: str
    version: str
    status: Literal["draft", "active", "retired"]
    kind: str
    title: str
    review: Review
    changelog: tuple[Change, ...]
    sources: tuple[Source, ...]
    indications: tuple[Indication, ...]
    contraindications: tuple[Contraindication, ...]
    risks: tuple[Risk, ...]
    consent: tuple[ConsentItem, ...]
    aftercare: tuple[AftercareItem, ...]
    summary: str | None = None
    regimens: tuple[Regimen, ...] = ()
    prerequisites: tuple[Prerequisite, ...] = ()
    monitoring: tuple[MonitoringItem, ...] = ()
    origin: str = field(default="", compare=False, metadata={"key": None})

    @property
    def ref(self) -> str:
        """``id|version``, as findings and FHIR canonicals cite it."""
        return f"{self.id}|{self.version}"

    def source(self, source_id: str) -> Source:
        return next(s for s in self.sources if s.id == source_id)

    def risk(self, risk_id: str) -> Risk:
        return next(r for r in self.risks if r.id == risk_id)


def build(cls: type[T], data: dict[str, Any]) -> T:
    """Construct dataclass ``cls`` from validated YAML data, converting nested parts by type."""
    kwargs: dict[str, Any] = {}
    plain: type = cls  # what the cache takes: mypy does not see that a type[T] is hashable
    for name, key, shape in _fields(plain):
        if key is None or key not in data or data[key] is None:
            continue
        kwargs[name] = _convert(shape, data[key])
    return cls(**kwargs)


@cache
def _fields(cls: type) -> tuple[tuple[str, str | None, tuple[str, Any]], ...]:
    """``(field name, data key, shape)`` of each field of ``cls``.

    Cached per class because it depends on nothing else: computing the fields, type hints
    and their shapes for every item of every document was half the time of building a model.
    """
    hints = _hints(cls)
    return tuple((f.name, f.metadata.get("key", f.name), _shape(hints[f.name])) for f in dataclasses.fields(cls))


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@cache
def _shape(hint: Any) -> tuple[str, Any]:
    """How to convert a value for type ``hint``: a kind and what it needs (cached, as for _fields)."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(options) == 1:
            return _shape(options[0])
        return ("criterion", None)  # the one many-typed union in the model
    if origin is tuple:
        (inner, _) = typing.get_args(hint)
        return ("tuple", _shape(inner))
    if hint is dt.date:
        return ("date", None)
    if hint is float:
        return ("float", None)
    if dataclasses.is_dataclass(hint):
        return ("dataclass", hint)
    return ("value", None)


def _convert(shape: tuple[str, Any], value: Any) -> Any:
    kind, arg = shape
    if kind == "value":
        return value
    if kind == "dataclass":
        return build(arg, value)
    if kind == "tuple":
        return tuple(_convert(arg, v) for v in value)
    if kind == "criterion":
        return build_criterion(value)
    if kind == "date":
        return dt.date.fromisoformat(value)
    return float(value)


def guidance_from_data(data: dict[str, Any], origin: str = "") -> Guidance:
    """The typed model of a validated guidance document."""
    return dataclasses.replace(build(Guidance, data), origin=origin)
