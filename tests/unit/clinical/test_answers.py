"""Clinician answers: their plain form, and the ids of a guidance they may settle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clinicguide.clinical.answers import criterion_ids, parse_answers
from clinicguide.content.criteria_kinds import AgeTest, AllOf, Not, Question
from clinicguide.errors import InputError
from clinicguide.guide import ClinicGuide

ROOT = Path(__file__).resolve().parents[3]
DATE = "2026-12-01"
MARIA = json.loads((ROOT / "examples/patients/maria-lopez.json").read_text())
ADULT = {"id": "adult", "birthDate": "1990-06-15", "gender": "female"}


def test_answers_to_unknown_criteria_are_refused(guide: ClinicGuide) -> None:
    with pytest.raises(InputError, match=r"unknown criteria for microneedling\|1\.1\.0: ci-nope, q-other"):
        guide.plan("microneedling", MARIA, date=DATE, answers={"ci-nope": "yes", "q-other": "no", "ci-pregnancy": "no"})

def test_answer_to_another_guidance_criterion_is_refused(guide: ClinicGuide) -> None:
    with pytest.raises(InputError, match="q-site-inflammation"):  # a filler question, not microneedling's
        guide.plan("microneedling", MARIA, date=DATE, answers={"q-site-inflammation": "no"})

def test_answers_to_nested_criteria_are_accepted(guide: ClinicGuide) -> None:
    result = guide.plan("ha-dermal-filler", ADULT, date=DATE, answers={"q-site-inflammation": "yes"})
    finding = next(f for f in result.findings if f.item == "ci-site-infection-inflammation")
    assert finding.code == "contraindicated"

@pytest.mark.parametrize(("given", "parsed"), [
    ({"a": "yes", "b": "No", "c": True, "d": False, "e": "Y", "f": "n", "g": "TRUE", "h": "false"},
     {"a": True, "b": False, "c": True, "d": False, "e": True, "f": False, "g": True, "h": False}),
    (None, {}),
])
def test_parse_answers(given: dict[str, Any] | None, parsed: dict[str, bool]) -> None:
    assert parse_answers(given) == parsed

@pytest.mark.parametrize("value", ["maybe", "", 1, 0, None, ["yes"]])
def test_answers_must_be_yes_or_no(value: Any) -> None:
    with pytest.raises(InputError, match="'ci-pregnancy' must be yes or no"):
        parse_answers({"ci-pregnancy": value})


def test_criterion_ids_lists_every_answerable_id() -> None:
    test = AllOf((AgeTest(below=21), Not(Question("q-lips", "?"), id="n")), id="all")
    assert criterion_ids(test) == ["all", "n", "q-lips"]
    assert criterion_ids(None) == []
