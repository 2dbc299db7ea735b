"""The body weight a weight-based dose check may use: current, and not in doubt.

A weight changes over a course of treatment, so one older than the guidance's
``weight_max_age`` is not used; two records of the newest day that disagree are not
used either, since nothing but their order in the record could choose between them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..content.values import Duration
from ..errors import InputError
from ..terminology import BODY_WEIGHT
from ..units import convert
from .patient import ObservationFact, PatientRecord

#: How old a weight may be when the guidance does not say: a month matches a monthly
#: prescription cycle such as the isotretinoin programme's, at which the patient is seen.
DEFAULT_WEIGHT_MAX_AGE = Duration(30, "d")
# Weights that differ by less than this are the same weight (60 kg and 132.277 [lb_av]).
_SAME_KG = 0.05


@dataclass(frozen=True, slots=True)
class Weight:
    """The weight to use (``kg``), or why there is none (``problem``); ``refs`` are the records either way."""

    kg: float | None
    refs: tuple[str, ...] = ()
    problem: str = "no body weight is recorded"


def current_weight(record: PatientRecord, date: dt.date, max_age: Duration | None = None) -> Weight:
    """The newest body weight on or before ``date``, if it is at most ``max_age`` old and not in doubt."""
    limit = max_age or DEFAULT_WEIGHT_MAX_AGE
    dated: list[tuple[dt.date, ObservationFact]] = []
    undated: list[ObservationFact] = []
    for obs in record.observations:
        if BODY_WEIGHT not in obs.code or obs.value is None:
            continue
        when = date if obs.current else obs.date
        if when is None:
            undated.append(obs)
        elif when <= date:
            dated.append((when, obs))
    if not dated:
        if undated:
            ref = undated[0].ref
            return Weight(None, (ref,), f"the body weight on record ({ref}) has no date, so its age is not known")
        return Weight(None)
    newest = max(when for when, _ in dated)
    latest = sorted((obs for when, obs in dated if when == newest), key=lambda o: o.ref)
    refs = tuple(o.ref for o in latest)
    shown = ", ".join(f"{o.value} ({o.ref})" for o in latest)
    if newest < limit.before(date):
        return Weight(None, refs, f"the latest body weight, {shown} on {newest}, is older than {limit}")
    kilos = [_kg(obs) for obs in latest]
    if max(kilos) - min(kilos) >= _SAME_KG:
        return Weight(None, refs, f"the body weights recorded on {newest} differ: {shown}")
    return Weight(kilos[0], refs)


def _kg(obs: ObservationFact) -> float:
    assert obs.value is not None
    try:
        kg = convert(obs.value, "kg")
    except InputError:
        raise InputError(f"{obs.ref}: body weight must be in kg, g or [lb_av]") from None
    if kg <= 0:  # no dose can be checked against it, and it is not "no weight" either
        raise InputError(f"{obs.ref}: body weight must be more than zero")
    return kg
