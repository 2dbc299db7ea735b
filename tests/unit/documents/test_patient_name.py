"""The patient's name a document prints, from a FHIR Bundle or the plain mapping; hostile values are tamed."""

from __future__ import annotations

from typing import Any

import pytest

from clinicguide.documents.patient import MAX_NAME, patient_name


def _bundle(name: Any) -> dict[str, Any]:
    return {"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient", "name": name}}]}


@pytest.mark.parametrize(("data", "name"), [
    (_bundle([{"family": "Lopez", "given": ["Maria", "Ana"]}]), "Maria Ana Lopez"),
    (_bundle([{"text": "Dr Maria Lopez"}, {"family": "Other"}]), "Dr Maria Lopez"),
    ({"id": "p1", "name": "Maria Lopez"}, None),  # the plain mapping has no name field
    ({"resourceType": "Patient", "name": [{"given": ["Maria"]}]}, "Maria"),
    (_bundle("not a list"), None), (_bundle([7, {"given": [None]}]), None), ({"id": "p1"}, None), ([], None),
    ({"resourceType": "Bundle", "entry": "x"}, None),
])
def test_name(data: Any, name: str | None) -> None:
    assert patient_name(data) == name


def test_control_characters_are_dropped_and_length_bounded() -> None:
    assert patient_name(_bundle([{"text": "Maria\x1b[31m Lopez\x07\n"}])) == "Maria[31m Lopez"
    assert patient_name(_bundle([{"text": "\x1b\x00 "}])) is None
    assert len(patient_name(_bundle([{"text": "x" * 10_000}])) or "") == MAX_NAME
