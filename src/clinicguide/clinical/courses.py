"""Courses and the intervals between them.

A minimum interval applies between courses. A refill of a course that is still running is
not a new course: an active MedicationStatement or MedicationRequest of the regimen's
medication codes whose period reaches the procedure date means no interval applies. The
last treatment is the later of what the proposal says and the end of the newest course
the record shows ended; a record of a course outweighs a proposal's "never".

An ``advisory`` interval is a trial schedule, not a minimum: keeping to it or not, and not
knowing the last treatment, are notes (``interval-advisory``), never a caution or a question.
"""

from __future__ import annotations

import datetime as dt

from ..content.model import Interval, Regimen
from .checking import Checking
from .findings import Finding
from .patient import MedicationFact


def interval_findings(check: Checking, regimens: tuple[Regimen, ...]) -> list[Finding]:
    """Interval findings for the regimens that apply, each distinct interval once."""
    findings = []
    seen: set[tuple[object, ...]] = set()
    for regimen in regimens:
        interval = regimen.min_interval
        if interval is None or (interval.duration, interval.advisory) in seen:
            continue
        seen.add((interval.duration, interval.advisory))
        running = running_course(check, regimen)
        if running is not None:
            findings.append(Finding("course-running", "eligible", interval.id, check.guidance.ref,
                                    f"{regimen.title}: a course is running on {check.date} ({running.ref}); a refill is "
                                    "not a new course, so no interval applies", interval.sources, (running.ref,)))
            continue
        finding = _interval_finding(check, regimen, interval)
        if finding is not None:
            findings.append(finding)
    return findings


def running_course(check: Checking, regimen: Regimen) -> MedicationFact | None:
    """The record of a course of the regimen's medication that runs on the procedure date, if any."""
    codes = {c.key for c in regimen.codes}
    running = [m for m in check.record.medications if m.codes & codes and m.status == "active"
               and (m.start is None or m.start <= check.date) and (m.end is None or m.end >= check.date)]
    return min(running, key=lambda m: m.ref, default=None)


def _recorded_end(check: Checking, regimen: Regimen) -> MedicationFact | None:
    """The record of the newest course of the regimen's medication that ended before the procedure date."""
    codes = {c.key for c in regimen.codes}
    # Whatever its status (an active request whose period has passed is over too), except a
    # statement that the medication was not taken.
    ended = [m for m in check.record.medications if m.codes & codes and m.status != "not-taken"
             and m.end is not None and m.end < check.date]
    return max(ended, key=lambda m: (m.end or dt.date.min, m.ref), default=None)


def _interval_finding(check: Checking, regimen: Regimen, interval: Interval) -> Finding | None:
    stated = check.proposal.last_treatment
    recorded = _recorded_end(check, regimen)
    last, evidence = (stated, (f"last treatment {stated}",)) if isinstance(stated, dt.date) else (None, ())
    if recorded is not None and recorded.end is not None and (last is None or recorded.end > last):
        last, evidence = recorded.end, (f"{recorded.ref} (ended {recorded.end})",)
    if last is None and stated == "never":
        return None
    what = f"{regimen.title}: {'a schedule of' if interval.advisory else 'at least'} {interval.duration} between treatments"
    if last is None:
        if interval.advisory:
            return Finding("interval-advisory", "eligible", interval.id, check.guidance.ref,
                           f"{what}; the last treatment date is not known (the schedule is advisory)", interval.sources)
        return Finding("last-treatment-unknown", "needs-information", interval.id, check.guidance.ref,
                       f"{what} must pass; the last treatment date is not known", interval.sources, (),
                       "When was the patient last treated (or is this the first treatment)?")
    earliest = interval.duration.after(last)
    if check.date >= earliest:
        return None
    if interval.advisory:
        return Finding("interval-advisory", "eligible", interval.id, check.guidance.ref,
                       f"{what}; last treatment {last}, so {earliest} on the schedule (advisory: a shorter interval "
                       "is not a caution)", interval.sources, evidence)
    # A caution, not a bar: a label's minimum interval says what was studied, not a contraindication.
    return Finding("interval-too-short", "caution", interval.id, check.guidance.ref,
                   f"{regimen.title}: last treatment {last}, minimum interval {interval.duration}; not before {earliest}",
                   interval.sources, evidence)
