"""Clinician answers: their plain form, and the ids a guidance lets them settle."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..content.criteria_kinds import Criterion
from ..content.model import Guidance
from ..errors import InputError, UnknownName

_YES = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}


def parse_answers(answers: Mapping[str, Any] | None) -> dict[str, bool]:
    """Answers keyed by criterion id; values true/false or yes/no."""
    parsed: dict[str, bool] = {}
    if answers is not None and not isinstance(answers, Mapping):
        raise InputError("answers must map criterion ids to yes or no")
    for key, value in (answers or {}).items():
        if isinstance(value, bool):
            parsed[str(key)] = value
        elif isinstance(value, str) and value.lower() in _YES:
            parsed[str(key)] = _YES[value.lower()]
        else:
            raise InputError(f"answer to {key!r} must be yes or no")
    return parsed


def criterion_ids(criterion: Criterion | None) -> list[str]:
    """Ids an answer may be keyed by within ``criterion`` (its own and its parts')."""
    if criterion is None:
        return []
    ids = [criterion.id] if criterion.id else []
    for part in criterion.parts():
        ids += criterion_ids(part)
    return ids


def answer_keys(guidance: Guidance) -> set[str]:
    """Every id an answer may use: contraindication ids and ids inside their criteria."""
    keys = set()
    for item in guidance.contraindications:
        keys.add(item.id)
        keys.update(criterion_ids(item.criterion))
    return keys


def check_answers(guidance: Guidance, answers: Mapping[str, bool]) -> None:
    """Refuse answers keyed by ids the guidance does not have (a typo would otherwise be ignored)."""
    known = answer_keys(guidance)
    unknown = sorted(set(answers) - known)
    if unknown:
        raise UnknownName(f"answers name unknown criteria for {guidance.ref}: {', '.join(unknown)}", unknown, sorted(known),
                          "known criteria")
