"""Hostile and malformed requests: a 4xx with an OperationOutcome naming the place, never a 500 or a hang."""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cds_ehr import (
    CANONICAL,
    PUBLIC_URL,
    Ehr,
    Signer,
    TestClient,
    hook_request,
    medication_order,
    patient_resources,
    prefetch_for,
)

from clinicguide.guide import ClinicGuide
from clinicguide.host.hookspecs import hookimpl
from clinicguide.service.app import create_app
from clinicguide.service.config import load_config

SIGN = "/cds-services/clinicguide-order-sign"
PATIENT = "anna-berg"


def _post(ehr: Ehr, body: Any, *, raw: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    sent = {**ehr.auth(SIGN), **(headers or {})}
    response = ehr.client.post(SIGN, content=raw, headers=sent) if raw is not None else ehr.client.post(SIGN, json=body,
                                                                                                         headers=sent)
    assert response.headers["content-type"].startswith("application/json")
    return response.status_code, response.json()


def _good(ehr: Ehr) -> dict[str, Any]:
    prefetch = prefetch_for(ehr.templates(), patient_resources("pregnant-patient"), PATIENT)
    return hook_request("order-sign", PATIENT, [medication_order(PATIENT)], prefetch=prefetch)


BROKEN: dict[str, tuple[Any, str]] = {
    "not an object": ([1, 2], "JSON object"),
    "another hook": ({"hook": "patient-view"}, "hook must be"),
    "no hookInstance": ({"hookInstance": None}, "hookInstance"),
    "no context": ({"context": "x"}, "context must be"),
    "bad patient id": ({"context.patientId": "../../etc"}, "patientId"),
    "no userId": ({"context.userId": None}, "userId"),
    "draftOrders not a Bundle": ({"context.draftOrders": {"resourceType": "List"}}, "draftOrders"),
    "order without resourceType": ({"context.draftOrders": {"resourceType": "Bundle", "entry": [{"resource": {}}]}},
                                   "entry[0]"),
    "fhirAuthorization without server": ({"fhirAuthorization": {"access_token": "t", "token_type": "Bearer"}},
                                         "fhirServer is required"),
    "fhirServer not a URL": ({"fhirServer": "file:///etc/passwd"}, "fhirServer"),
    "prefetch not an object": ({"prefetch": []}, "prefetch must be"),
    "prefetch of another type": ({"prefetch.observations": {"resourceType": "Condition", "id": "x"}}, "not a Observation"),
    "prefetch of another patient": ({"prefetch.patient": {"resourceType": "Patient", "id": "someone-else"}},
                                    "not the Patient"),
    "dose with an unknown unit": ({"order.dose": {"value": 40, "unit": "furlong"}}, "doseQuantity"),
    "dose negative": ({"order.dose": {"value": -1, "unit": "mg"}}, "doseQuantity"),
    "bad authoredOn": ({"order.authoredOn": "yesterday"}, "authoredOn"),
    "unknown guidance version": ({"order.instantiatesCanonical": [f"{CANONICAL}/PlanDefinition/isotretinoin-oral|9.9.9"]},
                                 "instantiatesCanonical"),
}


def _break(body: dict[str, Any], change: Any) -> Any:
    if not isinstance(change, dict):
        return change
    for key, value in change.items():
        if key.startswith("context."):
            body["context"][key.removeprefix("context.")] = value
        elif key.startswith("prefetch."):
            body["prefetch"][key.removeprefix("prefetch.")] = value
        elif key == "order.dose":
            order = body["context"]["draftOrders"]["entry"][0]["resource"]
            order["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"] = value
        elif key.startswith("order."):
            body["context"]["draftOrders"]["entry"][0]["resource"][key.removeprefix("order.")] = value
        elif value is None:
            body.pop(key)
        else:
            body[key] = value
    return body


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_malformed_request_gets_400_naming_what_is_wrong(ehr: Ehr, case: str) -> None:
    change, expected = BROKEN[case]
    status, outcome = _post(ehr, _break(_good(ehr), change))
    assert status == 400, outcome
    assert outcome["resourceType"] == "OperationOutcome" and expected in outcome["issue"][0]["diagnostics"]


def test_bodies_that_are_not_json_or_too_large_are_refused(ehr: Ehr) -> None:
    assert _post(ehr, None, raw=b"{not json")[0] == 400
    assert _post(ehr, None, raw=b"\xff\xfe")[0] == 400
    assert _post(ehr, None, raw=b"[" * 100_000 + b"]" * 100_000)[0] in (400, 413)
    assert _post(ehr, None, raw=b"{}", headers={"content-type": "text/plain"})[0] == 415
    status, outcome = _post(ehr, None, raw=b" " * 1_000_001)
    assert status == 413 and "larger than" in outcome["issue"][0]["diagnostics"]


def test_unknown_endpoints_and_methods_get_an_operation_outcome(ehr: Ehr) -> None:
    missing = ehr.client.post("/cds-services/no-such-service", json={}, headers=ehr.auth("/cds-services/no-such-service"))
    assert missing.status_code == 404 and missing.json()["resourceType"] == "OperationOutcome"
    assert ehr.client.get("/nothing-here").status_code == 404
    assert ehr.client.get(SIGN).status_code == 405


class _Hanging:
    """A site plugin whose screening rule never returns until the test lets it go."""

    def __init__(self) -> None:
        self.release = threading.Event()

    @hookimpl
    def clinicguide_screen(self, guidance: Any, record: Any, date: Any, answers: Any, proposal: Any) -> None:
        self.release.wait(60)


@pytest.fixture
def hanging(config_file: Path) -> Iterator[tuple[TestClient, _Hanging]]:
    plugin = _Hanging()
    config = dataclasses.replace(load_config(config_file), request_timeout=1.0)
    with TestClient(create_app(config, guide=ClinicGuide(plugins=[plugin])), raise_server_exceptions=False) as client:
        yield client, plugin
    plugin.release.set()


def test_a_hanging_plugin_cannot_hold_a_request(hanging: tuple[TestClient, _Hanging], signer: Signer) -> None:
    client, _ = hanging
    ehr = Ehr(client, signer)
    started = time.monotonic()
    outcome = ehr.call("clinicguide-order-sign", _good(ehr), status=503)
    assert time.monotonic() - started < 10
    assert "no answer within 1 s" in outcome["issue"][0]["diagnostics"]
    assert client.get("/healthz").status_code == 200  # the worker still answers


def test_only_decisions_by_clinicguide_alone_run_on_the_event_loop(hanging: tuple[TestClient, _Hanging],
                                                                    config_file: Path) -> None:
    with_plugin, _ = hanging
    assert with_plugin.app.state.service.decider.on_event_loop is False  # type: ignore[attr-defined]
    alone = create_app(load_config(config_file), guide=ClinicGuide(entry_point_plugins=False))
    assert alone.state.service.decider.on_event_loop is True


def test_patient_data_and_tokens_never_reach_the_logs(ehr: Ehr, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    body = _good(ehr)
    ehr.call("clinicguide-order-sign", body)
    assert _post(ehr, _break(_good(ehr), {"context.userId": None}))[0] == 400
    ehr.call("clinicguide-order-sign", body, status=401, headers={"Authorization": "Bearer x.y.z"})
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert '"endpoint": "call"' in logged and '"ms":' in logged and PUBLIC_URL not in logged
    for secret in ("anna-berg", "1994-10-30", "pregnan", "Bearer", "iso-1", body["hookInstance"]):
        assert secret not in logged
