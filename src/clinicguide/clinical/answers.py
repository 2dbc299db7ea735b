"""Clinician answers: their plain form, who gave them and when, and the ids a guidance lets them settle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

from ..content.criteria_kinds import Criterion, EvidenceTest
from ..content.model import Guidance
from ..errors import InputError, UnknownName
from .memo import PerObject

_YES = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}


class Answers(Mapping[str, bool]):
    """Answers keyed by criterion id, with who gave them and when: an answer is recorded evidence.

    A plain mapping to everything that reads answers (plugins, the FHIR writers), so code that
    knows nothing of ``by`` and ``at`` keeps working; the findings that quote an answer name both.
    """

    __slots__ = ("_at", "_by", "_given")

    def __init__(self, given: Mapping[str, bool] | None = None, *, by: str | None = None,
                 at: dt.date | None = None) -> None:
        self._given: Mapping[str, bool] = MappingProxyType(dict(given or {}))  # read-only: plugins receive it
        self._by = by
        self._at = at

    @property
    def by(self) -> str | None:
        """Who answered, as the host names them; None when not stated."""
        return self._by

    @property
    def at(self) -> dt.date | None:
        """When the answers were given; None when not stated."""
        return self._at

    def __getitem__(self, key: str) -> bool:
        return self._given[key]

    def __contains__(self, key: object) -> bool:  # asked for every criterion: no exception on a miss
        return key in self._given

    def __iter__(self) -> Iterator[str]:
        return iter(self._given)

    def __len__(self) -> int:
        return len(self._given)

    def __repr__(self) -> str:
        return f"Answers({self._given!r}, by={self._by!r}, at={self._at!r})"


def answer_text(ident: str, answer: bool, answers: Mapping[str, bool]) -> str:
    """How findings quote an answer: ``clinician answer x=no``, with who and when where known."""
    text = f"clinician answer {ident}={'yes' if answer else 'no'}"
    if isinstance(answers, Answers) and (answers.by or answers.at):
        text += f" ({', '.join(part for part in (answers.by, answers.at and answers.at.isoformat()) if part)})"
    return text


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


def parse_answered_by(value: Any) -> str | None:
    """Who answered: a name or role as text, or None when not stated."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InputError("answered_by must be the name or role of who answered, as text")
    return value.strip()


def criterion_ids(criterion: Criterion | None) -> list[str]:
    """Ids an answer may be keyed by within ``criterion`` (its own and its parts').

    The tests an ``evidence`` criterion pools are not answered one by one: an answer settles
    the state they record, through the evidence criterion's id (the validator refuses ids
    inside it, CG318).
    """
    if criterion is None:
        return []
    ids = [criterion.id] if criterion.id else []
    if isinstance(criterion, EvidenceTest):
        return ids
    for part in criterion.parts():
        ids += criterion_ids(part)
    return ids


def answer_keys(guidance: Guidance) -> set[str]:
    """Every id an answer may use: contraindication ids, and ids inside their criteria and ``applies_to``."""
    return set(_answer_keys(guidance))


def _keys_of(guidance: Guidance) -> frozenset[str]:
    keys = set()
    for item in guidance.contraindications:
        keys.add(item.id)
        keys.update(criterion_ids(item.criterion))
        keys.update(criterion_ids(item.applies_to))
    return frozenset(keys)


_answer_keys: PerObject[Guidance, frozenset[str]] = PerObject(_keys_of)


def check_answers(guidance: Guidance, answers: Mapping[str, bool]) -> None:
    """Refuse answers keyed by ids the guidance does not have (a typo would otherwise be ignored)."""
    known = _answer_keys(guidance)
    unknown = sorted(set(answers) - known)
    if unknown:
        raise UnknownName(f"answers name unknown criteria for {guidance.ref}: {', '.join(unknown)}", unknown, sorted(known),
                          "known criteria")
