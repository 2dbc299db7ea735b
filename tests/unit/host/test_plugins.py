"""The plugin system: discovery, order, every hook's effect, safety-monotone amendments, and errors
that name the plugin and the hook.

Plugins here are registered by the host (``ClinicGuide(plugins=[...])``) or made
discoverable through an entry point for one test (``clinicguide_installed``). Tests that
need the example site plugin really installed (``pip install ./plugins/clinicguide-example-site``)
skip without it; its own tests in its folder cover the installed plugin in full.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path
from typing import Any

import pytest

from clinicguide import ClinicGuide, ClinicguideError, ContentError, Finding, InputError, PluginError, hookimpl, load_library
from clinicguide.host.hooks import Hooks
from clinicguide.testing import amending, packaged_document

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE_SITE = ROOT / "plugins" / "clinicguide-example-site"
LOOSENING = ROOT / "plugins" / "clinicguide-loosening-example"
DATE = "2026-12-01"
BUILTINS = ["clinicguide.guidance", "clinicguide.screening", "clinicguide.fhir"]


def _installed(name: str) -> bool:
    try:
        distribution(name)
    except PackageNotFoundError:
        return False
    return True


# Decided at collection, before any test puts a source folder on sys.path.
EXAMPLE_SITE_INSTALLED = _installed("clinicguide-example-site")
needs_installed_example_site = pytest.mark.skipif(
    not EXAMPLE_SITE_INSTALLED,
    reason="clinicguide-example-site is not installed (pip install ./plugins/clinicguide-example-site)")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CLINICGUIDE_DISABLE_PLUGINS", "CLINICGUIDE_TRACE")}
    env.update(extra)
    return env


def cli(*args: str, env: Mapping[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "clinicguide", *args], capture_output=True, text=True,
                          env=dict(env) if env is not None else clean_env(), cwd=cwd, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def resources(bundle: Mapping[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def complete_response(questionnaire: Mapping[str, Any], subject: str = "Patient/test-patient") -> dict[str, Any]:
    """A completed QuestionnaireResponse acknowledging every boolean item of a checklist."""
    def answer(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for item in items:
            if item["type"] == "group":
                out.append({"linkId": item["linkId"], "item": answer(item.get("item", []))})
            elif item["type"] == "boolean":
                out.append({"linkId": item["linkId"], "answer": [{"valueBoolean": True}]})
        return out

    return {"resourceType": "QuestionnaireResponse", "questionnaire": f"{questionnaire['url']}|{questionnaire['version']}",
            "status": "completed", "subject": {"reference": subject}, "authored": f"{DATE}T09:00:00Z",
            "item": answer(questionnaire["item"])}


def example_site_module(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(EXAMPLE_SITE / "src"))
    import clinicguide_example_site

    return clinicguide_example_site


def loosening_module(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(LOOSENING / "src"))
    import clinicguide_loosening_example

    return clinicguide_loosening_example


@pytest.fixture
def site_installed(clinicguide_installed: Any) -> dict[str, str]:
    """The example site plugin discoverable through its entry point (from its source folder)."""
    env = clinicguide_installed("clinicguide-example-site", "0.1.0",
                                {"example-site": "clinicguide_example_site"}, EXAMPLE_SITE / "src")
    env.pop("CLINICGUIDE_DISABLE_PLUGINS", None)
    env.pop("CLINICGUIDE_TRACE", None)
    return env


@pytest.fixture
def patient_file(tmp_path: Path, clinicguide_patient: Any) -> Path:
    path = tmp_path / "patient.json"
    path.write_text(json.dumps(clinicguide_patient()))
    return path


# -- discovery, order, listing -----------------------------------------------------------------


def test_builtins_are_plugins_registered_first_in_fixed_order(clinicguide_manager: Any) -> None:
    class Host:
        @hookimpl
        def clinicguide_screen(self) -> None:
            return None

    found = clinicguide_manager(Host()).plugins()
    assert [p.name for p in found] == BUILTINS + ["Host"]
    assert [p.builtin for p in found] == [True, True, True, False]
    assert found[0].hooks == ("clinicguide_guidance_dirs",)
    assert found[1].hooks == ("clinicguide_screen",)
    assert found[2].hooks == ("clinicguide_fhir_bundle",)


def test_example_site_is_discovered_through_its_entry_point(site_installed: dict[str, str]) -> None:
    guide = ClinicGuide()  # entry-point plugins are loaded by default
    info = {p.name: p for p in guide.hooks.plugins()}["example-site"]
    assert (info.distribution, info.version, info.builtin) == ("clinicguide-example-site", "0.1.0", False)
    assert info.hooks == ("clinicguide_amend_guidance", "clinicguide_guidance_dirs", "clinicguide_site_contacts")
    assert "site-ha-filler-lips" in guide.library
    assert "site-ha-filler-lips" not in ClinicGuide(entry_point_plugins=False).library


def test_load_library_applies_installed_plugins_unless_told_not_to(site_installed: dict[str, str]) -> None:
    library = load_library()
    depth = library.get("microneedling").regimens[0].ranges[0]
    assert (depth.low, depth.high, depth.sources) == (0.5, 1.0, ("M7", "M8", "EXC-MICRONEEDLING"))
    plain = load_library(plugins=False)
    assert "site-ha-filler-lips" not in plain
    assert (plain.get("microneedling").regimens[0].ranges[0].high, plain.amendments) == (1.5, {})


def test_cli_plugins_lists_distribution_version_and_hooks(site_installed: dict[str, str]) -> None:
    text = cli("plugins", env=site_installed).stdout
    assert text.startswith("clinicguide.guidance   clinicguide 0.1.0  (built-in)\n"
                           "                       hooks: clinicguide_guidance_dirs\n")
    assert ("example-site           clinicguide-example-site 0.1.0\n"
            "                       hooks: clinicguide_amend_guidance, clinicguide_guidance_dirs, "
            "clinicguide_site_contacts\n") in text
    rows = json.loads(cli("plugins", "--format", "json", env=site_installed).stdout)
    assert rows[:3] == [
        {"name": "clinicguide.guidance", "distribution": "clinicguide", "version": "0.1.0", "builtin": True,
         "hooks": ["clinicguide_guidance_dirs"]},
        {"name": "clinicguide.screening", "distribution": "clinicguide", "version": "0.1.0", "builtin": True,
         "hooks": ["clinicguide_screen"]},
        {"name": "clinicguide.fhir", "distribution": "clinicguide", "version": "0.1.0", "builtin": True,
         "hooks": ["clinicguide_fhir_bundle"]},
    ]
    assert {"name": "example-site", "distribution": "clinicguide-example-site", "version": "0.1.0", "builtin": False,
            "hooks": ["clinicguide_amend_guidance", "clinicguide_guidance_dirs", "clinicguide_site_contacts"]} in rows


def test_example_site_changes_cli_output_through_its_entry_point(site_installed: dict[str, str], patient_file: Path) -> None:
    answers = EXAMPLE_SITE / "tests" / "data" / "microneedling-answers.json"
    args = ["screen", "microneedling", "--patient", str(patient_file), "--answers", str(answers), "--param", "needle-depth=1.2mm",
            "--last-treatment", "never", "--date", DATE]
    summary = json.loads(cli(*args, env=site_installed).stdout)
    assert (summary["decision"], [f["code"] for f in summary["findings"]]) == ("caution", ["dose-above-range"])
    assert "0.5-1 mm" in summary["findings"][0]["message"]
    blocked = json.loads(cli(*args, env={**site_installed, "CLINICGUIDE_DISABLE_PLUGINS": "example-site"}).stdout)
    assert (blocked["decision"], [f["code"] for f in blocked["findings"]]) == ("eligible", ["dose-within-range"])
    checklist = json.loads(cli("checklist", "microneedling", env=site_installed).stdout)
    assert checklist["item"][-1]["item"][-1]["linkId"] == "consent-site-photography"
    assert "site-ha-filler-lips" in cli("list", env=site_installed).stdout


@needs_installed_example_site
def test_installed_example_site_is_listed_without_help() -> None:
    assert "example-site           clinicguide-example-site" in cli("plugins").stdout
    assert "site-ha-filler-lips" in cli("list").stdout


def test_example_site_guidance_validates_clean() -> None:
    folder = EXAMPLE_SITE / "src" / "clinicguide_example_site" / "guidance"
    done = cli("validate", str(folder))
    *warnings, summary = done.stdout.splitlines()
    assert (done.returncode, summary) == (0, "1 file checked: no problems, 4 warning(s)")
    # The sources the content brief has no reference for, as in the shipped filler guidance.
    assert [line.split("CG321 warning: source ")[1].split()[0] for line in warnings] == ["F6", "F7", "F11", "F12"]


# -- environment: blocking and tracing ---------------------------------------------------------


class HostRecords:
    """A host's patient lookup, as examples/host.py has it."""

    def __init__(self, records: Mapping[str, Mapping[str, Any]]) -> None:
        self.records = records

    @hookimpl
    def clinicguide_patient_context(self, reference: str) -> Mapping[str, Any] | None:
        return self.records.get(reference)


SECRET_PATIENT = {"id": "zebulon-quartermaine-77", "birthDate": "1983-02-17", "gender": "male",
                  "conditions": [{"code": "http://snomed.info/sct|235055003", "status": "active", "verification": "confirmed"}]}
SECRET_REFERENCE = "Patient/zebulon-quartermaine-77"


def test_env_var_blocks_named_plugins(monkeypatch: pytest.MonkeyPatch, clinicguide_patient: Any) -> None:
    monkeypatch.setenv("CLINICGUIDE_DISABLE_PLUGINS", "HostRecords")
    guide = ClinicGuide(plugins=[HostRecords({SECRET_REFERENCE: SECRET_PATIENT})], entry_point_plugins=False)
    assert [p.name for p in guide.hooks.plugins()] == BUILTINS
    with pytest.raises(InputError, match="no plugin supplied the patient"):
        guide.plan("microneedling", SECRET_REFERENCE, date=DATE)


def test_env_var_blocking_the_bundle_writer_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, clinicguide_patient: Any) -> None:
    monkeypatch.setenv("CLINICGUIDE_DISABLE_PLUGINS", "clinicguide.fhir")
    guide = ClinicGuide(entry_point_plugins=False)
    with pytest.raises(PluginError, match="no plugin wrote the Bundle"):
        guide.plan("microneedling", clinicguide_patient(), date=DATE)


def test_cli_honours_the_block_env_var(site_installed: dict[str, str]) -> None:
    env = {**site_installed, "CLINICGUIDE_DISABLE_PLUGINS": "example-site,clinicguide.fhir"}
    names = [row["name"] for row in json.loads(cli("plugins", "--format", "json", env=env).stdout)]
    assert "example-site" not in names and "clinicguide.fhir" not in names
    assert names[:2] == ["clinicguide.guidance", "clinicguide.screening"]


def test_trace_names_hooks_and_plugins_but_no_patient_data(monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CLINICGUIDE_TRACE", "1")
    guide = ClinicGuide(plugins=[HostRecords({SECRET_REFERENCE: SECRET_PATIENT})], entry_point_plugins=False)
    capsys.readouterr()
    result = guide.plan("microneedling", SECRET_REFERENCE, proposed={"params": {"needle-depth": "1.37 mm"}}, date=DATE,
                        answers={"ci-skin-cancer": "no"})
    assert result.decision == "contraindicated"  # the active cold sore
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert "clinicguide trace: clinicguide_patient_context -> HostRecords" in err
    assert "clinicguide trace: clinicguide_screen -> clinicguide.screening" in err
    assert "clinicguide trace: clinicguide_fhir_bundle -> clinicguide.fhir" in err
    assert all(line.startswith("clinicguide trace: clinicguide_") and line.endswith(" ms)") for line in lines), err
    for secret in ("zebulon", "quartermaine", "1983", "02-17", "235055003", "1.37", "male", "ci-skin-cancer", DATE):
        assert secret not in err.lower()


def test_trace_off_by_default(capsys: pytest.CaptureFixture[str],
                              monkeypatch: pytest.MonkeyPatch, clinicguide_patient: Any) -> None:
    monkeypatch.delenv("CLINICGUIDE_TRACE", raising=False)
    ClinicGuide(entry_point_plugins=False).plan("microneedling", clinicguide_patient(), date=DATE)
    assert capsys.readouterr().err == ""


def test_cli_trace_carries_no_patient_data(patient_file: Path, tmp_path: Path) -> None:
    patient_file.write_text(json.dumps(SECRET_PATIENT))
    done = cli("screen", "microneedling", "--patient", str(patient_file), "--param", "needle-depth=1.37mm", "--date", DATE,
               env=clean_env(CLINICGUIDE_TRACE="1", CLINICGUIDE_DISABLE_PLUGINS="example-site"))
    assert done.returncode == 0
    assert "clinicguide trace: clinicguide_screen -> clinicguide.screening" in done.stderr
    for secret in ("zebulon", "1983", "1.37"):
        assert secret not in done.stderr.lower()


# -- patient lookup (clinicguide_patient_context, first result) --------------------------------


def test_patient_lookup_by_reference() -> None:
    guide = ClinicGuide(plugins=[HostRecords({SECRET_REFERENCE: SECRET_PATIENT})], entry_point_plugins=False)
    result = guide.plan("microneedling", SECRET_REFERENCE, date=DATE)
    assert resources(result.bundle, "CarePlan")[0]["subject"] == {"reference": "Patient/zebulon-quartermaine-77"}
    assert "ci-active-herpes" in [f.item for f in result.findings if f.outcome == "contraindicated"]
    with pytest.raises(InputError) as caught:
        guide.plan("microneedling", "Patient/unknown-person", date=DATE)
    assert "unknown-person" not in str(caught.value)  # the message does not echo the reference


def test_patient_lookup_asks_the_newest_plugin_first_and_falls_through_on_none() -> None:
    asked: list[str] = []

    class Older:
        @hookimpl
        def clinicguide_patient_context(self, reference: str) -> Mapping[str, Any] | None:
            asked.append("older")
            return {"id": "from-older", "birthDate": "1990-01-01"}

    class Newer:
        @hookimpl
        def clinicguide_patient_context(self, reference: str) -> Mapping[str, Any] | None:
            asked.append("newer")
            return {"id": "from-newer", "birthDate": "1990-01-01"} if reference == "Patient/new" else None

    hooks = Hooks([Older(), Newer()], entry_point_plugins=False)
    assert hooks.patient_context("Patient/new")["id"] == "from-newer"
    assert asked == ["newer"]
    assert hooks.patient_context("Patient/old")["id"] == "from-older"
    assert asked == ["newer", "newer", "older"]


# -- post-processing hooks and the Bundle writer ------------------------------------------------


class SiteProcessing:
    """One implementation of each clinicguide_process_* hook, each leaving a visible mark."""

    @hookimpl
    def clinicguide_process_careplan(self, careplan: dict[str, Any], guidance: Any, fhir_version: str) -> None:
        careplan.setdefault("note", []).append({"text": f"site note for {guidance.id} ({fhir_version})"})

    @hookimpl
    def clinicguide_process_questionnaire(self, questionnaire: dict[str, Any]) -> None:
        questionnaire["publisher"] = "Example Clinic"

    @hookimpl
    def clinicguide_process_consent(self, consent: dict[str, Any], fhir_version: str) -> None:
        consent.setdefault("meta", {})["tag"] = [{"system": "https://example.org/site", "code": f"consent-{fhir_version}"}]

    @hookimpl
    def clinicguide_process_bundle(self, bundle: dict[str, Any], guidance: Any) -> None:
        bundle["timestamp"] = "2026-12-01T09:00:00Z"


@pytest.mark.parametrize("fhir_version", ["R4", "R5"])
def test_each_process_hook_changes_the_output(fhir_version: str, clinicguide_patient: Any) -> None:
    plain = ClinicGuide(entry_point_plugins=False, validate_fhir=True)
    site = ClinicGuide(plugins=[SiteProcessing()], entry_point_plugins=False, validate_fhir=True)
    patient = clinicguide_patient()
    before = plain.plan("microneedling", patient, date=DATE, fhir_version=fhir_version).bundle
    after = site.plan("microneedling", patient, date=DATE, fhir_version=fhir_version).bundle
    # clinicguide_process_careplan
    assert "note" not in resources(before, "CarePlan")[0]
    assert resources(after, "CarePlan")[0]["note"] == [{"text": f"site note for microneedling ({fhir_version})"}]
    # clinicguide_process_questionnaire, in the plan and in checklist()
    assert "publisher" not in resources(before, "Questionnaire")[0]
    assert resources(after, "Questionnaire")[0]["publisher"] == "Example Clinic"
    assert site.checklist("microneedling", fhir_version=fhir_version)["publisher"] == "Example Clinic"
    # clinicguide_process_bundle
    assert "timestamp" not in before and after["timestamp"] == "2026-12-01T09:00:00Z"
    # clinicguide_process_consent
    checklist = plain.checklist("microneedling", fhir_version=fhir_version)
    assert "meta" not in plain.consent("microneedling", complete_response(checklist), fhir_version=fhir_version)
    consent = site.consent("microneedling", complete_response(checklist), fhir_version=fhir_version)
    assert consent["meta"]["tag"] == [{"system": "https://example.org/site", "code": f"consent-{fhir_version}"}]


def test_a_required_item_added_by_process_questionnaire_must_be_answered() -> None:
    class ExtraItem:
        @hookimpl
        def clinicguide_process_questionnaire(self, questionnaire: dict[str, Any]) -> None:
            questionnaire["item"].append({"linkId": "site-extra", "text": "I have read the site leaflet.",
                                          "type": "boolean", "required": True})

    guide = ClinicGuide(plugins=[ExtraItem()], entry_point_plugins=False)
    plain_checklist = ClinicGuide(entry_point_plugins=False).checklist("microneedling")
    with pytest.raises(InputError, match="site-extra"):
        guide.consent("microneedling", complete_response(plain_checklist))
    assert guide.consent("microneedling", complete_response(guide.checklist("microneedling")))["status"] == "active"


def test_fhir_bundle_first_result_replaces_the_builtin_writer(clinicguide_patient: Any) -> None:
    seen: list[Any] = []

    class SiteWriter:
        @hookimpl
        def clinicguide_fhir_bundle(self, screening: Any, record: Any, context: Any) -> dict[str, Any]:
            seen.append(context)
            return {"resourceType": "Bundle", "type": "collection", "id": "site-bundle",
                    "entry": [{"resource": {"resourceType": "Basic", "id": screening.guidance.id}}]}

    guide = ClinicGuide(plugins=[SiteWriter(), SiteProcessing()], entry_point_plugins=False)
    bundle = guide.plan("microneedling", clinicguide_patient(), date=DATE).bundle
    # The site's Bundle as it wrote it, with the narrative every resource gets when it has none.
    narrative = {"status": "generated", "div": '<div xmlns="http://www.w3.org/1999/xhtml"><p><b>Basic</b></p></div>'}
    assert bundle == {"resourceType": "Bundle", "type": "collection", "id": "site-bundle", "timestamp": "2026-12-01T09:00:00Z",
                      "entry": [{"resource": {"resourceType": "Basic", "id": "microneedling", "text": narrative}}]}
    assert seen[0].version == "R4" and seen[0].agents[0].startswith("clinicguide ")


def test_fhir_bundle_writer_returning_none_defers_to_the_builtin(clinicguide_patient: Any) -> None:
    class Declines:
        @hookimpl
        def clinicguide_fhir_bundle(self) -> None:
            return None

    guide = ClinicGuide(plugins=[Declines()], entry_point_plugins=False)
    bundle = guide.plan("microneedling", clinicguide_patient(), date=DATE).bundle
    assert {r["resourceType"] for r in (e["resource"] for e in bundle["entry"])} >= {"CarePlan", "Questionnaire", "Provenance"}


# -- screening and guidance folders -----------------------------------------------------------------


def test_screen_hook_adds_findings_and_the_decision_is_the_worst(clinicguide_patient: Any) -> None:
    class SiteRule:
        @hookimpl
        def clinicguide_screen(self, guidance: Any, proposal: Any) -> list[Finding] | None:
            if guidance.id != "microneedling" or proposal is not None:
                return None
            return [Finding("needs-answer", "needs-information", "reg-medical-pen", guidance.ref,
                            "Site rule: state the planned needle depth", ("M8",), question="Which needle depth is planned?")]

    answers = json.loads((EXAMPLE_SITE / "tests" / "data" / "microneedling-answers.json").read_text())
    guide = ClinicGuide(plugins=[SiteRule()], entry_point_plugins=False)
    result = guide.plan("microneedling", clinicguide_patient(), date=DATE, answers=answers)
    assert (result.decision, [f.code for f in result.findings]) == ("needs-information", ["needs-answer"])
    issue = resources(result.bundle, "DetectedIssue")
    assert len(issue) == 1 and "Site rule" in json.dumps(issue[0])
    with_proposal = guide.plan("microneedling", clinicguide_patient(), date=DATE, answers=answers,
                               proposed={"params": {"needle-depth": "1 mm"}, "last_treatment": "never"})
    assert with_proposal.decision == "eligible"


def test_guidance_dirs_contribute_validated_documents(clinicguide_library_factory: Any, tmp_path: Path) -> None:
    site_doc = packaged_document("microneedling")
    site_doc.update(id="site-microneedling-copy", title="Site copy of microneedling")
    folder = tmp_path / "site-guidance"
    from clinicguide.testing import write_document

    write_document(folder, site_doc)

    class SiteFolder:
        @hookimpl
        def clinicguide_guidance_dirs(self) -> list[str]:
            return [str(folder)]

    library = clinicguide_library_factory(plugins=[SiteFolder()])
    assert library.ids() == ("site-microneedling-copy",)
    assert library.get("site-microneedling-copy").title == "Site copy of microneedling"
    site_doc["risks"][0]["severity"] = "sever"
    write_document(folder, site_doc)
    with pytest.raises(ContentError) as caught:
        clinicguide_library_factory(plugins=[SiteFolder()])
    assert [p.code for p in caught.value.problems] == ["CG204"]
    assert caught.value.problems[0].file.endswith("site-microneedling-copy.yaml") and caught.value.problems[0].line > 1


# -- the testing fixtures themselves ----------------------------------------------------------------


def test_library_factory_builds_from_mappings_text_and_paths(clinicguide_library_factory: Any, tmp_path: Path) -> None:
    doc = packaged_document("salicylic-acid-topical")
    doc["id"] = "site-salicylic"
    # A text with a packaged id would be a site's copy of packaged guidance (CG323): give it its own.
    text = (ROOT / "guidance" / "botulinum-toxin-glabellar.yaml").read_text().replace(
        "\nid: botulinum-toxin-glabellar\n", "\nid: site-toxin\n")
    library = clinicguide_library_factory(doc, text, ROOT / "guidance" / "microneedling.yaml")
    assert library.ids() == ("microneedling", "site-salicylic", "site-toxin")
    assert len(clinicguide_library_factory(packaged=True)) >= 6


def test_manager_fixture_gives_the_typed_facade_and_pluggy(clinicguide_manager: Any) -> None:
    hooks = clinicguide_manager(SiteProcessing())
    assert isinstance(hooks, Hooks)
    assert hooks.pm.has_plugin("SiteProcessing")
    assert [impl.plugin_name for impl in hooks.pm.hook.clinicguide_process_bundle.get_hookimpls()] == ["SiteProcessing"]


# -- safety-monotone amendments -------------------------------------------------------------------------


def test_example_site_amendments_apply_and_are_recorded(monkeypatch: pytest.MonkeyPatch, clinicguide_patient: Any) -> None:
    site = example_site_module(monkeypatch)
    guide = ClinicGuide(plugins=[site], entry_point_plugins=False)
    doc = guide.library.get("microneedling")
    assert doc.regimens[0].ranges[0].high == 1.0
    assert doc.consent[-1].id == "consent-site-photography" and doc.aftercare[-1].id == "ac-site-after-hours"
    agent = f"clinicguide_example_site (clinicguide_example_site {site.__version__})"  # a host-registered module: its __version__
    recorded = guide.library.amendments["microneedling|1.1.0"]
    assert recorded[-1] == f"{agent}: narrowed rng-needle-depth to 0.5-1 mm, citing EXC-MICRONEEDLING"
    provenance = resources(guide.plan("microneedling", clinicguide_patient(), date=DATE).bundle, "Provenance")[0]
    assert [a["who"]["display"] for a in provenance["agent"]][1:] == [agent]
    assert [e["what"]["display"] for e in provenance["entity"][2:]] == [f"amendment: {line}" for line in recorded]
    plain = ClinicGuide(entry_point_plugins=False)
    assert plain.library.digest != guide.library.digest


def test_loosening_plugin_is_refused_naming_plugin_and_item(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = loosening_module(monkeypatch)
    with pytest.raises(PluginError) as caught:
        ClinicGuide(plugins=[bad], entry_point_plugins=False)
    assert (caught.value.plugin, caught.value.hook) == ("clinicguide_loosening_example", "clinicguide_amend_guidance")
    assert str(caught.value) == ("plugin 'clinicguide_loosening_example' in hook 'clinicguide_amend_guidance': "
                                 "rng-needle-depth: 0.3-2 mm would widen the range 0.5-1.5 mm; only narrowing is allowed")
    with pytest.raises(PluginError, match=r"refused to remove ci-pregnancy in microneedling"):
        ClinicGuide(plugins=[bad.RemovesContraindication()], entry_point_plugins=False)


def test_loosening_plugin_through_its_entry_point_stops_the_cli(clinicguide_installed: Any, patient_file: Path) -> None:
    env = clinicguide_installed("clinicguide-loosening-example", "0.1.0",
                                {"loosening-example": "clinicguide_loosening_example"}, LOOSENING / "src")
    env["CLINICGUIDE_DISABLE_PLUGINS"] = "example-site"  # an installed site plugin would narrow the range first
    done = cli("plan", "microneedling", "--patient", str(patient_file), "--param", "needle-depth=1.8mm", env=env)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == ("clinicguide: error: plugin 'loosening-example' in hook 'clinicguide_amend_guidance': "
                           "rng-needle-depth: 0.3-2 mm would widen the range 0.5-1.5 mm; only narrowing is allowed\n")


REFUSED = [
    ("microneedling", {"narrow": {"max-needle-depth": {"value": 2}}},
     "max-needle-depth: 2 mm would raise the maximum 1.5 mm; only lowering is allowed"),
    ("microneedling", {"narrow": {"rng-needle-depth": {"low": 0.4}}},
     "rng-needle-depth: 0.4-1.5 mm would widen the range 0.5-1.5 mm; only narrowing is allowed"),
    ("microneedling", {"narrow": {"rng-needle-depth": {"low": math.nan}}},
     "narrowing rng-needle-depth: low must be a finite number"),
    ("microneedling", {"narrow": {"rng-needle-depth": {"unit": "cm"}}},
     "narrowing rng-needle-depth: cannot change unit of a range"),
    ("microneedling", {"narrow": {"ci-pregnancy": {"severity": "relative"}}},
     "microneedling has no range, maximum or interval 'ci-pregnancy' to narrow"),
    ("microneedling",
     {"add": {"contraindications": [{"id": "ci-pregnancy", "severity": "relative", "text": "x",
                                     "question": "x?", "sources": ["M8"]}]}},
     "'ci-pregnancy' already exists in microneedling; a site may add items but not replace them"),
    ("microneedling", {"add": {"regimens": []}}, "cannot add to 'regimens'"),
    ("microneedling", {"delete": ["ci-pregnancy", "ci-breastfeeding"]},
     "refused to delete ci-pregnancy, ci-breastfeeding in microneedling"),
    ("microneedling", ["not", "a", "mapping"], "must return a mapping with 'add' and/or 'narrow', not list"),
    ("microneedling", {"add": {"risks": [{"id": "risk-site", "text": "Site risk.", "severity": "severe",
                                          "frequency": {"category": "unknown"}, "sources": ["M8"]}]}},
     "the amended microneedling|1.1.0 is invalid: CG307"),
]


@pytest.mark.parametrize(("guidance_id", "amendment", "reason"), REFUSED, ids=[r[2][:40] for r in REFUSED])
def test_loosening_or_invalid_amendments_are_refused(guidance_id: str, amendment: Any, reason: str) -> None:
    with pytest.raises(PluginError) as caught:
        ClinicGuide(plugins=[amending(guidance_id, amendment)], entry_point_plugins=False)
    assert (caught.value.plugin, caught.value.hook) == ("Site", "clinicguide_amend_guidance")
    assert reason in caught.value.reason


def test_interval_can_be_lengthened_but_not_shortened() -> None:
    doc = packaged_document("isotretinoin-oral")
    interval = next(r["min_interval"] for r in doc["regimens"] if isinstance(r.get("min_interval"), dict))
    shorter = {"narrow": {interval["id"]: {"value": 1, "unit": "d"}}}
    with pytest.raises(PluginError, match=rf"{interval['id']}: 1 d would shorten the minimum interval"):
        ClinicGuide(plugins=[amending("isotretinoin-oral", shorter)], entry_point_plugins=False)
    longer = {"narrow": {interval["id"]: {"value": 26, "unit": "wk"}}}
    guide = ClinicGuide(plugins=[amending("isotretinoin-oral", longer)], entry_point_plugins=False)
    [recorded] = guide.library.amendments["isotretinoin-oral|1.1.0"]
    assert recorded.startswith("Site (") and recorded.endswith(f": lengthened {interval['id']} to 26 wk")


def test_a_plugin_cannot_change_the_document_behind_the_rules() -> None:
    class Sneaky:
        @hookimpl
        def clinicguide_amend_guidance(self, guidance_id: str, document: Mapping[str, Any]) -> None:
            if guidance_id == "microneedling":
                document["contraindications"].pop()  # type: ignore[attr-defined]

    with pytest.raises(PluginError) as caught:
        ClinicGuide(plugins=[Sneaky()], entry_point_plugins=False)
    assert (caught.value.plugin, caught.value.hook) == ("Sneaky", "clinicguide_amend_guidance")
    assert len(ClinicGuide(entry_point_plugins=False).library.get("microneedling").contraindications) == 15


# -- errors name the plugin and the hook ----------------------------------------------------------------


class RaisesInScreen:
    @hookimpl
    def clinicguide_screen(self, guidance: Any) -> None:
        if guidance.id == "isotretinoin-oral":
            raise RuntimeError("site rule table missing")
        return


def test_a_raising_plugin_is_named_and_the_guide_stays_usable(clinicguide_patient: Any) -> None:
    guide = ClinicGuide(plugins=[RaisesInScreen()], entry_point_plugins=False)
    with pytest.raises(PluginError) as caught:
        guide.plan("isotretinoin-oral", clinicguide_patient(), date=DATE)
    # The screening hook is handed the patient, so the plugin's own message is left out; where it was raised is not.
    assert str(caught.value).startswith("plugin 'RaisesInScreen' in hook 'clinicguide_screen': "
                                        "raised RuntimeError at test_plugins.py:")
    assert "site rule table missing" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    # The same instance goes on serving other calls.
    assert guide.plan("microneedling", clinicguide_patient(), date=DATE).decision == "needs-information"
    assert guide.checklist("isotretinoin-oral")["resourceType"] == "Questionnaire"


WRONG_RETURNS = [
    ("clinicguide_screen", {"not": "a list"}, "must return a list of clinicguide.Finding"),
    ("clinicguide_screen", [Finding("site-code", "caution", "x", "microneedling|1.1.0", "m", ())],
     "finding code 'site-code' is not one of"),
    ("clinicguide_patient_context", ["a", "list"], "must return a FHIR Bundle or patient mapping"),
    ("clinicguide_fhir_bundle", {"resourceType": "CarePlan"}, "must return a FHIR Bundle as a dict"),
    ("clinicguide_process_careplan", {"resourceType": "CarePlan"}, "must change the resource in place and return None"),
    ("clinicguide_process_bundle", True, "must change the resource in place and return None"),
    ("clinicguide_guidance_dirs", "/not/a/list", "must return a list of folders"),
    ("clinicguide_guidance_dirs", ["/no/such/folder/for/clinicguide"], "is not a folder"),
]


def _returning(hook: str, value: Any) -> object:
    """A plugin whose one hook (taking no arguments) returns ``value``; its class is named after the hook."""
    def method(self: Any) -> Any:
        return value

    method.__name__ = hook
    return type(f"Wrong_{hook}", (), {hook: hookimpl(method)})()


@pytest.mark.parametrize(("hook", "value", "reason"), WRONG_RETURNS, ids=[f"{h}-{r[:24]}" for h, _, r in WRONG_RETURNS])
def test_a_wrong_return_type_is_named(hook: str, value: Any, reason: str, clinicguide_patient: Any) -> None:
    plugin = _returning(hook, value)

    def plan() -> None:  # the wrong return may come while the guide is built or while it plans
        guide = ClinicGuide(plugins=[plugin], entry_point_plugins=False)
        patient = "Patient/any" if hook == "clinicguide_patient_context" else clinicguide_patient()
        guide.plan("microneedling", patient, date=DATE)

    with pytest.raises(PluginError) as caught:
        plan()
    assert (caught.value.plugin, caught.value.hook) == (f"Wrong_{hook}", hook)
    assert reason in caught.value.reason


def test_a_hookimpl_with_a_wrong_parameter_is_named_at_registration() -> None:
    class BadArgs:
        @hookimpl
        def clinicguide_screen(self, guidance: Any, patient: Any) -> None:
            return None

    with pytest.raises(PluginError) as caught:
        ClinicGuide(plugins=[BadArgs()], entry_point_plugins=False)
    assert (caught.value.plugin, caught.value.hook) == ("BadArgs", "clinicguide_screen")
    assert "patient" in caught.value.reason


def test_a_misspelt_hook_is_named_at_registration() -> None:
    class Typo:
        @hookimpl
        def clinicguide_scren(self) -> None:
            return None

    with pytest.raises(PluginError, match=r"plugin 'Typo' in hook 'registration': unknown hook 'clinicguide_scren'"):
        ClinicGuide(plugins=[Typo()], entry_point_plugins=False)


def _write_module(folder: Path, name: str, source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.py").write_text(source)
    return folder


def test_an_entry_point_plugin_that_fails_to_import_is_named(clinicguide_installed: Any, tmp_path: Path) -> None:
    source = _write_module(tmp_path / "src", "cg_broken_site", "import clinicguide\nraise RuntimeError('site config missing')\n")
    env = clinicguide_installed("cg-broken-site", "2.0", {"broken-site": "cg_broken_site"}, source)
    with pytest.raises(PluginError) as caught:
        Hooks()
    assert (caught.value.plugin, caught.value.hook) == ("broken-site", "load")
    assert str(caught.value) == "plugin 'broken-site' in hook 'load': cannot be imported: RuntimeError: site config missing"
    done = cli("plugins", env={**env, "CLINICGUIDE_DISABLE_PLUGINS": ""})
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == ("clinicguide: error: plugin 'broken-site' in hook 'load': "
                           "cannot be imported: RuntimeError: site config missing\n")
    # Blocking it by name skips the import, so the rest works.
    assert cli("plugins", env={**env, "CLINICGUIDE_DISABLE_PLUGINS": "broken-site"}).returncode == 0


def test_an_entry_point_naming_a_missing_module_is_named(clinicguide_installed: Any) -> None:
    clinicguide_installed("cg-missing", "1.0", {"missing-site": "cg_no_such_module_anywhere"})
    with pytest.raises(PluginError, match=r"plugin 'missing-site' in hook 'load': cannot be imported: ModuleNotFoundError"):
        Hooks()


def test_a_raising_entry_point_plugin_is_named_by_the_cli(clinicguide_installed: Any, tmp_path: Path, patient_file: Path) -> None:
    source = _write_module(tmp_path / "src", "cg_raising_site", (
        "from clinicguide import hookimpl\n\n"
        "@hookimpl\n"
        "def clinicguide_screen(guidance):\n"
        "    raise ValueError('bad site rule')\n"))
    env = clinicguide_installed("cg-raising-site", "1.0", {"raising-site": "cg_raising_site"}, source)
    env["CLINICGUIDE_DISABLE_PLUGINS"] = ""
    done = cli("screen", "microneedling", "--patient", str(patient_file), "--date", DATE, env=env)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == ("clinicguide: error: plugin 'raising-site' in hook 'clinicguide_screen': "
                           "raised ValueError at cg_raising_site.py:5 in clinicguide_screen; its message is not shown, "
                           "as it may hold patient data (run the plugin's own tests to see it)\n")
    assert cli("checklist", "microneedling", env=env).returncode == 0  # commands that do not screen still work


def test_plugin_error_is_a_clinicguide_error_with_its_parts() -> None:
    error = PluginError("p", "clinicguide_screen", "raised X")
    assert (error.plugin, error.hook, error.reason, error.exit_code) == ("p", "clinicguide_screen", "raised X", 2)
    assert isinstance(error, ClinicguideError) and str(error) == "plugin 'p' in hook 'clinicguide_screen': raised X"
