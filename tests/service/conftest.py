"""Fixtures for the CDS Hooks service: keys, a configuration, the app in-process, an EHR, a FHIR server."""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cds_ehr import ISS, PUBLIC_URL, Signer, assert_card_rules, conforms, patient_resources, search

from clinicguide.guide import ClinicGuide
from clinicguide.service.app import create_app
from clinicguide.service.config import ServiceConfig, load_config

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # newer Starlette warns that its test client will move to another httpx package
    from starlette.testclient import TestClient


@pytest.fixture(scope="session")
def signer() -> Signer:
    return Signer()


@pytest.fixture(scope="session")
def guide() -> ClinicGuide:
    return ClinicGuide()


@pytest.fixture
def config_file(tmp_path: Path, signer: Signer) -> Path:
    (tmp_path / "jwks.json").write_text(json.dumps(signer.jwks), encoding="utf-8")
    config = {"public_url": PUBLIC_URL, "issuers": [{"iss": ISS, "jwks_file": "jwks.json"}],
              "database": str(tmp_path / "feedback.sqlite3"), "fhir_allow_http": True, "request_timeout": 20}
    path = tmp_path / "service.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


@pytest.fixture
def config(config_file: Path) -> ServiceConfig:
    return load_config(config_file)


class Ehr:
    """An EHR calling the service: every request and response is checked against the schemas."""

    def __init__(self, client: TestClient, signer: Signer) -> None:
        self.client = client
        self.signer = signer

    def discover(self) -> dict[str, Any]:
        response = self.client.get("/cds-services", headers=self.auth("/cds-services"))
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        conforms("discovery", found)
        return found

    def templates(self, service: str = "clinicguide-order-sign") -> dict[str, str]:
        return next(s["prefetch"] for s in self.discover()["services"] if s["id"] == service)

    def auth(self, path: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.signer.token(PUBLIC_URL + path)}"}

    def call(self, service: str, body: dict[str, Any], *, status: int = 200, headers: dict[str, str] | None = None) -> Any:
        conforms("request", body)
        path = f"/cds-services/{service}"
        response = self.client.post(path, json=body, headers=headers if headers is not None else self.auth(path))
        assert response.status_code == status, response.text
        found = response.json()
        if status == 200:
            assert_card_rules(found)
        else:
            assert found["resourceType"] == "OperationOutcome"
        return found

    def feedback(self, service: str, body: dict[str, Any], *, status: int = 200) -> None:
        conforms("feedback", body)
        path = f"/cds-services/{service}/feedback"
        response = self.client.post(path, json=body, headers=self.auth(path))
        assert response.status_code == status, response.text


@pytest.fixture
def client(config: ServiceConfig, guide: ClinicGuide) -> Iterator[TestClient]:
    with TestClient(create_app(config, guide=guide), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def ehr(client: TestClient, signer: Signer) -> Ehr:
    return Ehr(client, signer)


class FhirServer:
    """A small FHIR server on 127.0.0.1 serving the example patients; it wants the bearer token it was given."""

    token = "test-fhir-access-token"

    def __init__(self) -> None:
        self.resources = [r for name in ("pregnant-patient", "maria-lopez", "lena-fischer", "sam-okafor")
                          for r in patient_resources(name)]
        self.requests: list[tuple[str, str | None]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # http.server calls it by this name
                authorization = self.headers.get("Authorization")
                server.requests.append((self.path, authorization))
                if authorization != f"Bearer {server.token}":
                    self._send(401, {"resourceType": "OperationOutcome", "issue": []})
                    return
                query = self.path.split("/fhir/", 1)[-1]
                found = search(server.resources, query.replace("%7C", "|").replace("%2C", ",").replace("%3A", ":")
                               .replace("%2F", "/"))
                self._send(404 if found is None else 200, found or {"resourceType": "OperationOutcome", "issue": []})

            def _send(self, status: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}/fhir"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def fhir_server() -> Iterator[FhirServer]:
    server = FhirServer()
    yield server
    server.close()
