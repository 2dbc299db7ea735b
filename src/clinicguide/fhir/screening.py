"""The screening questionnaire of a guidance, and the clinician's answers as a response to it."""

from __future__ import annotations

from typing import Any

from ..clinical.questions import ScreeningQuestion, screening_questions
from ..clinical.screening import Screening
from ..content.model import Guidance
from .common import Canonicals, FhirVersion
from .questionnaire import questionnaire_header


def _item(question: ScreeningQuestion) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": question.id, "text": question.text, "type": "boolean"}
    if question.enabled_by is not None:
        # Asked when the patient can be one it applies to, or when nobody has said (the record decides).
        item["enableWhen"] = [{"question": question.enabled_by, "operator": "=", "answerBoolean": True},
                              {"question": question.enabled_by, "operator": "exists", "answerBoolean": False}]
        item["enableBehavior"] = "any"
    return item


def build_screening_questionnaire(guidance: Guidance, canon: Canonicals, version: FhirVersion) -> dict[str, Any]:
    """Every yes/no question the engine may ask for ``guidance``; answers are keyed by linkId."""
    questionnaire = questionnaire_header(guidance, canon, canon.screening_questionnaire, version, "Screening",
                                         f"Screening questions: {guidance.title}",
                                         "Questions for the clinician when the record cannot decide.")
    questionnaire["item"] = [_item(q) for q in screening_questions(guidance)]
    return questionnaire


def build_answers_response(screening: Screening, response_id: str, subject: dict[str, str],
                           canon: Canonicals) -> dict[str, Any]:
    """The answers the screening used, as a completed response to the screening questionnaire."""
    texts = {q.id: q.text for q in screening_questions(screening.guidance)}
    rank = {link_id: n for n, link_id in enumerate(texts)}
    answered = sorted(screening.answers.items(), key=lambda pair: (rank.get(pair[0], len(rank)), pair[0]))
    response: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": response_id,
        "questionnaire": canon.versioned(canon.screening_questionnaire),
        "status": "completed",
        "subject": subject,
        "authored": (screening.answered_at or screening.date).isoformat(),
        "item": [{"linkId": link_id, **({"text": texts[link_id]} if link_id in texts else {}),
                  "answer": [{"valueBoolean": value}]} for link_id, value in answered],
    }
    if screening.answered_by:
        by = screening.answered_by
        response["author"] = {"reference": by} if _is_reference(by) else {"display": by}
    return response


def _is_reference(text: str) -> bool:
    kind, _, ident = text.partition("/")
    return kind in ("Practitioner", "PractitionerRole", "Patient", "RelatedPerson", "Organization") and bool(ident)
