"""Adversarial command-line arguments: usage errors exit 2, bad input exits 1, never a traceback.

Most cases call ``clinicguide.cli.main`` in process (exit code and stderr, fast); a few run
the real command as a subprocess with a timeout and a memory bound.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clinicguide.cli import main

REPO = Path(__file__).resolve().parents[2]
DATE = "2026-12-01"
PATIENT = {"resourceType": "Bundle", "type": "collection", "entry": [
    {"resource": {"resourceType": "Patient", "id": "cli-patient", "gender": "female", "birthDate": "1990-05-17"}}]}
MAX_RSS_BYTES = 500 * 1024 * 1024


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps(PATIENT), encoding="utf-8")
    answers_list = tmp_path / "answers-list.json"
    answers_list.write_text('["ci-pregnancy"]', encoding="utf-8")
    answers_broken = tmp_path / "answers-broken.json"
    answers_broken.write_text('{"ci-pregnancy": ', encoding="utf-8")
    return {"P": str(patient), "DIR": str(tmp_path), "LIST": str(answers_list), "BROKEN": str(answers_broken),
            "MISSING": str(tmp_path / "missing.json"), "NODIR": str(tmp_path / "no" / "such" / "out.json")}


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


SCREEN = ["screen", "microneedling", "--patient", "{P}", "--date", DATE]

# (argv with {placeholders}, text stderr must contain)
USAGE: list[tuple[list[str], str]] = [
    ([], "the following arguments are required: COMMAND"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["--no-such-option"], "error:"),
    (["validate", "--format", "xml"], "invalid choice: 'xml'"),
    (["validate", "{MISSING}"], "no such file or folder"),
    (["validate", "--codes", "--format", "yaml"], "invalid choice"),
    (["screen", "microneedling"], "the following arguments are required: --patient"),
    (["screen", "no-such-guidance", "--patient", "{P}"], "unknown guidance 'no-such-guidance'"),
    ([*SCREEN, "--version", "9.9.9"], "has no version '9.9.9'"),
    ([*SCREEN, "--answer", "ci-pregnancy"], "--answer takes NAME=VALUE"),
    ([*SCREEN, "--answer", "=yes"], "--answer takes NAME=VALUE"),
    ([*SCREEN, "--answer", "ci-pregnancy="], "--answer takes NAME=VALUE"),
    ([*SCREEN, "--param", "needle-depth"], "--param takes NAME=VALUE"),
    ([*SCREEN, "--fhir", "R9"], "unknown FHIR version 'R9'"),
    ([*SCREEN, "--fhir", ""], "unknown FHIR version ''"),
    ([*SCREEN, "--canonical-base", "ftp://example.org"], "must be an http(s) URL"),
    ([*SCREEN, "--canonical-base", "https://example.org/\udcff"], "must be a URL of printable text"),
    ([*SCREEN, "--canonical-base", "https://example.org/\n"], "must be a URL of printable text"),
    ([*SCREEN, "--guidance", "{MISSING}"], "no such file or folder"),
    (["screen", "microneedling", "--patient", "{MISSING}"], "no such file"),
    (["screen", "microneedling", "--patient", "{DIR}"], "is a folder"),
    ([*SCREEN, "--answers", "{DIR}"], "is a folder"),
    ([*SCREEN, "--answers", "{MISSING}"], "no such file"),
    ([*SCREEN, "--output", "{NODIR}"], "cannot write"),
    (["show", "no-such-guidance"], "unknown guidance"),
    (["show", "microneedling", "--version", "0.0.1"], "has no version '0.0.1'"),
    (["checklist", "no-such-guidance"], "unknown guidance"),
    (["checklist", "microneedling", "--fhir", "DSTU2"], "unknown FHIR version"),
    (["consent", "microneedling"], "the following arguments are required: --response"),
    (["consent", "microneedling", "--response", "{MISSING}"], "no such file"),
    (["export", "--fhir", "R3"], "unknown FHIR version"),
    (["plan", "microneedling", "--patient", "{P}", "--date"], "expected one argument"),
    ([*SCREEN[:-1], "2026-13-01"], "--date takes a date as YYYY-MM-DD, got '2026-13-01'"),
    ([*SCREEN[:-1], "yesterday"], "--date takes a date as YYYY-MM-DD"),
    ([*SCREEN, "--last-treatment", "last week"], "--last-treatment takes a date as YYYY-MM-DD or never"),
    # Names that the guidance does not have are usage errors, like an unknown guidance id.
    ([*SCREEN, "--param", "no-such-parameter=1mm"], "has no range for 'no-such-parameter'"),
    ([*SCREEN, "--answer", "no-such-criterion=yes"], "answers name unknown criteria"),
    ([*SCREEN, "--answer", "x" * 100_000 + "=yes"], "answers name unknown criteria"),
    ([*SCREEN, "--param", "needle-depth=1mm", "--regimen", "no-such-regimen"], "has no regimen 'no-such-regimen'"),
]

INPUT: list[tuple[list[str], str]] = [
    ([*SCREEN[:-1], "9999-12-31"], "the procedure date must lie between"),
    ([*SCREEN[:-1], "0001-01-01"], "the procedure date must lie between"),
    ([*SCREEN, "--param", "needle-depth=20"], "'20' is not a quantity"),
    ([*SCREEN, "--param", "needle-depth=1 furlong"], "unknown unit 'furlong'"),
    ([*SCREEN, "--param", "needle-depth=-1mm"], "cannot be negative"),
    ([*SCREEN, "--param", "needle-depth=1e999mm"], "not a finite number"),
    ([*SCREEN, "--param", "needle-depth=nan mm"], "is not a quantity"),
    ([*SCREEN, "--param", "needle-depth=1 mg"], "cannot be compared with a range in mm"),
    (["screen", "botulinum-toxin-glabellar", "--patient", "{P}", "--date", DATE, "--dose", "20 U"], "ambiguous"),
    ([*SCREEN, "--answer", "ci-pregnancy=maybe"], "answer to 'ci-pregnancy' must be yes or no"),
    ([*SCREEN, "--answers", "{LIST}"], "answers must be a JSON object"),
    ([*SCREEN, "--answers", "{BROKEN}"], "answers file is not valid JSON"),
    ([*SCREEN, "--last-treatment", "0001-01-01"], "last_treatment must lie between"),
]


def _argv(template: list[str], files: dict[str, str]) -> list[str]:
    """The arguments with each whole-argument placeholder (``{P}``) replaced by its file."""
    return [files[part[1:-1]] if part[:1] == "{" and part[-1:] == "}" and part[1:-1] in files else part for part in template]


@pytest.mark.parametrize(("template", "message"), USAGE, ids=lambda v: " ".join(v)[:60] if isinstance(v, list) else None)
def test_usage_errors_exit_2(template: list[str], message: str, files: dict[str, str],
                             capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(_argv(template, files), capsys)
    assert code == 2, err
    assert out == "" and message in err and "Traceback" not in err


@pytest.mark.parametrize(("template", "message"), INPUT, ids=lambda v: " ".join(v)[:60] if isinstance(v, list) else None)
def test_input_errors_exit_1_with_one_line(template: list[str], message: str, files: dict[str, str],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(_argv(template, files), capsys)
    assert code == 1, err
    assert out == "" and message in err and "Traceback" not in err
    assert err.startswith("clinicguide: error: ") and err.count("\n") == 1


def test_bad_canonical_base_in_the_environment_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, files: dict[str, str],
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    for value in ["not a url", "https://example.org/\udcff"]:
        monkeypatch.setenv("CLINICGUIDE_CANONICAL_BASE", value)
        code, out, err = run_cli(["checklist", "microneedling"], capsys)
        assert (code, out) == (2, "") and "canonical base" in err


def test_blocking_the_writer_plugin_is_reported(monkeypatch: pytest.MonkeyPatch, files: dict[str, str],
                                                capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CLINICGUIDE_DISABLE_PLUGINS", "clinicguide.fhir")
    code, out, err = run_cli(["plan", "microneedling", "--patient", files["P"], "--date", DATE], capsys)
    assert (code, out) == (2, "") and "no plugin wrote the Bundle" in err


def test_good_arguments_still_work(files: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli([*_argv(SCREEN, files), "--param", "needle-depth=1.0mm", "--last-treatment", "never"], capsys)
    assert (code, err) == (0, "")
    assert json.loads(out)["guidance"].startswith("microneedling|")


# -- the real command: exit codes, no traceback, bounded time and memory -----------------------------------------------

def _subprocess(args: list[str | bytes], tmp_path: Path, timeout: float = 20) -> subprocess.CompletedProcess[bytes]:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "clinicguide", *args], cwd=tmp_path, capture_output=True, timeout=timeout,
                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert time.monotonic() - started < timeout
    assert b"Traceback" not in result.stderr
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 < MAX_RSS_BYTES
    return result


def test_real_command_exit_codes(tmp_path: Path, files: dict[str, str]) -> None:
    huge = tmp_path / "huge-number.json"
    huge.write_bytes(b'{"id": ' + b"7" * 50_000 + b"}")
    deep = tmp_path / "deep.json"
    deep.write_bytes(b"[" * 500_000 + b"]" * 500_000)
    cases: list[tuple[list[str | bytes], int, bytes]] = [
        ([], 2, b"required: COMMAND"),
        (["validate", "--format", "xml"], 2, b"invalid choice"),
        (["screen", "microneedling", "--patient", str(huge), "--date", DATE], 1, b"too many digits"),
        (["screen", "microneedling", "--patient", str(deep), "--date", DATE], 1, b"nested too deeply"),
        (["checklist", "microneedling", "--canonical-base", b"https://example.org/\xff"], 2, b"printable text"),
        (["screen", "microneedling", "--patient", files["P"], "--date", "9999-12-31"], 1, b"must lie between"),
        (["screen", "microneedling", "--patient", files["P"],
          "--answer", b"\xff\xfe=yes", "--date", DATE], 2, b"unknown criteria"),
    ]
    for args, code, message in cases:
        result = _subprocess(args, tmp_path)
        assert result.returncode == code, (args, result.stderr[-500:])
        assert message in result.stderr and result.stdout == b"", (args, result.stderr[-500:])


def test_validate_refuses_a_fifo_instead_of_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    folder = tmp_path / "folder"
    folder.mkdir()
    os.mkfifo(folder / "also-a-pipe.yaml")
    result = _subprocess(["validate", str(fifo), str(folder)], tmp_path, timeout=20)
    assert result.returncode == 1
    out = result.stdout.decode()
    assert "pipe.yaml:1:1: CG101 is a named pipe, not a file" in out
    assert "also-a-pipe.yaml:1:1: CG101 is a named pipe, not a file" in out
