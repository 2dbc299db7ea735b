"""Acceptance: every mistake on the command line gets a useful answer (issue 19).

Each test runs the real command (``python -m clinicguide``) as a subprocess.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MARIA = "examples/patients/maria-lopez.json"
MINIMAL = REPO / "tests" / "unit" / "content" / "examples" / "valid" / "minimal.yaml"
SCREEN = ["screen", "microneedling", "--patient", MARIA, "--date", "2026-12-01"]


def run(*args: str, stdin: str | None = None, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CLINICGUIDE_CANONICAL_BASE"}
    done = subprocess.run([sys.executable, "-m", "clinicguide", *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def usage_error(*args: str) -> str:
    done = run(*args)
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert done.stdout == ""
    return done.stderr


# -- argument parsing ------------------------------------------------------------------------

def test_a_subcommand_error_shows_that_command_s_usage() -> None:
    err = usage_error("show", "microneedling", "--bogus")
    assert err.startswith("usage: clinicguide show ")
    assert "clinicguide show: error: unknown option '--bogus'" in err


def test_a_misspelt_program_option_is_named_with_a_suggestion() -> None:
    err = usage_error("--verison")
    assert "unknown option '--verison'; did you mean '--version'?" in err
    assert "required" not in err


def test_options_are_never_abbreviated() -> None:
    err = usage_error(*SCREEN[:-2], "--dat", "2026-12-01")
    assert "unknown option '--dat'; did you mean '--date'?" in err


def test_a_misspelt_command_gets_a_suggestion() -> None:
    assert "did you mean 'validate'?" in usage_error("valdate")


def test_a_parameter_given_with_a_space_says_how_to_write_it() -> None:
    err = usage_error(*SCREEN, "--param", "needle-depth", "1.0mm")
    assert "write --param needle-depth=1.0mm" in err
    assert err.splitlines()[0].startswith("usage: clinicguide screen ")


def test_show_takes_doc_version_and_the_program_keeps_version() -> None:
    shown = run("show", "microneedling", "--doc-version", "1.1.0")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Microneedling")
    assert run("--version").stdout.startswith("clinicguide ")
    assert "--doc-version" in run("show", "--help").stdout


COMMANDS = ["validate", "list", "show", "new", "plan", "screen", "questions", "checklist", "consent", "export", "plugins",
            "release", "release build", "release verify", "release record", "diff"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_s_help_has_a_description_an_example_and_the_exit_codes(command: str) -> None:
    done = run(*command.split(), "--help")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    usage, _, rest = text.partition("\n\n")
    assert usage.startswith(f"usage: clinicguide {command}")
    assert rest.strip() and not rest.startswith(("positional arguments", "options")), text  # a description first
    assert "example" in text and f"clinicguide {command}" in text.split("example", 1)[1]
    assert "exit codes: 0 ok, 1 content or input problems, 2 usage" in text


# -- did you mean, and one exit code for unknown names --------------------------------------

def test_misspelt_guidance_id_gets_a_suggestion() -> None:
    assert "did you mean 'microneedling'?" in usage_error("show", "microneedlin")


def test_misspelt_parameter_is_a_usage_error_with_a_suggestion() -> None:
    assert "did you mean 'needle-depth'?" in usage_error(*SCREEN, "--param", "needle-dept=1.0mm")


def test_misspelt_criterion_is_a_usage_error_with_a_suggestion() -> None:
    assert "did you mean 'ci-pregnancy'?" in usage_error(*SCREEN, "--answer", "ci-pregnacy=no")


def test_a_last_treatment_after_the_procedure_is_refused() -> None:
    err = usage_error(*SCREEN, "--last-treatment", "2026-12-02")
    assert "--last-treatment 2026-12-02 is after the procedure date 2026-12-01" in err


# -- the same guidance sources for every command --------------------------------------------

def test_list_and_show_read_a_clinic_s_own_guidance(tmp_path: Path) -> None:
    shutil.copy(MINIMAL, tmp_path / "minimal.yaml")
    listed = run("list", "--guidance", str(tmp_path))
    assert listed.returncode == 0, listed.stderr
    assert "example-minimal" in listed.stdout and "microneedling" in listed.stdout
    shown = run("show", "example-minimal", "--guidance", str(tmp_path))
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("Minimal example procedure")
    assert "example-minimal" not in run("list").stdout


# -- validate: nothing found ----------------------------------------------------------------

def test_validate_on_a_folder_without_guidance_says_so_and_fails(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not guidance")
    done = run("validate", str(tmp_path))
    assert done.returncode == 1
    assert "nothing to check: no guidance files" in done.stderr and "no problems" not in done.stdout
    as_json = run("validate", "--format", "json", str(tmp_path))
    assert as_json.returncode == 1 and json.loads(as_json.stdout)["ok"] is False


# -- '-' reads standard input ---------------------------------------------------------------

def test_validate_reads_one_document_from_standard_input() -> None:
    good = run("validate", "-", stdin=MINIMAL.read_text(encoding="utf-8"))
    assert (good.returncode, good.stdout) == (0, "1 file checked: no problems\n")
    bad = run("validate", "-", stdin=MINIMAL.read_text(encoding="utf-8").replace("severity: mild", "severity: sever"))
    assert bad.returncode == 1
    assert bad.stdout.startswith("<stdin>:") and " CG204 " in bad.stdout


def test_validate_standard_input_is_bounded() -> None:
    done = run("validate", "-", stdin="# " + "x" * 1_000_001 + "\n")
    assert done.returncode == 1 and "CG102" in done.stdout


def test_patient_answers_and_response_read_standard_input() -> None:
    patient = (REPO / MARIA).read_text(encoding="utf-8")
    from_file = run(*SCREEN, "--last-treatment", "never")
    from_stdin = run("screen", "microneedling", "--patient", "-", "--date", "2026-12-01", "--last-treatment", "never",
                     stdin=patient)
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert from_stdin.stdout == from_file.stdout
    answers = run(*SCREEN, "--answers", "-", stdin=json.dumps({"ci-pregnancy": "no"}))
    assert answers.returncode == 0, answers.stderr
    assert any(a["item"] == "ci-pregnancy" for a in json.loads(answers.stdout)["answers"])
    response = (REPO / "examples" / "responses" / "microneedling-complete.json").read_text(encoding="utf-8")
    consent = run("consent", "microneedling", "--response", "-", stdin=response)
    assert consent.returncode == 0, consent.stderr
    assert json.loads(consent.stdout)["resourceType"] == "Consent"
    broken = run(*SCREEN, "--answers", "-", stdin="{")
    assert broken.returncode == 1 and "<stdin>:1:2: answers file is not valid JSON" in broken.stderr


def test_only_one_input_can_come_from_standard_input() -> None:
    assert "only one of --patient and --answers" in usage_error(
        "screen", "microneedling", "--patient", "-", "--answers", "-")


# -- validate: a syntax error hides nothing else ----------------------------------------------

def _indent_one_more(text: str, after: str, occurrence: int) -> str:
    """``text`` with the line after the ``occurrence``-th line starting with ``after`` indented by one space."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if line.strip().startswith(after)]
    lines[starts[occurrence] + 1] = " " + lines[starts[occurrence] + 1]
    return "\n".join(lines)


def test_syntax_errors_are_all_reported_and_every_other_file_still_checked(tmp_path: Path) -> None:
    text = (REPO / "guidance" / "microneedling.yaml").read_text(encoding="utf-8")
    (tmp_path / "a-two-slips.yaml").write_text(_indent_one_more(_indent_one_more(text, "- id: risk-", 1), "- id: risk-", 4))
    minimal = MINIMAL.read_text(encoding="utf-8")
    (tmp_path / "b-one-slip.yaml").write_text(minimal.replace("example-minimal", "b").replace("  required_reviewer:",
                                                                                              "   required_reviewer:"))
    (tmp_path / "c-bad-value.yaml").write_text(minimal.replace("example-minimal", "c").replace("severity: mild",
                                                                                                "severity: sever"))
    done = run("validate", str(tmp_path))
    assert done.returncode == 1
    found = [(Path(line.split(":")[0]).name, line.split(": ")[1].split()[0]) for line in done.stdout.splitlines()[:-1]]
    assert found == [("a-two-slips.yaml", "CG104"), ("a-two-slips.yaml", "CG104"), ("b-one-slip.yaml", "CG104"),
                     ("c-bad-value.yaml", "CG204")], done.stdout
    assert done.stdout.endswith("3 files checked: 4 problem(s)\n")


# -- validate: a field indented into a text ---------------------------------------------------

def test_a_field_indented_into_a_text_is_reported() -> None:
    text = MINIMAL.read_text(encoding="utf-8").replace(
        "    text: I understand what the procedure involves.\n",
        "    text: >-\n      I understand what the procedure involves.\n      discloses: []\n")
    done = run("validate", "-", stdin=text)
    assert done.returncode == 1
    assert " CG319 the text holds 'discloses:'" in done.stdout and "indent that line like 'text'" in done.stdout
    assert run("validate", "guidance").returncode == 0  # no false alarm in the packaged prose


# -- clinicguide new: the authoring guide's walk-through ---------------------------------------

@pytest.mark.parametrize("kind", ["procedure", "medication"])
def test_new_then_validate_reports_only_the_todo_markers_until_they_are_filled_in(tmp_path: Path, kind: str) -> None:
    made = run("new", "glycolic-acid-peel", "--kind", kind, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    document = tmp_path / "glycolic-acid-peel.yaml"
    text = document.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    modeline = text.splitlines()[0].split("$schema=", 1)[1]
    assert (tmp_path / modeline).resolve().is_file()  # the editor finds the schema

    first = run("validate", "glycolic-acid-peel.yaml", cwd=tmp_path)
    assert first.returncode == 1
    codes = {line.split(": ")[1].split()[0] for line in first.stdout.splitlines()[:-1]}
    assert codes == {"CG320"}, first.stdout

    document.write_text(text.replace("TODO ", ""), encoding="utf-8")  # the editor fills in every marker
    assert run("validate", "glycolic-acid-peel.yaml", cwd=tmp_path).stdout == "1 file checked: no problems\n"


def test_new_never_overwrites_and_refuses_a_bad_id(tmp_path: Path) -> None:
    (tmp_path / "peel.yaml").write_text("mine")
    done = run("new", "peel", "--kind", "procedure", cwd=tmp_path)
    assert done.returncode == 2 and "already exists" in done.stderr
    assert (tmp_path / "peel.yaml").read_text() == "mine"
    assert "is not a guidance id" in run("new", "Peel Two", "--kind", "procedure", cwd=tmp_path).stderr
    other = run("new", "peel", "--kind", "medication", "--output", "drafts-peel.yaml", cwd=tmp_path)
    assert other.returncode == 0 and (tmp_path / "drafts-peel.yaml").is_file()


# -- problem messages say how to fix the problem ----------------------------------------------

FIX_WORDS = ("add", "remove", "keep", "give", "swap", "correct", "write", "use", "indent", "replace", "delete", "quote",
             "save", "declare", "cite", "carry", "reword", "check", "flatten", "combine", "see", "must", "needs")


def test_every_problem_in_the_invalid_examples_says_how_to_fix_it() -> None:
    done = run("validate", "tests/unit/content/examples/invalid")
    assert done.returncode == 1
    lines = done.stdout.splitlines()[:-1]
    assert lines
    without = [line for line in lines if not any(f" {word} " in f" {line.split(': ', 1)[1]} ".replace(";", " ")
                                                 .replace(",", " ").replace("(", " ") for word in FIX_WORDS)]
    assert without == [], "\n".join(without)


def test_a_misspelt_field_gets_a_suggestion() -> None:
    text = MINIMAL.read_text(encoding="utf-8").replace("    severity: mild", "    severty: mild")
    done = run("validate", "-", stdin=text)
    assert "unknown field 'severty' in risk; did you mean 'severity'?" in done.stdout
