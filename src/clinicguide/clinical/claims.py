"""What the patient's records say about one condition, medication or observation test.

Each matching record becomes a :class:`~.evidence.Claim` with its direction and dates, in the
test's own windows; :func:`claims_for` gives them, and :func:`.evidence.resolve` decides.
The defaults, and why, are documented in ``docs/authoring.md`` ("Evidence with a direction
and an age").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from ..content.criteria_kinds import ConditionTest, Criterion, MedicationTest, ObservationTest
from ..errors import InputError
from ..units import convert
from .evidence import Claim, Direction
from .patient import Fact, MedicationFact, ObservationFact, PatientRecord


def claims_for(test: Criterion, record: PatientRecord, on: dt.date) -> list[Claim]:
    """The claims of every record that ``test`` reads; ``test`` is a condition, medication or observation test."""
    if isinstance(test, ConditionTest):
        keys = _keys(test)
        return [c for fact in record.conditions if fact.codes & keys for c in _condition(test, fact, on)]
    if isinstance(test, MedicationTest):
        keys = _keys(test)
        return [c for med in record.medications if med.codes & keys for c in _medication(test, med, on)]
    if isinstance(test, ObservationTest):
        return [_observation(test, obs, on) for obs in record.observations if test.code.key in obs.code]
    raise TypeError(f"{type(test).__name__} is not a test of dated records")


def _keys(test: ConditionTest | MedicationTest) -> frozenset[tuple[str, str]]:
    return frozenset(c.key for c in test.codes)


def _latest(*dates: dt.date | None) -> dt.date | None:
    known = [d for d in dates if d is not None]
    return max(known) if known else None


# -- conditions ---------------------------------------------------------------------------------------

def _condition(test: ConditionTest, fact: Fact, on: dt.date) -> Iterator[Claim]:
    start = fact.onset or fact.recorded
    asserted = _latest(fact.onset, fact.recorded)
    if fact.state == "possible":
        yield Claim(fact.ref, "neutral", asserted, note="unconfirmed")
    elif test.status == "ever" and fact.state in ("present", "past"):
        yield Claim(fact.ref, "positive", asserted, start, asserted)  # a history: any episode, never undone
    elif fact.state == "present":
        until = fact.abated
        if until is None and test.positive_for is not None and start is not None:
            until = test.positive_for.after(start)
        yield Claim(fact.ref, "positive", asserted, start, asserted, until, reach=on)
    elif fact.state == "past":
        # A resolved record ends the state at its abatement date (or by the date it was
        # recorded), which ends older records of it too; it is not a negative: a new episode
        # may have begun since.
        if fact.abated is not None and fact.abated >= on:
            yield Claim(fact.ref, "positive", asserted, start, fact.abated, fact.abated, reach=on)
        if (ended := fact.abated or fact.recorded) is not None:
            yield Claim(fact.ref, "end", ended, note="resolved")
    # A refuted record (ruled-out) says nothing either way: only a clinician's answer rules out.


# -- medications --------------------------------------------------------------------------------------

def _medication(test: MedicationTest, med: MedicationFact, on: dt.date) -> Iterator[Claim]:
    reach = test.within.before(on) if test.within else on
    if med.status == "not-taken":
        yield _not_taken(test, med, on, reach)
        return
    if med.start is not None and med.start > on:
        return  # not started by the procedure date: says nothing about it
    if med.end is not None:  # a course with a recorded end, whatever its status
        asserted = med.asserted or min(med.end, on)
        known = min(med.end, med.asserted) if med.asserted else med.end
        yield Claim(med.ref, "positive", asserted, med.start, known, med.end, reach, ended_only=test.ended)
    elif med.status == "active":  # running, with no end in sight: known up to when it was stated
        stated = med.asserted or med.start
        yield Claim(med.ref, "positive", stated, med.start, stated, None, reach, ended_only=test.ended)
    else:  # stopped, completed or of unknown status with no end: cannot tell when it ended
        yield Claim(med.ref, "neutral", med.asserted or med.start, note="end not recorded")


def _not_taken(test: MedicationTest, med: MedicationFact, on: dt.date, reach: dt.date) -> Claim:
    """A statement that the patient does not take the medication, dated by the latest day it speaks for.

    It is a negative only for the time it covers (its effective period, or its date alone): "not
    taking it today" does not say "not taken in the last 6 months". Covering less, it still ends
    an older record of a running course, as a later record does.
    """
    date = _latest(*(d for d in (med.end and min(med.end, on), med.start, med.asserted) if d is None or d <= on))
    covered_from = med.start or date
    if covered_from is not None and covered_from > reach:
        return Claim(med.ref, "end", date, note="not taken then; earlier use not ruled out")
    return Claim(med.ref, "negative", date, counts_from=test.negative_for.before(on) if test.negative_for else on)


# -- observations -------------------------------------------------------------------------------------

def _observation(test: ObservationTest, obs: ObservationFact, on: dt.date) -> Claim:
    direction = _direction(test, obs)
    if direction == "positive":
        lasts = test.positive_for or test.max_age
        until = lasts.after(obs.date) if lasts is not None and obs.date is not None else None
        return Claim(obs.ref, "positive", obs.date, obs.date, obs.date, until, reach=on)
    if direction == "negative":
        lasts = test.negative_for or test.max_age
        return Claim(obs.ref, "negative", obs.date, counts_from=lasts.before(on) if lasts else on)
    return Claim(obs.ref, "neutral", obs.date, note="neither positive nor negative")


def _direction(test: ObservationTest, obs: ObservationFact) -> Direction:
    if test.value_code is not None:
        # Only the tested code is a positive and only the listed negative codes a negative: any
        # other value ("possible pregnancy", "unknown", a local code) decides nothing.
        if test.value_code.key in obs.value_codes:
            return "positive"
        return "negative" if obs.value_codes & {c.key for c in test.negative_value_codes} else "neutral"
    if obs.value is None or (test.at_least is None and test.below is None):
        return "neutral"
    try:
        value = convert(obs.value, test.unit or obs.value.unit)
    except InputError:
        raise InputError(f"{obs.ref}: its unit cannot be compared with {test.unit}") from None
    within = (test.at_least is None or value >= test.at_least) and (test.below is None or value < test.below)
    return "positive" if within else "negative"
