"""Released schema folders are frozen: schemas/releases.json holds each released file's SHA-256."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from clinicguide.content import history as guidance_history
from clinicguide.content.schemas import available
from clinicguide.errors import UsageError
from clinicguide.release import schema_history
from clinicguide.resources import schemas_dir

RELEASES = schemas_dir() / schema_history.RELEASES_FILE


def test_release_history_is_well_formed_and_lists_the_first_schema() -> None:
    releases = schema_history.load(schemas_dir())
    assert releases, "schemas/releases.json must record the released schema versions"
    assert releases[0].version == "1.0"
    for release in releases:
        assert release.version in available(), f"released schema {release.version} has no folder"
        assert dt.date.fromisoformat(release.released)


@pytest.mark.parametrize("release", schema_history.load(schemas_dir()), ids=lambda r: r.version)
def test_every_released_schema_file_is_unchanged(release: schema_history.SchemaRelease) -> None:
    for rel, digest in release.files.items():
        path = schemas_dir() / rel
        assert path.is_file(), f"{rel}: released with schema {release.version}, now missing"
        actual = hashlib.sha256(path.read_bytes()).hexdigest()
        assert actual == digest, (f"{rel} changed after schema {release.version} was released; "
                                  "released schemas are frozen: restore it and make a new version folder")


def test_no_file_was_added_to_a_released_folder() -> None:
    assert schema_history.frozen_problems(schemas_dir()) == []


def test_guidance_release_history_is_well_formed() -> None:
    history = guidance_history.load(schemas_dir())
    for key, entry in history.items():
        assert "|" in key and len(entry.content_sha256) == 64


@pytest.fixture
def schema_copy(tmp_path: Path) -> Path:
    root = tmp_path / "schemas"
    shutil.copytree(schemas_dir(), root)
    return root


def test_a_changed_released_file_is_reported(schema_copy: Path) -> None:
    schema_file = schema_copy / "guidance" / "1.0" / "guidance.schema.json"
    schema_file.write_bytes(schema_file.read_bytes().replace(b'"title"', b'"title" ', 1))
    (schema_copy / "guidance" / "1.0" / "extra.json").write_text("{}")
    found = {(Path(p.file).name, p.code) for p in schema_history.frozen_problems(schema_copy)}
    assert found == {("guidance.schema.json", "CG403"), ("extra.json", "CG402")}


def test_a_missing_released_file_is_reported(schema_copy: Path) -> None:
    (schema_copy / "guidance" / "1.0" / "guidance.schema.json").unlink()
    assert [p.code for p in schema_history.frozen_problems(schema_copy)] == ["CG401"]


def test_record_freezes_a_new_version_and_refuses_to_refreeze_a_changed_one(schema_copy: Path) -> None:
    new = schema_copy / "guidance" / "1.99"
    shutil.copytree(schema_copy / "guidance" / "1.0", new)
    assert schema_history.record(schema_copy, "1.99", dt.date(2027, 1, 1)) is True
    assert schema_history.record(schema_copy, "1.99", dt.date(2027, 1, 2)) is False  # unchanged: nothing to do
    assert [r.version for r in schema_history.load(schema_copy)] == ["1.0", "1.99"]
    (new / "guidance.schema.json").write_text("{}")
    with pytest.raises(UsageError, match="already released"):
        schema_history.record(schema_copy, "1.99", dt.date(2027, 1, 3))
    with pytest.raises(UsageError, match="no such schema"):
        schema_history.record(schema_copy, "9.9", dt.date(2027, 1, 3))


def test_a_malformed_release_history_is_reported_not_raised(schema_copy: Path) -> None:
    (schema_copy / schema_history.RELEASES_FILE).write_text('{"format": 1, "releases": [{"version": "1.0"}]}')
    assert [p.code for p in schema_history.frozen_problems(schema_copy)] == ["CG404"]
    (schema_copy / schema_history.RELEASES_FILE).write_text("not json")
    assert [p.code for p in schema_history.frozen_problems(schema_copy)] == ["CG404"]


def test_releases_file_is_stable_json() -> None:
    # Written by `release record`: sorted keys and a trailing newline keep diffs small.
    text = RELEASES.read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
