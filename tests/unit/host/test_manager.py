"""The plugin host: one manager per host, pluggy's call order, hook wrappers, the trace, and the
content layer loading guidance without any plugin machinery.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable, Generator, Mapping
from pathlib import Path
from typing import Any

import pluggy
import pytest

import clinicguide
from clinicguide import ClinicGuide, Finding, PluginError, hookimpl
from clinicguide.cli import main
from clinicguide.content import library as content_library
from clinicguide.content.amend import Amendment
from clinicguide.host.hooks import Hooks
from clinicguide.testing import packaged_document, write_document

ROOT = Path(__file__).resolve().parents[3]
SRC = ROOT / "src" / "clinicguide"
DATE = "2026-12-01"
PATIENT = {"id": "host-patient", "birthDate": "1990-01-01", "gender": "female"}


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLINICGUIDE_DISABLE_PLUGINS", raising=False)
    monkeypatch.delenv("CLINICGUIDE_TRACE", raising=False)


@pytest.fixture
def managers_built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The project name of every pluggy PluginManager built from now on."""
    built: list[str] = []
    original = pluggy.PluginManager.__init__

    def counting(self: pluggy.PluginManager, project_name: str) -> None:
        built.append(project_name)
        original(self, project_name)

    monkeypatch.setattr(pluggy.PluginManager, "__init__", counting)
    return built


# -- one plugin host ---------------------------------------------------------------------------------


def _command(name: str, tmp_path: Path) -> list[str]:
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps(PATIENT))
    screen = ["microneedling", "--patient", str(patient), "--date", DATE]
    return {"plan": ["plan", *screen], "screen": ["screen", *screen], "checklist": ["checklist", "microneedling"],
            "export": ["export"], "list": ["list"], "show": ["show", "microneedling"], "plugins": ["plugins"]}[name]


@pytest.mark.parametrize("command", ["plan", "screen", "checklist", "export", "list", "show", "plugins"])
def test_one_cli_command_builds_one_plugin_manager(command: str, tmp_path: Path, managers_built: list[str],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(_command(command, tmp_path)) == 0, capsys.readouterr().err
    assert managers_built == ["clinicguide"]


def test_cli_plan_with_extra_guidance_builds_one_manager(tmp_path: Path, managers_built: list[str],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    extra = tmp_path / "site"
    write_document(extra, {**packaged_document("microneedling"), "id": "site-copy"})
    assert main(["plan", "site-copy", "--guidance", str(extra), *_command("plan", tmp_path)[2:]]) == 0
    assert json.loads(capsys.readouterr().out)["resourceType"] == "Bundle"
    assert managers_built == ["clinicguide"]


def test_a_guide_builds_one_manager_and_loads_through_it(managers_built: list[str]) -> None:
    guide = ClinicGuide(entry_point_plugins=False)
    assert managers_built == ["clinicguide"]
    guide.plan("microneedling", PATIENT, date=DATE)
    assert managers_built == ["clinicguide"]
    clinicguide.load_library()
    assert managers_built == ["clinicguide", "clinicguide"]  # load_library alone applies the installed plugins
    clinicguide.load_library(plugins=False)
    content_library.load_library()
    assert len(managers_built) == 2


def test_a_guide_takes_a_library_or_paths_to_load_not_both(tmp_path: Path) -> None:
    with pytest.raises(clinicguide.UsageError, match="not both"):
        ClinicGuide(content_library.load_library(), guidance_paths=[tmp_path], entry_point_plugins=False)


def test_the_content_layer_loads_without_any_plugin_machinery() -> None:
    code = ("import sys; from clinicguide.content.library import load_library; library = load_library(); "
            "print(len(library), sorted({m.split('.')[0] if m == 'pluggy' else m for m in sys.modules "
            "if m == 'pluggy' or m.startswith('clinicguide.host')}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    count, loaded = done.stdout.split(" ", 1)
    assert int(count) >= 6 and loaded.strip() == "[]"


def test_content_amenders_are_plain_callables() -> None:
    seen: list[tuple[str, str, bool]] = []

    def narrow(guidance_id: str, version: str, document: Mapping[str, Any]) -> list[Amendment]:
        seen.append((guidance_id, version, isinstance(document, Mapping) and not isinstance(document, dict)))
        if guidance_id != "microneedling":
            return []
        return [Amendment("clinic-policy", "clinic policy 2026", {"narrow": {"rng-needle-depth": {"high": 1.2}}})]

    library = content_library.load_library(amenders=[narrow])
    assert library.get("microneedling").regimens[0].ranges[0].high == 1.2
    assert library.amendments["microneedling|1.1.0"] == ("clinic policy 2026: narrowed rng-needle-depth to 0.5-1.2 mm",)
    assert ("microneedling", "1.1.0", True) in seen  # a read-only view
    with pytest.raises(PluginError, match=r"plugin 'clinic-policy' in hook 'clinicguide_amend_guidance': .*widen"):
        content_library.load_library(amenders=[lambda i, v, d: [Amendment("clinic-policy", "x", {
            "narrow": {"rng-needle-depth": {"high": 3}}})] if i == "microneedling" else []])


def test_core_code_calls_hooks_only_through_the_typed_facade() -> None:
    calls = {path.relative_to(SRC).as_posix() for path in SRC.rglob("*.py")
             if re.search(r"\.hook\.|getattr\(\s*\w*\.?hook\b", path.read_text(encoding="utf-8"))}
    assert calls == {"host/hooks.py"}


# -- pluggy's call order ---------------------------------------------------------------------------------


def _site(name: str, item: str) -> object:
    class Site:
        @hookimpl
        def clinicguide_screen(self, guidance: Any) -> list[Finding]:
            return [Finding("needs-answer", "needs-information", item, guidance.ref, f"{name} rule", ())]

        @hookimpl
        def clinicguide_amend_guidance(self, guidance_id: str) -> dict[str, Any] | None:
            if guidance_id != "microneedling":
                return None
            source = {"id": f"SRC-{name}", "title": f"{name} policy", "publisher": name, "evidence": "clinic-material"}
            contact = {"id": f"ac-{name}", "category": "contact-clinic", "text": f"Call {name} if worried.",
                       "start": {"value": 0, "unit": "h"}, "sources": [source["id"]]}
            return {"add": {"sources": [source], "aftercare": [contact]}}

    site = Site()
    site.__name__ = name  # type: ignore[attr-defined]
    return site


def test_newest_plugin_first_and_builtins_where_they_say() -> None:
    guide = ClinicGuide(plugins=[_site("older", "reg-medical-pen"), _site("newer", "reg-medical-pen")],
                        entry_point_plugins=False)
    screening, _ = guide.screen("microneedling", PATIENT, date=DATE)
    messages = [f.message for f in screening.findings]
    # The built-in screening is tryfirst: its findings come first, then the newest plugin's.
    assert messages[-2:] == ["newer rule", "older rule"]
    assert not any(f.message.endswith(" rule") for f in screening.findings[:-2])
    recorded = guide.library.amendments["microneedling|1.1.0"]
    assert list(dict.fromkeys(line.split(":")[0] for line in recorded)) == [
        "newer (test_manager unknown)", "older (test_manager unknown)"]
    impls = guide.hooks.pm.hook.clinicguide_fhir_bundle.get_hookimpls()
    assert impls[0].plugin_name == "clinicguide.fhir" and impls[0].trylast  # asked last: any writer replaces it


def test_entry_points_load_through_pluggy_in_order_of_name(clinicguide_installed: Any, tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for module in ("cg_zeta_site", "cg_alpha_site"):
        (source / f"{module}.py").write_text("from clinicguide import hookimpl\n\n@hookimpl\ndef clinicguide_screen():\n"
                                             "    return None\n")
    clinicguide_installed("cg-zeta", "2.0", {"zeta-site": "cg_zeta_site"}, source)
    clinicguide_installed("cg-alpha", "1.0", {"alpha-site": "cg_alpha_site"}, source)
    hooks = Hooks()
    names = [p.name for p in hooks.plugins()]
    assert names.index("alpha-site") < names.index("zeta-site")
    assert {dist.project_name for _, dist in hooks.pm.list_plugin_distinfo()} >= {"cg-alpha", "cg-zeta"}
    assert hooks.agent_of("zeta-site") == "zeta-site (cg-zeta 2.0)"
    assert "zeta-site" not in [p.name for p in Hooks(blocked=["zeta-site"]).plugins()]


# -- hook wrappers --------------------------------------------------------------------------------------


class TagsTheBundle:
    @hookimpl(wrapper=True)
    def clinicguide_fhir_bundle(self) -> Generator[None, dict[str, Any], dict[str, Any]]:
        bundle = yield
        bundle["meta"] = {"tag": [{"system": "https://example.org/site", "code": "wrapped"}]}
        return bundle


def test_a_wrapper_sees_and_changes_a_hook_result() -> None:
    bundle = ClinicGuide(plugins=[TagsTheBundle()], entry_point_plugins=False).plan("microneedling", PATIENT, date=DATE).bundle
    assert bundle["meta"]["tag"][0]["code"] == "wrapped"
    assert [e["resource"]["resourceType"] for e in bundle["entry"]][:2] == ["CarePlan", "Questionnaire"]


def _wrapper(hook: str, body: Callable[[], Generator[None, Any, Any]]) -> object:
    """A plugin named ``Wraps_<hook>`` whose wrapper of ``hook`` runs ``body``."""
    def method(self: Any) -> Generator[None, Any, Any]:
        return (yield from body())

    return type(f"Wraps_{hook.removeprefix('clinicguide_')}", (), {hook: hookimpl(wrapper=True)(method)})()


def _drops_findings() -> Generator[None, Any, Any]:
    yield
    return []


def _adds_amendment() -> Generator[None, Any, Any]:
    found = yield
    return [*found, {"add": {}}]


def _hides_failure() -> Generator[None, Any, Any]:
    try:
        yield
    except PluginError:
        return []
    return []


def _returns_a_string() -> Generator[None, Any, Any]:
    yield
    return "not a bundle"


def _raises_before() -> Generator[None, Any, Any]:
    raise RuntimeError("wrapper setup failed")
    yield


def _yields_twice() -> Generator[None, Any, Any]:
    yield
    yield


WRAPPER_FAULTS = [
    ("clinicguide_screen", _drops_findings, "a wrapper may add findings but not drop them"),
    ("clinicguide_amend_guidance", _adds_amendment, "a wrapper may not change the amendments"),
    ("clinicguide_fhir_bundle", _returns_a_string, "must return a FHIR Bundle as a dict"),
    ("clinicguide_screen", _raises_before, "raised RuntimeError at test_manager.py:"),
    ("clinicguide_process_careplan", _yields_twice, "a wrapper must yield only once"),
]


@pytest.mark.parametrize(("hook", "body", "reason"), WRAPPER_FAULTS, ids=[r for _, _, r in WRAPPER_FAULTS])
def test_a_wrapper_that_breaks_a_rule_is_named(hook: str, body: Callable[[], Generator[None, Any, Any]],
                                               reason: str) -> None:
    plugin = _wrapper(hook, body)
    with pytest.raises(PluginError) as caught:
        ClinicGuide(plugins=[plugin], entry_point_plugins=False).plan("microneedling", PATIENT, date=DATE)
    assert (caught.value.plugin, caught.value.hook) == (type(plugin).__name__, hook)
    assert reason in caught.value.reason


def test_a_wrapper_may_not_hide_a_failed_screening() -> None:
    class Fails:
        @hookimpl
        def clinicguide_screen(self) -> None:
            raise RuntimeError("site rule table missing")

    hides = _wrapper("clinicguide_screen", _hides_failure)
    with pytest.raises(PluginError, match="may not hide the failure") as caught:
        ClinicGuide(plugins=[Fails(), hides], entry_point_plugins=False).screen("microneedling", PATIENT, date=DATE)
    assert caught.value.plugin == "Wraps_screen"
    assert isinstance(caught.value.__cause__, PluginError) and caught.value.__cause__.plugin == "Fails"


def test_a_wrapper_may_stand_in_for_a_failed_patient_lookup() -> None:
    class Fails:
        @hookimpl
        def clinicguide_patient_context(self) -> None:
            raise LookupError("records system down")

    class Fallback:
        @hookimpl(wrapper=True)
        def clinicguide_patient_context(self) -> Generator[None, Any, Any]:
            try:
                return (yield)
            except PluginError:
                return dict(PATIENT)

    guide = ClinicGuide(plugins=[Fails(), Fallback()], entry_point_plugins=False)
    assert guide.plan("microneedling", "Patient/host-patient", date=DATE).decision


def test_old_style_hookwrappers_are_refused_at_registration() -> None:
    class OldStyle:
        @hookimpl(hookwrapper=True)
        def clinicguide_screen(self) -> Generator[None, Any, None]:
            yield

    with pytest.raises(PluginError, match=r"plugin 'OldStyle' in hook 'clinicguide_screen': hookwrapper=True is not supported"):
        ClinicGuide(plugins=[OldStyle()], entry_point_plugins=False)


# -- the trace --------------------------------------------------------------------------------------------


def test_trace_is_one_line_per_hook_call_in_call_order(monkeypatch: pytest.MonkeyPatch,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CLINICGUIDE_TRACE", "1")
    guide = ClinicGuide(plugins=[_site("site", "reg-medical-pen"), TagsTheBundle()], entry_point_plugins=False)
    capsys.readouterr()
    guide.plan("microneedling", PATIENT, date=DATE)
    lines = capsys.readouterr().err.splitlines()
    assert re.fullmatch(r"clinicguide trace: clinicguide_screen -> clinicguide\.screening, site \(\d+\.\d\d ms\)", lines[0])
    assert [line.split(" -> ")[0].removeprefix("clinicguide trace: ") for line in lines] == [
        "clinicguide_screen", "clinicguide_process_careplan", "clinicguide_process_questionnaire",
        "clinicguide_fhir_bundle", "clinicguide_process_bundle"]  # the writer's nested calls end first
    assert "clinicguide_fhir_bundle -> TagsTheBundle, clinicguide.fhir (" in lines[3]
    assert "clinicguide_process_bundle -> no plugin (" in lines[4]
