"""Findings and outcomes: the order of outcomes, the worst one, severities, and what a finding accepts."""

from __future__ import annotations

import itertools

import pytest

from clinicguide.clinical.findings import DECISION_ORDER, FINDING_CODES, SEVERITY, Finding, worst


def test_outcome_order() -> None:
    assert DECISION_ORDER == ("eligible", "caution", "needs-information", "contraindicated")

@pytest.mark.parametrize("outcomes", [c for n in range(4) for c in itertools.combinations(DECISION_ORDER, n + 1)])
def test_worst_outcome_wins(outcomes: tuple[str, ...]) -> None:
    assert worst(outcomes) == outcomes[-1]  # combinations keep DECISION_ORDER's order
    assert worst(reversed(outcomes)) == outcomes[-1]

def test_no_findings_is_eligible() -> None:
    assert worst([]) == "eligible"

def test_severity_of_each_outcome() -> None:
    assert SEVERITY == {"contraindicated": "high", "needs-information": "moderate", "caution": "moderate", "eligible": "low"}


def test_a_finding_with_another_outcome_is_refused() -> None:
    with pytest.raises(ValueError, match="finding outcome 'maybe' is not one of eligible, caution, needs-information"):
        Finding("needs-answer", "maybe", "item", "g|1", "m", ())  # type: ignore[arg-type]


def test_a_finding_may_carry_a_severity_other_than_its_outcomes() -> None:
    above = Finding("dose-above-range", "caution", "rng", "g|1", "m", (), severity_override="high")
    assert (above.outcome, above.severity) == ("caution", "high")
    assert Finding("dose-above-range", "caution", "rng", "g|1", "m", ()).severity == "moderate"
    with pytest.raises(ValueError, match="finding severity 'severe' is not one of high, moderate, low"):
        Finding("dose-above-range", "caution", "rng", "g|1", "m", (), severity_override="severe")


def test_the_dose_finding_codes_are_documented() -> None:
    assert {"off-label-indication", "prior-doses-unknown", "course-running", "interval-advisory"} <= set(FINDING_CODES)
