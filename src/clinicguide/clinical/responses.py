"""Clinician answers given as a FHIR QuestionnaireResponse to a guidance's screening questionnaire.

A response carries who answered (``author``) and when (``authored``) with the answers, so an
answer is recorded evidence like any other: the output names its source and its date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from .dates import fhir_date

#: Deeper item nesting than this answers no questionnaire of clinicguide's (they have two levels);
#: it is refused before the recursion runs out of stack.
MAX_ITEM_DEPTH = 32

#: A response in any of these states holds answers a clinician gave.
ANSWERED_STATES = ("completed", "amended", "in-progress")


@dataclass(frozen=True, slots=True)
class ResponseAnswers:
    """What a screening QuestionnaireResponse says: the questionnaire, the answers, who and when."""

    questionnaire: str
    answers: dict[str, bool]
    author: str | None
    authored: dt.date | None


def is_response(value: object) -> bool:
    """True for a mapping that declares itself a FHIR QuestionnaireResponse."""
    return isinstance(value, Mapping) and value.get("resourceType") == "QuestionnaireResponse"


def read_response(response: Mapping[str, Any]) -> ResponseAnswers:
    """The answers of a screening QuestionnaireResponse; every malformed part is an InputError naming its place."""
    status = response.get("status")
    if status not in ANSWERED_STATES:
        raise InputError(f"QuestionnaireResponse.status must be one of {', '.join(ANSWERED_STATES)}")
    questionnaire = response.get("questionnaire")
    if not isinstance(questionnaire, str) or not questionnaire:
        raise InputError("QuestionnaireResponse.questionnaire must name the screening questionnaire's canonical URL")
    answers: dict[str, bool] = {}
    for link_id, given in answers_by_link(response.get("item", []), "QuestionnaireResponse.item").items():
        if len(given) > 1:
            raise InputError(f"QuestionnaireResponse: the question {link_id!r} has more than one answer")
        if given:
            value = given[0].get("valueBoolean")
            if not isinstance(value, bool):
                raise InputError(f"QuestionnaireResponse: the answer to {link_id!r} must be a valueBoolean (yes or no)")
            answers[link_id] = value
    return ResponseAnswers(questionnaire, answers, _author(response.get("author")),
                           fhir_date(response.get("authored"), "QuestionnaireResponse.authored"))


def answers_by_link(items: Any, where: str, depth: int = 1) -> dict[str, list[Mapping[str, Any]]]:
    """Every answer of a response's items, nested ones included, by linkId; malformed items are refused."""
    if not isinstance(items, list):
        raise InputError(f"{where} must be a list")
    if items and depth > MAX_ITEM_DEPTH:
        raise InputError(f"{where} is nested more than {MAX_ITEM_DEPTH} levels deep")
    found: dict[str, list[Mapping[str, Any]]] = {}
    for index, item in enumerate(items):
        here = f"{where}[{index}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("linkId"), str):
            raise InputError(f"{here} needs a linkId")
        answers = item.get("answer", [])
        if not isinstance(answers, list) or not all(isinstance(a, Mapping) for a in answers):
            raise InputError(f"{here}.answer must be a list of answers")
        found.setdefault(item["linkId"], []).extend(answers)
        for link_id, nested in answers_by_link(item.get("item", []), f"{here}.item", depth + 1).items():
            found.setdefault(link_id, []).extend(nested)
    return found


def _author(author: Any) -> str | None:
    if author is None:
        return None
    if isinstance(author, Mapping):
        for key in ("reference", "display"):
            if isinstance(author.get(key), str) and author[key]:
                return str(author[key])
    raise InputError("QuestionnaireResponse.author must be a Reference with a reference or a display")


def check_signed_by(response: Mapping[str, Any], patient_id: str | None, on: dt.date) -> None:
    """Refuse a consent response authored after ``on`` or, when a patient is given, for another patient.

    Errors name the field, never the patient's values.

    :param patient_id: the id of the patient the consent is for; None when no patient was given.
    :param on: the date the consent is recorded.
    """
    authored = fhir_date(response.get("authored"), "QuestionnaireResponse.authored")
    if authored is not None and authored > on:
        raise InputError(f"QuestionnaireResponse.authored is after {on}, the date the consent is recorded; "
                         "a response cannot be signed in the future")
    if patient_id is None:
        return
    subject = response.get("subject")
    reference = subject.get("reference") if isinstance(subject, Mapping) else None
    if not isinstance(reference, str) or not (reference == f"Patient/{patient_id}" or
                                              reference.endswith(f"/Patient/{patient_id}")):
        raise InputError("QuestionnaireResponse.subject does not reference the patient given; a consent is recorded "
                         "only from the patient's own response")
