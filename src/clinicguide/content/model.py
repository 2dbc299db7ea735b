"""The typed, immutable model of a guidance document (schema 1.x).

Built by :mod:`.builder` only from data the schema and the rules have accepted; lists
are tuples so a loaded library can be shared between threads. The criteria are in
:mod:`.criteria_kinds`, the shared value types in :mod:`.values`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import field
from typing import Literal

from .criteria_kinds import Criterion
from .records import record
from .values import Coding, Duration

Severity = Literal["absolute", "relative"]
RiskSeverity = Literal["mild", "moderate", "severe"]
Label = Literal["on-label", "off-label"]


# -- document parts -------------------------------------------------------------------

@record
class Source:
    id: str
    title: str
    publisher: str
    evidence: str
    year: int | None = None
    url: str | None = None
    identifier: str | None = None
    note: str | None = None


@record
class Indication:
    id: str
    text: str
    label: Label
    sources: tuple[str, ...]
    code: Coding | None = None
    note: str | None = None


@record
class Contraindication:
    id: str
    severity: Severity
    text: str
    question: str
    sources: tuple[str, ...]
    criterion: Criterion | None = None
    evidence_note: str | None = None
    # Who it can be true for (e.g. patients who can become pregnant), and what to ask when the
    # record cannot say; false means no finding and no question.
    applies_to: Criterion | None = None
    applies_question: str | None = None


@record
class Range:
    id: str
    parameter: str
    low: float
    high: float
    unit: str
    sources: tuple[str, ...]
    text: str | None = None


@record
class Maximum:
    """A ceiling: in one session, on a daily rate (``day``), or summed over ``period``.

    ``indications`` limits it to those indications (empty: every indication).
    """

    id: str
    parameter: str
    value: float
    unit: str
    per: Literal["session", "period", "day"]
    sources: tuple[str, ...]
    period: Duration | None = None
    text: str | None = None
    indications: tuple[str, ...] = ()


@record
class Interval:
    """The shortest time between courses; an ``advisory`` one is a trial schedule, not a minimum."""

    id: str
    value: float
    unit: str
    sources: tuple[str, ...]
    text: str | None = None
    advisory: bool = False

    @property
    def duration(self) -> Duration:
        return Duration(self.value, self.unit)


@record
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
    codes: tuple[Coding, ...] = ()  # the medication given: finds running courses and earlier doses in the record


@record
class Frequency:
    category: str
    percent: float | None = None
    text: str | None = None


@record
class Risk:
    id: str
    text: str
    severity: RiskSeverity
    frequency: Frequency
    sources: tuple[str, ...]
    onset: str | None = None
    duration: str | None = None


@record
class ConsentCondition:
    """When a consent statement applies: the patient's yes to ``question``, about an applicability or indications."""

    question: str
    applies_to: str | None = None
    indications: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The checklist item that asks ``question``; statements with the same condition share it."""
        return "if-" + (self.applies_to or "-".join(sorted(self.indications)))


@record
class ConsentItem:
    id: str
    section: str
    text: str
    sources: tuple[str, ...]
    discloses: tuple[str, ...] = ()
    applies_when: ConsentCondition | None = None


@record
class Prerequisite:
    id: str
    text: str
    sources: tuple[str, ...]


@record
class AftercareItem:
    id: str
    category: str
    text: str
    start: Duration
    sources: tuple[str, ...]
    lasts: Duration | None = field(default=None, metadata={"key": "for"})


@record
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


@record
class Person:
    name: str
    role: str


@record
class Review:
    authors: tuple[Person, ...]
    required_reviewer: str
    reviewers: tuple[Person, ...] = ()
    approved: dt.date | None = None
    next_review: dt.date | None = None


@record
class Change:
    version: str
    date: dt.date
    changes: tuple[str, ...]


@record
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
    weight_max_age: Duration | None = None  # how old a weight may be for mg/kg dosing; None: the engine's default
    origin: str = field(default="", compare=False, metadata={"key": None})

    @property
    def ref(self) -> str:
        """``id|version``, as findings and FHIR canonicals cite it."""
        return f"{self.id}|{self.version}"

    def source(self, source_id: str) -> Source:
        return next(s for s in self.sources if s.id == source_id)

    def risk(self, risk_id: str) -> Risk:
        return next(r for r in self.risks if r.id == risk_id)
