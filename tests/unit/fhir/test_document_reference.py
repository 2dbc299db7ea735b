"""plan(with_documents=True): each patient document as a DocumentReference with its PDF, valid FHIR R4 and R5."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from clinicguide import ClinicGuide
from clinicguide.fhir.models import validate_resource

ROOT = Path(__file__).resolve().parents[3]
MARIA = json.loads((ROOT / "examples" / "patients" / "maria-lopez.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def guide() -> ClinicGuide:
    return ClinicGuide(entry_point_plugins=False)


def _of(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@pytest.mark.parametrize("version", ["R4", "R5"])
def test_documents_are_attached_to_the_plan(guide: ClinicGuide, version: str) -> None:
    result = guide.plan("microneedling", MARIA, date="2026-12-01", fhir_version=version, with_documents=True)
    references = _of(result.bundle, "DocumentReference")
    careplan = _of(result.bundle, "CarePlan")[0]
    assert [r["description"] for r in references] == ["Consent form: Microneedling (collagen induction therapy)",
                                                      "Aftercare: Microneedling (collagen induction therapy)"]
    for reference in references:
        validate_resource(reference, version)  # type: ignore[arg-type]
        attachment = reference["content"][0]["attachment"]
        pdf = base64.b64decode(attachment["data"])
        assert pdf.startswith(b"%PDF-") and int(attachment["size"]) == len(pdf)
        assert attachment["hash"] == base64.b64encode(hashlib.sha1(pdf).digest()).decode()
        assert attachment["contentType"] == "application/pdf" and attachment["title"] == reference["description"]
        assert reference["subject"] == {"reference": "Patient/maria-lopez"} and reference["date"] == "2026-12-01T00:00:00Z"
        related = reference["context"]["related"] if version == "R4" else reference["basedOn"]
        assert related == [{"reference": f"urn:uuid:{careplan['id']}"}]
    targets = {t["reference"] for t in _of(result.bundle, "Provenance")[0]["target"]}
    assert {f"urn:uuid:{r['id']}" for r in references} <= targets
    full_urls = [e["fullUrl"] for e in result.bundle["entry"]]
    assert len(full_urls) == len(set(full_urls))


def test_without_the_option_there_are_none(guide: ClinicGuide) -> None:
    assert not _of(guide.plan("microneedling", MARIA, date="2026-12-01").bundle, "DocumentReference")


def test_same_inputs_same_bundle(guide: ClinicGuide) -> None:
    first = guide.plan("salicylic-acid-topical", MARIA, date="2026-12-01", with_documents=True).bundle
    assert first == guide.plan("salicylic-acid-topical", MARIA, date="2026-12-01", with_documents=True).bundle
