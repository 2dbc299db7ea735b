"""The consent checklist's conditions that a plan already settles, as an in-progress response.

A conditional statement ("Can you become pregnant?") is enabled by the patient's answer. What
the screening already knows fills that answer in: the clinician's answer to the same
applicability, a record that shows it cannot apply (no need to ask), or the proposal's
indication. Anything else is left for the patient to answer; nothing is assumed.
"""

from __future__ import annotations

from typing import Any

from ..clinical.screening import Screening
from .common import Canonicals
from .questionnaire import CONDITIONS_GROUP, CONDITIONS_HEADING


def settled_conditions(screening: Screening) -> dict[str, bool]:
    """The checklist's condition questions (by linkId) whose answer the screening settles."""
    guidance = screening.guidance
    by_item = {item.id: item for item in guidance.contraindications}
    cannot_apply = {applies.id for na in screening.not_applicable
                    if (applies := by_item[na.item].applies_to) is not None and applies.id is not None}
    settled: dict[str, bool] = {}
    for consent in guidance.consent:
        condition = consent.applies_when
        if condition is None or condition.key in settled:
            continue
        if condition.applies_to is not None:
            if condition.applies_to in screening.answers:
                settled[condition.key] = screening.answers[condition.applies_to]
            elif condition.applies_to in cannot_apply:
                settled[condition.key] = False
        elif screening.proposal is not None and screening.proposal.indication is not None:
            settled[condition.key] = screening.proposal.indication in condition.indications
    return settled


def build_consent_draft(screening: Screening, response_id: str, subject: dict[str, str],
                        canon: Canonicals) -> dict[str, Any] | None:
    """An in-progress response to the checklist with the settled conditions, or None if none is settled."""
    settled = settled_conditions(screening)
    if not settled:
        return None
    questions = {c.applies_when.key: c.applies_when.question for c in screening.guidance.consent if c.applies_when}
    return {
        "resourceType": "QuestionnaireResponse",
        "id": response_id,
        "questionnaire": canon.versioned(canon.questionnaire),
        "status": "in-progress",
        "subject": subject,
        "authored": screening.date.isoformat(),
        "item": [{"linkId": CONDITIONS_GROUP, "text": CONDITIONS_HEADING, "item": [
            {"linkId": key, "text": questions[key], "answer": [{"valueBoolean": value}]}
            for key, value in settled.items()]}],
    }
