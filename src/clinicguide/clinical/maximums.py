"""Maximums: in one session, on a daily rate, and summed over a period with the doses already given.

Doses already given come from the record (doses of the regimen's medication codes) and
from the proposal (``prior_doses``). On a day both give, the larger total counts, so that
one dose stated in both places is counted once. The record alone never shows that no
other dose was given: unless the proposal states the doses, they stay unknown.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from ..content.model import Maximum, Regimen
from ..content.values import Duration
from ..errors import InputError
from ..units import Quantity, comparable
from .checking import Checking
from .findings import Finding

_UNIT_WORDS = {"min": "minute", "h": "hour", "d": "day", "wk": "week", "mo": "month", "a": "year"}


def applicable_maximums(check: Checking, parameter: str) -> list[tuple[Regimen, Maximum]]:
    """Every maximum on ``parameter``, from any regimen: a ceiling holds whichever range a dose is in.

    One labelled for some indications only holds for them, and also when the proposal names
    no indication, since it may be one of them.
    """
    indication = check.proposal.indication
    found = [(reg, m) for reg in check.guidance.regimens for m in reg.maximums if m.parameter == parameter
             and (not m.indications or indication is None or indication in m.indications)]
    return list({m.id: (reg, m) for reg, m in found}.values())


def maximum_findings(check: Checking, parameter: str, value: Quantity) -> list[Finding]:
    findings = []
    for regimen, maximum in applicable_maximums(check, parameter):
        limit = f"the maximum {maximum.value:g} {maximum.unit} {_per(maximum)}"
        if not check.converts(value, maximum.unit):
            findings.append(check.weight_needed(parameter, value, maximum.id, limit, maximum.sources))
        elif maximum.per == "period":
            findings += _period_findings(check, parameter, value, regimen, maximum)
        elif (v := check.convert(value, maximum.unit)) > maximum.value:
            findings.append(Finding("over-maximum", "contraindicated", maximum.id, check.guidance.ref,
                                    f"{parameter} {value}{_shown(value, maximum, v)} exceeds {limit}",
                                    maximum.sources, check.weight_evidence(value, maximum.unit)))
    return findings


def _period_findings(check: Checking, parameter: str, value: Quantity, regimen: Regimen, maximum: Maximum) -> list[Finding]:
    assert maximum.period is not None  # the rules require a period on a per-period maximum
    since = maximum.period.before(check.date)
    given, evidence, unknown = _given(check, regimen, maximum, since)
    if unknown is not None:  # a dose that cannot be put in the maximum's unit (needs a weight)
        return [check.weight_needed(parameter, unknown, maximum.id, f"the maximum {maximum.value:g} {maximum.unit} "
                                    f"{_per(maximum)}", maximum.sources)]
    proposed = check.convert(value, maximum.unit)
    total = proposed + given
    so_far = f"{given:g} {maximum.unit} already given since {since}"
    weight = check.weight_evidence(value, maximum.unit)
    if total > maximum.value:
        return [Finding("over-maximum", "contraindicated", maximum.id, check.guidance.ref,
                        f"{parameter} {value} with {so_far} makes {total:g} {maximum.unit}, over the maximum of "
                        f"{maximum.value:g} {maximum.unit} {_per(maximum)}", maximum.sources, evidence + weight)]
    if check.proposal.prior_doses is None:
        recorded = f"; the record shows {so_far}" if evidence else ""
        return [Finding("prior-doses-unknown", "needs-information", maximum.id, check.guidance.ref,
                        f"{parameter} {value} cannot be checked against the maximum of {maximum.value:g} {maximum.unit} "
                        f"{_per(maximum)} without the doses already given since {since}{recorded}",
                        maximum.sources, evidence, f"What doses were given in the last {_words(maximum.period)} "
                        f"(since {since})?")]
    return []


def _given(check: Checking, regimen: Regimen, maximum: Maximum,
           since: dt.date) -> tuple[float, tuple[str, ...], Quantity | None]:
    """The total already given in the period in the maximum's unit, its evidence, and a dose that could not be converted."""
    codes = {c.key for c in regimen.codes}
    recorded: dict[dt.date, list[tuple[Quantity, str]]] = defaultdict(list)
    stated: dict[dt.date, list[tuple[Quantity, str]]] = defaultdict(list)
    for fact in check.record.doses:
        if fact.codes & codes and since <= fact.date <= check.date:
            recorded[fact.date].append((fact.dose, fact.ref))
    for index, prior in enumerate(check.proposal.prior_doses or ()):
        if prior.date > check.date:
            raise InputError(f"proposed.prior_doses[{index}] is dated after the procedure date")
        if since <= prior.date:
            stated[prior.date].append((prior.dose, f"stated prior dose {prior}"))
    total, evidence = 0.0, []
    for day in sorted(set(recorded) | set(stated)):
        sums = []
        for doses in (recorded.get(day, []), stated.get(day, [])):
            for dose, _ in doses:
                if not comparable(dose.unit, maximum.unit):
                    raise InputError(f"{_where(doses, dose)}: a dose in {dose.unit} cannot be added up against "
                                     f"the maximum in {maximum.unit}")
                if not check.converts(dose, maximum.unit):
                    return 0.0, (), dose
            sums.append((sum(check.convert(d, maximum.unit) for d, _ in doses), [ref for _, ref in doses]))
        amount, refs = max(sums, key=lambda s: s[0])
        total += amount
        evidence += refs
    return total, tuple(evidence), None


def _where(doses: list[tuple[Quantity, str]], dose: Quantity) -> str:
    return next(ref for d, ref in doses if d is dose)


def _per(maximum: Maximum) -> str:
    if maximum.per == "period" and maximum.period is not None:
        return f"per {maximum.period}"
    return f"per {maximum.per}"


def _words(period: Duration) -> str:
    word = _UNIT_WORDS.get(period.unit, period.unit)
    return f"{period.value:g} {word}{'' if period.value == 1 else 's'}"


def _shown(value: Quantity, maximum: Maximum, converted: float) -> str:
    return f" (= {converted:.3g} {maximum.unit})" if value.unit != maximum.unit else ""
