"""Consent: a FHIR Consent only from a complete, completed checklist response; located errors otherwise."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from clinicguide.errors import ConsentIncomplete, InputError
from clinicguide.fhir.models import validate_resource
from clinicguide.fhir.questionnaire import required_items
from clinicguide.guide import ClinicGuide

ROOT = Path(__file__).resolve().parents[3]
BASE = "https://clinicguide.org/fhir"
COMPLETE = json.loads((ROOT / "examples/responses/microneedling-complete.json").read_text())
INCOMPLETE = json.loads((ROOT / "examples/responses/microneedling-incomplete.json").read_text())
CANONICAL = f"{BASE}/Questionnaire/microneedling-consent|1.1.0"


@pytest.fixture(scope="module")
def guide() -> ClinicGuide:
    return ClinicGuide(canonical_base_url=BASE, entry_point_plugins=False)


def response(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(COMPLETE)
    data.update(changes)
    return data


def answered(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["linkId"]: item for group in data["item"] for item in group["item"]}


def test_example_response_answers_the_current_checklist(guide: ClinicGuide) -> None:
    checklist = guide.checklist("microneedling")
    required = [i["linkId"] for i in required_items(checklist, {})]
    items = answered(COMPLETE)
    assert sorted(items) == sorted(required)
    assert all(item["answer"] == [{"valueBoolean": True}] for item in items.values())
    assert (COMPLETE["questionnaire"], COMPLETE["status"], COMPLETE["subject"], COMPLETE["authored"]) == (
        CANONICAL, "completed", {"reference": "Patient/maria-lopez"}, "2026-12-01T09:00:00Z")
    for version in ("R4", "R5"):
        validate_resource(COMPLETE, version)
        validate_resource(INCOMPLETE, version)


def test_complete_response_gives_an_active_r4_consent(guide: ClinicGuide) -> None:
    consent = guide.consent("microneedling", COMPLETE)
    validate_resource(consent, "R4")
    assert consent["status"] == "active"
    assert consent["patient"] == {"reference": "Patient/maria-lopez"}
    assert consent["scope"]["coding"][0]["code"] == "treatment"
    assert consent["category"] and consent["provision"] == {"type": "permit"}
    assert consent["policy"] == [{"uri": CANONICAL}]  # satisfies ppc-1 (policy or policyRule)
    assert consent["sourceReference"] == {"reference": "QuestionnaireResponse/maria-lopez-microneedling-consent"}
    assert consent["dateTime"] == "2026-12-01T09:00:00Z"
    assert "subject" not in consent and "decision" not in consent


def test_complete_response_gives_an_active_r5_consent(guide: ClinicGuide) -> None:
    consent = guide.consent("microneedling", COMPLETE, fhir_version="R5")
    validate_resource(consent, "R5")
    assert consent["status"] == "active" and consent["decision"] == "permit"
    assert consent["subject"] == {"reference": "Patient/maria-lopez"}
    assert "scope" not in consent and "patient" not in consent and "provision" not in consent
    assert consent["policyBasis"] == {"url": CANONICAL}
    assert consent["sourceReference"] == [{"reference": "QuestionnaireResponse/maria-lopez-microneedling-consent"}]
    assert consent["date"] == "2026-12-01"


def test_consent_is_deterministic(guide: ClinicGuide) -> None:
    assert guide.consent("microneedling", COMPLETE) == guide.consent("microneedling", copy.deepcopy(COMPLETE))
    assert guide.consent("microneedling", COMPLETE)["id"] != guide.consent("microneedling", COMPLETE, fhir_version="R5")["id"]


def missing_ids(error: ConsentIncomplete) -> list[str]:
    return [entry.split(" ", 1)[0] for entry in error.missing]


@pytest.mark.parametrize("version", ["R4", "R5"])
def test_incomplete_example_lists_exactly_what_is_missing(guide: ClinicGuide, version: str) -> None:
    with pytest.raises(ConsentIncomplete) as raised:
        guide.consent("microneedling", INCOMPLETE, fhir_version=version)
    assert missing_ids(raised.value) == ["consent-no-products", "consent-home-use"]
    assert "consent-no-products (I understand that skin products" in str(raised.value)
    assert isinstance(raised.value, InputError)


@pytest.mark.parametrize("link_id",
                         ["consent-procedure", "consent-pigmentation", "consent-infection-injury",
                          "consent-no-products", "consent-home-use"])
def test_one_false_item_is_missing(guide: ClinicGuide, link_id: str) -> None:
    data = response()
    answered(data)[link_id]["answer"] = [{"valueBoolean": False}]
    with pytest.raises(ConsentIncomplete) as raised:
        guide.consent("microneedling", data)
    assert missing_ids(raised.value) == [link_id]


@pytest.mark.parametrize("answer", [[], [{"valueString": "yes"}], [{"valueBoolean": True}, {"valueBoolean": False}]])
def test_an_item_without_a_single_true_answer_is_missing(guide: ClinicGuide, answer: list[dict[str, Any]]) -> None:
    data = response()
    answered(data)["consent-pigmentation"]["answer"] = answer
    with pytest.raises(ConsentIncomplete) as raised:
        guide.consent("microneedling", data)
    assert missing_ids(raised.value) == ["consent-pigmentation"]


def test_an_omitted_item_is_missing(guide: ClinicGuide) -> None:
    data = response()
    data["item"] = [g for g in data["item"] if g["linkId"] != "section-risks"]
    with pytest.raises(ConsentIncomplete) as raised:
        guide.consent("microneedling", data)
    assert missing_ids(raised.value) == ["consent-pigmentation", "consent-infection-injury", "consent-no-products"]


def test_flat_response_items_are_accepted(guide: ClinicGuide) -> None:
    data = response(item=[item for group in COMPLETE["item"] for item in group["item"]])
    assert guide.consent("microneedling", data)["status"] == "active"


@pytest.mark.parametrize("canonical", [
    f"{BASE}/Questionnaire/microneedling-consent|0.9.0",
    f"{BASE}/Questionnaire/microneedling-consent",
    f"{BASE}/Questionnaire/ha-dermal-filler-consent|1.1.0",
    "https://elsewhere.example/fhir/Questionnaire/microneedling-consent|1.1.0",
    None,
])
def test_wrong_questionnaire_is_refused(guide: ClinicGuide, canonical: str | None) -> None:
    with pytest.raises(InputError, match="not the checklist") as raised:
        guide.consent("microneedling", response(questionnaire=canonical))
    assert not isinstance(raised.value, ConsentIncomplete)


def test_response_for_another_guidance_is_refused(guide: ClinicGuide) -> None:
    with pytest.raises(InputError, match="ha-dermal-filler-consent"):
        guide.consent("ha-dermal-filler", COMPLETE)


def test_canonical_base_must_match_the_response() -> None:
    guide = ClinicGuide(canonical_base_url="https://clinic.example/fhir", entry_point_plugins=False)
    with pytest.raises(InputError, match=r"not the checklist https://clinic\.example/fhir/Questionnaire/microneedling-consent"):
        guide.consent("microneedling", COMPLETE)


@pytest.mark.parametrize("status", ["in-progress", "amended", "stopped", "entered-in-error", None])
def test_response_must_be_completed(guide: ClinicGuide, status: str | None) -> None:
    with pytest.raises(InputError, match="status must be 'completed'"):
        guide.consent("microneedling", response(status=status))


def test_unknown_link_id_is_refused(guide: ClinicGuide) -> None:
    data = response()
    data["item"][0]["item"].append({"linkId": "consent-waiver", "answer": [{"valueBoolean": True}]})
    with pytest.raises(InputError, match="items the checklist does not: 'consent-waiver'"):
        guide.consent("microneedling", data)


@pytest.mark.parametrize("data", [
    {"resourceType": "Patient", "id": "maria-lopez"},
    {"resourceType": "Questionnaire"},
    [COMPLETE],
    "examples/responses/microneedling-complete.json",
    None,
])
def test_not_a_questionnaire_response(guide: ClinicGuide, data: Any) -> None:
    with pytest.raises(InputError, match="must be a FHIR QuestionnaireResponse"):
        guide.consent("microneedling", data)


@pytest.mark.parametrize(("change", "message"), [
    ({"item": {"linkId": "x"}}, r"QuestionnaireResponse.item must be a list"),
    ({"item": [{"text": "no link"}]}, r"QuestionnaireResponse.item\[0\] needs a linkId"),
    ({"item": [{"linkId": "section-procedure", "item": [{"linkId": "consent-procedure", "answer": True}]}]},
     r"QuestionnaireResponse.item\[0\].item\[0\].answer must be a list"),
    ({"subject": None}, "subject must reference the patient"),
    ({"subject": {"display": "Maria"}}, "subject must reference the patient"),
])
def test_malformed_response_is_located(guide: ClinicGuide, change: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        guide.consent("microneedling", response(**change))
