"""Example folders that become test cases: every file in ``examples/valid`` must pass, every
file in ``examples/invalid`` must report exactly the problems its ``# expect:`` lines name.

Cases that cannot be committed as text (binary, UTF-16, latin-1, oversized, missing,
control characters, two files) are generated in ``tmp_path`` below. Together the examples
must produce every CG1xx-CG3xx code in :data:`clinicguide.codes.PROBLEM_CODES` (CG315, a
release-history check, is tested with the release code).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from clinicguide.codes import PROBLEM_CODES
from clinicguide.content.check import check_file, check_paths
from clinicguide.content.yamlsafe import MAX_FILE_BYTES

TESTS = Path(__file__).resolve().parents[2]

EXAMPLES = TESTS / "unit" / "content" / "examples"
VALID = sorted((EXAMPLES / "valid").glob("*.yaml"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.yaml"))
EXPECT = re.compile(r"^#\s*expect:\s*(CG\d{3})\s+line\s+(\d+)\s*$")

Expected = list[tuple[str, int]]


def expectations(path: Path) -> Expected:
    """The ``(code, line)`` pairs declared by the leading ``# expect: CODE line N`` comments."""
    found: Expected = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        if match := EXPECT.match(line):
            found.append((match[1], int(match[2])))
    return found


def test_example_folders_are_not_empty() -> None:
    assert len(VALID) >= 2
    assert len(INVALID) >= 30


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_example_has_no_problems(path: Path) -> None:
    checked = check_file(path)
    assert checked.problems == ()
    assert checked.data is not None and checked.data["id"]


def test_valid_examples_form_one_library() -> None:
    assert [c.problems for c in check_paths([EXAMPLES / "valid"])] == [()] * len(VALID)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_example_reports_exactly_what_it_declares(path: Path) -> None:
    expected = expectations(path)
    assert expected, f"{path.name} declares no '# expect: CODE line N'"
    checked = check_file(path)
    assert Counter((p.code, p.line) for p in checked.problems) == Counter(expected)
    for found in checked.problems:
        assert found.file == str(path)
        assert found.column >= 1
        assert found.message.strip()


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_invalid_example_is_named_after_its_code(path: Path) -> None:
    codes = {code for code, _ in expectations(path)}
    assert path.name[:5].upper() in codes


def test_invalid_examples_as_one_folder_report_the_same() -> None:
    """Checked together, the files add no cross-file problems (each has its own id)."""
    together = {(Path(p.file).name, p.code, p.line) for c in check_paths([EXAMPLES / "invalid"]) for p in c.problems}
    separately = {(path.name, code, line) for path in INVALID for code, line in expectations(path)}
    assert together == separately


# -- generated cases ------------------------------------------------------------------------
# Each builder writes its files under a folder and returns (paths to check, expected problems
# as (file name, code, line)).

Case = Callable[[Path, str], tuple[list[Path], list[tuple[str, str, int]]]]


def _file(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def _missing(folder: Path, minimal: str) -> tuple[list[Path], list[tuple[str, str, int]]]:
    return [folder / "nowhere.yaml"], [("nowhere.yaml", "CG101", 1)]


def _too_large(folder: Path, minimal: str) -> tuple[list[Path], list[tuple[str, str, int]]]:
    line = "# padding to push the file over the size limit\n"
    padding = line * (MAX_FILE_BYTES // len(line) + 1)
    return [_file(folder, "huge.yaml", minimal + padding)], [("huge.yaml", "CG102", 1)]


def _utf16(folder: Path, minimal: str) -> tuple[list[Path], list[tuple[str, str, int]]]:
    return [_file(folder, "utf16.yaml", minimal.encode("utf-16"))], [("utf16.yaml", "CG103", 1)]


def _utf16_without_bom(folder: Path, minimal: str) -> tuple[list[Path], list[tuple[str, str, int]]]:
    return [_file(folder, "utf16le.yaml", minimal.encode("utf-16-le"))], [("utf16le.yaml", "CG103", 1)]


def _binary(folder: Path, minimal: str) -> tuple[list[Path], list[tuple[str, str, int]]]:
    return [_file(folder, "image.yaml", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")], [("image.yaml", "CG103", 1)]


def _latin1(folder: Path, minimal: str) -> tuple[list[Path], list[tuple[str, str, int]]]:
    text = minimal.replace("title: Minimal example procedure", "title: Soin du visage (procédé)")
    line = text.splitlines().index("title: Soin du visage (procédé)") + 1
    return [_file(folder, "latin1.yaml", text.encode("latin-1"))], [("latin1.yaml", "CG103", line)]


def _control_character(folder: Path, minimal: str) -> tuple[list[Path], list[tuple[str, str, int]]]:
    text = minimal.replace("text: Redness for a day.", "text: Redness\x07 for a day.")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "\x07" in row)
    return [_file(folder, "bell.yaml", text)], [("bell.yaml", "CG104", line)]


def _duplicate_id_version(folder: Path, minimal: str) -> tuple[list[Path], list[tuple[str, str, int]]]:
    _file(folder, "a.yaml", minimal)
    _file(folder, "b.yaml", minimal)
    line = minimal.splitlines().index("id: example-minimal") + 1
    return [folder], [("b.yaml", "CG302", line)]


GENERATED: dict[str, Case] = {
    "cg101-missing-file": _missing,
    "cg102-too-large": _too_large,
    "cg103-utf16": _utf16,
    "cg103-utf16-without-bom": _utf16_without_bom,
    "cg103-binary": _binary,
    "cg103-latin1": _latin1,
    "cg104-control-character": _control_character,
    "cg302-duplicate-id-version": _duplicate_id_version,
}


def run_case(case: Case, folder: Path, minimal: str) -> tuple[list[tuple[str, str, int]], list[tuple[str, str, int]]]:
    folder.mkdir(parents=True)
    paths, expected = case(folder, minimal)
    found = [(Path(p.file).name, p.code, p.line) for c in check_paths(paths) for p in c.problems]
    return found, expected


@pytest.mark.parametrize("name", GENERATED)
def test_generated_invalid_case(name: str, tmp_path: Path, minimal_text: str) -> None:
    found, expected = run_case(GENERATED[name], tmp_path / name, minimal_text)
    assert Counter(found) == Counter(expected)


def test_folder_given_as_a_file_is_cg101(tmp_path: Path) -> None:
    (tmp_path / "folder.yaml").mkdir()
    assert [(p.code, p.line) for p in check_file(tmp_path / "folder.yaml").problems] == [("CG101", 1)]


def test_every_loader_schema_and_rule_code_is_produced_by_an_example(tmp_path: Path, minimal_text: str) -> None:
    produced = {p.code for path in INVALID for p in check_file(path).problems}
    for name, case in GENERATED.items():
        found, _ = run_case(case, tmp_path / name, minimal_text)
        produced |= {code for _, code, _ in found}
    # CG315 and CG323 need a release history or the packaged library: tested where those are.
    required = {code for code in PROBLEM_CODES if code[:3] in ("CG1", "CG2", "CG3")} - {"CG315", "CG323"}
    assert sorted(required - produced) == [], "codes no example produces"
    assert sorted(produced - set(PROBLEM_CODES)) == [], "codes produced but not documented in codes.py"


def test_expectations_name_documented_codes() -> None:
    for path in INVALID:
        for code, _ in expectations(path):
            assert code in PROBLEM_CODES, f"{path.name}: {code}"

