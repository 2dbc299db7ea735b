"""Clinician answers given as a FHIR QuestionnaireResponse to a guidance's screening questionnaire.

A response carries who answered (``author``) and when (``authored``) with the answers, so an
answer is recorded evidence like any other: the output names its source and its date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import InputError
from .dates import fhir_date

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
    for where, link_id, value in _answered(response.get("item", []), "QuestionnaireResponse.item"):
        if link_id in answers:
            raise InputError(f"{where}: the question {link_id!r} is answered twice")
        answers[link_id] = value
    return ResponseAnswers(questionnaire, answers, _author(response.get("author")),
                           fhir_date(response.get("authored"), "QuestionnaireResponse.authored"))


def _answered(items: Any, where: str) -> Iterator[tuple[str, str, bool]]:
    if not isinstance(items, list):
        raise InputError(f"{where} must be a list")
    for index, item in enumerate(items):
        here = f"{where}[{index}]"
        if not isinstance(item, Mapping) or not isinstance(item.get("linkId"), str):
            raise InputError(f"{here} must be an item with a linkId")
        answer = item.get("answer", [])
        if not isinstance(answer, list) or len(answer) > 1:
            raise InputError(f"{here}.answer must hold at most one answer")
        if answer:
            value = answer[0].get("valueBoolean") if isinstance(answer[0], Mapping) else None
            if not isinstance(value, bool):
                raise InputError(f"{here}.answer[0] must be a valueBoolean (yes or no)")
            yield here, item["linkId"], value
        yield from _answered(item.get("item", []), f"{here}.item")


def _author(author: Any) -> str | None:
    if author is None:
        return None
    if isinstance(author, Mapping):
        for key in ("reference", "display"):
            if isinstance(author.get(key), str) and author[key]:
                return str(author[key])
    raise InputError("QuestionnaireResponse.author must be a Reference with a reference or a display")
