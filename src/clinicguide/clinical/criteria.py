"""Three-valued evaluation of guidance criteria against a patient record and clinician answers.

A criterion is True, False or None (unknown: the data needed is absent). Absence of a
record is never taken as absence of the condition; only a record that rules it out, or
a clinician's answer, makes a test False. Combinations follow Kleene's logic.

The record is evaluated first; an answer keyed by a criterion's id then takes part as
recorded evidence that never erases a record: "yes" makes the criterion true; "no" makes an
unknown (or false) criterion false, but against a recorded positive the record stands and the
contradiction is kept as a :class:`Conflict` for the screening to report.

Each criterion kind of :data:`clinicguide.content.criteria_kinds.KINDS` has one evaluator
here, registered for its model class with :func:`evaluates`. The tests of dated records
(condition, medication, observation, evidence) are decided by :mod:`.evidence`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from ..content.criteria_kinds import (
    AgeTest,
    AllergyTest,
    AllOf,
    AnyOf,
    ConditionTest,
    Criterion,
    EvidenceTest,
    MedicationTest,
    Not,
    ObservationTest,
    Question,
    SexTest,
)
from .answers import answer_text
from .claims import claims_for
from .evidence import resolve
from .patient import PatientRecord, age_range


@dataclass(frozen=True, slots=True)
class Conflict:
    """A clinician's "no" against a criterion the record shows true: the answer and the records."""

    ident: str
    answer: str  # the answer as findings quote it, with who gave it and when
    records: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Truth:
    """The value of a criterion and the records or answers that decided it.

    ``from_record`` says whether the record (not only an answer) decides the value;
    ``conflicts`` are the answers that contradict a recorded positive on the way.
    """

    value: bool | None
    evidence: tuple[str, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    from_record: bool = True


UNKNOWN = Truth(None)


@dataclass(frozen=True, slots=True)
class Context:
    record: PatientRecord
    date: dt.date
    answers: Mapping[str, bool]  # an :class:`.answers.Answers` when who answered and when are known


C = TypeVar("C", bound=Criterion)
Evaluator = Callable[[Any, Context], Truth]

#: The evaluator of each criterion kind, by its model class.
EVALUATORS: dict[type[Criterion], Evaluator] = {}


def evaluates(kind: type[C]) -> Callable[[Callable[[C, Context], Truth]], Callable[[C, Context], Truth]]:
    """Register the decorated function as the evaluator of criteria of model class ``kind``."""
    def register(function: Callable[[C, Context], Truth]) -> Callable[[C, Context], Truth]:
        EVALUATORS[kind] = function
        return function
    return register


def answered(ident: str, answer: bool, answers: Mapping[str, bool] | None = None) -> Truth:
    """The value a clinician's answer gives on its own, with the answer as its evidence."""
    return Truth(answer, (answer_text(ident, answer, answers or {}),), from_record=False)


def evaluate(criterion: Criterion, ctx: Context) -> Truth:
    """Evaluate ``criterion`` on the record, then let an answer keyed by its id take part."""
    evaluator = EVALUATORS.get(type(criterion))
    if evaluator is None:
        raise TypeError(f"no evaluation for {type(criterion).__name__}")
    truth = evaluator(criterion, ctx)
    ident = criterion.id
    if ident is None or ident not in ctx.answers:
        return truth
    return with_answer(ident, ctx.answers[ident], truth, ctx.answers)


def with_answer(ident: str, answer: bool, truth: Truth, answers: Mapping[str, bool]) -> Truth:
    """``truth`` (from the record) with a clinician's answer to ``ident``: an answer never erases a record."""
    given = answer_text(ident, answer, answers)
    if answer:
        if truth.value:
            return Truth(truth.value, truth.evidence + (given,), truth.conflicts, truth.from_record)
        return Truth(True, (given,), from_record=False)
    if truth.value and truth.from_record:
        return Truth(truth.value, truth.evidence, truth.conflicts + (Conflict(ident, given, truth.evidence),), truth.from_record)
    if truth.value:  # true only through another answer ("yes" inside): that yes stands
        return Truth(truth.value, truth.evidence + (given,), truth.conflicts, truth.from_record)
    return Truth(False, (given,) + (truth.evidence if truth.value is False else ()),
                 from_record=truth.value is False and truth.from_record)


def applies(criterion: Criterion, ctx: Context) -> Truth:
    """Evaluate an applicability (``applies_to``): an answer to its id decides it either way.

    Who an item can apply to is inferred from the record (``Patient.gender``), not recorded
    as such, so a clinician's answer overrides it rather than conflicting with it.
    """
    ident = criterion.id
    if ident is not None and ident in ctx.answers:
        return answered(ident, ctx.answers[ident], ctx.answers)
    return evaluate(criterion, ctx)


def _dated(test: Criterion, ctx: Context) -> Truth:
    """A test of dated records: what each record claims, resolved newest first."""
    value, evidence = resolve(claims_for(test, ctx.record, ctx.date), ctx.date)
    return Truth(value, evidence)


for _kind in (ConditionTest, MedicationTest, ObservationTest):  # the three tests of dated records share one evaluator
    evaluates(_kind)(_dated)


@evaluates(EvidenceTest)
def _evidence_test(test: EvidenceTest, ctx: Context) -> Truth:
    # The records of every test are pooled, so a negative test result today ends a pregnancy
    # recorded as a condition last month, and the newest record of any kind decides.
    claims = [claim for item in test.items for claim in claims_for(item, ctx.record, ctx.date)]
    value, evidence = resolve(claims, ctx.date)
    return Truth(value, evidence)


@evaluates(AllergyTest)
def _allergy_test(test: AllergyTest, ctx: Context) -> Truth:
    wanted = frozenset(c.key for c in test.codes)
    present = [f.ref for f in ctx.record.allergies if f.codes & wanted and f.state == "present"]
    possible = [f.ref for f in ctx.record.allergies if f.codes & wanted and f.state == "possible"]
    if present:
        return Truth(True, tuple(present))
    return Truth(None, tuple(f"{ref} (unconfirmed)" for ref in possible))


@evaluates(AgeTest)
def _age_test(test: AgeTest, ctx: Context) -> Truth:
    ages = age_range(ctx.record, ctx.date)
    if ages is None:
        return UNKNOWN
    results = set()
    for age in ages:  # a partial birth date gives two possible ages; they must agree
        ok = (test.below is None or age < test.below) and (test.at_least is None or age >= test.at_least)
        results.add(ok)
    return Truth(results.pop(), ("Patient.birthDate",)) if len(results) == 1 else UNKNOWN


@evaluates(SexTest)
def _sex_test(test: SexTest, ctx: Context) -> Truth:
    if ctx.record.sex is None:
        return UNKNOWN
    return Truth(ctx.record.sex == test.sex, (f"Patient.gender={ctx.record.sex}",))


@evaluates(Question)
def _question(test: Question, ctx: Context) -> Truth:
    return UNKNOWN  # only an answer, which evaluate() applies through its id, settles a question


@evaluates(AllOf)
def _all_of(test: AllOf, ctx: Context) -> Truth:
    results = [evaluate(c, ctx) for c in test.items]
    if falses := [r for r in results if r.value is False]:
        return _combined(False, falses, any(r.from_record for r in falses))
    if all(r.value for r in results):
        return _combined(True, results, all(r.from_record for r in results))
    return _combined(None, results, False)


@evaluates(AnyOf)
def _any_of(test: AnyOf, ctx: Context) -> Truth:
    results = [evaluate(c, ctx) for c in test.items]
    if trues := [r for r in results if r.value]:
        return _combined(True, trues, any(r.from_record for r in trues))
    if all(r.value is False for r in results):
        return _combined(False, results, all(r.from_record for r in results))
    return _combined(None, results, False)


@evaluates(Not)
def _not(test: Not, ctx: Context) -> Truth:
    inner = evaluate(test.item, ctx)
    return Truth(None if inner.value is None else not inner.value, inner.evidence, inner.conflicts, inner.from_record)


def _combined(value: bool | None, deciding: list[Truth], from_record: bool) -> Truth:
    """A combination's value, with the evidence and conflicts of the operands that decide it."""
    return Truth(value, tuple(e for r in deciding for e in r.evidence), tuple(c for r in deciding for c in r.conflicts),
                 from_record)
