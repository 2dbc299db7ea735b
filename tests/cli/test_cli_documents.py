"""``clinicguide document`` and the readable ``plan``/``screen`` output, end to end."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

MARIA = "examples/patients/maria-lopez.json"
ANSWERS = "examples/answers/maria-lopez-microneedling.json"
Cli = Callable[..., subprocess.CompletedProcess[str]]


def test_document_writes_html_to_standard_output(cli: Cli) -> None:
    done = cli("document", "aftercare", "microneedling", "--patient", MARIA, "--date", "2026-12-01")
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.startswith("<!DOCTYPE html>") and "Maria Lopez" in done.stdout
    assert "The day of treatment: Tuesday 1 December 2026" in done.stdout


def test_document_writes_a_pdf_file(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "consent.pdf"
    done = cli("document", "consent", "isotretinoin-oral", "--format", "pdf", "--output", str(out))
    assert done.returncode == 0 and done.stdout == "" and out.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(("args", "code", "message"), [
    (["leaflet", "microneedling"], 2, "invalid choice: 'leaflet'"),
    (["consent", "microneedlin"], 2, "did you mean 'microneedling'"),
    (["consent", "microneedling", "--date", "1/12/2026"], 2, "--date takes a date as YYYY-MM-DD"),
    (["consent", "microneedling", "--format", "docx"], 2, "invalid choice: 'docx'"),
    (["consent", "microneedling", "--patient", "missing.json"], 2, "missing.json"),
    (["consent", "microneedling", "--output", "/nonexistent/folder/x.html"], 2, "cannot write"),
])
def test_document_refuses_bad_input(cli: Cli, args: list[str], code: int, message: str) -> None:
    done = cli("document", *args)
    assert done.returncode == code and message in done.stderr and done.stdout == "", done.stderr


def test_a_malformed_patient_is_an_input_error(cli: Cli, tmp_path: Path) -> None:
    patient = tmp_path / "p.json"
    patient.write_text(json.dumps({"resourceType": "Bundle", "entry": 5}), encoding="utf-8")
    done = cli("document", "consent", "microneedling", "--patient", str(patient))
    assert done.returncode == 1 and done.stdout == "" and "clinicguide: error:" in done.stderr


def test_plan_text_with_the_bundle_in_a_file(cli: Cli, tmp_path: Path) -> None:
    bundle = tmp_path / "plan.json"
    common = ["plan", "microneedling", "--patient", MARIA, "--answers", ANSWERS, "--param", "needle-depth=1.0mm",
              "--last-treatment", "never", "--date", "2026-12-01"]
    done = cli(*common, "--format", "text", "--bundle", str(bundle), env={"COLUMNS": "72"})
    assert done.returncode == 0 and done.stdout.startswith("Decision: CAUTION - ")
    assert max(map(len, done.stdout.splitlines())) <= 72
    assert json.loads(bundle.read_text(encoding="utf-8")) == json.loads(cli(*common).stdout)


def test_screen_text(cli: Cli) -> None:
    done = cli("screen", "microneedling", "--patient", MARIA, "--date", "2026-12-01", "--format", "text")
    assert done.returncode == 0 and done.stdout.startswith("Decision: NEEDS-INFORMATION - ")
    assert "Open questions (" in done.stdout and "    ask: " in done.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--bundle", "x.json"], "use it with --format text"),
    (["--format", "text", "--bundle", "-"], "needs a file of its own"),
])
def test_bundle_option_misuse(cli: Cli, args: list[str], message: str) -> None:
    done = cli("plan", "microneedling", "--patient", MARIA, "--date", "2026-12-01", *args)
    assert done.returncode == 2 and message in done.stderr


def test_plan_with_documents(cli: Cli) -> None:
    done = cli("plan", "microneedling", "--patient", MARIA, "--date", "2026-12-01", "--with-documents", "--validate-fhir")
    assert done.returncode == 0, done.stderr
    kinds = [e["resource"]["resourceType"] for e in json.loads(done.stdout)["entry"]]
    assert kinds.count("DocumentReference") == 2
