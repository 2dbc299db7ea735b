"""Checks of a proposal against the guidance: label status, ranges, maximums and intervals.

The ranges checked are those of the regimens for the proposal's indication (and its
regimen, if named); maximums hold whichever range a dose is in (:mod:`.maximums`);
intervals are between courses (:mod:`.courses`); the weight used for mg/kg doses must be
current (:mod:`.weights`); label status follows the indication and regimen (:mod:`.label`).
"""

from __future__ import annotations

import datetime as dt

from ..content.model import Guidance, Range, Regimen
from ..errors import UnknownName
from ..units import Quantity
from .checking import Checking
from .courses import interval_findings
from .findings import Finding
from .label import candidate_regimens, label_findings
from .maximums import maximum_findings
from .patient import PatientRecord
from .proposal import Proposal
from .weights import current_weight


def proposal_findings(guidance: Guidance, record: PatientRecord, proposal: Proposal, date: dt.date) -> list[Finding]:
    """Label findings, then range and maximum findings for each proposed value, then interval findings."""
    regimens, own = candidate_regimens(guidance, proposal)
    check = Checking(guidance, record, proposal, date, current_weight(record, date, guidance.weight_max_age))
    findings = label_findings(guidance, proposal, regimens, own)
    matched: list[Regimen] = []  # regimens whose range holds a proposed value
    for parameter, value in proposal.values():
        _known_parameter(guidance, parameter)
        ranges = [(reg, rng) for reg in regimens for rng in reg.ranges if rng.parameter == parameter]
        range_findings, inside = _range_findings(check, parameter, value, ranges)
        findings += range_findings
        matched += inside
        findings += maximum_findings(check, parameter, value)
    # Intervals of the regimens the proposal falls in; of every candidate when it falls in none.
    applicable = regimens if proposal.regimen else (tuple(dict.fromkeys(matched)) or regimens)
    findings += interval_findings(check, applicable)
    return list({(f.code, f.item): f for f in findings}.values())  # the regimen's label and its range can both say off-label


def _known_parameter(guidance: Guidance, parameter: str) -> None:
    if not any(r.parameter == parameter for reg in guidance.regimens for r in reg.ranges) and \
            not any(m.parameter == parameter for reg in guidance.regimens for m in reg.maximums):
        known = sorted({r.parameter for reg in guidance.regimens for r in reg.ranges})
        raise UnknownName(f"{guidance.ref} has no range for {parameter!r}", [parameter], known, "known parameters")


def _shown(parameter: str, value: Quantity, rng: Range, converted: float) -> str:
    return f"{parameter} {value}" + (f" (= {converted:.3g} {rng.unit})" if rng.unit != value.unit else "")


def _range_findings(check: Checking, parameter: str, value: Quantity,
                    ranges: list[tuple[Regimen, Range]]) -> tuple[list[Finding], list[Regimen]]:
    """The range finding for one proposed value, and the regimens whose range holds it."""
    if not ranges:
        return [], []
    # Without a usable weight, only ranges in the value's own kind of unit can be checked; the
    # others are undecided, which matters only if no checkable on-label range holds the value.
    checkable = [(reg, rng) for reg, rng in ranges if check.converts(value, rng.unit)]
    undecided = [(reg, rng) for reg, rng in ranges if (reg, rng) not in checkable]
    converted = [(reg, rng, check.convert(value, rng.unit)) for reg, rng in checkable]
    inside = [(reg, rng, v) for reg, rng, v in converted if rng.low <= v <= rng.high]
    ref = check.guidance.ref
    if on_label := [c for c in inside if c[0].label == "on-label"]:
        reg, rng, v = on_label[0]
        return [Finding("dose-within-range", "eligible", rng.id, ref,
                        f"{_shown(parameter, value, rng, v)} is within {rng.low:g}-{rng.high:g} {rng.unit} ({reg.title})",
                        rng.sources, check.weight_evidence(value, rng.unit))], [reg]
    if undecided:
        reg, rng = next((c for c in undecided if c[0].label == "on-label"), undecided[0])
        return [check.weight_needed(parameter, value, rng.id, f"{rng.low:g}-{rng.high:g} {rng.unit}", rng.sources)], []
    if inside:
        reg, rng, v = inside[0]
        return [Finding("off-label-regimen", "caution", reg.id, ref,
                        f"{_shown(parameter, value, rng, v)} lies in the OFF-LABEL regimen '{reg.title}' "
                        f"({rng.low:g}-{rng.high:g} {rng.unit})",
                        tuple(dict.fromkeys(rng.sources + reg.sources)), check.weight_evidence(value, rng.unit))], [reg]
    return [_outside_finding(check, parameter, value, converted)], []


def _outside_finding(check: Checking, parameter: str, value: Quantity,
                     converted: list[tuple[Regimen, Range, float]]) -> Finding:
    """A value outside every range: name the nearest bound among the on-label ranges where there are any.

    Above an on-label range is a high-severity caution: a dose beyond what the label allows
    is never routine, even below every maximum.
    """
    reference = [c for c in converted if c[0].label == "on-label"] or converted
    below = all(v < r.low for _, r, v in reference)
    reg, rng, v = min(reference, key=lambda c: c[1].low) if below else max(reference, key=lambda c: c[1].high)
    side = "below" if below else "above"
    labelled = not below and reg.label == "on-label"
    return Finding("dose-below-range" if below else "dose-above-range", "caution", rng.id, check.guidance.ref,
                   f"{_shown(parameter, value, rng, v)} is {side} the {'labelled ' if labelled else ''}range "
                   f"{rng.low:g}-{rng.high:g} {rng.unit} ({reg.title})",
                   rng.sources, check.weight_evidence(value, rng.unit), severity_override="high" if labelled else None)
