"""Fixtures for the CDS Hooks service: keys, a configuration, the app in-process, an EHR, a FHIR server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cds_ehr import ISS, PUBLIC_URL, Ehr, FhirServer, Signer, TestClient

from clinicguide.guide import ClinicGuide
from clinicguide.service.app import create_app
from clinicguide.service.config import ServiceConfig, load_config


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


@pytest.fixture
def client(config: ServiceConfig, guide: ClinicGuide) -> Iterator[TestClient]:
    with TestClient(create_app(config, guide=guide), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def ehr(client: TestClient, signer: Signer) -> Ehr:
    return Ehr(client, signer)


@pytest.fixture
def fhir_server() -> Iterator[FhirServer]:
    server = FhirServer()
    yield server
    server.close()
