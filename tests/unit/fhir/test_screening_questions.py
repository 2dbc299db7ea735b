"""The screening questionnaire, and answers given as a QuestionnaireResponse to it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clinicguide import ClinicGuide
from clinicguide.clinical.answers import answer_keys
from clinicguide.errors import InputError
from clinicguide.fhir.models import validate_resource

ROOT = Path(__file__).resolve().parents[3]
MARIA = json.loads((ROOT / "examples/patients/maria-lopez.json").read_text())
DATE = "2026-12-01"
SCREENING = "https://clinicguide.org/fhir/Questionnaire/microneedling-screening"


@pytest.fixture(scope="module")
def guide() -> ClinicGuide:
    return ClinicGuide(entry_point_plugins=False)


def response(items: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"resourceType": "QuestionnaireResponse", "status": "completed", "questionnaire": f"{SCREENING}|1.1.0",
            "item": items, **extra}


def _nested(depth: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for level in range(depth):
        items = [{"linkId": f"level-{level}", "item": items}]
    return items


def no(link_id: str) -> dict[str, Any]:
    return {"linkId": link_id, "answer": [{"valueBoolean": False}]}


@pytest.mark.parametrize("fhir", ["R4", "R5"])
def test_every_guidance_has_a_valid_screening_questionnaire_whose_items_are_answer_keys(guide: ClinicGuide, fhir: str) -> None:
    for gid in guide.library.ids():
        questionnaire = guide.questions(gid, fhir_version=fhir)
        validate_resource(questionnaire, fhir)
        guidance = guide.library.get(gid)
        assert questionnaire["url"].endswith(f"/Questionnaire/{gid}-screening")
        assert questionnaire["version"] == guidance.version
        link_ids = [item["linkId"] for item in questionnaire["item"]]
        assert len(link_ids) == len(set(link_ids)) and set(link_ids) <= answer_keys(guidance)
        asked = {c.id: c.question for c in guidance.contraindications}
        assert {i["linkId"]: i["text"] for i in questionnaire["item"] if i["linkId"] in asked} == asked


def test_answers_from_a_response_decide_like_answers_by_id(guide: ClinicGuide) -> None:
    by_id = guide.plan("microneedling", MARIA, date=DATE, answers={"ci-pregnancy": "no", "ci-breastfeeding": "no"})
    by_response = guide.plan("microneedling", MARIA, date=DATE,
                             answers=response([no("ci-pregnancy"), {"linkId": "ci-open-wounds"}, no("ci-breastfeeding")]))
    assert by_response.summary()["findings"] == by_id.summary()["findings"]
    assert by_response.summary()["answers"] == by_id.summary()["answers"] == [
        {"item": "ci-breastfeeding", "answer": "no", "question": "Is the patient breastfeeding?"},
        {"item": "ci-pregnancy", "answer": "no", "question": "Is the patient pregnant, or could the patient be pregnant?"}]


def test_the_bundle_records_who_answered_and_when(guide: ClinicGuide) -> None:
    given = response([no("ci-pregnancy")], author={"reference": "Practitioner/dr-ames"}, authored="2026-11-30T09:15:00Z")
    bundle = guide.plan("microneedling", MARIA, date=DATE, answers=given, fhir_version="R5").bundle
    [answers] = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    validate_resource(answers, "R5")
    assert answers["questionnaire"] == f"{SCREENING}|1.1.0"
    assert (answers["author"], answers["authored"]) == ({"reference": "Practitioner/dr-ames"}, "2026-11-30")
    assert answers["item"] == [{"linkId": "ci-pregnancy", "text": "Is the patient pregnant, or could the patient be pregnant?",
                                "answer": [{"valueBoolean": False}]}]
    named = guide.plan("microneedling", MARIA, date=DATE, answers=response([no("ci-pregnancy")], author={"display": "Dr Ames"}))
    [entry] = [e["resource"] for e in named.bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"]
    assert entry["author"] == {"display": "Dr Ames"} and entry["authored"] == DATE  # no date given: the procedure date


@pytest.mark.parametrize(("given", "message"), [
    (response([no("ci-pregnancy")], questionnaire="https://clinicguide.org/fhir/Questionnaire/microneedling-consent"),
     "must answer the screening questionnaire"),
    (response([no("ci-pregnancy")], status="entered-in-error"), "status must be one of"),
    (response([no("ci-pregnancy"), no("ci-pregnancy")]), "more than one answer"),
    (response([{"linkId": "ci-pregnancy", "answer": [{"valueString": "no"}]}]), "must be a valueBoolean"),
    (response([{"linkId": "ci-pregnancy", "answer": [{"valueBoolean": True}, {"valueBoolean": False}]}]), "more than one answer"),
    (response([{"text": "no link"}]), "needs a linkId"),
    (response([no("ci-pregnancy")], author="Dr Ames"), "author must be a Reference"),
    (response([no("ci-nope")]), "unknown criteria"),
    ({k: v for k, v in response([no("ci-pregnancy")]).items() if k != "questionnaire"}, "must name the screening questionnaire"),
    (response(_nested(40)), "nested more than 32"),
])
def test_a_malformed_response_is_an_input_error_naming_the_place(guide: ClinicGuide, given: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        guide.plan("microneedling", MARIA, date=DATE, answers=given)
