"""The guidance release history: content changed without a version bump is CG315."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clinicguide.cli import main
from clinicguide.content import history as guidance_history
from clinicguide.content.check import check_paths
from clinicguide.content.yamlsafe import read
from clinicguide.resources import data_root

TODAY = dt.date(2026, 11, 21)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "clinicguide", *args], capture_output=True, text=True, timeout=60)
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the packaged release tree (guidance/ and schemas/) with every document recorded."""
    root = tmp_path / "tree"
    shutil.copytree(data_root() / "guidance", root / "guidance")
    shutil.copytree(data_root() / "schemas", root / "schemas")
    (root / "schemas" / guidance_history.HISTORY_FILE).unlink(missing_ok=True)
    checked = check_paths([root / "guidance"], schema_root=root / "schemas")
    assert not [p for c in checked for p in c.problems]
    guidance_history.record(checked, root / "schemas", TODAY, "test")
    return root


def a_document(root: Path) -> Path:
    return min((root / "guidance").glob("*.yaml"))


def problems(root: Path) -> list[tuple[str, str, int]]:
    checked = check_paths([root / "guidance"], schema_root=root / "schemas")
    return [(Path(p.file).name, p.code, p.line) for c in checked for p in c.problems]


def version_line(path: Path) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.startswith("version:"))


# -- the canonical content hash -------------------------------------------------------

def test_hash_ignores_comments_layout_key_order_and_number_spelling() -> None:
    a, _ = read_text("id: x\nversion: 1.0.0\nrange: {low: 1, high: 1.5}\n")
    b, _ = read_text("# a comment\nversion: '1.0.0'\n\nid: x   # trailing\nrange:\n  high: 1.50\n  low: 1.0\n")
    assert guidance_history.content_sha256(a) == guidance_history.content_sha256(b)


def test_hash_changes_with_any_value_the_changelog_included() -> None:
    base, _ = read_text("id: x\nchangelog: [{version: 1.0.0, changes: [First.]}]\nlow: 1\n")
    for changed in ("id: x\nchangelog: [{version: 1.0.0, changes: [First.]}]\nlow: 2\n",
                    "id: x\nchangelog: [{version: 1.0.0, changes: [First!]}]\nlow: 1\n"):
        assert guidance_history.content_sha256(read_text(changed)[0]) != guidance_history.content_sha256(base)


def read_text(text: str):  # type: ignore[no-untyped-def]
    from clinicguide.content.yamlsafe import parse

    return parse(text)


# -- CG315 in validation --------------------------------------------------------------

def test_recorded_documents_that_are_unchanged_validate(tree: Path) -> None:
    assert problems(tree) == []


def test_content_change_without_bump_is_cg315_at_the_version_line(tree: Path) -> None:
    doc = a_document(tree)
    text = doc.read_text(encoding="utf-8")
    doc.write_text(text.replace("severity: moderate", "severity: mild", 1) if "severity: moderate" in text
                   else text.replace("title:", "title: Changed", 1), encoding="utf-8")
    assert problems(tree) == [(doc.name, "CG315", version_line(doc))]


def test_comment_and_whitespace_edits_are_not_content_changes(tree: Path) -> None:
    doc = a_document(tree)
    reformatted = doc.read_text(encoding="utf-8").replace("\n\n", "\n\n\n")
    doc.write_text("# reviewed again, no content change\n\n" + reformatted, encoding="utf-8")
    assert problems(tree) == []


def test_a_version_bump_with_a_changelog_entry_clears_cg315(tree: Path) -> None:
    doc = a_document(tree)
    data, _ = read(doc)
    old = data["version"]
    major, minor, patch = map(int, old.split("."))
    new = f"{major}.{minor}.{patch + 1}"
    text = doc.read_text(encoding="utf-8").replace(f"version: {old}", f"version: {new}", 1)
    text = text.replace("changelog:\n", f"changelog:\n  - version: {new}\n    date: 2026-12-01\n    changes: [Wording.]\n", 1)
    doc.write_text(text.replace("title:", "title: Changed", 1), encoding="utf-8")
    assert problems(tree) == []
    # Without the changelog entry the bump is incomplete (CG308).
    doc.write_text(text.replace(f"  - version: {new}\n    date: 2026-12-01\n    changes: [Wording.]\n", "", 1), encoding="utf-8")
    assert [code for _, code, _ in problems(tree)] == ["CG308"]


def test_documents_not_recorded_are_never_hashed(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tree / "schemas" / guidance_history.HISTORY_FILE).write_text(json.dumps(guidance_history.document({})))

    def fail(data: object) -> str:
        raise AssertionError("hashed a document whose id|version is not recorded")

    monkeypatch.setattr(guidance_history, "content_sha256", fail)
    assert problems(tree) == []


# -- the validate command uses the packaged history -----------------------------------

def test_validate_command_reports_cg315(tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(guidance_history, "schemas_dir", lambda: tree / "schemas")  # as if packaged
    doc = a_document(tree)
    doc.write_text(doc.read_text(encoding="utf-8").replace("title:", "title: Changed", 1), encoding="utf-8")
    assert main(["validate", str(tree / "guidance")]) == 1
    out = capsys.readouterr().out
    assert f"{doc.name}:{version_line(doc)}:10: CG315" in out and "bump the version" in out


def test_malformed_history_is_a_located_error(tree: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(guidance_history, "schemas_dir", lambda: tree / "schemas")
    (tree / "schemas" / guidance_history.HISTORY_FILE).write_text("{not json")
    assert main(["validate", str(tree / "guidance")]) == 1
    err = capsys.readouterr().err
    assert "clinicguide: error:" in err and "CG404" in err and guidance_history.HISTORY_FILE in err


# -- release record -------------------------------------------------------------------

def test_record_adds_new_versions_only_and_never_rewrites(tree: Path) -> None:
    history_file = tree / "schemas" / guidance_history.HISTORY_FILE
    before = history_file.read_bytes()
    result = cli("release", "record", "--root", str(tree))
    assert result.returncode == 0 and "nothing new to record" in result.stdout
    assert history_file.read_bytes() == before

    doc = a_document(tree)
    data, _ = read(doc)
    text = doc.read_text(encoding="utf-8").replace(f"version: {data['version']}", "version: 9.0.0", 1)
    entry = "changelog:\n  - version: 9.0.0\n    date: 2026-12-01\n    changes: [New.]\n"
    doc.write_text(text.replace("changelog:\n", entry, 1), encoding="utf-8")
    result = cli("release", "record", "--root", str(tree))
    assert result.returncode == 0, result.stderr
    assert f"recorded {data['id']}|9.0.0" in result.stdout
    history = guidance_history.load(tree / "schemas")
    assert f"{data['id']}|9.0.0" in history and f"{data['id']}|{data['version']}" in history


def test_record_refuses_a_changed_release(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history = (tree / "schemas" / guidance_history.HISTORY_FILE).read_bytes()
    doc = a_document(tree)
    doc.write_text(doc.read_text(encoding="utf-8").replace("title:", "title: Changed", 1), encoding="utf-8")
    assert main(["release", "record", "--root", str(tree)]) == 1
    assert f"{doc.name}:{version_line(doc)}:10: CG315" in capsys.readouterr().err
    assert (tree / "schemas" / guidance_history.HISTORY_FILE).read_bytes() == history
