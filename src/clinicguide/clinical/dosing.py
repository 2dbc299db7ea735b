"""Checks of a proposal against the guidance's regimens: ranges, maximums and minimum intervals."""

from __future__ import annotations

import datetime as dt

from ..content.model import Guidance, Maximum, Range, Regimen
from ..content.values import Duration
from ..errors import UnknownName
from ..units import Quantity, convert, needs_weight
from .findings import Finding
from .patient import PatientRecord
from .proposal import Proposal


def proposal_findings(guidance: Guidance, record: PatientRecord, proposal: Proposal, date: dt.date) -> list[Finding]:
    """Range and maximum findings for each proposed value, then the minimum-interval findings."""
    regimens = _regimens(guidance, proposal)
    weight = record.weight_kg(date)
    kg, weight_ref = (weight[0], weight[1].ref) if weight else (None, "")
    findings: list[Finding] = []
    matched: list[Regimen] = []  # regimens whose range holds a proposed value
    for parameter, value in proposal.values():
        ranges = [(reg, rng) for reg in regimens for rng in reg.ranges if rng.parameter == parameter]
        maximums = {m.id: m for reg in guidance.regimens for m in reg.maximums if m.parameter == parameter}
        if not ranges and not maximums:
            known = sorted({r.parameter for reg in guidance.regimens for r in reg.ranges})
            raise UnknownName(f"{guidance.ref} has no range for {parameter!r}", [parameter], known, "known parameters")
        range_findings, inside = _range_findings(guidance, parameter, value, ranges, kg, weight_ref)
        findings += range_findings
        matched += inside
        findings += _maximum_findings(guidance, parameter, value, list(maximums.values()), kg, weight_ref)
    # Intervals of the regimens the proposal falls in; of every candidate when it falls in none.
    applicable = regimens if proposal.regimen else (tuple(dict.fromkeys(matched)) or regimens)
    findings += _interval_findings(guidance, applicable, proposal, date)
    return findings


def _regimens(guidance: Guidance, proposal: Proposal) -> tuple[Regimen, ...]:
    if proposal.regimen is None:
        return guidance.regimens
    chosen = tuple(r for r in guidance.regimens if r.id == proposal.regimen)
    if not chosen:
        raise UnknownName(f"{guidance.ref} has no regimen {proposal.regimen!r}", [proposal.regimen],
                          [r.id for r in guidance.regimens])
    return chosen


def _weight_evidence(value: Quantity, unit: str, weight_ref: str) -> tuple[str, ...]:
    """The weight record is evidence only where the check converted with it."""
    return (weight_ref,) if weight_ref and needs_weight(value.unit, unit) else ()


def _weight_needed(guidance: Guidance, parameter: str, value: Quantity, item_id: str, limit: str,
                   sources: tuple[str, ...]) -> Finding:
    return Finding("weight-needed", "needs-information", item_id, guidance.ref,
                   f"{parameter} {value} cannot be checked against {limit} without the patient's body weight",
                   sources, (), "What is the patient's body weight (kg)?")


def _shown(parameter: str, value: Quantity, rng: Range, converted: float) -> str:
    return f"{parameter} {value}" + (f" (= {converted:.3g} {rng.unit})" if rng.unit != value.unit else "")


def _range_findings(guidance: Guidance, parameter: str, value: Quantity, ranges: list[tuple[Regimen, Range]],
                    kg: float | None, weight_ref: str) -> tuple[list[Finding], list[Regimen]]:
    """The range finding for one proposed value, and the regimens whose range holds it."""
    if not ranges:
        return [], []
    # Without a weight, only ranges in the value's own kind of unit can be checked; the others
    # are undecided, which matters only if no checkable on-label range holds the value.
    checkable = [(reg, rng) for reg, rng in ranges if kg is not None or not needs_weight(value.unit, rng.unit)]
    undecided = [(reg, rng) for reg, rng in ranges if (reg, rng) not in checkable]
    converted = [(reg, rng, convert(value, rng.unit, kg)) for reg, rng in checkable]
    inside = [(reg, rng, v) for reg, rng, v in converted if rng.low <= v <= rng.high]
    on_label = [c for c in inside if c[0].label == "on-label"]
    if on_label:
        reg, rng, v = on_label[0]
        return [Finding("dose-within-range", "eligible", rng.id, guidance.ref,
                        f"{_shown(parameter, value, rng, v)} is within {rng.low:g}-{rng.high:g} {rng.unit} ({reg.title})",
                        rng.sources, _weight_evidence(value, rng.unit, weight_ref))], [reg]
    if undecided:
        reg, rng = next((c for c in undecided if c[0].label == "on-label"), undecided[0])
        return [_weight_needed(guidance, parameter, value, rng.id, f"{rng.low:g}-{rng.high:g} {rng.unit}", rng.sources)], []
    if inside:
        reg, rng, v = inside[0]
        return [Finding("off-label-regimen", "caution", reg.id, guidance.ref,
                        f"{_shown(parameter, value, rng, v)} lies in the OFF-LABEL regimen '{reg.title}' "
                        f"({rng.low:g}-{rng.high:g} {rng.unit})",
                        tuple(dict.fromkeys(rng.sources + reg.sources)), _weight_evidence(value, rng.unit, weight_ref))], [reg]
    return [_outside_finding(guidance, parameter, value, converted, weight_ref)], []


def _outside_finding(guidance: Guidance, parameter: str, value: Quantity, converted: list[tuple[Regimen, Range, float]],
                     weight_ref: str) -> Finding:
    """A value outside every range: name the nearest bound among the on-label ranges where there are any."""
    reference = [c for c in converted if c[0].label == "on-label"] or converted
    below = all(v < r.low for _, r, v in reference)
    reg, rng, v = min(reference, key=lambda c: c[1].low) if below else max(reference, key=lambda c: c[1].high)
    side = "below" if below else "above"
    return Finding("dose-below-range" if below else "dose-above-range", "caution", rng.id, guidance.ref,
                   f"{_shown(parameter, value, rng, v)} is {side} the range {rng.low:g}-{rng.high:g} {rng.unit} ({reg.title})",
                   rng.sources, _weight_evidence(value, rng.unit, weight_ref))


def _maximum_findings(guidance: Guidance, parameter: str, value: Quantity, maximums: list[Maximum],
                      kg: float | None, weight_ref: str) -> list[Finding]:
    findings = []
    for maximum in maximums:
        if needs_weight(value.unit, maximum.unit) and kg is None:
            findings.append(_weight_needed(guidance, parameter, value, maximum.id,
                                           f"the maximum {maximum.value:g} {maximum.unit}", maximum.sources))
            continue
        v = convert(value, maximum.unit, kg)
        if v > maximum.value:
            per = "per session" if maximum.per == "session" else f"per {maximum.period}"
            findings.append(Finding("over-maximum", "contraindicated", maximum.id, guidance.ref,
                                    f"{parameter} {value} exceeds the maximum of {maximum.value:g} {maximum.unit} {per}",
                                    maximum.sources, _weight_evidence(value, maximum.unit, weight_ref)))
    return findings


def _interval_findings(guidance: Guidance, regimens: tuple[Regimen, ...], proposal: Proposal, date: dt.date) -> list[Finding]:
    """Minimum-interval findings for the regimens that apply, each distinct interval once."""
    findings = []
    seen: set[Duration] = set()
    for regimen in regimens:
        interval = regimen.min_interval
        if interval is None or proposal.last_treatment == "never" or interval.duration in seen:
            continue
        seen.add(interval.duration)
        if proposal.last_treatment is None:
            findings.append(Finding("last-treatment-unknown", "needs-information", interval.id, guidance.ref,
                                    f"{regimen.title}: at least {interval.duration} must pass between treatments; the last "
                                    "treatment date is not known",
                                    interval.sources, (), "When was the patient last treated (or is this the first treatment)?"))
            continue
        earliest = interval.duration.after(proposal.last_treatment)
        if date < earliest:
            # A caution, not a bar: guidance intervals range from label minimums to trial schedules.
            findings.append(Finding("interval-too-short", "caution", interval.id, guidance.ref,
                                    f"{regimen.title}: last treatment {proposal.last_treatment}, minimum interval "
                                    f"{interval.duration}; not before {earliest}",
                                    interval.sources, (f"last treatment {proposal.last_treatment}",)))
    return findings
