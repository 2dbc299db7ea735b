"""Adversarial guidance files: every one gets a located problem with its code, and nothing else happens.

The corpus is ``tests/robustness/adversarial/``: committed files that declare their expected code,
plus large, binary and path-dependent files generated into ``tmp_path``. Each case is
checked three ways: in process (the validator and the library loader), and through the
real command as one subprocess for the whole corpus (exit 1, ``file:line:col: CODE``,
no traceback, bounded time and memory, no payload executed).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from clinicguide import ContentError, load_library
from clinicguide.codes import PROBLEM_CODES
from clinicguide.content.check import check_file, check_paths
from clinicguide.content.yamlsafe import MAX_FILE_BYTES
from clinicguide.errors import Problem

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("adversarial_generate", REPO / "tests/robustness/adversarial/generate.py")
assert _spec and _spec.loader
corpus = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = corpus  # dataclasses look their module up by name
_spec.loader.exec_module(corpus)

COMMITTED = corpus.committed()
GENERATED = corpus.generated(Path("/nonexistent/marker-dir"))  # names and expectations only; data is written per test
CLI_TIMEOUT = 20  # seconds for one subprocess over the whole corpus
MAX_RSS_BYTES = 500 * 1024 * 1024
LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): (?P<code>CG\d{3}) (?P<message>\S.*)$")


def assert_reported(problems: tuple[Problem, ...] | list[Problem], case: Any, file: str) -> None:
    """The case's code is among the problems, located (at the declared line if any); every problem is well formed."""
    shown = [str(p) for p in problems]
    assert problems, f"{case.name}: no problem reported"
    for found in problems:
        assert found.code in PROBLEM_CODES, shown
        assert found.line >= 1 and found.column >= 1, shown
        assert found.file == file and found.message.strip(), shown
        assert "Traceback" not in found.message and "Error:" not in found.message, shown
    matching = [p for p in problems if p.code == case.code]
    assert matching, f"{case.name}: expected {case.code}, got {shown}"
    if case.line is not None:
        assert case.line in {p.line for p in matching}, f"{case.name}: expected {case.code} at line {case.line}, got {shown}"


# -- the corpus itself -----------------------------------------------------------------------------

def test_corpus_covers_every_loader_code_and_the_issue_list() -> None:
    assert len(COMMITTED) >= 40
    names = [c.name for c in COMMITTED + GENERATED]
    assert len(names) == len(set(names)), "committed and generated case names must differ"
    codes = {c.code for c in COMMITTED + GENERATED}
    # Every loader code except CG101 (unreadable files; tests/robustness/test_faults.py) and the named rules of the issue.
    assert {f"CG1{n:02d}" for n in range(2, 12)} <= codes
    assert {"CG201", "CG202", "CG203", "CG204", "CG205", "CG207", "CG208", "CG209", "CG301", "CG303", "CG304", "CG305",
            "CG306", "CG307", "CG308", "CG309", "CG312"} <= codes
    assert sum(c.name.startswith("dup-key") for c in COMMITTED) >= 5  # duplicate keys at several levels


# -- in process ------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", COMMITTED, ids=lambda c: c.name)
def test_committed_case_is_located_and_coded(case: Any) -> None:
    path = corpus.CORPUS / case.name
    started = time.perf_counter()
    checked = check_file(path)
    assert time.perf_counter() - started < 5
    assert checked.data is None or checked.problems
    assert_reported(checked.problems, case, str(path))
    with pytest.raises(ContentError) as raised:
        load_library(path, packaged=False, plugins=False)
    assert_reported(raised.value.problems, case, str(path))


@pytest.fixture(scope="module")
def generated_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("generated")
    markers = root / "markers"
    markers.mkdir()
    corpus.write(corpus.generated(markers), root / "cases")
    return root / "cases", markers


@pytest.mark.parametrize("case", GENERATED, ids=lambda c: c.name)
def test_generated_case_is_located_and_coded(case: Any, generated_dir: tuple[Path, Path]) -> None:
    folder, markers = generated_dir
    path = folder / case.name
    started = time.perf_counter()
    checked = check_file(path)
    assert time.perf_counter() - started < 5
    assert_reported(checked.problems, case, str(path))
    with pytest.raises(ContentError) as raised:
        load_library(path, packaged=False, plugins=False)
    assert_reported(raised.value.problems, case, str(path))
    assert not any(markers.iterdir()), "a payload in the file was executed"


@pytest.mark.parametrize("name", ["alias-billion-laughs.yaml", "alias-bomb-30x30.yaml"])
def test_alias_bombs_are_refused_fast_and_small(name: str, generated_dir: tuple[Path, Path]) -> None:
    path = corpus.CORPUS / name if (corpus.CORPUS / name).exists() else generated_dir[0] / name
    tracemalloc.start()
    try:
        started = time.perf_counter()
        checked = check_file(path)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [p.code for p in checked.problems] == ["CG106"]
    assert elapsed < 0.5 and peak < 5_000_000


def test_nothing_a_file_names_is_executed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                          generated_dir: tuple[Path, Path]) -> None:
    """No constructor runs: os.system, subprocess and PyYAML's unsafe loaders are never reached."""
    import subprocess as sp

    import yaml

    calls: list[str] = []

    def spy(name: str) -> Any:
        def called(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            raise AssertionError(f"{name} was called while validating")
        return called

    monkeypatch.setattr(os, "system", spy("os.system"))
    monkeypatch.setattr(sp.Popen, "__init__", spy("subprocess.Popen"))
    for name in ("load", "unsafe_load", "full_load", "load_all", "unsafe_load_all", "full_load_all"):
        monkeypatch.setattr(yaml, name, spy(f"yaml.{name}"))
    monkeypatch.chdir(tmp_path)
    payloads = [corpus.CORPUS / c.name for c in COMMITTED if c.name.startswith("tag-")]
    payloads += [generated_dir[0] / c.name for c in GENERATED if c.name.startswith("exec-")]
    assert len(payloads) >= 20
    for path in payloads:
        checked = check_file(path)
        assert {p.code for p in checked.problems} & {"CG107", "CG111", "CG204"}, [str(p) for p in checked.problems]
    assert calls == []
    assert not (tmp_path / corpus.MARKER).exists() and not any(generated_dir[1].iterdir())


# -- documented behaviour that is not an error --------------------------------------------------------

@pytest.mark.parametrize(("name", "data"), [
    ("utf8-bom.yaml", b"\xef\xbb\xbf" + corpus.BASE.encode()),
    ("crlf.yaml", corpus.BASE.replace("\n", "\r\n").encode()),
    ("long-summary.yaml", (corpus.BASE + "summary: " + "word " * 180_000 + "\n").encode()),
    ("unicode-text.yaml",
     corpus.BASE.replace("Adversarial example", "Mikroneedling \u2013 \u00e9t\u00e9 \u6f22\u5b57 \U0001f489").encode()),
    ("yml-suffix.yml", corpus.BASE.encode()),
])
def test_valid_variants_are_accepted(name: str, data: bytes, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    started = time.perf_counter()
    checked = check_file(path)
    assert time.perf_counter() - started < 5
    assert checked.problems == ()
    library = load_library(path, packaged=False, plugins=False)
    assert library.ids() == ("adversarial-base",)


def test_size_limit_is_inclusive(tmp_path: Path) -> None:
    at_limit = corpus.BASE.encode() + b"#" * (MAX_FILE_BYTES - len(corpus.BASE.encode()) - 1) + b"\n"
    assert len(at_limit) == MAX_FILE_BYTES
    (tmp_path / "at-limit.yaml").write_bytes(at_limit)
    (tmp_path / "over-limit.yaml").write_bytes(at_limit + b"\n")
    assert check_file(tmp_path / "at-limit.yaml").problems == ()
    assert [p.code for p in check_file(tmp_path / "over-limit.yaml").problems] == ["CG102"]


EXTREME_DURATIONS = [
    (("regimens", 0, "min_interval", "value"), 1e12), (("regimens", 0, "min_interval", "unit"), "a"),
    (("aftercare", 0, "start", "value"), 1e300), (("aftercare", 0, "for", "value"), 1e15),
    (("monitoring", 0, "at", 0, "value"), 1e9),
    (("contraindications", 0, "criterion"), {"medication": {
        "codes": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "197843",
                   "display": "isotretinoin 10 MG Oral Capsule"}],
        "within": {"value": 1e12, "unit": "a"}}}),
    (("contraindications", 1, "criterion"), {"observation": {
        "code": {"system": "http://loinc.org", "code": "82810-3", "display": "Pregnancy status"},
        "value_code": {"system": "http://snomed.info/sct", "code": "77386006", "display": "Pregnant (finding)"},
        "max_age": {"value": 1e15, "unit": "d"}}}),
]


@pytest.mark.parametrize("fhir", ["R4", "R5"])
def test_valid_document_with_extreme_durations_plans(tmp_path: Path, fhir: str) -> None:
    """Durations have no upper bound in the schema; windows past the calendar's ends stop at them."""
    from clinicguide import ClinicGuide

    data = corpus.RICH
    for path, value in EXTREME_DURATIONS:
        data = corpus.replaced(data, path, value)
    text, _, _ = corpus.emit(data)
    (tmp_path / "extreme.yaml").write_text(text, encoding="utf-8")
    guide = ClinicGuide(load_library(tmp_path / "extreme.yaml", packaged=False, plugins=False), entry_point_plugins=False)
    patient = {"id": "p", "weight": "60 kg",
               "medications": [{"code": "http://www.nlm.nih.gov/research/umls/rxnorm|197843", "status": "completed",
                                                                "start": "1950-01-01", "end": "1960-01-01"}]}
    result = guide.plan("adversarial-rich", patient, proposed={"dose": "0.5 mg/kg/d", "last_treatment": "1950-01-01"},
                        date="2026-12-01",
                        fhir_version=fhir)
    codes = {f.item: f.code for f in result.findings}
    assert codes["ci-pregnancy"] == "contraindicated"  # isotretinoin taken "within 1e12 years"
    assert codes["int-one"] == "interval-too-short"  # a 1e12-year interval has not passed
    json.dumps(result.bundle, allow_nan=False)
    guide.export(fhir)


# -- every field, one at a time: wrong type, unknown field, duplicate key -------------------------------

RICH_TEXT, RICH_LINES, _ = corpus.emit(corpus.RICH)
FIELD_PATHS = [path for path, _ in corpus.paths(corpus.RICH)]
MAPPING_PATHS = [()] + [path for path, value in corpus.paths(corpus.RICH) if isinstance(value, dict)]


def _check_text(tmp_path: Path, text: str) -> tuple[Problem, ...]:
    path = tmp_path / "variant.yaml"
    path.write_text(text, encoding="utf-8")
    return check_file(path).problems


def test_rich_document_is_valid(tmp_path: Path) -> None:
    assert _check_text(tmp_path, RICH_TEXT) == ()
    assert len(FIELD_PATHS) > 100 and len(MAPPING_PATHS) > 30


def _in_criterion(path: tuple[Any, ...]) -> bool:
    return "criterion" in path and path.index("criterion") < len(path) - 1


@pytest.mark.parametrize("path", FIELD_PATHS, ids=lambda p: ".".join(map(str, p)))
def test_wrong_type_anywhere_is_located(path: tuple[Any, ...], tmp_path: Path) -> None:
    original = dict(corpus.paths(corpus.RICH))[path]
    text, lines, _ = corpus.emit(corpus.replaced(corpus.RICH, path, corpus.wrong_value(original)))
    problems = _check_text(tmp_path, text)
    if path == ("schema",):
        expected = {"CG208"}
    elif _in_criterion(path) or path[-1] == "criterion":
        expected = {"CG203", "CG207"}
    else:
        expected = {"CG203"}
    at_line = [p for p in problems if p.line == lines[path]]
    assert {p.code for p in at_line} & expected, f"{path}: {[str(p) for p in problems]}"


@pytest.mark.parametrize("path", MAPPING_PATHS, ids=lambda p: ".".join(map(str, p)) or "top")
def test_unknown_field_anywhere_is_located(path: tuple[Any, ...], tmp_path: Path) -> None:
    text, _, line = corpus.emit(corpus.RICH, unknown_at=path)
    problems = _check_text(tmp_path, text)
    assert any(p.code == "CG201" and p.line == line and "zz_unknown" in p.message for p in problems), \
        f"{path}: {[str(p) for p in problems]}"


@pytest.mark.parametrize("path", MAPPING_PATHS, ids=lambda p: ".".join(map(str, p)) or "top")
def test_duplicate_key_at_every_level_is_located(path: tuple[Any, ...], tmp_path: Path) -> None:
    text, _, line = corpus.emit(corpus.RICH, duplicate_at=path)
    problems = _check_text(tmp_path, text)
    assert [(p.code, p.line) for p in problems] == [("CG105", line)], f"{path}: {[str(p) for p in problems]}"


# -- the real command, once over the whole corpus ---------------------------------------------------------

def _run_validate(tmp_path: Path, *args: str, generated: bool = True) -> tuple[subprocess.CompletedProcess[str], list[Any]]:
    markers = tmp_path / "markers"
    markers.mkdir(exist_ok=True)
    cases = corpus.generated(markers) if generated else []
    corpus.write(cases, tmp_path / "generated")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "clinicguide", "validate", str(corpus.CORPUS), str(tmp_path / "generated"), *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=CLI_TIMEOUT,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert time.monotonic() - started < CLI_TIMEOUT
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # kilobytes on Linux
    assert peak < MAX_RSS_BYTES, f"peak RSS {peak / 1e6:.0f} MB"
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout
    assert not (tmp_path / corpus.MARKER).exists() and not (REPO / corpus.MARKER).exists()
    assert not any(markers.iterdir()), "a payload was executed"
    return result, COMMITTED + cases


def test_cli_reports_every_case_as_file_line_col_code(tmp_path: Path) -> None:
    result, cases = _run_validate(tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    found: dict[str, list[tuple[int, int, str]]] = {}
    lines = result.stdout.splitlines()
    for text in lines[:-1]:
        match = LINE.match(text)
        assert match, f"not file:line:col: CODE message: {text[:200]!r}"
        found.setdefault(Path(match["file"]).name, []).append((int(match["line"]), int(match["column"]), match["code"]))
    assert lines[-1].startswith(f"{len(cases)} files checked: ")
    for case in cases:
        reported = found.get(case.name, [])
        assert case.code in {code for _, _, code in reported}, f"{case.name}: {reported}"
        if case.line is not None:
            assert (case.line, case.code) in {(line, code) for line, _, code in reported}, f"{case.name}: {reported}"


def test_cli_json_report_lists_every_case(tmp_path: Path) -> None:
    result, cases = _run_validate(tmp_path, "--format", "json", generated=False)
    assert result.returncode == 1 and result.stderr == ""
    report = json.loads(result.stdout)
    assert report["files"] == len(cases) and report["ok"] is False
    by_file: dict[str, set[str]] = {}
    for entry in report["problems"]:
        assert entry["line"] >= 1 and entry["column"] >= 1 and entry["code"] in PROBLEM_CODES
        by_file.setdefault(Path(entry["file"]).name, set()).add(entry["code"])
    assert all(case.code in by_file.get(case.name, set()) for case in cases)


def test_folder_check_matches_file_checks() -> None:
    """Checking the folder reports each file exactly as checking it alone does (no cross-talk)."""
    together = {Path(c.display).name: c.problems for c in check_paths([corpus.CORPUS])}
    assert set(together) == {c.name for c in COMMITTED}
    for case in COMMITTED:
        alone = check_file(corpus.CORPUS / case.name).problems
        assert {(p.line, p.column, p.code) for p in together[case.name]} >= {(p.line, p.column, p.code) for p in alone}
