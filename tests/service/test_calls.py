"""Service calls: orders matched to guidance, cards from the decision, prefetch or the FHIR server, 412."""

from __future__ import annotations

import copy
from typing import Any

from cds_ehr import (
    CANONICAL,
    Ehr,
    FhirServer,
    Signer,
    TestClient,
    hook_request,
    medication_order,
    patient_resources,
    prefetch_for,
)

SIGN = "clinicguide-order-sign"
SELECT = "clinicguide-order-select"
PREGNANT = "anna-berg"


def _pregnant_call(ehr: Ehr, **extra: Any) -> dict[str, Any]:
    resources = patient_resources("pregnant-patient")
    prefetch = prefetch_for(ehr.templates(), resources, PREGNANT)
    return hook_request("order-sign", PREGNANT, [medication_order(PREGNANT)], prefetch=prefetch, **extra)


def test_the_pregnant_patient_s_isotretinoin_order_gets_a_critical_card_with_sources_and_version(ehr: Ehr) -> None:
    cards = ehr.call(SIGN, _pregnant_call(ehr))["cards"]
    assert len(cards) == 1
    card = cards[0]
    assert card["indicator"] == "critical"
    assert "contraindicated" in card["summary"].lower()
    detail = card["detail"]
    assert "`isotretinoin-oral|1.1.0`" in detail
    assert "`ci-pregnancy`" in detail and "Observation/anna\\-pregnancy\\-status" not in detail
    assert "Observation/anna-pregnancy-status (2026-12-01)" in detail
    assert "(https://dailymed.nlm.nih.gov/" in detail  # a source with its URL
    # known findings come before the open questions
    assert detail.index("**Known findings**") < detail.index("ci-pregnancy") < detail.index("**Open questions**")
    assert card["source"]["topic"]["code"] == "isotretinoin-oral"
    assert card["source"]["label"].endswith("1.1.0")
    assert "suggestions" not in card  # nothing to suggest for a contraindicated order
    assert card["links"][0]["url"].endswith("/guidance/isotretinoin-oral/1.1.0/screening-questionnaire")


def test_the_linked_screening_questionnaire_is_served(ehr: Ehr) -> None:
    card = ehr.call(SIGN, _pregnant_call(ehr))["cards"][0]
    path = card["links"][0]["url"].removeprefix("https://cds.example.org/clinic")
    questionnaire = ehr.client.get(path).json()
    assert questionnaire["resourceType"] == "Questionnaire"
    assert questionnaire["url"] == f"{CANONICAL}/Questionnaire/isotretinoin-oral-screening"
    assert ehr.client.get("/guidance/isotretinoin-oral/9.9.9/screening-questionnaire").status_code == 404


def test_the_linked_patient_documents_are_served(ehr: Ehr) -> None:
    card = ehr.call(SIGN, _pregnant_call(ehr))["cards"][0]
    links = {link["label"].split(":")[0]: link["url"] for link in card["links"]}
    assert links["Consent form (PDF)"].endswith("/guidance/isotretinoin-oral/1.1.0/documents/consent?date=2026-12-01&format=pdf")
    assert links["Aftercare handout (PDF)"].endswith("/documents/aftercare?date=2026-12-01&format=pdf")
    assert all(link["type"] == "absolute" for link in card["links"])
    html = ehr.client.get("/guidance/isotretinoin-oral/1.1.0/documents/consent?date=2026-12-01")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "isotretinoin-oral|1.1.0" in html.text and "type=\"checkbox\"" in html.text
    for path, status in (("/guidance/isotretinoin-oral/9.9.9/documents/consent", 404),
                         ("/guidance/isotretinoin-oral/1.1.0/documents/letter", 404),
                         ("/guidance/isotretinoin-oral/1.1.0/documents/consent?date=yesterday", 400),
                         ("/guidance/isotretinoin-oral/1.1.0/documents/consent?format=docx", 400),
                         ("/guidance/isotretinoin-oral/1.1.0/documents/consent?patient=anna", 400)):
        answer = ehr.client.get(path)
        assert answer.status_code == status, path
        assert answer.json()["resourceType"] == "OperationOutcome"


def test_the_same_call_gives_the_same_cards_and_another_call_other_uuids(ehr: Ehr) -> None:
    body = _pregnant_call(ehr)
    first = ehr.call(SIGN, body)
    assert ehr.call(SIGN, copy.deepcopy(body)) == first
    other = ehr.call(SIGN, {**body, "hookInstance": "0b6c41c5-3d7e-4a55-9d47-0f3f3f1d2a10"})
    assert other["cards"][0]["uuid"] != first["cards"][0]["uuid"]
    assert other["cards"][0]["detail"] == first["cards"][0]["detail"]


def test_without_prefetch_the_service_reads_the_ehr_s_fhir_server(ehr: Ehr, fhir_server: FhirServer) -> None:
    body = hook_request("order-sign", PREGNANT, [medication_order(PREGNANT)], fhirServer=fhir_server.base,
                        fhirAuthorization={"access_token": fhir_server.token, "token_type": "Bearer", "expires_in": 300,
                                           "scope": "user/*.read", "subject": "clinicguide"})
    with_prefetch = ehr.call(SIGN, _pregnant_call(ehr, instance=body["hookInstance"]))
    cards = ehr.call(SIGN, body)["cards"]
    assert cards[0]["indicator"] == "critical" and cards == with_prefetch["cards"]
    paths = [path for path, _ in fhir_server.requests]
    assert "/fhir/Patient/anna-berg" in paths
    assert any(p.startswith("/fhir/Observation?patient=anna-berg&code=") for p in paths)
    assert all(auth == f"Bearer {fhir_server.token}" for _, auth in fhir_server.requests)


def test_only_the_missing_prefetch_keys_are_read_from_the_server(ehr: Ehr, fhir_server: FhirServer) -> None:
    body = _pregnant_call(ehr)
    del body["prefetch"]["observations"]
    body.update(fhirServer=fhir_server.base, fhirAuthorization={"access_token": fhir_server.token, "token_type": "Bearer",
                                                                  "expires_in": 300, "scope": "x", "subject": "y"})
    assert ehr.call(SIGN, body)["cards"][0]["indicator"] == "critical"
    assert [p.split("?")[0] for p, _ in fhir_server.requests] == ["/fhir/Observation"]


def test_without_prefetch_or_a_fhir_server_the_answer_is_412(ehr: Ehr) -> None:
    body = _pregnant_call(ehr)
    del body["prefetch"]["patient"]
    outcome = ehr.call(SIGN, body, status=412)
    assert "patient" in outcome["issue"][0]["diagnostics"]
    ehr.call(SIGN, hook_request("order-sign", PREGNANT, [medication_order(PREGNANT)]), status=412)


def test_a_fhir_server_that_refuses_the_token_gives_412(ehr: Ehr, fhir_server: FhirServer) -> None:
    body = hook_request("order-sign", PREGNANT, [medication_order(PREGNANT)], fhirServer=fhir_server.base,
                        fhirAuthorization={"access_token": "wrong", "token_type": "Bearer", "expires_in": 300,
                                           "scope": "x", "subject": "y"})
    assert "401" in ehr.call(SIGN, body, status=412)["issue"][0]["diagnostics"]


def test_an_order_no_guidance_matches_gets_no_card_and_reads_no_patient_data(ehr: Ehr) -> None:
    order = medication_order(PREGNANT, code="161")  # acetaminophen: no guidance for it
    assert ehr.call(SIGN, hook_request("order-sign", PREGNANT, [order]))["cards"] == []


def test_order_select_decides_only_the_selected_orders(ehr: Ehr) -> None:
    resources = patient_resources("pregnant-patient")
    prefetch = prefetch_for(ehr.templates(SELECT), resources, PREGNANT)
    orders = [medication_order(PREGNANT, ident="iso-1"), medication_order(PREGNANT, ident="iso-2", dose=None)]
    body = hook_request("order-select", PREGNANT, orders, prefetch=prefetch, selections=["MedicationRequest/iso-2"])
    cards = ehr.call(SELECT, body)["cards"]
    assert len(cards) == 1 and "MedicationRequest/iso\\-2" not in cards[0]["detail"]
    assert "MedicationRequest/iso-2" in cards[0]["detail"]
    assert "the order states no dose" in cards[0]["detail"]


def test_a_service_request_matches_by_canonical_and_its_parameters_are_checked(ehr: Ehr) -> None:
    patient = "maria-lopez"
    resources = patient_resources("maria-lopez")
    prefetch = prefetch_for(ehr.templates(), resources, patient)
    order = {"resourceType": "ServiceRequest", "id": "mn-1", "status": "draft", "intent": "order",
             "subject": {"reference": f"Patient/{patient}"}, "occurrenceDateTime": "2026-12-01",
             "instantiatesCanonical": [f"{CANONICAL}/PlanDefinition/microneedling"],
             "extension": [{"url": f"{CANONICAL}/StructureDefinition/procedure-parameter",
                            "extension": [{"url": "name", "valueCode": "needle-depth"},
                                          {"url": "value", "valueQuantity": {"value": 3.5, "unit": "mm",
                                                                             "system": "http://unitsofmeasure.org",
                                                                             "code": "mm"}}]}]}
    card = ehr.call(SIGN, hook_request("order-sign", patient, [order], prefetch=prefetch))["cards"][0]
    assert card["source"]["topic"]["code"] == "microneedling"
    assert "needle\\-depth" not in card["detail"] and "needle-depth 3\\.5 mm" in card["detail"]
    assert "dose-above-range" in card["detail"] or "over-maximum" in card["detail"]
    assert card["indicator"] in ("warning", "critical")


def _all_no(ehr: Ehr, guidance: str, patient: str, authored: str = "2026-12-01") -> dict[str, Any]:
    """The clinician's answers to the guidance's screening questionnaire: no to every question."""
    questionnaire = ehr.client.get(f"/guidance/{guidance}/1.1.0/screening-questionnaire").json()

    def answer(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"linkId": i["linkId"], **({"answer": [{"valueBoolean": False}]} if i["type"] == "boolean" else {}),
                 **({"item": answer(i["item"])} if "item" in i else {})} for i in items]

    return {"resourceType": "QuestionnaireResponse", "id": f"qr-{guidance}", "status": "completed",
            "questionnaire": questionnaire["url"], "subject": {"reference": f"Patient/{patient}"}, "authored": authored,
            "author": {"display": "Dr A. Lee"}, "item": answer(questionnaire["item"])}


def _procedure(patient: str, guidance: str, ident: str) -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "id": ident, "status": "draft", "intent": "order",
            "subject": {"reference": f"Patient/{patient}"}, "occurrenceDateTime": "2026-12-01",
            "instantiatesCanonical": [f"{CANONICAL}/PlanDefinition/{guidance}|1.1.0"]}


def test_answers_come_from_the_screening_questionnaire_response(ehr: Ehr) -> None:
    from fhir.resources.R4B.task import Task

    patient = "sam-okafor"
    resources = patient_resources("sam-okafor")
    order = _procedure(patient, "salicylic-acid-topical", "sa-1")
    unanswered = ehr.call(SIGN, hook_request("order-sign", patient, [order],
                                             prefetch=prefetch_for(ehr.templates(), resources, patient)))["cards"][0]
    assert unanswered["indicator"] == "warning" and "open question" in unanswered["summary"]
    assert "suggestions" not in unanswered

    prefetch = prefetch_for(ehr.templates(), resources + [_all_no(ehr, "salicylic-acid-topical", patient)], patient)
    card = ehr.call(SIGN, hook_request("order-sign", patient, [order], prefetch=prefetch))["cards"][0]
    assert card["indicator"] == "info", card["detail"]
    assert "**Checked**: 2 contraindications" in card["detail"]
    assert "**Open questions**\n\n- none" in card["detail"]
    assert card["selectionBehavior"] == "at-most-one"
    task = card["suggestions"][0]["actions"][0]["resource"]
    Task.model_validate(task)  # a valid R4 Task, checked by the fhir.resources models
    assert task["for"] == {"reference": f"Patient/{patient}"} and task["basedOn"] == [{"reference": "ServiceRequest/sa-1"}]
    assert task["input"][0]["valueCanonical"] == f"{CANONICAL}/Questionnaire/salicylic-acid-topical-consent|1.1.0"


def test_a_caution_is_a_warning_card_that_still_suggests_the_consent_task(ehr: Ehr) -> None:
    patient = "maria-lopez"
    answers = _all_no(ehr, "laser-enlarged-pores", patient)
    # her record shows a history of cold sores: the answers leave that question to the record
    answers["item"] = [i for i in answers["item"] if i["linkId"] != "ci-hsv-history"]
    resources = patient_resources("maria-lopez") + [answers]
    order = _procedure(patient, "laser-enlarged-pores", "laser-1")
    card = ehr.call(SIGN, hook_request("order-sign", patient, [order],
                                       prefetch=prefetch_for(ehr.templates(), resources, patient)))["cards"][0]
    assert card["indicator"] == "warning" and "caution" in card["summary"]
    assert "relative-contraindication" in card["detail"] and "`ci-hsv-history`" in card["detail"]
    assert card["suggestions"] and card["selectionBehavior"] == "at-most-one"


def test_a_recorded_positive_is_not_erased_by_a_no_in_the_questionnaire_response(ehr: Ehr) -> None:
    patient = "maria-lopez"
    resources = patient_resources("maria-lopez") + [_all_no(ehr, "laser-enlarged-pores", patient)]
    order = _procedure(patient, "laser-enlarged-pores", "laser-1")
    card = ehr.call(SIGN, hook_request("order-sign", patient, [order],
                                       prefetch=prefetch_for(ehr.templates(), resources, patient)))["cards"][0]
    assert card["indicator"] == "warning" and "record-conflict" in card["detail"]
    assert "suggestions" not in card


def test_metrics_count_requests_latency_and_cards_by_indicator(ehr: Ehr) -> None:
    ehr.call(SIGN, _pregnant_call(ehr))
    metrics = ehr.client.get("/metrics").text
    assert 'clinicguide_cards_total{indicator="critical"} 1.0' in metrics
    assert 'clinicguide_requests_total{endpoint="call",status="200"} 1.0' in metrics
    assert 'clinicguide_request_seconds_bucket{endpoint="call",le="0.05"}' in metrics


def test_a_fhir_server_off_the_allow_list_or_over_plain_http_elsewhere_gives_412(config: Any, guide: Any,
                                                                                signer: Signer) -> None:
    import dataclasses

    from clinicguide.service.app import create_app

    access = {"access_token": "t", "token_type": "Bearer", "expires_in": 300, "scope": "x", "subject": "y"}
    listed = dataclasses.replace(config, fhir_servers=("https://ehr.example.org/fhir",))
    for settings, server, expected in ((listed, "https://other.example.org/fhir", "not one this service"),
                                       (listed, "https://ehr.example.org/fhir-evil", "not one this service"),
                                       (config, "http://ehr.example.org/fhir", "must be an https URL")):
        with TestClient(create_app(settings, guide=guide)) as client:
            body = hook_request("order-sign", PREGNANT, [medication_order(PREGNANT)], fhirServer=server,
                                fhirAuthorization=access)
            outcome = Ehr(client, signer).call(SIGN, body, status=412)
            assert expected in outcome["issue"][0]["diagnostics"]


def test_a_paged_or_failed_prefetch_is_read_from_the_server_or_answered_412(ehr: Ehr) -> None:
    body = _pregnant_call(ehr)
    body["prefetch"]["observations"]["link"] = [{"relation": "next", "url": "https://ehr.example.org/fhir/Observation?p=2"}]
    assert "observations" in ehr.call(SIGN, body, status=412)["issue"][0]["diagnostics"]
    body = _pregnant_call(ehr)
    body["prefetch"]["conditions"] = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "timeout"}]}
    assert "conditions" in ehr.call(SIGN, body, status=412)["issue"][0]["diagnostics"]
