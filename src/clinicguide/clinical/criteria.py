"""Three-valued evaluation of guidance criteria against a patient record.

A criterion is True, False or None (unknown: the data needed is absent). Absence of a
record is never taken as absence of the condition; only a record that rules it out, or
a clinician's answer, makes a test False. Combinations follow Kleene's logic.

Each criterion kind of :data:`clinicguide.content.criteria_kinds.KINDS` has one evaluator
here, registered for its model class with :func:`evaluates`.
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
    MedicationTest,
    Not,
    ObservationTest,
    Question,
    SexTest,
)
from ..errors import InputError
from ..units import convert
from .patient import PatientRecord, age_range


@dataclass(frozen=True, slots=True)
class Truth:
    """The value of a criterion and the records or answers that decided it."""

    value: bool | None
    evidence: tuple[str, ...] = ()


UNKNOWN = Truth(None)


@dataclass(frozen=True, slots=True)
class Context:
    record: PatientRecord
    date: dt.date
    answers: Mapping[str, bool]


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


def answered(ident: str, answer: bool) -> Truth:
    """The value a clinician's answer gives, with the answer as its evidence."""
    return Truth(answer, (f"clinician answer {ident}={'yes' if answer else 'no'}",))


def evaluate(criterion: Criterion, ctx: Context) -> Truth:
    """Evaluate ``criterion``; an answer keyed by its id overrides the record."""
    ident = criterion.id
    if ident is not None and ident in ctx.answers:
        return answered(ident, ctx.answers[ident])
    evaluator = EVALUATORS.get(type(criterion))
    if evaluator is None:
        raise TypeError(f"no evaluation for {type(criterion).__name__}")
    return evaluator(criterion, ctx)


def _from_facts(present: list[str], possible: list[str], negative: list[str]) -> Truth:
    """True on a present record, unknown on an unconfirmed one, False only on an explicit negative."""
    if present:
        return Truth(True, tuple(present))
    if possible:
        return Truth(None, tuple(f"{ref} (unconfirmed)" for ref in possible))
    if negative:
        return Truth(False, tuple(negative))
    return UNKNOWN


@evaluates(ConditionTest)
def _condition_test(test: ConditionTest, ctx: Context) -> Truth:
    # Only presence counts. A resolved record says an earlier episode ended, not that there is
    # no episode now; a refuted or erroneous record is ignored. Neither rules a condition out:
    # that takes a clinician's answer.
    wanted = frozenset(c.key for c in test.codes)
    counts_as_present = ("present", "past") if test.status == "ever" else ("present",)
    present = [f.ref for f in ctx.record.conditions if f.codes & wanted and f.state in counts_as_present]
    possible = [f.ref for f in ctx.record.conditions if f.codes & wanted and f.state == "possible"]
    return _from_facts(present, possible, [])


@evaluates(AllergyTest)
def _allergy_test(test: AllergyTest, ctx: Context) -> Truth:
    wanted = frozenset(c.key for c in test.codes)
    present = [f.ref for f in ctx.record.allergies if f.codes & wanted and f.state == "present"]
    possible = [f.ref for f in ctx.record.allergies if f.codes & wanted and f.state == "possible"]
    return _from_facts(present, possible, [])


@evaluates(MedicationTest)
def _medication_test(test: MedicationTest, ctx: Context) -> Truth:
    # A medication that ended before the window says nothing about a later, unrecorded
    # course; only a statement that the patient does not take it ("not-taken") is a negative.
    wanted = frozenset(c.key for c in test.codes)
    window_start = test.within.before(ctx.date) if test.within else ctx.date
    present, possible, negative = [], [], []
    for med in ctx.record.medications:
        if not med.codes & wanted:
            continue
        started = med.start is None or med.start <= ctx.date
        if med.status == "not-taken":
            negative.append(med.ref)
        elif not started:
            continue
        elif med.status == "active" and (med.end is None or med.end >= window_start):
            present.append(med.ref)
        elif med.end is not None:
            if med.end >= window_start:
                present.append(med.ref)
        else:  # stopped or of unknown status, with no end date: cannot tell when it ended
            possible.append(med.ref)
    return _from_facts(present, possible, negative)


@evaluates(ObservationTest)
def _observation_test(test: ObservationTest, ctx: Context) -> Truth:
    observations = ctx.record.latest(test.code.key, ctx.date)
    if not observations:
        return UNKNOWN
    newest = observations[0].date
    # Only current data decides: by default an observation must be from the procedure date.
    oldest = test.max_age.before(ctx.date) if test.max_age else ctx.date
    if newest is None or newest < oldest:
        return Truth(None, (f"{observations[0].ref} (too old to decide)",))
    # Every observation of the newest date counts, so their order in the record cannot decide.
    current = [o for o in observations if o.date == newest]
    refs = tuple(o.ref for o in current)
    if test.value_code is not None:
        # Only the tested code is a known answer: any other value (possible, unknown, a local
        # code) is not a negative, since no verified code says "not pregnant".
        if any(test.value_code.key in o.value_codes for o in current):
            return Truth(True, refs)
        return Truth(None, refs)
    results = set()
    for obs in current:
        if obs.value is None:
            return UNKNOWN
        try:
            value = convert(obs.value, test.unit or obs.value.unit)
        except InputError:
            raise InputError(f"{obs.ref}: its unit cannot be compared with {test.unit}") from None
        checks = []
        if test.at_least is not None:
            checks.append(value >= test.at_least)
        if test.below is not None:
            checks.append(value < test.below)
        if not checks:
            return UNKNOWN
        results.add(all(checks))
    return Truth(results.pop(), refs) if len(results) == 1 else Truth(None, refs)


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
    return Truth(ctx.record.sex == test.sex, ("Patient.gender",))


@evaluates(Question)
def _question(test: Question, ctx: Context) -> Truth:
    return UNKNOWN  # answered questions were settled by evaluate() through their id


@evaluates(AllOf)
def _all_of(test: AllOf, ctx: Context) -> Truth:
    results = [evaluate(c, ctx) for c in test.items]
    if falses := [r for r in results if r.value is False]:
        return Truth(False, tuple(e for r in falses for e in r.evidence))
    if all(r.value for r in results):
        return Truth(True, tuple(e for r in results for e in r.evidence))
    return Truth(None, tuple(e for r in results for e in r.evidence))


@evaluates(AnyOf)
def _any_of(test: AnyOf, ctx: Context) -> Truth:
    results = [evaluate(c, ctx) for c in test.items]
    if trues := [r for r in results if r.value]:
        return Truth(True, tuple(e for r in trues for e in r.evidence))
    if all(r.value is False for r in results):
        return Truth(False, tuple(e for r in results for e in r.evidence))
    return Truth(None, tuple(e for r in results for e in r.evidence))


@evaluates(Not)
def _not(test: Not, ctx: Context) -> Truth:
    inner = evaluate(test.item, ctx)
    return Truth(None if inner.value is None else not inner.value, inner.evidence)
