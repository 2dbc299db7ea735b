"""Evidence with a direction and an age: what each dated record says about a test, and who wins.

Each record becomes a :class:`Claim`: positive (the state holds), negative (it does not),
an end (a resolved condition: the state ended, which is not a negative) or neutral (neither,
such as "possible pregnancy"). :func:`resolve` decides a test from its claims on the
procedure date:

- A positive claim counts while its own window lasts, unless a later record (a negative or an
  end, dated after the positive was recorded) says otherwise: then only what it recorded for
  certain still counts. A history ("ever") or a window reaching back ("within") is not undone
  by a later negative; a current state is.
- A negative claim counts only within its own, short window, and only if no positive was
  recorded on the same day or later: when records disagree the newest decides, and on the
  same day the positive one.
- A neutral claim never makes a test false.
- A record without a date cannot be placed in time: a positive one counts (missing a
  contraindication is the worse error) and is never undone; a negative one never counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

Direction = Literal["positive", "negative", "end", "neutral"]


@dataclass(frozen=True, slots=True)
class Claim:
    """What one record says about one test.

    ``asserted`` is the date the record speaks for (it orders records; None when undated).
    A positive claim holds from ``start`` and for certain until ``known_until``; it is taken to
    last until ``presumed_until`` (None: no limit) and must last until ``reach`` (the procedure
    date for a current state, earlier for a look-back window) to count. ``ended_only`` marks a
    test of a course that has ended: one still running on the procedure date is a negative.
    A negative claim counts when ``asserted`` is on or after ``counts_from``.
    """

    ref: str
    direction: Direction
    asserted: dt.date | None
    start: dt.date | None = None
    known_until: dt.date | None = None
    presumed_until: dt.date | None = None
    reach: dt.date = dt.date.min
    counts_from: dt.date | None = None
    ended_only: bool = False
    note: str = ""  # what a neutral or end claim says, for the evidence of an unknown

    @property
    def shown(self) -> str:
        """The record as findings name it: its reference and the date it speaks for."""
        return f"{self.ref} ({self.asserted.isoformat()})" if self.asserted else self.ref

    def described(self, note: str) -> str:
        when = f"{self.asserted.isoformat()}, " if self.asserted else ""
        return f"{self.ref} ({when}{note})"


Verdict = tuple[bool | None, tuple[str, ...]]


def resolve(claims: Sequence[Claim], on: dt.date) -> Verdict:
    """The value of a test on ``on`` from its records' claims, with the records that decided it."""
    if not claims:  # no record of it, as for most tests of most patients: unknown
        return None, ()
    claims = [c for c in dict.fromkeys(claims) if c.asserted is None or c.asserted <= on]
    positives = [c for c in claims if c.direction == "positive" and (c.start is None or c.start <= on)]
    turns = [c for c in claims if c.direction in ("negative", "end") and c.asserted is not None]
    holding, running, unsettled = [], [], []
    for claim in positives:
        state = _positive_state(claim, turns, on)
        if state == "holds":
            holding.append(claim)
        elif state == "running":
            running.append(claim)
        else:
            unsettled.append(claim.described(state))
    if holding:
        return True, _newest_first(holding, lambda c: c.shown)
    counting = [c for c in claims if c.direction == "negative" and _negative_counts(c, positives)]
    if running or counting:
        return False, (_newest_first(running, lambda c: c.described("still running"))
                       + _newest_first(counting, lambda c: c.shown))
    for claim in claims:
        if claim.direction == "negative":
            unsettled.append(claim.described(_why_not(claim)))
        elif claim.direction == "neutral":
            unsettled.append(claim.described(claim.note or "neither positive nor negative"))
        elif claim.direction == "end" and claim.asserted is not None:
            unsettled.append(claim.described(claim.note or "ended"))
    return None, tuple(dict.fromkeys(unsettled))


def _positive_state(claim: Claim, turns: Sequence[Claim], on: dt.date) -> str:
    """``holds``, ``running`` (an ended-only test's course not over), or why it does not count."""
    cut = claim.asserted is not None and any(
        t.ref != claim.ref and t.asserted is not None and claim.asserted < t.asserted for t in turns)
    # Cut short by a later record, only what the record showed for certain still counts (a
    # course cut short ended at some time before the later record).
    end = claim.known_until if cut else claim.presumed_until
    if claim.ended_only and not cut and (end is None or end >= on):
        return "running"
    if end is None or end >= claim.reach:
        return "holds"
    return "superseded by a later record" if cut else "too old to decide"


def _negative_counts(claim: Claim, positives: Sequence[Claim]) -> bool:
    if claim.asserted is None or (claim.counts_from is not None and claim.asserted < claim.counts_from):
        return False
    return not any(p.asserted is None or p.asserted >= claim.asserted for p in positives)


def _why_not(claim: Claim) -> str:
    if claim.asserted is None:
        return "undated"
    if claim.counts_from is not None and claim.asserted < claim.counts_from:
        return "too old to decide"
    return "superseded by a later record"


def _newest_first(claims: Sequence[Claim], show: Callable[[Claim], str]) -> tuple[str, ...]:
    ordered = sorted(claims, key=lambda c: (c.asserted is None, -(c.asserted or dt.date.min).toordinal(), c.ref))
    return tuple(dict.fromkeys(show(c) for c in ordered))
