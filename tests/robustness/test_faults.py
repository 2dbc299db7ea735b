"""Faults: plugins that raise or return the wrong thing in every hook, and guidance that vanishes or
becomes unreadable while it loads. Each gives a clear error (naming the plugin and hook, or
locating the file), and the host keeps working: the same objects serve the next request exactly
as an unaffected instance does.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import clinicguide.content.check as validate_module
from clinicguide import ClinicGuide, ContentError, Finding, InputError, PluginError, UsageError, hookimpl, load_library
from clinicguide.content.check import check_paths

TESTS = Path(__file__).resolve().parents[1]

TARGET, OTHER = "microneedling", "isotretinoin-oral"  # the plugin fails for TARGET only
PATIENT = {"id": "fault-patient", "birthDate": "1990-05-17", "gender": "female", "weight": "60 kg"}
PROPOSALS = {TARGET: {"params": {"needle-depth": "1 mm"}, "last_treatment": "never"},
             OTHER: {"dose": "20 mg/d", "last_treatment": "never"}}
DATE = "2026-12-01"
HOOKS = {  # hook -> its arguments (the ones a plugin sees)
    "clinicguide_guidance_dirs": (),
    "clinicguide_amend_guidance": ("guidance_id", "version", "document"),
    "clinicguide_screen": ("guidance", "record", "date", "answers", "proposal"),
    "clinicguide_patient_context": ("reference",),
    "clinicguide_fhir_bundle": ("screening", "record", "context"),
    "clinicguide_process_careplan": ("careplan", "guidance", "fhir_version"),
    "clinicguide_process_questionnaire": ("questionnaire", "guidance", "fhir_version"),
    "clinicguide_process_consent": ("consent", "guidance", "fhir_version"),
    "clinicguide_process_bundle": ("bundle", "guidance", "fhir_version"),
    "clinicguide_site_contacts": (),
}
LOAD_HOOKS = ("clinicguide_guidance_dirs", "clinicguide_amend_guidance")


def _targeted(hook: str, kwargs: dict[str, Any]) -> bool:
    """Whether this call is the one the faulty plugin fails on."""
    if hook == "clinicguide_patient_context":
        return kwargs["reference"] == "Patient/faulty"
    if hook in ("clinicguide_guidance_dirs", "clinicguide_site_contacts"):  # no arguments: every call
        return True
    if "guidance_id" in kwargs:
        return kwargs["guidance_id"] == TARGET
    guidance = kwargs.get("guidance") or kwargs["screening"].guidance
    return guidance.id == TARGET


def faulty_plugin(hook: str, behaviour: Callable[[dict[str, Any]], Any]) -> object:
    """A plugin implementing ``hook``: ``behaviour`` on the targeted call, otherwise the neutral result."""
    arguments = HOOKS[hook]
    neutral: Any = None

    def implementation(*args: Any) -> Any:
        kwargs = dict(zip(arguments, args, strict=True))
        if hook == "clinicguide_patient_context" and kwargs["reference"] == "Patient/good":
            return PATIENT
        return behaviour(kwargs) if _targeted(hook, kwargs) else neutral

    namespace: dict[str, Any] = {}
    exec(f"def {hook}({', '.join(arguments)}):\n    return implementation({', '.join(arguments)})\n",
         {"implementation": implementation}, namespace)
    plugin = type(f"Faulty_{hook}", (), {hook: staticmethod(hookimpl(namespace[hook]))})()
    plugin.__name__ = f"faulty-{hook.removeprefix('clinicguide_')}"  # type: ignore[attr-defined]
    return plugin


def _raise(kwargs: dict[str, Any]) -> Any:
    raise RuntimeError("site table missing")


def _raise_input_error(kwargs: dict[str, Any]) -> Any:
    raise InputError("a plugin's own input problem")


def _raise_deep(kwargs: dict[str, Any]) -> Any:
    def recurse(n: int) -> int:
        return recurse(n + 1) + 1
    return recurse(0)


def _bad_finding(kwargs: dict[str, Any]) -> Any:
    return [Finding("site-rule", "maybe", "site-item", kwargs["guidance"].ref, "A site rule.", ())]  # type: ignore[arg-type]


WRONG_RESULTS: dict[str, list[Any]] = {
    "clinicguide_guidance_dirs": [42, "not-a-list", [42], ["/no/such/folder"]],
    "clinicguide_amend_guidance": [42, ["add"], {"remove": {"contraindications": ["ci-pregnancy"]}},
                                   {"narrow": {"rng-needle-depth": {"high": 99}}},
                                   {"narrow": {"rng-needle-depth": {"low": 10**400}}},
                                   {"narrow": {"rng-needle-depth": {"high": float("nan")}}}],
    "clinicguide_screen": [42, {"findings": []}, [42], "finding"],
    "clinicguide_patient_context": [42, ["Patient"], "a patient"],
    "clinicguide_fhir_bundle": [42, {"resourceType": "Patient"}, [], "Bundle"],
    "clinicguide_process_careplan": [42, {}, "changed"],
    "clinicguide_process_questionnaire": [42, {}, "changed"],
    "clinicguide_process_consent": [42, {}, "changed"],
    "clinicguide_process_bundle": [42, {}, "changed"],
    "clinicguide_site_contacts": [42, "call us", [42], [{"name": "Reception"}], [{"name": "Reception", "fax": "1"}]],
}
FAULTS = ([(hook, "raises", _raise) for hook in HOOKS] + [(hook, "raises-input-error", _raise_input_error) for hook in HOOKS]
          + [(hook, "recursion", _raise_deep) for hook in ("clinicguide_screen", "clinicguide_process_bundle")]
          + [("clinicguide_screen", "bad-finding-outcome", _bad_finding)]
          + [(f"clinicguide_process_{kind}", "leaves-non-json",
              (lambda key: lambda kwargs: kwargs[key].__setitem__("x", {1}))(kind))
             for kind in ("careplan", "questionnaire", "consent", "bundle")]
          + [("clinicguide_process_bundle", "leaves-nan", lambda kwargs: kwargs["bundle"].__setitem__("x", float("nan")))]
          + [("clinicguide_fhir_bundle", "returns-non-json",
              lambda kwargs: {"resourceType": "Bundle", "entry": [{"x": object()}]})]
          + [(hook, f"returns-{i}", (lambda result: lambda kwargs: result)(value)) for hook, values in WRONG_RESULTS.items()
             for i, value in enumerate(values)])


@pytest.fixture(scope="module")
def clean() -> ClinicGuide:
    return ClinicGuide(entry_point_plugins=False)


@pytest.fixture(scope="module")
def response(clean: ClinicGuide) -> dict[str, Any]:
    checklist = clean.checklist(TARGET)

    def answer(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"linkId": i["linkId"], **({"answer": [{"valueBoolean": True}]} if i.get("type") == "boolean" else {}),
                 **({"item": answer(i["item"])} if i.get("item") else {})} for i in items]

    return {"resourceType": "QuestionnaireResponse", "status": "completed",
            "questionnaire": f"{checklist['url']}|{checklist['version']}",
            "subject": {"reference": "Patient/fault-patient"}, "authored": DATE, "item": answer(checklist["item"])}


def _everything(guide: ClinicGuide, guidance: str, response: dict[str, Any], patient: Any = None) -> str:
    """Every host call for one guidance, as one comparable text."""
    plan = guide.plan(guidance, patient if patient is not None else PATIENT, proposed=PROPOSALS[guidance], date=DATE)
    out: dict[str, Any] = {"plan": plan.bundle, "checklist": guide.checklist(guidance)}
    if guidance == TARGET:
        out["consent"] = guide.consent(guidance, response)
    return json.dumps(out, sort_keys=True)


def _trigger(guide: ClinicGuide, hook: str, response: dict[str, Any]) -> None:
    if hook == "clinicguide_patient_context":
        guide.plan(TARGET, "Patient/faulty", proposed=PROPOSALS[TARGET], date=DATE)
    elif hook == "clinicguide_process_consent":
        guide.consent(TARGET, response)
    elif hook == "clinicguide_process_questionnaire":
        guide.checklist(TARGET)
    elif hook == "clinicguide_site_contacts":
        guide.document("aftercare", TARGET, format="html")
    else:
        guide.plan(TARGET, PATIENT, proposed=PROPOSALS[TARGET], date=DATE)


@pytest.mark.parametrize(("hook", "behaviour"),
                         [pytest.param(h, b, id=f"{h.removeprefix('clinicguide_')}-{name}") for h, name, b in FAULTS])
def test_plugin_fault_is_named_and_the_host_keeps_working(hook: str, behaviour: Callable[[dict[str, Any]], Any],
                                                          clean: ClinicGuide,
                                                         response: dict[str, Any]) -> None:
    plugin = faulty_plugin(hook, behaviour)
    name = plugin.__name__  # type: ignore[attr-defined]
    if hook in LOAD_HOOKS:  # the library cannot be built: the host gets a PluginError, and a clean instance still works
        with pytest.raises(PluginError) as raised:
            ClinicGuide(plugins=[plugin], entry_point_plugins=False)
        guide = reference = clean
    else:
        guide = ClinicGuide(plugins=[plugin], entry_point_plugins=False)
        # The same plugin behaving (Provenance names every plugin, so compare with the same set).
        reference = ClinicGuide(plugins=[faulty_plugin(hook, lambda kwargs: None)], entry_point_plugins=False)
    expected_other = _everything(reference, OTHER, response)
    if hook not in LOAD_HOOKS:
        for _ in range(2):  # the same failure each time: nothing was left half-changed
            with pytest.raises(PluginError) as raised:
                _trigger(guide, hook, response)
            assert _everything(guide, OTHER, response) == expected_other
    error = raised.value
    assert (error.plugin, error.hook) == (name, hook), str(error)
    assert str(error).startswith(f"plugin {name!r} in hook {hook!r}: ") and error.exit_code == 2
    assert "Traceback" not in str(error) and len(str(error)) < 1_000
    # The host keeps working: the faulty instance serves what the fault does not touch, byte for byte.
    assert _everything(guide, OTHER, response) == expected_other
    if hook == "clinicguide_patient_context":
        assert _everything(guide, TARGET, response, patient="Patient/good") == _everything(reference, TARGET, response)
    assert _everything(clean, TARGET, response) == _everything(ClinicGuide(entry_point_plugins=False), TARGET, response)


def test_every_hook_is_covered() -> None:
    from clinicguide.host import hookspecs

    declared = {name for name in dir(hookspecs) if name.startswith("clinicguide_")}
    assert declared == set(HOOKS)
    assert {hook for hook, name, _ in FAULTS if name == "raises"} == declared
    assert {hook for hook, name, _ in FAULTS if name.startswith("returns-")} == declared


def test_plugin_that_mutates_what_it_is_given_cannot_change_the_library(clean: ClinicGuide, response: dict[str, Any]) -> None:
    class Meddler:
        __name__ = "meddler"

        @hookimpl
        def clinicguide_screen(self, guidance: Any, record: Any, date: Any, answers: Any, proposal: Any) -> list[Any]:
            for target, attribute, value in ((guidance, "id", "x"), (record, "sex", "male")):
                with contextlib.suppress(AttributeError, TypeError):
                    setattr(target, attribute, value)
            return []

    guide = ClinicGuide(clean.library, plugins=[Meddler()], entry_point_plugins=False)
    before = _everything(clean, TARGET, response)
    guide.plan(TARGET, PATIENT, proposed=PROPOSALS[TARGET], date=DATE)
    assert _everything(clean, TARGET, response) == before
    assert clean.library.get(TARGET).id == TARGET


# -- guidance that vanishes or cannot be read while loading ------------------------------------------------------

BASE = (TESTS / "robustness" / "adversarial" / "generate.py").read_text(encoding="utf-8")
DOCUMENT = BASE.split('BASE = """\\\n', 1)[1].split('"""', 1)[0]


def _folder(root: Path, count: int = 3) -> Path:
    folder = root / "site-guidance"
    (folder / "nested").mkdir(parents=True)
    for index in range(count):
        where = folder / "nested" if index == count - 1 > 0 else folder
        text = DOCUMENT.replace("id: adversarial-base", f"id: site-doc-{index}")
        (where / f"doc-{index}.yaml").write_text(text, encoding="utf-8")
    return folder


def _load(*paths: Path) -> Any:
    return load_library(*paths, packaged=False, plugins=False)


def test_the_test_folder_loads(tmp_path: Path) -> None:
    assert _load(_folder(tmp_path)).ids() == ("site-doc-0", "site-doc-1", "site-doc-2")


def test_folder_that_disappears_while_loading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean: ClinicGuide,
                                              response: dict[str, Any]) -> None:
    folder = _folder(tmp_path)
    before = _everything(clean, TARGET, response)
    real = validate_module.read_bytes if hasattr(validate_module, "read_bytes") else validate_module.read

    def read_then_vanish(path: Path, *args: Any, **kwargs: Any) -> Any:
        result = real(path, *args, **kwargs)
        shutil.rmtree(folder, ignore_errors=True)  # gone after the first file was read
        return result

    monkeypatch.setattr(validate_module, real.__name__, read_then_vanish)
    with pytest.raises(ContentError) as raised:
        _load(folder)
    problems = raised.value.problems
    assert {p.code for p in problems} == {"CG101"} and len(problems) == 2
    assert all(p.line == 1 and p.column == 1 and "No such file" in p.message and p.file.endswith(".yaml") for p in problems)
    assert raised.value.exit_code == 1
    monkeypatch.undo()
    assert _everything(clean, TARGET, response) == before  # the host keeps working
    assert _load(_folder(tmp_path)).ids() == ("site-doc-0", "site-doc-1", "site-doc-2")


def test_folder_that_is_gone_before_it_is_listed(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    shutil.rmtree(folder)
    with pytest.raises(UsageError, match="no such file or folder"):
        _load(folder)
    checked = check_paths([folder])  # the race after load_library's check: reported, not skipped
    assert [(p.code, p.line) for c in checked for p in c.problems] == [("CG101", 1)]


def _deny(monkeypatch: pytest.MonkeyPatch, denied: Path) -> None:
    """Make ``denied`` (a folder) unreadable for this process, as chmod 000 would for a non-root user."""
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(os.fsdecode(path)).resolve() == denied.resolve():
            raise PermissionError(errno.EACCES, "Permission denied", os.fsdecode(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_subfolder_that_cannot_be_listed_is_reported_not_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _folder(tmp_path)
    _deny(monkeypatch, folder / "nested")
    with pytest.raises(ContentError) as raised:
        _load(folder)
    found = [(Path(p.file).name, p.code, p.message) for p in raised.value.problems]
    assert found == [("nested", "CG101", "cannot read folder: Permission denied")]


def test_guidance_folder_that_cannot_be_listed_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _folder(tmp_path)
    _deny(monkeypatch, folder)
    with pytest.raises(ContentError) as raised:
        _load(folder)
    assert [(p.code, p.message) for p in raised.value.problems] == [("CG101", "cannot read folder: Permission denied")]


def test_file_that_cannot_be_read_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _folder(tmp_path)
    locked = folder / "doc-1.yaml"
    real_open = os.open

    def open_(path: Any, *args: Any, **kwargs: Any) -> Any:  # tests run as root, so chmod would not lock it
        if Path(path) == locked:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", open_)
    with pytest.raises(ContentError) as raised:
        _load(folder)
    found = [(p.file, p.code, p.message) for p in raised.value.problems]
    assert found == [(str(locked), "CG101", "cannot read file: Permission denied")]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a user that file permissions apply to")
def test_unreadable_folder_and_file_for_real(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "doc-0.yaml").chmod(0)
    (folder / "nested").chmod(0)
    try:
        with pytest.raises(ContentError) as raised:
            _load(folder)
        found = sorted((Path(p.file).name, p.code) for p in raised.value.problems)
        assert found == [("doc-0.yaml", "CG101"), ("nested", "CG101")]
    finally:
        (folder / "nested").chmod(0o755)
        (folder / "doc-0.yaml").chmod(0o644)


def test_dangling_link_is_reported(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "moved.yaml").symlink_to(tmp_path / "nowhere.yaml")
    with pytest.raises(ContentError) as raised:
        _load(folder)
    assert [(Path(p.file).name, p.code) for p in raised.value.problems] == [("moved.yaml", "CG101")]


def test_file_that_grows_past_the_limit_after_stat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from clinicguide.content.yamlsafe import YamlProblem, read

    path = _folder(tmp_path, 1) / "doc-0.yaml"
    real_stat = Path.stat

    def stat(self: Path, *args: Any, **kwargs: Any) -> os.stat_result:
        result = real_stat(self, *args, **kwargs)
        if self == path:  # the size it had a moment before it grew
            return os.stat_result((result.st_mode, result.st_ino, result.st_dev, result.st_nlink, result.st_uid, result.st_gid,
                                   10, int(result.st_atime), int(result.st_mtime), int(result.st_ctime)))
        return result

    monkeypatch.setattr(Path, "stat", stat)
    with pytest.raises(YamlProblem) as raised:
        read(path, max_bytes=100)
    assert (raised.value.code, raised.value.line) == ("CG102", 1) and "larger than the limit" in raised.value.message


# -- an installed plugin that leaves output the command cannot write ------------------------------------------------

PLUGIN_SOURCE = '''
from clinicguide import hookimpl

@hookimpl
def clinicguide_process_bundle(bundle, guidance, fhir_version):
    if guidance.id == "microneedling":
        bundle["meta"] = {"tag": {"a set", "is not JSON"}}

@hookimpl
def clinicguide_process_questionnaire(questionnaire, guidance, fhir_version):
    if guidance.id == "microneedling":
        questionnaire["extension"] = [{"url": "https://example.org/score", "valueDecimal": float("nan")}]
'''


def test_installed_plugin_leaving_non_json_output_is_named(tmp_path: Path) -> None:
    import subprocess
    import sys

    from clinicguide.testing import fake_install

    site = tmp_path / "site"
    site.mkdir()
    (site / "unserialisable_plugin.py").write_text(PLUGIN_SOURCE, encoding="utf-8")
    fake_install(site, "unserialisable-plugin", "1.0", {"unserialisable": "unserialisable_plugin"})
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps(PATIENT), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(site)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "clinicguide", *args], cwd=tmp_path, capture_output=True,
                              text=True, timeout=60, env=env)

    for args, hook in [(["checklist", TARGET], "clinicguide_process_questionnaire"),
                       (["plan", TARGET, "--patient", str(patient), "--date", DATE], "clinicguide_process_questionnaire"),
                       (["plan", TARGET, "--patient", str(patient), "--date", DATE, "--fhir", "R5"],
                        "clinicguide_process_questionnaire")]:
        done = run(*args)
        assert "Traceback" not in done.stderr, done.stderr[-800:]
        assert (done.returncode, done.stdout) == (2, ""), done.stderr
        assert done.stderr.startswith(f"clinicguide: error: plugin 'unserialisable' in hook '{hook}': ") and "JSON" in done.stderr
    done = run("checklist", OTHER)  # what the plugin leaves alone still works
    assert done.returncode == 0 and json.loads(done.stdout)["resourceType"] == "Questionnaire"
