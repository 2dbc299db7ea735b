"""The library export: products and codes on ActivityDefinitions, computable PlanDefinitions, the
finding CodeSystem, narrative on every resource, R4 and R5 codings, and the consent's source link."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clinicguide.clinical.findings import FINDING_CODES
from clinicguide.errors import InputError
from clinicguide.fhir.narrative import render, with_narrative
from clinicguide.guide import ClinicGuide

ROOT = Path(__file__).resolve().parents[3]
BASE = "https://clinicguide.org/fhir"
COMPLETE = json.loads((ROOT / "examples/responses/microneedling-complete.json").read_text())
SAM = json.loads((ROOT / "examples/patients/sam-okafor.json").read_text())


@pytest.fixture(scope="module")
def guide() -> ClinicGuide:
    return ClinicGuide(canonical_base_url=BASE, entry_point_plugins=False)


@pytest.fixture(scope="module", params=["R4", "R5"])
def export(request: pytest.FixtureRequest, guide: ClinicGuide) -> dict[str, Any]:
    return guide.export(request.param)


def of_type(bundle: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """Resources of one type keyed by the last part of their canonical URL."""
    return {e["resource"]["url"].rsplit("/", 1)[1]: e["resource"] for e in bundle["entry"]
            if e["resource"]["resourceType"] == kind}


def test_medication_activities_name_their_product(export: dict[str, Any], guide: ClinicGuide) -> None:
    activities = of_type(export, "ActivityDefinition")
    for doc in guide.library:
        for regimen in doc.regimens:
            activity = activities[f"{doc.id}-{regimen.id}"]
            if doc.kind == "medication":
                product = activity["productCodeableConcept"]
                assert product["text"]
                assert [(c["system"], c["code"]) for c in product.get("coding", [])] == [c.key for c in regimen.codes]
                assert activity["kind"] == "MedicationRequest" and "code" not in activity
            else:
                assert activity["kind"] == "ServiceRequest" and activity["code"] == {"text": doc.title}
    codes = activities["isotretinoin-oral-reg-label"]["productCodeableConcept"]["coding"]
    assert {c["code"] for c in codes} == {"197843", "197844", "403930", "197845"}


def test_maximums_are_dosage_limits(export: dict[str, Any]) -> None:
    toxin = of_type(export, "ActivityDefinition")["botulinum-toxin-glabellar-reg-botox-cosmetic"]["dosage"][0]
    assert toxin["maxDosePerAdministration"]["value"] == 20 and toxin["maxDosePerAdministration"]["code"] == "[USP'U]"
    per_period = toxin["maxDosePerPeriod"]
    ratio = per_period if isinstance(per_period, dict) else per_period[0]
    assert (ratio["numerator"]["value"], ratio["numerator"]["code"]) == (400, "[USP'U]")
    assert (ratio["denominator"]["value"], ratio["denominator"]["code"]) == (3, "mo")
    severe = of_type(export, "ActivityDefinition")["isotretinoin-oral-reg-label-severe"]["dosage"][0]["maxDosePerPeriod"]
    ratio = severe if isinstance(severe, dict) else severe[0]
    assert (ratio["numerator"]["value"], ratio["numerator"]["code"], ratio["denominator"]["code"]) == (2, "mg/kg", "d")


def test_plan_definitions_are_computable(export: dict[str, Any], guide: ClinicGuide) -> None:
    plans = of_type(export, "PlanDefinition")
    for doc in guide.library:
        plan = plans[doc.id]
        assert plan["type"]["coding"][0]["code"] == "clinical-protocol"
        variable = plan["extension"][0]
        assert variable["url"] == "http://hl7.org/fhir/StructureDefinition/variable"
        assert variable["valueExpression"]["name"] == "procedureDate"
        screening = next(a for a in plan["action"] if a["id"] == "screening")
        assert [a["id"] for a in screening["action"]] == [c.id for c in doc.contraindications]
        for action in screening["action"]:
            assert action["input"], action["id"]
            (ask,) = action["action"]
            assert ask["definitionCanonical"] == f"{BASE}/Questionnaire/{doc.id}-screening|{doc.version}"
    microneedling = next(a for a in plans["microneedling"]["action"] if a["id"] == "screening")["action"]
    by_id = {a["id"]: a for a in microneedling}
    assert by_id["ci-under-22"]["condition"][0]["expression"]["language"] == "text/fhirpath"
    inputs = [i if "type" in i else i["requirement"] for i in by_id["ci-isotretinoin-recent"]["input"]]
    read = {i["type"]: {c["code"] for f in i.get("codeFilter", []) if f["searchParam"] == "code" for c in f["code"]}
            for i in inputs}
    assert read["MedicationStatement"] == read["MedicationRequest"] == {"197843", "197844", "403930", "197845"}
    assert "Patient" in read and "QuestionnaireResponse" in read
    # Medication windows are not stated in FHIRPath: no condition rather than an approximate one.
    assert "condition" not in by_id["ci-isotretinoin-recent"]
    assert "condition" not in by_id["ci-isotretinoin-recent"]["action"][0]


def test_screening_questionnaire_is_exported(export: dict[str, Any], guide: ClinicGuide) -> None:
    questionnaires = of_type(export, "Questionnaire")
    for doc in guide.library:
        assert questionnaires[f"{doc.id}-screening"]["version"] == doc.version


def test_finding_codesystem_is_published(export: dict[str, Any]) -> None:
    (entry,) = [e for e in export["entry"] if e["resource"]["resourceType"] == "CodeSystem"]
    system = entry["resource"]
    assert system["url"] == f"{BASE}/CodeSystem/finding" == entry["fullUrl"]
    assert {c["code"]: c["display"] for c in system["concept"]} == FINDING_CODES
    assert system["content"] == "complete" and system["count"] == len(FINDING_CODES)


def test_detected_issue_codes_are_in_the_codesystem(guide: ClinicGuide) -> None:
    system = next(e["resource"] for e in guide.export("R4")["entry"] if e["resource"]["resourceType"] == "CodeSystem")
    displays = {c["code"]: c["display"] for c in system["concept"]}
    bundle = guide.plan("microneedling", SAM, date="2026-12-01").bundle
    codings = [c for e in bundle["entry"] if e["resource"]["resourceType"] == "DetectedIssue"
               for c in e["resource"]["code"]["coding"]]
    assert codings and all(c["system"] == system["url"] and displays[c["code"]] == c["display"] for c in codings)


def _domain_resources(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    found = [e["resource"] for e in bundle["entry"]]
    return found + [inner for r in found for inner in r.get("contained", [])]


@pytest.mark.parametrize("version", ["R4", "R5"])
def test_every_emitted_resource_has_narrative(guide: ClinicGuide, version: str) -> None:
    emitted = _domain_resources(guide.export(version))
    emitted += _domain_resources(guide.plan("isotretinoin-oral", SAM, date="2026-12-01", fhir_version=version).bundle)
    emitted += [guide.checklist("microneedling", fhir_version=version), guide.questions("microneedling", fhir_version=version),
                guide.consent("microneedling", COMPLETE, fhir_version=version)]
    for resource in emitted:
        div = resource["text"]["div"]
        assert resource["text"]["status"] == "generated"
        assert div.startswith('<div xmlns="http://www.w3.org/1999/xhtml">') and div.endswith("</div>"), resource["resourceType"]


def test_narrative_is_escaped_and_deterministic() -> None:
    resource = {"resourceType": "Questionnaire", "title": "<script>alert('x')</script> & \x07",
                "item": [{"linkId": "a", "text": "<b>bold</b>"}]}
    div = render(resource)
    assert "<script>" not in div and "&lt;script&gt;" in div and "&amp;" in div and "U+0007" in div
    assert "&lt;b&gt;bold&lt;/b&gt;" in div
    assert render(json.loads(json.dumps(resource))) == div


def test_narrative_keeps_one_a_resource_has() -> None:
    resource = {"resourceType": "Consent", "text": {"status": "additional", "div": "<div>own</div>"}}
    assert with_narrative(resource)["text"]["div"] == "<div>own</div>"


def test_r5_task_keeps_the_body_weight_coding(guide: ClinicGuide) -> None:
    r4 = guide.plan("isotretinoin-oral", SAM, date="2026-12-01").bundle
    r5 = guide.plan("isotretinoin-oral", SAM, date="2026-12-01", fhir_version="R5").bundle

    def codings(bundle: dict[str, Any]) -> set[tuple[str, str]]:
        plan = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CarePlan")
        concepts = [a["detail"]["code"] for a in plan["activity"] if "detail" in a]
        for inner in plan.get("contained", []):
            concepts.append(inner["code"]["concept"] if "concept" in inner.get("code", {}) else inner.get("code", {}))
            if "medication" in inner:
                concepts.append(inner["medication"]["concept"])
        return {(c["system"], c["code"]) for concept in concepts for c in concept.get("coding", [])}
    assert ("http://loinc.org", "29463-7") in codings(r4)
    assert codings(r4) == codings(r5)


# -- the consent's link to its response ----------------------------------------------------------

def _without(response: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k not in keys}


@pytest.mark.parametrize("version", ["R4", "R5"])
def test_a_response_without_id_is_linked_by_identifier(guide: ClinicGuide, version: str) -> None:
    identifier = {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:0f5b2c1e-6d1a-4a8e-9d0e-3f1b2c4d5e6f"}
    response = {**_without(COMPLETE, "id"), "identifier": identifier if version == "R4" else [identifier]}
    consent = guide.consent("microneedling", response, fhir_version=version)
    source = consent["sourceReference"] if version == "R4" else consent["sourceReference"][0]
    assert source == {"type": "QuestionnaireResponse", "identifier": identifier}
    assert "contained" not in consent


@pytest.mark.parametrize("version", ["R4", "R5"])
def test_a_response_without_id_or_identifier_is_contained(guide: ClinicGuide, version: str) -> None:
    response = {**_without(COMPLETE, "id", "identifier"), "meta": {"versionId": "3", "profile": ["http://example.org/p"]}}
    consent = guide.consent("microneedling", response, fhir_version=version)
    source = consent["sourceReference"] if version == "R4" else consent["sourceReference"][0]
    assert source == {"reference": "#response"}
    (contained,) = consent["contained"]
    assert contained["id"] == "response" and contained["item"] == COMPLETE["item"]
    assert contained["meta"] == {"profile": ["http://example.org/p"]}  # no version of its own when contained


def test_a_response_that_cannot_be_contained_is_refused(guide: ClinicGuide) -> None:
    response = {**_without(COMPLETE, "id", "identifier"), "contained": [{"resourceType": "Patient", "id": "p"}]}
    with pytest.raises(InputError, match="needs an id or identifier"):
        guide.consent("microneedling", response)
