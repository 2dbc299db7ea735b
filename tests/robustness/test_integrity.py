"""Integrity of decisions: a site, a plugin or a host file cannot change a decision by the back door.

Each section is one way in, attacked with its own hostile inputs: packaged guidance replaced by a
site's copy, interval "lengthenings" that shorten, loosenings a diff would miss, the safety
screening switched off, a plugin changing what it was handed, inputs dropped or merged without a
word, and a consent recorded from someone else's response.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from clinicguide import ClinicGuide, ContentError, Finding, InputError, PluginError, UsageError, hookimpl
from clinicguide.content.check import check_paths
from clinicguide.content.spans import first_shortfall
from clinicguide.content.values import Duration
from clinicguide.jsonfile import DuplicateKey, loads_unique
from clinicguide.testing import amending, packaged_document, write_document

ROOT = Path(__file__).resolve().parents[2]
DATE = "2026-12-01"
PREGNANT = {"id": "p-pregnant", "birthDate": "1990-01-01", "gender": "female",
            "conditions": [{"code": "http://snomed.info/sct|77386006", "status": "active", "verification": "confirmed"}]}


def cli(*args: str, env: Mapping[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("CLINICGUIDE_DISABLE_PLUGINS", "CLINICGUIDE_TRACE")}
    done = subprocess.run([sys.executable, "-m", "clinicguide", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**base, **(env or {})}, input=stdin, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done


class Folder:
    """A site plugin that contributes one guidance folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @hookimpl
    def clinicguide_guidance_dirs(self) -> list[Path]:
        return [self.folder]


# -- 7. a site cannot replace packaged guidance --------------------------------------------------

def _site_copy(version: str, drop: str = "ci-pregnancy") -> dict[str, Any]:
    """Microneedling at ``version``, less one contraindication: what a site would ship to loosen it."""
    doc = packaged_document("microneedling")
    doc["version"] = version
    doc["contraindications"] = [c for c in doc["contraindications"] if c["id"] != drop]
    doc["changelog"].append({"version": version, "date": "2026-11-01", "changes": ["Site copy."]})
    return doc


@pytest.mark.parametrize("version", ["9.0.0", "1.0.1", "1.1.1"])
def test_a_site_folder_cannot_ship_a_packaged_id(tmp_path: Path, version: str) -> None:
    path = write_document(tmp_path / "site", _site_copy(version))
    with pytest.raises(ContentError) as caught:
        ClinicGuide(plugins=[Folder(tmp_path / "site")], entry_point_plugins=False)
    [problem] = [p for p in caught.value.problems if p.code == "CG323"]
    assert (problem.file, problem.line, problem.column) == (str(path), 2, 5)
    assert "'microneedling' is packaged guidance" in problem.message


def test_the_same_id_and_version_is_refused_too(tmp_path: Path) -> None:
    write_document(tmp_path / "site", _site_copy(packaged_document("microneedling")["version"]))
    with pytest.raises(ContentError) as caught:
        ClinicGuide(plugins=[Folder(tmp_path / "site")], entry_point_plugins=False)
    assert {"CG302", "CG323"} <= {p.code for p in caught.value.problems}


def test_a_version_with_a_trailing_newline_does_not_evade_the_checks(tmp_path: Path) -> None:
    doc = _site_copy("1.1.0\n")
    write_document(tmp_path / "site", doc)
    with pytest.raises(ContentError) as caught:
        ClinicGuide(plugins=[Folder(tmp_path / "site")], entry_point_plugins=False)
    codes = {p.code for p in caught.value.problems}
    assert "CG323" in codes and "CG204" in codes  # the id is refused, and the version is not a version


def test_a_packaged_id_in_a_host_path_is_refused(tmp_path: Path) -> None:
    write_document(tmp_path / "mine", _site_copy("9.0.0"))
    with pytest.raises(ContentError, match="CG323"):
        ClinicGuide(guidance_paths=[tmp_path / "mine"], entry_point_plugins=False)


def test_blocking_the_packaged_folder_does_not_let_a_copy_stand_in(tmp_path: Path) -> None:
    from clinicguide.host.hooks import Hooks
    from clinicguide.host.library import load_through

    write_document(tmp_path / "site", _site_copy("9.0.0"))
    hooks = Hooks([Folder(tmp_path / "site")], entry_point_plugins=False, blocked=["clinicguide.guidance"])
    with pytest.raises(ContentError, match="CG323"):
        load_through(hooks)


def test_the_copy_would_have_changed_the_decision(tmp_path: Path) -> None:
    """Why CG323 exists: read as it is, the site's copy makes a pregnant patient no longer contraindicated."""
    from clinicguide.content.library import library_from

    write_document(tmp_path / "site", _site_copy("9.0.0"))
    from clinicguide.resources import guidance_dir

    unchecked = library_from([guidance_dir(), tmp_path / "site"])
    loosened = ClinicGuide(unchecked, entry_point_plugins=False).plan(
        "microneedling", PREGNANT, proposed={"params": {"needle-depth": "1.0 mm"}, "last_treatment": "never"}, date=DATE)
    assert loosened.decision != "contraindicated"
    packaged = ClinicGuide(entry_point_plugins=False).plan(
        "microneedling", PREGNANT, proposed={"params": {"needle-depth": "1.0 mm"}, "last_treatment": "never"}, date=DATE)
    assert packaged.decision == "contraindicated"


def test_a_site_document_with_its_own_id_still_loads(tmp_path: Path) -> None:
    doc = _site_copy("1.0.0", drop="none")
    doc["id"] = "site-microneedling"
    write_document(tmp_path / "site", doc)
    guide = ClinicGuide(plugins=[Folder(tmp_path / "site")], entry_point_plugins=False)
    assert "site-microneedling" in guide.library and guide.library.get("microneedling").version != "1.0.0"


def test_cli_refuses_a_packaged_id_with_a_located_line(tmp_path: Path) -> None:
    path = write_document(tmp_path / "mine", _site_copy("9.0.0"))
    done = cli("list", "--guidance", str(tmp_path / "mine"))
    assert done.returncode == 1
    assert f"{path}:2:5: CG323 'microneedling' is packaged guidance" in done.stderr + done.stdout


# -- 8. intervals compared as the engine counts them --------------------------------------------

def test_three_months_is_shorter_than_ninety_days_from_some_dates() -> None:
    shortfall = first_shortfall(Duration(3, "mo"), Duration(90, "d"))
    assert shortfall is not None and (shortfall.new_days, shortfall.old_days) == (89, 90)
    start = shortfall.start
    assert (Duration(3, "mo").after(start) - start).days == 89  # the engine's own count agrees
    shortfall = first_shortfall(Duration(1.85, "mo"), Duration(8, "wk"))
    assert shortfall is not None and shortfall.new_days == 54
    assert first_shortfall(Duration(2, "mo"), Duration(8, "wk")) is None
    assert first_shortfall(Duration(1, "mo"), Duration(0.99, "mo")) is not None  # 28 days against 30
    assert first_shortfall(Duration(92, "d"), Duration(3, "mo")) is None
    assert first_shortfall(Duration(12, "mo"), Duration(1, "a")) is None


def test_first_shortfall_agrees_with_the_engine_on_every_day_of_a_leap_cycle() -> None:
    """Every start date of four years (a leap year among them): where the engine finds the new
    interval shorter, so does the comparison."""
    import datetime as dt

    pairs = [(Duration(3, "mo"), Duration(90, "d")), (Duration(1.85, "mo"), Duration(8, "wk")),
             (Duration(1, "a"), Duration(365, "d")), (Duration(13, "wk"), Duration(3, "mo"))]
    for new, old in pairs:
        day, shorter = dt.date(2027, 1, 1), False
        while day < dt.date(2031, 1, 1):
            shorter = shorter or new.after(day) < old.after(day)
            day += dt.timedelta(days=1)
        assert shorter == (first_shortfall(new, old) is not None), (new, old)


@pytest.mark.parametrize(("value", "unit"), [(1.85, "mo"), (0.1, "a"), (55, "d"), (1343, "h")])
def test_an_amendment_that_shortens_across_units_is_refused(value: float, unit: str) -> None:
    amendment = {"narrow": {"int-second-course": {"value": value, "unit": unit}}}
    with pytest.raises(PluginError) as caught:
        ClinicGuide(plugins=[amending("isotretinoin-oral", amendment)], entry_point_plugins=False)
    assert "would shorten the minimum interval 8 wk" in caught.value.reason


def test_ninety_days_to_three_months_is_refused_naming_a_start_date(tmp_path: Path) -> None:
    doc = packaged_document("isotretinoin-oral")
    doc["id"] = "site-isotretinoin"
    for regimen in doc["regimens"]:
        if isinstance(regimen.get("min_interval"), dict):
            regimen["min_interval"].update(value=90, unit="d", text="At least 90 days between courses.")
    write_document(tmp_path / "site", doc)
    amendment = {"narrow": {"int-second-course": {"value": 3, "unit": "mo", "text": "At least 3 months between courses."}}}
    with pytest.raises(PluginError) as caught:
        ClinicGuide(plugins=[Folder(tmp_path / "site"), amending("site-isotretinoin", amendment)], entry_point_plugins=False)
    assert "3 mo would shorten the minimum interval 90 d (from 2026-01-31 it ends after 89 days, not 90)" in caught.value.reason


@pytest.mark.parametrize(("value", "unit"), [(2, "mo"), (57, "d"), (1, "a")])
def test_a_real_lengthening_across_units_is_accepted(value: float, unit: str) -> None:
    amendment = {"narrow": {"int-second-course": {"value": value, "unit": unit}}}
    guide = ClinicGuide(plugins=[amending("isotretinoin-oral", amendment)], entry_point_plugins=False)
    [recorded] = guide.library.amendments[guide.library.get("isotretinoin-oral").ref]
    assert recorded.endswith(f"lengthened int-second-course to {value:g} {unit}")


# -- 9. a narrowing cannot loosen in words ------------------------------------------------------

@pytest.mark.parametrize(("change", "reason"), [
    ({"text": "Up to 3 mm is acceptable."}, "the text states 3, which is neither the narrowed limit"),
    ({"high": 1.2, "text": "Up to 3 mm is acceptable."}, "the text states 3"),
    ({"high": 1.2, "text": "Any depth the clinician chooses."}, "it does not state 0.5, 1.2"),
    ({"high": 1.2, "text": "Depths from 0.5 mm."}, "it does not state 1.2"),
    ({"high": 1.2, "text": ""}, "text must be a sentence"),
    ({"high": 1.2, "text": ["0.5", "1.2"]}, "text must be a sentence"),
])
def test_a_narrowing_text_must_state_the_limit(change: dict[str, Any], reason: str) -> None:
    amendment = {"narrow": {"rng-needle-depth": change}}
    with pytest.raises(PluginError) as caught:
        ClinicGuide(plugins=[amending("microneedling", amendment)], entry_point_plugins=False)
    assert reason in caught.value.reason


def test_a_narrowing_text_that_states_the_limit_is_kept() -> None:
    text = "Site protocol: needle depth 0.5-1.2 mm, inside the typical 0.5-1.5 mm range."
    amendment = {"narrow": {"rng-needle-depth": {"high": 1.2, "text": text}}}
    guide = ClinicGuide(plugins=[amending("microneedling", amendment)], entry_point_plugins=False)
    [rng] = [r for g in guide.library.get("microneedling").regimens for r in g.ranges if r.id == "rng-needle-depth"]
    assert (rng.high, rng.text) == (1.2, text)


def test_a_maximum_text_may_name_its_period() -> None:
    doc = packaged_document("botulinum-toxin-glabellar")
    maxima = [m for r in doc["regimens"] for m in r.get("maximums", []) if m.get("per") == "period"]
    if not maxima:
        pytest.skip("no per-period maximum in the packaged botulinum toxin guidance")
    maximum = maxima[0]
    value = maximum["value"] * 0.5
    text = f"At most {value:g} {maximum['unit']} in any {maximum['period']['value']:g} {maximum['period']['unit']}."
    amendment = {"narrow": {maximum["id"]: {"value": value, "text": text}}}
    guide = ClinicGuide(plugins=[amending("botulinum-toxin-glabellar", amendment)], entry_point_plugins=False)
    assert any(m.text == text for r in guide.library.get("botulinum-toxin-glabellar").regimens for m in r.maximums)


# -- 10. the safety screening cannot be switched off -------------------------------------------

@pytest.mark.parametrize("value", ["clinicguide.screening", "example-site, clinicguide.screening", " clinicguide.screening "])
def test_blocking_the_screening_is_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CLINICGUIDE_DISABLE_PLUGINS", value)
    with pytest.raises(UsageError, match=r"\$CLINICGUIDE_DISABLE_PLUGINS names clinicguide.screening"):
        ClinicGuide(entry_point_plugins=False)


def test_blocking_the_screening_through_the_api_is_refused() -> None:
    from clinicguide.host.hooks import Hooks

    with pytest.raises(UsageError, match=r"blocked names clinicguide\.screening, the built-in safety screening"):
        Hooks(blocked=["clinicguide.screening"], entry_point_plugins=False)


def test_cli_refuses_to_screen_without_the_screening(tmp_path: Path) -> None:
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps({**PREGNANT, "medications": [
        {"code": "http://www.nlm.nih.gov/research/umls/rxnorm|197844", "status": "active", "start": "2026-11-01"}]}))
    env = {"CLINICGUIDE_DISABLE_PLUGINS": "clinicguide.screening"}
    for command in ("screen", "plan"):
        done = cli(command, "isotretinoin-oral", "--patient", str(patient), "--dose", "200 mg/d", "--date", DATE, env=env)
        assert (done.returncode, done.stdout) == (2, "")
        assert "clinicguide.screening, the built-in safety screening, which cannot be disabled" in done.stderr
    assert cli("plugins", env=env).returncode == 2


# -- 11. a plugin gets nothing it can change ---------------------------------------------------

class Tamperer:
    """A screening plugin that tries to change every input it is handed."""

    attempts: list[str]

    def __init__(self) -> None:
        self.attempts = []

    @hookimpl
    def clinicguide_screen(self, guidance: Any, record: Any, date: Any, answers: Any, proposal: Any) -> list[Finding]:
        def attempt(name: str, change: Any) -> None:
            try:
                change()
            except (TypeError, AttributeError):
                return
            self.attempts.append(name)

        attempt("proposal.params", lambda: proposal.params.__setitem__("needle-depth", None))
        attempt("proposal.params.clear", lambda: proposal.params.clear())
        attempt("proposal field", lambda: setattr(proposal, "params", {}))
        attempt("answers", lambda: answers.__setitem__("ci-pregnancy", False))
        attempt("answers given", lambda: answers._given.__setitem__("ci-pregnancy", False))
        attempt("record conditions", lambda: record.conditions.append(None))
        attempt("guidance contraindications", lambda: guidance.contraindications.append(None))
        attempt("guidance field", lambda: setattr(guidance, "contraindications", ()))
        return []


@pytest.mark.parametrize("answers", [{"ci-skin-cancer": "no"}, {}])
def test_a_screen_plugin_cannot_change_what_it_is_handed(answers: dict[str, str]) -> None:
    plugin = Tamperer()
    guide = ClinicGuide(plugins=[plugin], entry_point_plugins=False)
    result = guide.plan("microneedling", {"id": "p1", "birthDate": "1990-01-01", "gender": "male"},
                        proposed={"params": {"needle-depth": "3 mm"}, "last_treatment": "never"}, date=DATE,
                        answers=answers)
    assert plugin.attempts == []
    assert result.decision == "contraindicated"  # 3 mm is over the 1.5 mm maximum, and stays 3 mm
    assert "3 mm" in json.dumps(result.bundle)


def test_hooks_hand_plain_answers_read_only() -> None:
    from clinicguide.host.hooks import Hooks

    seen: list[Any] = []

    class Looker:
        @hookimpl
        def clinicguide_screen(self, answers: Any) -> list[Finding]:
            seen.append(answers)
            return []

    hooks = Hooks([Looker()], entry_point_plugins=False)
    guidance = ClinicGuide(entry_point_plugins=False).library.get("microneedling")
    from clinicguide.clinical.readers import read_patient

    given = {"ci-skin-cancer": False}
    hooks.screen(guidance, read_patient({"id": "p"}), __import__("datetime").date(2026, 12, 1), given, None)
    with pytest.raises(TypeError):
        seen[0]["ci-skin-cancer"] = True  # type: ignore[index]


def test_a_proposal_built_by_a_host_is_frozen_too() -> None:
    from clinicguide.clinical.proposal import Proposal
    from clinicguide.units import parse_quantity

    params = {"needle-depth": parse_quantity("1 mm")}
    proposal = Proposal(params=params)
    params["needle-depth"] = parse_quantity("9 mm")  # the host's own dict changes later
    assert str(proposal.params["needle-depth"]) == "1 mm"
    with pytest.raises(TypeError):
        proposal.params["needle-depth"] = parse_quantity("3 mm")  # type: ignore[index]


# -- 12. nothing dropped or merged without a word -----------------------------------------------

def test_a_linked_guidance_subfolder_is_a_problem_not_silence(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write_document(outside, "id: broken\n", "broken")
    folder = tmp_path / "guidance"
    doc = packaged_document("microneedling")
    write_document(folder, doc)
    (folder / "linked").symlink_to(outside, target_is_directory=True)
    problems = [p for c in check_paths([folder]) for p in c.problems]
    assert [(p.file, p.line, p.code) for p in problems] == [(str(folder / "linked"), 1, "CG101")]
    assert "is a link to a folder, which is not followed" in problems[0].message
    done = cli("validate", str(folder))
    # The command names files relative to its working folder (the checkout), as a person would type them.
    shown = os.path.relpath(folder / "linked", ROOT)
    assert done.returncode == 1 and f"{shown}:1:1: CG101" in done.stdout + done.stderr


def test_a_linked_subfolder_that_loops_is_reported_once(tmp_path: Path) -> None:
    folder = tmp_path / "guidance"
    write_document(folder, packaged_document("microneedling"))
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    problems = [p for c in check_paths([folder]) for p in c.problems]
    assert [(p.file, p.code) for p in problems] == [(str(folder / "loop"), "CG101")]


def test_a_linked_folder_given_as_a_path_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "real"
    write_document(folder, packaged_document("microneedling"))
    (tmp_path / "link").symlink_to(folder, target_is_directory=True)
    [checked] = check_paths([tmp_path / "link"])
    assert checked.problems == () and checked.data is not None


@pytest.mark.parametrize(("text", "key", "line", "column"), [
    ('{"id": "a", "id": "b"}', '"id"', 1, 1),
    ('{\n  "conditions": [\n    {"code": "x|1",\n     "status": "active", "status": "resolved"}\n  ]\n}', '"status"', 3, 5),
    ('[{"a": 1}, {"b": {"c": 1, "c": 1}}]', '"c"', 1, 18),
    ('{"\\u0069d": 1, "id": 2}', '"id"', 1, 1),  # the same key, escaped once
])
def test_duplicate_keys_in_json_input_are_refused_with_their_place(text: str, key: str, line: int, column: int) -> None:
    with pytest.raises(DuplicateKey) as caught:
        loads_unique(text)
    assert (caught.value.key, caught.value.line, caught.value.column) == (key, line, column)


def test_a_duplicate_key_is_escaped_in_the_message(tmp_path: Path) -> None:
    path = tmp_path / "patient.json"
    path.write_text('{"id": "p", "\\u001b[31mx": 1, "\\u001b[31mx": 2}')
    done = cli("screen", "microneedling", "--patient", str(path), "--date", DATE)
    assert done.returncode == 1 and "\x1b" not in done.stderr
    assert f"{path}:1:1: patient file has the key \"\\u001b[31mx\" twice in one object" in done.stderr


@pytest.mark.parametrize("option", ["--patient", "--answers"])
def test_cli_refuses_duplicate_keys_in_patient_and_answers(tmp_path: Path, option: str) -> None:
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps({"id": "p", "birthDate": "1990-01-01", "gender": "female"}))
    answers = tmp_path / "answers.json"
    answers.write_text('{"ci-pregnancy": "yes",\n "ci-pregnancy": "no"}')
    target = {"--patient": tmp_path / "dup.json", "--answers": answers}[option]
    (tmp_path / "dup.json").write_text('{"id": "p", "gender": "male", "gender": "female"}')
    args = ["screen", "microneedling", "--patient", str(target if option == "--patient" else patient), "--date", DATE]
    if option == "--answers":
        args += ["--answers", str(answers)]
    done = cli(*args)
    assert (done.returncode, done.stdout) == (1, "")
    where = f"{target}:1:1:" if option == "--patient" else f"{answers}:1:1:"
    assert where in done.stderr and "twice in one object" in done.stderr


# -- 14. consent is checked against the patient and the date ------------------------------------

def _response() -> dict[str, Any]:
    return json.loads((ROOT / "examples" / "responses" / "microneedling-complete.json").read_text())


MARIA = json.loads((ROOT / "examples" / "patients" / "maria-lopez.json").read_text())


def test_consent_from_the_patients_own_response_is_recorded() -> None:
    consent = ClinicGuide(entry_point_plugins=False).consent("microneedling", _response(), patient=MARIA, date=DATE)
    assert consent["status"] == "active" and consent["patient"] == {"reference": "Patient/maria-lopez"}


@pytest.mark.parametrize("subject", [{"reference": "Patient/someone-else"}, {"reference": "Patient/maria-lopez-2"},
                                     {"display": "Maria Lopez"}, None, {"reference": "Patient/maria-lopez/x"}])
def test_consent_from_another_patients_response_is_refused(subject: Any) -> None:
    response = _response()
    response["subject"] = subject
    with pytest.raises(InputError, match="does not reference the patient given") as caught:
        ClinicGuide(entry_point_plugins=False).consent("microneedling", response, patient=MARIA, date=DATE)
    assert "maria" not in str(caught.value).lower() and "someone" not in str(caught.value)


def test_a_full_url_subject_for_the_same_patient_is_accepted() -> None:
    response = _response()
    response["subject"] = {"reference": "https://ehr.example.org/fhir/Patient/maria-lopez"}
    assert ClinicGuide(entry_point_plugins=False).consent("microneedling", response, patient=MARIA, date=DATE)


@pytest.mark.parametrize("authored", ["9999-01-01T00:00:00Z", "9999", "2026-12-02", "2027-01"])
def test_a_response_authored_in_the_future_is_refused(authored: str) -> None:
    response = _response()
    response["authored"] = authored
    with pytest.raises(InputError, match="authored is after 2026-12-01"):
        ClinicGuide(entry_point_plugins=False).consent("microneedling", response, date=DATE)


@pytest.mark.parametrize("authored", ["9999-01-01", "2026-12-02T08:00:00Z"])
def test_screening_answers_authored_after_the_procedure_date_are_refused(authored: str) -> None:
    guide = ClinicGuide(entry_point_plugins=False)
    questions = guide.questions("microneedling")
    response = {"resourceType": "QuestionnaireResponse", "questionnaire": f"{questions['url']}|{questions['version']}",
                "status": "completed", "authored": authored, "subject": {"reference": "Patient/p"}, "item": []}
    with pytest.raises(InputError, match="the answers are dated after the procedure date 2026-12-01"):
        guide.plan("microneedling", {"id": "p", "gender": "male", "birthDate": "1990-01-01"}, answers=response, date=DATE)
    with pytest.raises(InputError, match="the answers are dated after the procedure date 2026-12-01"):
        guide.plan("microneedling", {"id": "p", "gender": "male", "birthDate": "1990-01-01"}, answered_at="2026-12-02",
                   answers={"ci-skin-cancer": "no"}, date=DATE)
    same_day = guide.plan("microneedling", {"id": "p", "gender": "male", "birthDate": "1990-01-01"},
                          answered_at=DATE, answers={"ci-skin-cancer": "no"}, date=DATE)
    assert same_day.screening.answered_at is not None


def test_a_patient_without_an_id_cannot_be_matched() -> None:
    with pytest.raises(InputError, match="the patient has no id"):
        ClinicGuide(entry_point_plugins=False).consent("microneedling", _response(), patient={"gender": "female"}, date=DATE)


def test_cli_consent_checks_the_patient(tmp_path: Path) -> None:
    response = "examples/responses/microneedling-complete.json"
    ok = cli("consent", "microneedling", "--response", response, "--patient", "examples/patients/maria-lopez.json",
             "--date", DATE)
    assert ok.returncode == 0 and json.loads(ok.stdout)["status"] == "active"
    other = cli("consent", "microneedling", "--response", response, "--patient", "examples/patients/sam-okafor.json",
                "--date", DATE)
    assert (other.returncode, other.stdout) == (1, "")
    assert "QuestionnaireResponse.subject does not reference the patient given" in other.stderr
    future = copy.deepcopy(_response())
    future["authored"] = "9999-12-31"
    done = cli("consent", "microneedling", "--response", "-", "--date", DATE, stdin=json.dumps(future))
    assert done.returncode == 1 and "authored is after 2026-12-01" in done.stderr
    assert cli("consent", "microneedling", "--response", "-", "--patient", "-", stdin="{}").returncode == 2
    assert cli("consent", "microneedling", "--response", response, "--date", "tomorrow").returncode == 2


def test_the_integrity_benchmark_runs_and_prints_its_targets() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "integrity.py"), "--quick"], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "interval comparison, caches empty (ms)" in done.stdout and "per MB (ms)" in done.stdout
    assert all("target" in line for line in done.stdout.splitlines())
