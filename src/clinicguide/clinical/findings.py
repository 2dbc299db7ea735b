"""Findings, the reasons in a decision, and the outcome they add up to.

The outcome is the worst of the findings' outcomes, in the order
contraindicated > needs-information > caution > eligible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

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
    "off-label-indication": "the proposal names an indication the guidance marks off-label",
    "off-label-regimen": "the proposal's regimen is off-label, or its value lies only within an off-label regimen's range",
    "dose-below-range": "the proposed value is below the range",
    "dose-above-range": "the proposed value is above the range; severity high when it is an on-label regimen's range",
    "over-maximum": "the proposed value, with the doses already given in a maximum's period, exceeds a maximum",
    "prior-doses-unknown": "a per-period maximum applies but the doses already given in the period are not known",
    "weight-needed": "a weight-based check needs a current body weight: none, one too old, or two that disagree",
    "course-running": "a course of the medication runs on the procedure date: a refill, not a new course (a note)",
    "interval-too-short": "less time than the minimum interval has passed since the last treatment",
    "interval-advisory": "an advisory (trial-schedule) interval is not kept or cannot be checked (a note)",
    "last-treatment-unknown": "a minimum interval applies but the date of the last treatment is not known",
    "record-conflict": "a clinician's \"no\" contradicts a recorded positive: the recorded finding stays in force "
                       "until the record is corrected",
}
SEVERITIES = ("high", "moderate", "low")

#: Findings that stand for data still missing: the open questions, shown apart from what is known.
QUESTION_CODES = frozenset({"needs-answer", "relative-unknown", "weight-needed", "last-treatment-unknown", "prior-doses-unknown"})


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
    # A severity other than the outcome's: a dose above the labelled range is a caution of
    # high severity, so that it never reads as a routine one.
    severity_override: str | None = None

    def __post_init__(self) -> None:
        # Checked when built, so that a plugin's finding with another outcome is refused
        # naming the plugin that built it.
        if self.outcome not in DECISION_ORDER:
            raise ValueError(f"finding outcome {self.outcome!r} is not one of {', '.join(DECISION_ORDER)}")
        if self.severity_override is not None and self.severity_override not in SEVERITIES:
            raise ValueError(f"finding severity {self.severity_override!r} is not one of {', '.join(SEVERITIES)}")

    @property
    def severity(self) -> str:
        return self.severity_override or SEVERITY[self.outcome]


def worst(outcomes: Iterable[Decision]) -> Decision:
    """The worst outcome; ``eligible`` when there is none."""
    return max(outcomes, key=DECISION_ORDER.index, default="eligible")
