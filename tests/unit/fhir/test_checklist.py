"""The consent checklist a patient reads: plain-word risk labels, each risk once, conditional statements."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from clinicguide.content.model import Frequency, Risk
from clinicguide.content.plain_words import FREQUENCY_WORDS, risk_label
from clinicguide.errors import ConsentIncomplete
from clinicguide.fhir.models import validate_resource
from clinicguide.guide import ClinicGuide

BASE = "https://clinicguide.org/fhir"
PREGNANCY_STATEMENTS = {"consent-pp-programme", "consent-pp-tests-before", "consent-pp-tests-during",
                        "consent-pp-contraception"}


@pytest.fixture(scope="module")
def guide() -> ClinicGuide:
    return ClinicGuide(canonical_base_url=BASE, entry_point_plugins=False)


def walk(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [found for item in items for found in (item, *walk(item.get("item", [])))]


def flat(checklist: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["linkId"]: item for item in walk(checklist["item"])}


@pytest.mark.parametrize("guidance_id", ["botulinum-toxin-glabellar", "ha-dermal-filler", "isotretinoin-oral",
                                         "laser-enlarged-pores", "microneedling", "salicylic-acid-topical"])
def test_risks_read_in_plain_words_and_appear_once(guide: ClinicGuide, guidance_id: str) -> None:
    checklist = guide.checklist(guidance_id)
    for version in ("R4", "R5"):
        validate_resource(guide.checklist(guidance_id, fhir_version=version), version)
    shown = [item for item in walk(checklist["item"]) if item["type"] == "display"]
    assert shown
    risk_ids = Counter(item["linkId"].split(".", 1)[1] for item in shown)
    assert [risk for risk, times in risk_ids.items() if times > 1] == []
    for item in shown:
        heading = item["text"].split(": ", 1)[0]
        assert heading.split(" (")[0] in ("Mild risk", "Moderate risk", "Serious risk"), item["text"]
        assert "unknown" not in heading and "Risk (" not in item["text"]


def test_every_disclosed_risk_is_shown(guide: ClinicGuide) -> None:
    doc = guide.library.get("isotretinoin-oral")
    disclosed = {risk for consent in doc.consent for risk in consent.discloses}
    shown = {link.split(".", 1)[1] for link, item in flat(guide.checklist("isotretinoin-oral")).items()
             if item["type"] == "display"}
    assert shown == disclosed


@pytest.mark.parametrize(("category", "words"), [("very-common", "more than 1 in 10 people"),
                                                 ("rare", "up to 1 in 1,000 people"), ("unknown", None)])
def test_risk_label_words(category: str, words: str | None) -> None:
    risk = Risk("risk-x", "Redness.", "severe", Frequency(category, text="a clinician's note on the figure"), ("S1",))
    label = risk_label(risk)
    assert label == (f"Serious risk ({category.replace('-', ' ')}: {words}): Redness." if words else "Serious risk: Redness.")
    assert "clinician's note" not in label
    assert set(FREQUENCY_WORDS) | {"unknown"} == {"expected", "very-common", "common", "uncommon", "rare", "very-rare",
                                                  "unknown"}


def test_conditional_statements_are_enabled_by_the_patients_answer(guide: ClinicGuide) -> None:
    items = flat(guide.checklist("isotretinoin-oral"))
    assert items["if-can-become-pregnant"] | {} == {"linkId": "if-can-become-pregnant", "text": "Can you become pregnant?",
                                                    "type": "boolean", "required": True}
    for link in PREGNANCY_STATEMENTS:
        assert items[link]["enableWhen"] == [{"question": "if-can-become-pregnant", "operator": "=", "answerBoolean": True}]
        assert not items[link]["text"].lower().startswith(("if ", "i understand that, if"))
    assert items["consent-off-label-pores"]["enableWhen"][0]["question"] == "if-ind-pores-oiliness"
    # Statements for everyone stay unconditional.
    assert "enableWhen" not in items["consent-pp-blood-donation"] and "enableWhen" not in items["consent-birth-defects"]


def _response(guide: ClinicGuide, answers: dict[str, Any]) -> dict[str, Any]:
    """A completed response that acknowledges every statement, with ``answers`` for the questions (None: omitted)."""
    items = flat(guide.checklist("isotretinoin-oral"))
    answered = []
    for link, item in items.items():
        if item["type"] != "boolean":
            continue
        value = answers.get(link, True)
        if value is not None:
            answered.append({"linkId": link, "answer": [{"valueBoolean": value} if isinstance(value, bool) else value]})
    return {"resourceType": "QuestionnaireResponse", "status": "completed",
            "questionnaire": f"{BASE}/Questionnaire/isotretinoin-oral-consent|{guide.library.get('isotretinoin-oral').version}",
            "subject": {"reference": "Patient/p1"}, "authored": "2026-12-01T09:00:00Z", "item": answered}


def _missing(guide: ClinicGuide, response: dict[str, Any]) -> set[str]:
    with pytest.raises(ConsentIncomplete) as caught:
        guide.consent("isotretinoin-oral", response)
    return {entry.split(" (")[0] for entry in caught.value.missing}


def test_a_no_disables_the_statements_it_conditions(guide: ClinicGuide) -> None:
    no = {"if-can-become-pregnant": False, "if-ind-pores-oiliness": False} | dict.fromkeys(PREGNANCY_STATEMENTS)
    no["consent-off-label-pores"] = None
    assert guide.consent("isotretinoin-oral", _response(guide, no))["status"] == "active"


def test_a_yes_requires_the_statements_it_conditions(guide: ClinicGuide) -> None:
    yes = {"if-can-become-pregnant": True} | dict.fromkeys(PREGNANCY_STATEMENTS)
    assert _missing(guide, _response(guide, yes)) == PREGNANCY_STATEMENTS


@pytest.mark.parametrize("answer", [None, {"valueInteger": 1}, {"valueBoolean": 1}, {"valueString": "no"}])
def test_a_condition_needs_one_yes_or_no(guide: ClinicGuide, answer: dict[str, Any] | None) -> None:
    # Unanswered, or not a boolean: the question is missing, and the statements it conditions are not
    # taken as not applying.
    response = _response(guide, {"if-can-become-pregnant": answer} | dict.fromkeys(PREGNANCY_STATEMENTS))
    assert _missing(guide, response) == {"if-can-become-pregnant"}


# -- the plan's draft response: the conditions the screening settles ---------------------------

def _draft(bundle: dict[str, Any]) -> dict[str, bool] | None:
    drafts = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"
              and e["resource"]["status"] == "in-progress"]
    if not drafts:
        return None
    (draft,) = drafts
    return {item["linkId"]: item["answer"][0]["valueBoolean"] for item in walk(draft["item"]) if "answer" in item}


def _patient(gender: str) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p1", "gender": gender, "birthDate": "1990-01-01"}}]}


@pytest.mark.parametrize("version", ["R4", "R5"])
def test_the_plan_fills_in_what_the_screening_settles(guide: ClinicGuide, version: str) -> None:
    bundle = guide.plan("isotretinoin-oral", _patient("male"), proposed={"dose": "20 mg/d", "indication": "ind-nodular-acne"},
                        date="2026-12-01", fhir_version=version).bundle
    # A patient recorded as male cannot become pregnant; the proposal is for nodular acne, not pores.
    assert _draft(bundle) == {"if-can-become-pregnant": False, "if-ind-pores-oiliness": False}
    draft = next(e["resource"] for e in bundle["entry"] if e["resource"].get("status") == "in-progress")
    validate_resource(draft, version)
    assert draft["questionnaire"].endswith("/Questionnaire/isotretinoin-oral-consent|"
                                           + guide.library.get("isotretinoin-oral").version)
    provenance = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Provenance")
    assert {"reference": f"urn:uuid:{draft['id']}"} in provenance["target"]


def test_what_the_screening_does_not_settle_is_left_to_the_patient(guide: ClinicGuide) -> None:
    # Recorded female, no answer, no indication: nothing is assumed, so there is nothing to fill in.
    assert _draft(guide.plan("isotretinoin-oral", _patient("female"), proposed={"dose": "20 mg/d"},
                             date="2026-12-01").bundle) is None
    # The clinician's answer settles it.
    answered = guide.plan("isotretinoin-oral", _patient("female"),
                          proposed={"dose": "20 mg/d", "indication": "ind-pores-oiliness"},
                          answers={"can-become-pregnant": True}, date="2026-12-01").bundle
    assert _draft(answered) == {"if-can-become-pregnant": True, "if-ind-pores-oiliness": True}


def test_guidance_without_conditional_statements_has_no_draft(guide: ClinicGuide) -> None:
    assert _draft(guide.plan("microneedling", _patient("male"), proposed={"params": {"needle-depth": "1.0 mm"}},
                             date="2026-12-01").bundle) is None
