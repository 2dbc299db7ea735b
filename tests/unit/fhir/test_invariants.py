"""The FHIR StructureDefinition invariants (R4 and R5 core) hold on every kind of resource emitted.

The content cases check every plan Bundle the same way (tests/content/test_content_cases.py).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from fhir_invariants import ENGINE_GAPS, UNSUPPORTED, definitions, not_evaluated, resources_in, violations

from clinicguide.guide import ClinicGuide

ROOT = Path(__file__).resolve().parents[3]
COMPLETE = json.loads((ROOT / "examples/responses/microneedling-complete.json").read_text())
XHTML = "{http://www.w3.org/1999/xhtml}"
# Elements FHIR narrative may use (the narrative rules: basic HTML, no scripts, forms or frames).
ALLOWED = {"div", "p", "b", "i", "ul", "ol", "li", "span", "br", "table", "tr", "td", "th", "a", "h1", "h2", "h3", "h4"}


@pytest.fixture(scope="module")
def guide() -> ClinicGuide:
    return ClinicGuide(entry_point_plugins=False)


def emitted(guide: ClinicGuide, version: str) -> list[dict[str, Any]]:
    """The export, the questionnaires and a consent (the plans are the content cases')."""
    without_id = {k: v for k, v in COMPLETE.items() if k != "id"}
    return [guide.export(version), guide.checklist("isotretinoin-oral", fhir_version=version),
            guide.questions("isotretinoin-oral", fhir_version=version),
            guide.consent("microneedling", COMPLETE, fhir_version=version),
            guide.consent("microneedling", without_id, fhir_version=version)]


@pytest.mark.parametrize("version", ["R4", "R5"])
def test_emitted_resources_keep_every_invariant(guide: ClinicGuide, version: str) -> None:
    for resource in emitted(guide, version):
        assert violations(resource, version) == [], resource["resourceType"]


def test_a_broken_invariant_is_found() -> None:
    broken = {"resourceType": "Questionnaire", "status": "draft", "name": "lower case",
              "item": [{"linkId": "a", "type": "group"}],
              "contained": [{"resourceType": "Questionnaire", "id": "unused", "status": "draft"}]}
    for version, keys in (("R4", ("que-0", "que-1", "dom-6")), ("R5", ("cnl-0", "que-1b", "dom-3", "dom-6"))):
        found = " ".join(violations(broken, version))
        for key in keys:
            assert f" {key} " in found, f"{version} {key}: {found}"


def test_the_constraints_left_out_are_the_documented_ones() -> None:
    assert not_evaluated("R4") == {"txt-1", "txt-2", "que-7", "rng-2", "dom-3"}
    assert not_evaluated("R5") == {"txt-1", "txt-2", "que-7", "rng-2", "per-1", "ratrng-2", "prov-1", "prov-2", "prov-3"}
    for version in ("R4", "R5"):
        constraints = definitions(version)["constraints"]
        assert all(key in ENGINE_GAPS[version] or any(f in constraints[key]["expression"] for f in UNSUPPORTED)
                   for key in not_evaluated(version))


@pytest.mark.parametrize("version", ["R4", "R5"])
def test_every_exists_condition_has_a_boolean_answer(guide: ClinicGuide, version: str) -> None:
    """que-7, which fhirpathpy cannot evaluate: an enableWhen with operator 'exists' answers a boolean."""
    def conditions(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [c for i in items for c in i.get("enableWhen", []) + conditions(i.get("item", []))]
    questionnaires = [e["resource"] for e in guide.export(version)["entry"] if e["resource"]["resourceType"] == "Questionnaire"]
    found = [c for q in questionnaires for c in conditions(q.get("item", [])) if c["operator"] == "exists"]
    assert found and all(isinstance(c.get("answerBoolean"), bool) and len(c) == 3 for c in found)


@pytest.mark.parametrize("version", ["R4", "R5"])
def test_every_contained_resource_is_referenced(guide: ClinicGuide, version: str) -> None:
    """dom-3, which fhirpathpy cannot evaluate in its R4 form: each contained resource is referenced."""
    plan = guide.plan("isotretinoin-oral", json.loads((ROOT / "examples/patients/sam-okafor.json").read_text()),
                      date="2026-12-01", fhir_version=version).bundle
    without_id = {k: v for k, v in COMPLETE.items() if k != "id"}
    holders = [e["resource"] for e in plan["entry"]] + [guide.consent("microneedling", without_id, fhir_version=version)]
    checked = 0
    for holder in holders:
        text = json.dumps({k: v for k, v in holder.items() if k != "contained"})
        for inner in holder.get("contained", []):
            assert f'"#{inner["id"]}"' in text, f"{holder['resourceType']}: #{inner['id']} is not referenced"
            checked += 1
    assert checked


@pytest.mark.parametrize("version", ["R4", "R5"])
def test_every_range_is_ordered(guide: ClinicGuide, version: str) -> None:
    """rng-2, which fhirpathpy cannot evaluate: a Range's low is not above its high (in one unit)."""
    ranges = [r["doseRange"] for e in guide.export(version)["entry"] for d in e["resource"].get("dosage", [])
              for r in d.get("doseAndRate", [])]
    assert ranges and all(r["low"]["code"] == r["high"]["code"] and r["low"]["value"] <= r["high"]["value"] for r in ranges)


@pytest.mark.parametrize("version", ["R4", "R5"])
def test_narrative_is_xhtml_a_reader_may_show(guide: ClinicGuide, version: str) -> None:
    """txt-1 and txt-2, which fhirpathpy cannot evaluate: well-formed XHTML, basic elements, no attributes
    but the namespace, and some text."""
    for resource in emitted(guide, version):
        for item, _ in resources_in(resource):
            if item["resourceType"] == "Bundle":
                continue  # a Bundle has no narrative: it is no domain resource
            root = ET.fromstring(item["text"]["div"])
            assert root.tag == f"{XHTML}div" and "".join(root.itertext()).strip()
            for element in root.iter():
                assert element.tag.startswith(XHTML) and element.tag[len(XHTML):] in ALLOWED and not element.attrib
