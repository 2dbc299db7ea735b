"""What a plan keeps from one plan to the next: the checklist built once per guidance, its
narrative, and ids written without the uuid module. Each gives what building anew gives,
changes with its input, and cannot be changed through what a caller was handed."""

from __future__ import annotations

import copy
import dataclasses
import html
import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinicguide.content.library import load_library
from clinicguide.fhir import questionnaire as checklist_module
from clinicguide.fhir.common import _NAMESPACE, Canonicals, copied, resource_id
from clinicguide.fhir.narrative import _escape, render, with_narrative
from clinicguide.fhir.questionnaire import build_questionnaire
from clinicguide.guide import ClinicGuide
from clinicguide.host.hookspecs import hookimpl

ROOT = Path(__file__).resolve().parents[3]
MARIA = json.loads((ROOT / "examples/patients/maria-lopez.json").read_text())
BASE = "https://clinicguide.org/fhir"
LIBRARY = load_library()  # the packaged documents as they are


@pytest.fixture(scope="module")
def guide() -> ClinicGuide:
    return ClinicGuide(library=LIBRARY, canonical_base_url=BASE, entry_point_plugins=False)


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@pytest.mark.parametrize("version", ["R4", "R5"])
@pytest.mark.parametrize("guidance", list(LIBRARY), ids=lambda g: g.ref)
def test_the_kept_checklist_is_the_one_built_anew(guidance: Any, version: Any) -> None:
    canon = Canonicals(BASE, guidance)
    fresh = checklist_module._checklist(guidance, canon, version)  # the builder, without the memo
    assert build_questionnaire(guidance, canon, version) == fresh
    assert json.dumps(build_questionnaire(guidance, canon, version)) == json.dumps(fresh)  # key order too


def test_a_changed_checklist_leaves_the_next_one_as_built() -> None:
    guidance = LIBRARY.get("microneedling")
    canon = Canonicals(BASE, guidance)
    first = build_questionnaire(guidance, canon, "R4")
    pristine = copy.deepcopy(first)
    first["title"] = "changed"
    first["item"][0]["item"][0]["text"] = "changed"
    first["item"].append({"linkId": "added"})
    first["subjectType"].append("Group")
    assert build_questionnaire(guidance, canon, "R4") == pristine


def test_a_changed_plan_leaves_the_next_plan_as_built(guide: ClinicGuide) -> None:
    first = guide.plan("microneedling", MARIA, date="2026-12-01").bundle
    expected = json.dumps(first)
    checklist = resources(first, "Questionnaire")[0]
    checklist["item"][0]["item"][0]["text"] = "changed"
    checklist["text"]["div"] = "<div>changed</div>"
    del checklist["item"][1]
    assert json.dumps(guide.plan("microneedling", MARIA, date="2026-12-01").bundle) == expected


def test_the_checklist_follows_the_guidance_base_and_version() -> None:
    guidance = LIBRARY.get("microneedling")
    renamed = dataclasses.replace(guidance, title="Renamed treatment")  # a new object, as an amended library has
    r4 = build_questionnaire(guidance, Canonicals(BASE, guidance), "R4")
    assert build_questionnaire(renamed, Canonicals(BASE, renamed), "R4")["title"] == "Consent checklist: Renamed treatment"
    other = build_questionnaire(guidance, Canonicals("https://example.org/fhir", guidance), "R4")
    assert other["url"] == "https://example.org/fhir/Questionnaire/microneedling-consent" != r4["url"]
    assert build_questionnaire(guidance, Canonicals(BASE, guidance), "R5")["id"] != r4["id"]
    # Canonicals of another document: built for exactly what was given, not from the memo.
    mixed = build_questionnaire(guidance, Canonicals(BASE, renamed), "R4")
    assert mixed == checklist_module._checklist(guidance, Canonicals(BASE, renamed), "R4")


def test_copied_shares_no_dict_or_list() -> None:
    original: dict[str, Any] = {"a": [{"b": ["c"]}, 1, True, None], "d": {"e": 1.5}}
    twin = copied(original)
    assert twin == original
    twin["a"][0]["b"].append("x")
    twin["d"]["e"] = 0
    assert original == {"a": [{"b": ["c"]}, 1, True, None], "d": {"e": 1.5}}


class Retitle:
    """A site plugin that changes the checklist after it is built."""

    def __init__(self, title: object) -> None:
        self.title = title

    @hookimpl
    def clinicguide_process_questionnaire(self, questionnaire: dict[str, Any]) -> None:
        questionnaire["title"] = self.title
        questionnaire["item"][0]["text"] = "Site heading & more"


def test_the_narrative_shows_what_a_plugin_changed() -> None:
    plain = ClinicGuide(library=LIBRARY, entry_point_plugins=False)
    site = ClinicGuide(library=LIBRARY, plugins=[Retitle("Site checklist")], entry_point_plugins=False)
    for _ in range(2):  # the second time from what is kept
        before = resources(plain.plan("microneedling", MARIA, date="2026-12-01").bundle, "Questionnaire")[0]
        after = resources(site.plan("microneedling", MARIA, date="2026-12-01").bundle, "Questionnaire")[0]
        assert "title: Consent checklist: Microneedling" in before["text"]["div"]
        assert "title: Site checklist" in after["text"]["div"]
        assert "Site heading &amp; more" in after["text"]["div"]
        for resource in (before, after):
            assert resource["text"]["div"] == render({k: v for k, v in resource.items() if k != "text"})


def test_values_equal_in_python_but_shown_differently_get_their_own_narrative() -> None:
    # True == 1 in Python, but the narrative shows "yes" for one and "1" for the other.
    divs = []
    for title in (True, 1, 1.0, True):
        checklist = build_questionnaire(LIBRARY.get("microneedling"), Canonicals(BASE, LIBRARY.get("microneedling")), "R4")
        checklist["title"] = title
        divs.append(with_narrative(checklist)["text"]["div"])
    assert [re.search(r"title: ([^<]*)<", d).group(1) for d in divs] == ["yes", "1", "1.0", "yes"]  # type: ignore[union-attr]


def test_a_resource_marshal_cannot_write_is_rendered() -> None:
    class Text(str):
        pass

    checklist = {"resourceType": "Questionnaire", "title": Text("From a plugin"), "item": []}
    assert "title: From a plugin" in with_narrative(checklist)["text"]["div"]


@given(st.text())
def test_escaping_is_html_escape_after_naming_what_xml_cannot_hold(text: str) -> None:
    unfit = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
    assert _escape(text) == html.escape(unfit.sub(lambda m: f"U+{ord(m.group()):04X}", text), quote=True)


@given(st.text(), st.lists(st.one_of(st.text(), st.integers())))
def test_resource_ids_are_uuid5_in_the_fixed_namespace(seed: str, parts: list[object]) -> None:
    name = "/".join([seed, *map(str, parts)])
    try:
        expected = str(uuid.uuid5(_NAMESPACE, name))
    except UnicodeEncodeError:  # a lone surrogate: neither can encode it
        with pytest.raises(UnicodeEncodeError):
            resource_id(seed, *parts)
        return
    assert resource_id(seed, *parts) == expected


def test_a_kept_narrative_follows_what_the_resource_shows() -> None:
    task = {"resourceType": "Task", "id": "a", "status": "draft", "intent": "proposal",
            "code": {"text": "Aftercare: avoid"}, "description": "No sun for a week.", "for": {"reference": "Patient/1"}}
    first = with_narrative(copy.deepcopy(task))["text"]["div"]
    # What the narrative does not show (the id, the patient) does not change it.
    other_patient = {**copy.deepcopy(task), "id": "b", "for": {"reference": "Patient/2"}}
    assert with_narrative(other_patient)["text"]["div"] == first
    changed = {**copy.deepcopy(task), "description": "No sun for two weeks."}
    assert "No sun for two weeks." in with_narrative(changed)["text"]["div"]
    assert with_narrative(copy.deepcopy(task))["text"]["div"] == first == render(task)


def test_narratives_that_show_the_patient_are_not_kept(guide: ClinicGuide) -> None:
    from clinicguide.fhir import narrative

    narrative._rendered.clear()
    bundle = guide.plan("isotretinoin-oral", MARIA, date="2026-12-01", fhir_version="R5").bundle
    kept = set(narrative._rendered.values())
    for entry in bundle["entry"]:
        resource = entry["resource"]
        for inner in (resource, *resource.get("contained", [])):
            shown_kept = inner["text"]["div"] in kept
            assert shown_kept == (inner["resourceType"] in ("Questionnaire", "Task", "ServiceRequest", "MedicationRequest",
                                                            "Provenance")), inner["resourceType"]
    assert not any("maria" in div for div in kept)
