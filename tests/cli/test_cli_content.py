"""Acceptance: the real ``clinicguide`` command (validate, list, show) run as a subprocess.

The ``cli`` fixture asserts that no invocation prints a traceback.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import clinicguide
from clinicguide.codes import PROBLEM_CODES
from clinicguide.resources import guidance_dir

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "tests" / "unit" / "content" / "examples"
INVALID = EXAMPLES / "invalid"
PROBLEM_LINE = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<column>\d+): (?P<code>CG\d{3}) (?P<message>\S.*)$")
SUMMARY = re.compile(r"^(?P<files>\d+) files? checked: (?:no problems|(?P<count>\d+) problem\(s\))"
                     r"(?:, (?P<warnings>\d+) warning\(s\))?$")
WARNING = re.compile(r"^[^\n]+:\d+:\d+: CG\d{3} warning: ")
# The shipped sources with neither a URL nor an identifier: the content brief records none for them.
UNREFERENCED = {"F6", "F7", "F11", "F12", "I2", "I9", "I10", "L1", "M10", "M11", "M12", "M16"}
EXPECT = re.compile(r"^# expect: (CG\d{3}) line (\d+)$", re.MULTILINE)


def expected_in_folder(folder: Path) -> set[tuple[str, str, int]]:
    return {(p.name, code, int(line)) for p in folder.glob("*.yaml")
            for code, line in EXPECT.findall(p.read_text(encoding="utf-8"))}


# -- validate --------------------------------------------------------------------------------

def test_validate_packaged_guidance(cli) -> None:
    result = cli("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    *warnings, summary = result.stdout.splitlines()
    match = SUMMARY.match(summary)
    assert match and match["count"] is None and int(match["warnings"]) == len(warnings)
    assert int(match["files"]) == len(list(guidance_dir().glob("*.yaml")))
    assert all(WARNING.match(line) and " CG321 warning: source " in line for line in warnings), warnings
    assert {line.split(" CG321 warning: source ")[1].split()[0] for line in warnings} == UNREFERENCED


def test_validate_valid_examples(cli) -> None:
    result = cli("validate", "tests/unit/content/examples/valid")
    assert result.returncode == 0
    assert result.stdout == f"{len(list((EXAMPLES / 'valid').glob('*.yaml')))} files checked: no problems\n"


def test_validate_invalid_examples_reports_every_expected_problem(cli) -> None:
    result = cli("validate", "tests/unit/content/examples/invalid")
    assert result.returncode == 1
    *lines, summary = result.stdout.splitlines()
    problems = [line for line in lines if not WARNING.match(line)]
    matches = [PROBLEM_LINE.match(line) for line in problems]
    assert all(matches), [line for line, m in zip(problems, matches, strict=True) if not m]
    found = {(Path(m["file"]).name, m["code"], int(m["line"])) for m in matches if m}
    assert found == expected_in_folder(INVALID)
    assert all(m["file"].startswith("tests/unit/content/examples/invalid/") for m in matches if m)
    count = SUMMARY.match(summary)
    assert count and int(count["count"]) == len(problems) and int(count["files"]) == len(list(INVALID.glob("*.yaml")))


def test_validate_json_format(cli) -> None:
    result = cli("validate", "--format", "json", "tests/unit/content/examples/invalid")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["files"] == len(list(INVALID.glob("*.yaml")))
    report["problems"] = [p for p in report["problems"] if p.get("severity") != "warning"]
    assert report["problems"]
    for problem in report["problems"]:
        assert set(problem) == {"file", "line", "column", "code", "message", "path"}
        assert isinstance(problem["line"], int) and isinstance(problem["column"], int)
        assert problem["code"] in PROBLEM_CODES and problem["message"]
    found = {(Path(p["file"]).name, p["code"], p["line"]) for p in report["problems"]}
    assert found == expected_in_folder(INVALID)
    unknown_field = next(p for p in report["problems"] if p["code"] == "CG201")
    assert unknown_field["path"] == "$.risks[0].likelihood"


def test_validate_json_format_when_valid(cli) -> None:
    result = cli("validate", "--format", "json")
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert report["ok"] is True and report["problems"]
    assert {(p["code"], p["severity"]) for p in report["problems"]} == {("CG321", "warning")}


def test_validate_github_format(cli) -> None:
    result = cli("validate", "--format", "github", "tests/unit/content/examples/invalid/cg105-duplicate-key-top.yaml",
                 "tests/unit/content/examples/invalid/cg203-wrong-type.yaml")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    invalid = "tests/unit/content/examples/invalid"
    assert lines == [
        (f"::error file={invalid}/cg105-duplicate-key-top.yaml,line=41,col=1,title=CG105::duplicate key 'title' "
         "(first at line 8); keep one of them"),
        f"::error file={invalid}/cg203-wrong-type.yaml,line=8,col=8,title=CG203::title must be text, not a number 42",
    ]


def test_validate_github_format_covers_every_problem(cli) -> None:
    result = cli("validate", "--format", "github", "tests/unit/content/examples/invalid")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith("::error file=") for line in lines)
    assert len(lines) == len(expected_in_folder(INVALID))


DONE_WHEN = ["cg104-bad-indentation.yaml", "cg105-duplicate-key-top.yaml", "cg203-wrong-type.yaml",
             "cg201-unknown-field.yaml", "cg303-unknown-source.yaml"]


@pytest.mark.parametrize("name", DONE_WHEN)
def test_done_when_cases_print_one_located_message(cli, name: str) -> None:
    path = f"tests/unit/content/examples/invalid/{name}"
    result = cli("validate", path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[1:] == ["1 file checked: 1 problem(s)"]
    match = PROBLEM_LINE.match(result.stdout.splitlines()[0])
    assert match and match["file"] == path
    assert (match["code"], int(match["line"])) == next(
        (code, int(line)) for code, line in EXPECT.findall((REPO / path).read_text(encoding="utf-8"))
    )


def test_validate_a_file_outside_the_repository(cli, tmp_path: Path) -> None:
    shutil.copyfile(INVALID / "cg307-undisclosed-risk.yaml", tmp_path / "mine.yaml")
    result = cli("validate", "mine.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("mine.yaml:30:9: CG307 moderate risk 'risk-redness'")


def test_validate_missing_path_is_a_usage_error(cli) -> None:
    result = cli("validate", "no/such/folder")
    assert result.returncode == 2
    assert result.stderr == "clinicguide: error: no/such/folder: no such file or folder\n"
    assert result.stdout == ""


@pytest.mark.parametrize("args", [("validate", "--format", "xml"), ("validate", "--nope"), ("frobnicate",), ()])
def test_bad_options_exit_2_with_usage(cli, args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.returncode == 2
    assert "usage: clinicguide" in result.stderr
    assert "error:" in result.stderr


def test_validate_codes_lists_every_code(cli) -> None:
    result = cli("validate", "--codes")
    assert result.returncode == 0
    assert "CG105  duplicate key in a mapping" in result.stdout.splitlines()
    assert [line.split()[0] for line in result.stdout.splitlines()] == list(PROBLEM_CODES)


def test_version(cli) -> None:
    result = cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"clinicguide {clinicguide.__version__}"


# -- list and show -----------------------------------------------------------------------------

def test_list_shows_microneedling(cli) -> None:
    result = cli("list")
    assert result.returncode == 0
    header, *rows = result.stdout.splitlines()
    assert header.split()[:3] == ["ID", "VERSION", "STATUS"]
    doc = clinicguide.load_library().get("microneedling")
    row = next(r for r in rows if r.split()[0] == "microneedling")
    assert row.split()[1:3] == [doc.version, doc.status]
    assert row.endswith(doc.title)


def test_list_json(cli) -> None:
    result = cli("list", "--format", "json")
    assert result.returncode == 0
    rows = json.loads(result.stdout)
    assert {"id": "microneedling", "kind": "procedure"}.items() <= next(r for r in rows if r["id"] == "microneedling").items()


def test_show_microneedling(cli) -> None:
    doc = clinicguide.load_library().get("microneedling")
    result = cli("show", "microneedling")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == doc.title
    assert lines[1].startswith(f"{doc.ref}  status: {doc.status}")
    for heading in ("Indications", "Contraindications", "Risks", "Consent", "Aftercare", "Sources"):
        assert heading in lines


def test_show_a_given_version(cli) -> None:
    doc = clinicguide.load_library().get("microneedling")
    assert cli("show", "microneedling", "--version", doc.version).stdout.splitlines()[0] == doc.title
    missing = cli("show", "microneedling", "--version", "99.0.0")
    assert missing.returncode == 2
    assert "no version '99.0.0'" in missing.stderr


def test_show_json(cli) -> None:
    result = cli("show", "microneedling", "--format", "json")
    assert result.returncode == 0
    shown = json.loads(result.stdout)
    assert shown["id"] == "microneedling" and shown["contraindications"]


def test_show_unknown_id(cli) -> None:
    result = cli("show", "no-such-guidance")
    assert result.returncode == 2
    assert result.stderr.startswith("clinicguide: error: unknown guidance 'no-such-guidance'; known: ")
    assert "microneedling" in result.stderr
    assert result.stdout == ""


# -- the packaged data from an installed layout --------------------------------------------------

def _force_include() -> dict[str, str]:
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return project["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]


def test_packaged_data_resolves_from_an_installed_layout(cli, tmp_path: Path) -> None:
    """Lay the package out as the wheel does (pyproject's force-include) and use it from elsewhere."""
    site = tmp_path / "site"
    shutil.copytree(REPO / "src" / "clinicguide", site / "clinicguide", ignore=shutil.ignore_patterns("__pycache__"))
    for source, target in _force_include().items():
        shutil.copytree(REPO / source, site / target)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PYTHONPATH": str(site)}
    probe = subprocess.run(
        [sys.executable, "-c",
         ("import clinicguide, clinicguide.resources as r; print(clinicguide.__file__); print(r.schemas_dir()); "
          "print(r.guidance_dir())")],
        cwd=elsewhere, env={**os.environ, **env}, capture_output=True, text=True, check=True,
    )
    module, schemas, guidance = (Path(line) for line in probe.stdout.splitlines())
    assert module.is_relative_to(site)
    assert schemas == site / "clinicguide" / "_data" / "schemas"
    assert (schemas / "guidance" / "1.0" / "guidance.schema.json").is_file()
    assert (guidance / "microneedling.yaml").is_file() and guidance.is_relative_to(site)
    assert cli("validate", cwd=elsewhere, env=env).returncode == 0
    listed = cli("list", cwd=elsewhere, env=env)
    assert listed.returncode == 0 and "microneedling" in listed.stdout


def test_sources_lists_each_source_with_its_reference_and_what_cites_it(
        cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    result = cli("sources", "isotretinoin-oral", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    by_id = {row["id"]: row for row in rows}
    assert {row["guidance"] for row in rows} == {"isotretinoin-oral|1.1.0"}
    assert by_id["I12"]["identifier"] and by_id["I12"]["evidence"] == "cohort"
    assert "ci-pregnancy" in by_id["I1"]["cited_by"] and "max-daily-dose" in by_id["I2"]["cited_by"]
    assert all(row["cited_by"] for row in rows), "every declared source is cited (CG311)"
    text = cli("sources", "isotretinoin-oral")
    assert "I2  [clinical-reference]" in text.stdout and "no URL or identifier recorded" in text.stdout
    every = json.loads(cli("sources", "--format", "json").stdout)
    assert len({row["guidance"] for row in every}) == 6
    refused = cli("sources", "isotretinoin")
    assert refused.returncode == 2 and "did you mean 'isotretinoin-oral'?" in refused.stderr
