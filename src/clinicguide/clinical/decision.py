"""Decision support: screen a patient against one guidance document and check a proposal.

The outcome is the worst of the findings' outcomes, in the order
contraindicated > needs-information > caution > eligible.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..content.model import Guidance, Maximum, Range, Regimen
from ..content.values import Duration
from ..errors import InputError
from ..units import Quantity, convert, needs_weight, parse_quantity
from .criteria import Context, Truth, criterion_ids, evaluate
from .patient import PatientRecord

Decision = Literal["eligible", "caution", "needs-information", "contraindicated"]
DECISION_ORDER: tuple[Decision, ...] = ("eligible", "caution", "needs-information", "contraindicated")
# FHIR DetectedIssue severity for each outcome a finding implies.
SEVERITY: dict[Decision, str] = {"contraindicated": "high", "needs-information": "moderate",
                                 "caution": "moderate", "eligible": "low"}

#: Finding codes, with what each means; the ``screen`` JSON contract documents these.
FINDING_CODES: dict[str, str] = {
    "contraindicated": "an absolute contraindication applies",
    "needs-answer": "an absolute contraindication cannot be ruled out from the record; ask the question",
    "relative-contraindication": "a relative contraindication applies: proceed only with caution",
    "relative-unknown": "a relative contraindication cannot be ruled out; ask the question (at most a caution)",
    "dose-within-range": "the proposed value lies within an on-label range",
    "off-label-regimen": "the proposed value lies only within an off-label regimen's range",
    "dose-below-range": "the proposed value is below the range",
    "dose-above-range": "the proposed value is above the range",
    "over-maximum": "the proposed value exceeds a maximum",
    "weight-needed": "a weight-based range needs the patient's body weight",
    "interval-too-short": "less time than the minimum interval has passed since the last treatment",
    "last-treatment-unknown": "a minimum interval applies but the date of the last treatment is not known",
}


#: The procedure and last-treatment dates accepted. Anything outside is a typing error, and
#: date arithmetic near the calendar's ends (year 1, year 9999) overflowed inside the screening
#: and FHIR plugins, which then reported an OverflowError as a plugin failure.
EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def plausible_date(value: dt.date, what: str) -> dt.date:
    """``value`` if it lies between :data:`EARLIEST_DATE` and :data:`LATEST_DATE`."""
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise InputError(f"{what} must lie between {EARLIEST_DATE} and {LATEST_DATE}")
    return value


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason in a decision: what, why, from which guidance item, on which data, per which sources."""

    code: str
    outcome: Decision
    item: str
    guidance: str
    message: str
    sources: tuple[str, ...]
    evidence: tuple[str, ...] = ()
    question: str | None = None

    def __post_init__(self) -> None:
        # A plugin's finding with another outcome made worst() raise a bare ValueError in the
        # host; refusing it here names the plugin that built it.
        if self.outcome not in DECISION_ORDER:
            raise ValueError(f"finding outcome {self.outcome!r} is not one of {', '.join(DECISION_ORDER)}")

    @property
    def severity(self) -> str:
        return SEVERITY[self.outcome]


@dataclass(frozen=True, slots=True)
class Proposal:
    """What the clinician proposes: a dose, named parameters, and the last treatment's date.

    ``last_treatment`` is a date, ``"never"`` for a first treatment, or None when unknown.
    """

    dose: Quantity | None = None
    params: Mapping[str, Quantity] = field(default_factory=dict)
    last_treatment: dt.date | Literal["never"] | None = None
    regimen: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.last_treatment, dt.date):
            plausible_date(self.last_treatment, "last_treatment")

    @classmethod
    def coerce(cls, value: Proposal | Mapping[str, Any] | None) -> Proposal | None:
        """Accept a Proposal or a mapping with text quantities (``{"dose": "20 mg/d"}``)."""
        if value is None or isinstance(value, Proposal):
            return value
        if not isinstance(value, Mapping):
            raise InputError("proposed must be a mapping such as {'dose': '20 mg/d'}")
        unknown = sorted(set(value) - {"dose", "params", "last_treatment", "regimen"})
        if unknown:
            raise InputError(f"proposed has unknown field(s) {', '.join(unknown)}; allowed: dose, params, last_treatment, "
                             "regimen")
        params = value.get("params") or {}
        if not isinstance(params, Mapping):
            raise InputError("proposed.params must map parameter names to quantities")
        if not all(isinstance(name, str) for name in params):
            raise InputError("proposed.params must be keyed by parameter names (text)")
        regimen = value.get("regimen")
        if regimen is not None and not isinstance(regimen, str):
            raise InputError("proposed.regimen must be a regimen id (text)")
        last = value.get("last_treatment")
        if isinstance(last, dt.datetime):  # a datetime is a date too, but compares with neither dates nor ages
            raise InputError("proposed.last_treatment must be a date or 'never', not a date and time")
        if isinstance(last, str) and last != "never":
            try:
                last = dt.date.fromisoformat(last)
            except ValueError:
                raise InputError(f"last_treatment {last!r} is not a date (YYYY-MM-DD) or 'never'") from None
        elif last is not None and last != "never" and not isinstance(last, dt.date):
            raise InputError("last_treatment must be a date or 'never'")
        return cls(
            dose=_as_quantity(value.get("dose"), "dose"),
            params={name: _required_quantity(params[name], f"params.{name}") for name in sorted(params)},
            last_treatment=last,
            regimen=regimen,
        )

    def values(self) -> list[tuple[str, Quantity]]:
        """Every proposed value by parameter name (``dose`` for the dose)."""
        found = [("dose", self.dose)] if self.dose is not None else []
        return found + sorted(self.params.items())


def _as_quantity(value: Any, name: str) -> Quantity | None:
    return None if value is None else _required_quantity(value, name)


def _required_quantity(value: Any, name: str) -> Quantity:
    if isinstance(value, Quantity):
        return value
    if isinstance(value, str):
        return parse_quantity(value)
    raise InputError(f"proposed.{name} must be a quantity such as '20 mg/d'")


@dataclass(frozen=True, slots=True)
class Screening:
    """The decision for one guidance, patient, proposal and date, with its findings."""

    guidance: Guidance
    decision: Decision
    findings: tuple[Finding, ...]
    date: dt.date
    answers: Mapping[str, bool]
    proposal: Proposal | None


def worst(outcomes: Iterable[Decision]) -> Decision:
    return max(outcomes, key=DECISION_ORDER.index, default="eligible")


def answer_keys(guidance: Guidance) -> set[str]:
    """Every id an answer may use: contraindication ids and ids inside their criteria."""
    keys = set()
    for item in guidance.contraindications:
        keys.add(item.id)
        keys.update(criterion_ids(item.criterion))
    return keys


def check_answers(guidance: Guidance, answers: Mapping[str, bool]) -> None:
    """Refuse answers keyed by ids the guidance does not have (a typo would otherwise be ignored)."""
    unknown = sorted(set(answers) - answer_keys(guidance))
    if unknown:
        raise InputError(f"answers name unknown criteria for {guidance.ref}: {', '.join(unknown)}")


def findings_for(guidance: Guidance, record: PatientRecord, date: dt.date, answers: Mapping[str, bool],
                 proposal: Proposal | None) -> list[Finding]:
    """Contraindication and proposal findings, in guidance order; answers already checked."""
    findings = list(_contraindications(guidance, Context(record, date, answers)))
    if proposal is not None:
        findings += _proposal(guidance, record, proposal, date)
    return findings


def screen(guidance: Guidance, record: PatientRecord, *, date: dt.date, answers: Mapping[str, bool] | None = None,
           proposal: Proposal | None = None) -> Screening:
    """Screen contraindications and check the proposal, without plugins."""
    answers = dict(answers or {})
    check_answers(guidance, answers)
    findings = tuple(findings_for(guidance, record, date, answers, proposal))
    return Screening(guidance, worst(f.outcome for f in findings), findings, date, answers, proposal)


def _contraindications(guidance: Guidance, ctx: Context) -> Iterable[Finding]:
    for item in guidance.contraindications:
        if item.id in ctx.answers:
            value = ctx.answers[item.id]
            truth = Truth(value, (f"clinician answer {item.id}={'yes' if value else 'no'}",))
        elif item.criterion is not None:
            truth = evaluate(item.criterion, ctx)
        else:
            truth = Truth(None)
        if truth.value is False:
            continue
        absolute = item.severity == "absolute"
        outcome: Decision
        if truth.value:
            code, outcome = ("contraindicated", "contraindicated") if absolute else ("relative-contraindication", "caution")
            message = f"{item.text} ({item.severity} contraindication)"
            question = None
        else:
            code, outcome = ("needs-answer", "needs-information") if absolute else ("relative-unknown", "caution")
            message = f"Not known from the record: {item.text} ({item.severity} contraindication)"
            question = item.question
        yield Finding(code, outcome, item.id, guidance.ref, message, item.sources, truth.evidence, question)


def _proposal(guidance: Guidance, record: PatientRecord, proposal: Proposal, date: dt.date) -> list[Finding]:
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
            raise InputError(f"{guidance.ref} has no range for {parameter!r}; known parameters: {', '.join(known) or 'none'}")
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
        known = ", ".join(r.id for r in guidance.regimens) or "none"
        raise InputError(f"{guidance.ref} has no regimen {proposal.regimen!r}; known: {known}")
    return chosen


def _weight_evidence(value: Quantity, unit: str, weight_ref: str) -> tuple[str, ...]:
    """The weight record is evidence only where the check converted with it."""
    return (weight_ref,) if weight_ref and needs_weight(value.unit, unit) else ()


def _weight_needed(guidance: Guidance, parameter: str, value: Quantity, item_id: str, limit: str,
                   sources: tuple[str, ...]) -> Finding:
    return Finding("weight-needed", "needs-information", item_id, guidance.ref,
                   f"{parameter} {value} cannot be checked against {limit} without the patient's body weight",
                   sources, (), "What is the patient's body weight (kg)?")


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

    def shown(rng: Range, v: float) -> str:
        return f"{parameter} {value}" + (f" (= {v:.3g} {rng.unit})" if rng.unit != value.unit else "")

    inside = [(reg, rng, v) for reg, rng, v in converted if rng.low <= v <= rng.high]
    on_label = [c for c in inside if c[0].label == "on-label"]
    if on_label:
        reg, rng, v = on_label[0]
        return [Finding("dose-within-range", "eligible", rng.id, guidance.ref,
                        f"{shown(rng, v)} is within {rng.low:g}-{rng.high:g} {rng.unit} ({reg.title})", rng.sources,
                        _weight_evidence(value, rng.unit, weight_ref))], [reg]
    if undecided:
        reg, rng = next((c for c in undecided if c[0].label == "on-label"), undecided[0])
        return [_weight_needed(guidance, parameter, value, rng.id, f"{rng.low:g}-{rng.high:g} {rng.unit}", rng.sources)], []
    if inside:
        reg, rng, v = inside[0]
        return [Finding("off-label-regimen", "caution", reg.id, guidance.ref,
                        f"{shown(rng, v)} lies in the OFF-LABEL regimen '{reg.title}' ({rng.low:g}-{rng.high:g} {rng.unit})",
                        tuple(dict.fromkeys(rng.sources + reg.sources)), _weight_evidence(value, rng.unit, weight_ref))], [reg]
    # Outside every range: name the nearest bound among the on-label ranges where there are any.
    reference = [c for c in converted if c[0].label == "on-label"] or converted
    below = all(v < r.low for _, r, v in reference)
    reg, rng, v = min(reference, key=lambda c: c[1].low) if below else max(reference, key=lambda c: c[1].high)
    side = "below" if below else "above"
    return [Finding("dose-below-range" if below else "dose-above-range", "caution", rng.id, guidance.ref,
                    f"{shown(rng, v)} is {side} the range {rng.low:g}-{rng.high:g} {rng.unit} ({reg.title})", rng.sources,
                    _weight_evidence(value, rng.unit, weight_ref))], []


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
