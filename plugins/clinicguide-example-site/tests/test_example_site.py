"""The example site plugin, installed: discovered through its entry point, and changing the
output exactly as its README says (each numbered statement there has a test here).

These tests need the plugin installed (``pip install ./plugins/clinicguide-example-site``);
without it they fail at collection with that instruction.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, distribution, entry_points
from pathlib import Path
from typing import Any

import pytest

try:
    DIST = distribution("clinicguide-example-site")
except PackageNotFoundError:
    pytest.fail("clinicguide-example-site is not installed: pip install ./plugins/clinicguide-example-site", pytrace=False)

import clinicguide_example_site as site

HERE = Path(__file__).parent
ROOT = HERE.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
PATIENT = HERE / "data" / "patient.json"
ANSWERS = HERE / "data" / "microneedling-answers.json"
AGENT = f"example-site (clinicguide-example-site {DIST.version})"
SCREEN = ["microneedling", "--patient", str(PATIENT), "--answers", str(ANSWERS),
          "--last-treatment", "never", "--date", "2026-12-01"]


def run(*args: str, blocked: bool = False) -> subprocess.CompletedProcess[str]:
    """The real command; ``blocked`` runs it with this plugin disabled, i.e. as without the plugin."""
    env = {k: v for k, v in os.environ.items() if k not in ("CLINICGUIDE_DISABLE_PLUGINS", "CLINICGUIDE_TRACE")}
    if blocked:
        env["CLINICGUIDE_DISABLE_PLUGINS"] = "example-site"
    done = subprocess.run([sys.executable, "-m", "clinicguide", *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def ok(*args: str, blocked: bool = False) -> str:
    done = run(*args, blocked=blocked)
    assert done.returncode == 0, done.stderr
    return done.stdout


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def library_ids() -> list[str]:
    return [row["id"] for row in json.loads(ok("list", "--format", "json"))]


def test_discovered_through_its_entry_point() -> None:
    found = [ep for ep in entry_points(group="clinicguide") if ep.name == "example-site"]
    assert len(found) == 1
    assert found[0].value == "clinicguide_example_site"
    assert found[0].dist is not None and found[0].dist.name == "clinicguide-example-site"
    installed = Path(DIST.locate_file("")).resolve()
    assert Path(site.__file__).resolve().is_relative_to(installed), "tests must run against the installed plugin"


def test_1_plugins_lists_it() -> None:
    listing = ok("plugins")
    block = ("example-site           clinicguide-example-site 0.1.0\n"
             "                       hooks: clinicguide_amend_guidance, clinicguide_guidance_dirs, clinicguide_site_contacts\n")
    assert listing.endswith(block)
    assert "\n".join(line.strip() for line in block.splitlines()) in "\n".join(line.strip() for line in README.splitlines())
    rows = json.loads(ok("plugins", "--format", "json"))
    assert [r["name"] for r in rows] == ["clinicguide.guidance", "clinicguide.screening", "clinicguide.fhir", "example-site"]
    assert rows[-1] == {"name": "example-site", "distribution": "clinicguide-example-site", "version": "0.1.0", "builtin": False,
                        "hooks": ["clinicguide_amend_guidance", "clinicguide_guidance_dirs",
                                  "clinicguide_site_contacts"]}
    assert "example-site" not in ok("plugins", blocked=True)


def test_2_list_shows_the_site_document() -> None:
    row = "site-ha-filler-lips        1.0.1    draft   Hyaluronic acid filler of the lips (Example Clinic site document)"
    assert row in ok("list").splitlines()
    assert row in README
    assert "site-ha-filler-lips" not in ok("list", blocked=True)
    without = [r["id"] for r in json.loads(ok("list", "--format", "json", blocked=True))]
    assert library_ids() == sorted(without + ["site-ha-filler-lips"])


def test_2_site_document_validates_clean() -> None:
    done = run("validate", str(site.GUIDANCE_DIR))
    assert done.returncode == 0, done.stdout + done.stderr
    # Warnings only: the four sources the content brief has no reference for (CG321).
    assert done.stdout.endswith("1 file checked: no problems, 4 warning(s)\n")
    assert done.stdout.count(" CG321 warning: ") == 4
    shown = json.loads(ok("show", "site-ha-filler-lips", "--format", "json"))
    assert shown["status"] == "draft"
    assert {"ci-under-21", "ci-site-infection-inflammation"} <= {c["id"] for c in shown["contraindications"]}
    assert "risk-vascular-occlusion" in {r["id"] for r in shown["risks"]}
    assert "pre-hyaluronidase" in {p["id"] for p in shown["prerequisites"]}


@pytest.mark.parametrize("guidance_id",
                         ["botulinum-toxin-glabellar", "ha-dermal-filler", "isotretinoin-oral", "laser-enlarged-pores",
                          "microneedling", "salicylic-acid-topical", "site-ha-filler-lips"])
def test_3_every_checklist_gains_the_photography_consent(guidance_id: str) -> None:
    with_plugin = json.loads(ok("checklist", guidance_id))
    last = with_plugin["item"][-1]
    assert last["linkId"] == "section-other" and last["text"] == "Other"
    item = last["item"][-1]
    assert item["linkId"] == "consent-site-photography"
    assert item["type"] == "boolean" and item["required"] is True
    assert item["text"] == site.PHOTOGRAPHY_CONSENT["text"]
    assert " ".join(item["text"].split()) in " ".join(README.split())
    if guidance_id == "site-ha-filler-lips":
        return
    # Exactly that item is new: without it the checklist is the one without the plugin.
    without = json.loads(ok("checklist", guidance_id, blocked=True))
    last["item"].pop()
    had_other_group = guidance_id == "isotretinoin-oral"  # the README names the one document that has one
    assert bool(last["item"]) == had_other_group
    if not had_other_group:
        with_plugin["item"].pop()
    narrative = with_plugin.pop("text", {}).get("div", "")
    without.pop("text", None)
    assert " ".join(site.PHOTOGRAPHY_CONSENT["text"].split()) in " ".join(narrative.split())
    assert with_plugin == without


def test_3_and_4_every_document_cites_the_clinic_material() -> None:
    for guidance_id in library_ids():
        shown = json.loads(ok("show", guidance_id, "--format", "json"))
        sources = {s["id"]: s for s in shown["sources"]}
        assert sources["EXC-CONSENT"]["evidence"] == "clinic-material"
        assert sources["EXC-AFTER-HOURS"]["evidence"] == "clinic-material"
        assert shown["consent"][-1]["id"] == "consent-site-photography"
        assert shown["consent"][-1]["sources"] == ["EXC-CONSENT"]
        assert shown["aftercare"][-1]["id"] == "ac-site-after-hours"
        assert shown["aftercare"][-1]["category"] == "contact-clinic"
        assert shown["aftercare"][-1]["sources"] == ["EXC-AFTER-HOURS"]


def test_4_plan_gains_the_after_hours_contact() -> None:
    args = ["plan", *SCREEN, "--param", "needle-depth=1.0mm"]
    careplan = resources(json.loads(ok(*args)), "CarePlan")[0]
    before = resources(json.loads(ok(*args, blocked=True)), "CarePlan")[0]
    added = [a for a in careplan["activity"] if a not in before["activity"]]
    assert [a["detail"]["description"] for a in added] == [f"Aftercare (contact-clinic): {site.AFTER_HOURS_CONTACT['text']}"]
    assert [a for a in careplan["activity"] if a not in added] == before["activity"]


def test_5_needle_depth_is_narrowed() -> None:
    summary = json.loads(ok("screen", *SCREEN, "--param", "needle-depth=1.2mm"))
    assert {k: v for k, v in summary.items() if k != "answers"} == {
        "guidance": "microneedling|1.1.0", "decision": "caution", "label": "not judged", "questions": [], "not_applicable": [],
        "findings": [{
            "code": "dose-above-range", "item": "rng-needle-depth", "outcome": "caution", "severity": "high",
            "message": "needle-depth 1.2 mm is above the labelled range 0.5-1 mm "
                       "(Medical microneedling with an authorised pen device)",
            "sources": ["M7", "M8", "EXC-MICRONEEDLING"]}]}
    assert json.dumps(summary["findings"][0]["message"]) in README
    without = json.loads(ok("screen", *SCREEN, "--param", "needle-depth=1.2mm", blocked=True))
    assert without["decision"] == "eligible"
    assert [(f["code"], f["message"]) for f in without["findings"]] == [
        ("dose-within-range", "needle-depth 1.2 mm is within 0.5-1.5 mm (Medical microneedling with an authorised pen device)")]
    within = json.loads(ok("screen", *SCREEN, "--param", "needle-depth=1.0mm"))
    assert within["decision"] == "eligible" and within["findings"][0]["code"] == "dose-within-range"
    shown = json.loads(ok("show", "microneedling", "--format", "json"))
    depth = shown["regimens"][0]["ranges"][0]
    assert (depth["id"], depth["low"], depth["high"], depth["unit"]) == ("rng-needle-depth", 0.5, 1.0, "mm")
    assert shown["regimens"][0]["maximums"][0]["value"] == 1.5  # the maximum is unchanged


def test_6_provenance_lists_the_plugin_and_its_amendments() -> None:
    bundle = json.loads(ok("plan", *SCREEN, "--param", "needle-depth=1.0mm"))
    provenance = resources(bundle, "Provenance")[0]
    assert [a["who"]["display"] for a in provenance["agent"]] == ["clinicguide 0.1.0", AGENT]
    amendments = [e["what"]["display"] for e in provenance["entity"] if e["what"]["display"].startswith("amendment:")]
    assert amendments == [f"amendment: {AGENT}: {text}" for text in (
        "added sources EXC-CONSENT",
        "added sources EXC-AFTER-HOURS",
        "added sources EXC-MICRONEEDLING",
        "added consent consent-site-photography",
        "added aftercare ac-site-after-hours",
        "narrowed rng-needle-depth to 0.5-1 mm, citing EXC-MICRONEEDLING",
    )]
    for line in amendments:
        assert line in README
    without = resources(json.loads(ok("plan", *SCREEN, "--param", "needle-depth=1.0mm", blocked=True)), "Provenance")[0]
    assert [a["who"]["display"] for a in without["agent"]] == ["clinicguide 0.1.0"]
    assert not [e for e in without["entity"] if e["what"]["display"].startswith("amendment:")]


def test_6_other_documents_record_four_amendments(clinicguide_guide: Any, clinicguide_patient: Any) -> None:
    guide = clinicguide_guide(entry_point_plugins=True)  # the installed plugin, found by its entry point
    assert guide.library.amendments["isotretinoin-oral|1.1.0"] == tuple(f"{AGENT}: {text}" for text in (
        "added sources EXC-CONSENT",
        "added sources EXC-AFTER-HOURS",
        "added consent consent-site-photography",
        "added aftercare ac-site-after-hours",
    ))
    result = guide.plan("site-ha-filler-lips", clinicguide_patient(), date="2026-12-01")
    assert AGENT in [a["who"]["display"] for a in resources(result.bundle, "Provenance")[0]["agent"]]


def test_7_patient_documents_give_the_clinics_contacts() -> None:
    import html
    import re

    page = ok("document", "aftercare", "microneedling")
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.split("</style>")[1])).split())
    text = text.replace(" ,", ",").replace(" :", ":")
    block = README.split("7. **The patient documents")[1].split("```")[1]
    for line in block.strip().splitlines():
        assert " ".join(line.split()) in text, line
    assert " ".join(site.AFTER_HOURS_CONTACT["text"].split()) in text
    assert "Example Clinic" not in ok("document", "aftercare", "microneedling", blocked=True)


def test_in_process_load_library_applies_the_plugin() -> None:
    import clinicguide

    library = clinicguide.load_library()
    assert "site-ha-filler-lips" in library
    depth = library.get("microneedling").regimens[0].ranges[0]
    assert (depth.low, depth.high) == (0.5, 1.0)
