"""The loaded library, and the packaged data it is loaded from."""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import clinicguide
from clinicguide import ContentError, Library, UsageError, load_library
from clinicguide.content.library import semver_key
from clinicguide.content.yamlsafe import read
from clinicguide.resources import guidance_dir, schemas_dir

TESTS = Path(__file__).resolve().parents[2]

INVALID = TESTS / "unit" / "content" / "examples" / "invalid"

Write = Callable[[str, "str | bytes"], Path]


def variant(minimal: str, *, ident: str = "example-minimal", version: str = "1.0.0", status: str = "draft") -> str:
    """The minimal document as another id, version and status (its changelog follows the version)."""
    return (
        minimal.replace("id: example-minimal", f"id: {ident}")
        .replace("version: 1.0.0", f"version: {version}")
        .replace("status: draft", f"status: {status}")
    )


@pytest.fixture
def versions_folder(tmp_path: Path, minimal_text: str, write: Write) -> Path:
    """example-minimal in 1.0.0, 1.2.0, 1.9.0 (draft) and 1.10.0 (retired); example-retired only retired."""
    for version, status in (("1.0.0", "draft"), ("1.10.0", "retired"), ("1.9.0", "draft"), ("1.2.0", "draft")):
        write(f"lib/minimal-{version}.yaml", variant(minimal_text, version=version, status=status))
    write("lib/retired.yaml", variant(minimal_text, ident="example-retired", status="retired"))
    return tmp_path / "lib"


@pytest.fixture
def library(versions_folder: Path) -> Library:
    return load_library(versions_folder, packaged=False)


def test_load_from_a_folder_without_the_packaged_guidance(library: Library) -> None:
    assert library.ids() == ("example-minimal", "example-retired")
    assert "microneedling" not in library
    assert len(library) == 5


def test_versions_sort_numerically(library: Library) -> None:
    assert library.versions("example-minimal") == ("1.0.0", "1.2.0", "1.9.0", "1.10.0")
    assert semver_key("1.10.0") > semver_key("1.9.0")
    assert [g.version for g in library if g.id == "example-minimal"] == ["1.0.0", "1.2.0", "1.9.0", "1.10.0"]


def test_get_returns_the_newest_version_that_is_not_retired(library: Library) -> None:
    assert library.get("example-minimal").version == "1.9.0"


def test_get_by_version_includes_retired_ones(library: Library) -> None:
    assert library.get("example-minimal", "1.2.0").version == "1.2.0"
    retired = library.get("example-minimal", "1.10.0")
    assert (retired.version, retired.status) == ("1.10.0", "retired")


def test_unknown_id_lists_the_known_ones(library: Library) -> None:
    with pytest.raises(UsageError, match=r"unknown guidance 'laser'; known: example-minimal, example-retired"):
        library.get("laser")


def test_unknown_version_lists_the_versions(library: Library) -> None:
    with pytest.raises(UsageError, match=r"no version '2\.0\.0'; versions: 1\.0\.0, 1\.2\.0, 1\.9\.0, 1\.10\.0"):
        library.get("example-minimal", "2.0.0")


def test_retired_only_guidance_needs_an_explicit_version(library: Library) -> None:
    with pytest.raises(UsageError, match="retired"):
        library.get("example-retired")
    assert library.get("example-retired", "1.0.0").status == "retired"


def test_usage_errors_are_clinicguide_errors_with_exit_code_2(library: Library) -> None:
    with pytest.raises(clinicguide.ClinicguideError) as caught:
        library.get("nothing")
    assert caught.value.exit_code == 2


def test_library_is_immutable(library: Library) -> None:
    assert isinstance(library.documents, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        library.documents = ()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        library.digest = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        library.extra = 1  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        library._index["example-minimal"] = ()  # type: ignore[index]
    assert library.get("example-minimal").version == "1.9.0"


def test_digest_is_stable_and_follows_the_content(tmp_path: Path, minimal_text: str, write: Write, versions_folder: Path) -> None:
    first = load_library(versions_folder, packaged=False).digest
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert load_library(versions_folder, packaged=False).digest == first
    retired = variant(minimal_text, ident="example-retired", status="retired")
    (versions_folder / "retired.yaml").write_text(retired.replace("Redness for a day.", "Redness for two days."))
    assert load_library(versions_folder, packaged=False).digest != first


def test_content_error_carries_every_problem(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    for name in ("cg105-duplicate-key-top.yaml", "cg303-unknown-source.yaml", "cg307-undisclosed-risk.yaml"):
        shutil.copyfile(INVALID / name, folder / name)
    with pytest.raises(ContentError) as caught:
        load_library(folder, packaged=False)
    problems = caught.value.problems
    assert sorted(p.code for p in problems) == ["CG105", "CG303", "CG307"]
    assert problems == tuple(sorted(problems))
    assert caught.value.exit_code == 1
    assert str(caught.value).endswith("(and 2 more)")
    assert str(problems[0]) in str(caught.value)


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file or folder"):
        load_library(tmp_path / "nowhere", packaged=False)


def test_packaged_library_includes_microneedling_and_adds_given_folders(tmp_path: Path, minimal_text: str, write: Write) -> None:
    write("site/mine.yaml", minimal_text)
    packaged = load_library()
    combined = load_library(tmp_path / "site")
    assert "microneedling" in packaged and "example-minimal" not in packaged
    assert set(combined.ids()) == set(packaged.ids()) | {"example-minimal"}
    assert packaged.get("microneedling").title == read(guidance_dir() / "microneedling.yaml")[0]["title"]


def test_public_names() -> None:
    for name in clinicguide.__all__:
        assert hasattr(clinicguide, name), name
    assert re.fullmatch(r"\d+\.\d+\.\d+.*|0\+unknown", clinicguide.__version__)


# -- packaged data -------------------------------------------------------------------------------

MODELINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


def test_schemas_dir_holds_the_guidance_schema() -> None:
    schema = schemas_dir() / "guidance" / "1.0" / "guidance.schema.json"
    assert schema.is_file()
    assert '"$schema": "https://json-schema.org/draft/2020-12/schema"' in schema.read_text(encoding="utf-8")


SHIPPED = sorted(guidance_dir().glob("*.yaml"))


def test_microneedling_is_shipped() -> None:
    assert guidance_dir() / "microneedling.yaml" in SHIPPED


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_guidance_starts_with_a_modeline_to_its_declared_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = MODELINE.match(first)
    assert match, f"{path.name}: first line is {first!r}"
    target = (path.parent / match[1]).resolve()
    assert target.is_file(), f"{path.name}: {match[1]} does not exist"
    declared = read(path)[0]["schema"]
    assert target == (schemas_dir() / "guidance" / declared / "guidance.schema.json").resolve()
