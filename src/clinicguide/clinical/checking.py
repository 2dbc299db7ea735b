"""What every dose check works from, and the findings the range and maximum checks share."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..content.model import Guidance
from ..units import Quantity, convert, needs_weight
from .findings import Finding
from .patient import PatientRecord
from .proposal import Proposal
from .weights import Weight

WEIGHT_QUESTION = "What is the patient's body weight (kg)?"


@dataclass(frozen=True, slots=True)
class Checking:
    """One proposal being checked: the guidance, the patient, the date and the weight to use."""

    guidance: Guidance
    record: PatientRecord
    proposal: Proposal
    date: dt.date
    weight: Weight

    def converts(self, value: Quantity, unit: str) -> bool:
        """Whether ``value`` can be put in ``unit``: always, unless that needs a weight there is not."""
        return self.weight.kg is not None or not needs_weight(value.unit, unit)

    def convert(self, value: Quantity, unit: str) -> float:
        return convert(value, unit, self.weight.kg)

    def weight_evidence(self, value: Quantity, unit: str) -> tuple[str, ...]:
        """The weight records are evidence only where the check converted with them."""
        return self.weight.refs if needs_weight(value.unit, unit) else ()

    def weight_needed(self, parameter: str, value: Quantity, item_id: str, limit: str, sources: tuple[str, ...]) -> Finding:
        return Finding("weight-needed", "needs-information", item_id, self.guidance.ref,
                       f"{parameter} {value} cannot be checked against {limit}: {self.weight.problem}",
                       sources, self.weight.refs, WEIGHT_QUESTION)
