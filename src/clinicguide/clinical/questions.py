"""Every question the engine may ask for one guidance, in the order a clinician meets them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..content.criteria_kinds import Criterion, Question
from ..content.model import Contraindication, Guidance


@dataclass(frozen=True, slots=True)
class ScreeningQuestion:
    """One yes/no question; ``enabled_by`` names the applicability question it depends on."""

    id: str
    text: str
    enabled_by: str | None = None


def screening_questions(guidance: Guidance) -> tuple[ScreeningQuestion, ...]:
    """Applicability questions first where they gate an item, then each item's own questions."""
    found: dict[str, ScreeningQuestion] = {}
    for item in guidance.contraindications:
        gate = _applicability(item)
        if gate is not None and gate.id not in found:
            found[gate.id] = gate
        enabled_by = gate.id if gate is not None else None
        found.setdefault(item.id, ScreeningQuestion(item.id, item.question, enabled_by))
        for nested in questions_in(item.criterion):
            found.setdefault(nested.id, ScreeningQuestion(nested.id, nested.question, enabled_by))
    return tuple(found.values())


def _applicability(item: Contraindication) -> ScreeningQuestion | None:
    criterion, question = item.applies_to, item.applies_question
    if criterion is None or criterion.id is None or not question:
        return None
    return ScreeningQuestion(criterion.id, question)


def questions_in(criterion: Criterion | None) -> Iterator[Question]:
    """The questions inside a criterion, itself included, in reading order."""
    if criterion is None:
        return
    if isinstance(criterion, Question):
        yield criterion
    for part in criterion.parts():
        yield from questions_in(part)
