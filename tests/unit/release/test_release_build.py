"""Building release bundles: deterministic bytes, a complete manifest, refusal of invalid trees."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from clinicguide import __version__
from clinicguide.content import history as guidance_history
from clinicguide.content.check import check_paths, guidance_files
from clinicguide.content.yamlsafe import read
from clinicguide.errors import ContentError
from clinicguide.release import build, manifest
from clinicguide.release.safetar import TOP
from clinicguide.resources import data_root


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "clinicguide", *args], capture_output=True, text=True, timeout=60,
                            env={**os.environ, **(env or {})})
    assert "Traceback" not in result.stderr, result.stderr
    return result


def copy_tree(tmp_path: Path) -> Path:
    """The packaged tree copied file by file (fresh mtimes, no metadata kept)."""
    root = tmp_path / "tree"
    for folder in ("guidance", "schemas"):
        shutil.copytree(data_root() / folder, root / folder, copy_function=shutil.copyfile)
    return root


@pytest.fixture(scope="module")
def built() -> build.Built:
    return build.build()


def members(data: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return tar.getmembers()


def member_bytes(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        return {m.name.split("/", 1)[1]: tar.extractfile(m).read() for m in tar if m.isreg()}  # type: ignore[union-attr]


def test_rebuild_is_byte_identical_even_from_a_copy_with_new_mtimes(built: build.Built, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_tree(tmp_path)
    os.utime(next((root / "guidance").glob("*.yaml")), (1, 1))
    monkeypatch.setenv("CLINICGUIDE_CANONICAL_BASE", "https://elsewhere.example/fhir")  # the build pins its own
    again = build.build(root)
    assert again.data == built.data
    assert again.sha256 == built.sha256 == hashlib.sha256(built.data).hexdigest()


def test_gzip_header_holds_no_time_and_no_file_name(built: build.Built) -> None:
    assert built.data[:3] == b"\x1f\x8b\x08"
    flags, mtime = built.data[3], built.data[4:8]
    assert flags & 0x08 == 0, "FNAME flag set: the build machine's file name leaked into the header"
    assert mtime == b"\0\0\0\0"


def test_tar_entries_are_sorted_with_fixed_metadata(built: build.Built) -> None:
    infos = members(built.data)
    files = [m for m in infos if m.isreg()]
    assert [m.name for m in files] == sorted(m.name for m in files)
    for info in infos:
        assert info.name == TOP or info.name.startswith(TOP + "/")
        assert (info.mtime, info.uid, info.gid, info.uname, info.gname) == (build.FIXED_MTIME, 0, 0, "", "")
        assert info.mode == (build.DIR_MODE if info.isdir() else build.FILE_MODE)
        assert info.isreg() or info.isdir()


def test_bundle_holds_guidance_schemas_fhir_and_a_complete_manifest(built: build.Built) -> None:
    files = member_bytes(built.data)
    record = json.loads(files.pop(manifest.NAME))
    assert record == built.manifest
    listed = {entry["path"]: entry for entry in record["files"]}
    assert set(listed) == set(files)
    for path, data in files.items():
        assert listed[path]["size"] == len(data) and listed[path]["sha256"] == hashlib.sha256(data).hexdigest()

    guidance = data_root() / "guidance"
    shipped = {f"guidance/{p.relative_to(guidance).as_posix()}" for p in guidance_files([guidance])}
    assert {p for p in files if p.startswith("guidance/")} == shipped
    assert "schemas/guidance/1.0/guidance.schema.json" in files and "schemas/releases.json" in files
    assert record["package"] == {"name": "clinicguide", "version": __version__}
    assert "1.0" in record["schemas"]["versions"] and "1.0" in record["schemas"]["released"]

    assert len(record["guidance"]) == len(shipped)
    for entry in record["guidance"]:
        data, _ = read(data_root() / entry["file"])
        assert (entry["id"], entry["version"], entry["status"], entry["schema"]) == (data["id"], data["version"],
                                                                                     data["status"], data["schema"])
        assert entry["review"]["approved"] == data["review"].get("approved")
        assert entry["review"]["next_review"] == data["review"].get("next_review")
        kinds = {json.loads(files[p])["resourceType"] for p in entry["fhir"]}
        assert {"PlanDefinition", "Questionnaire"} <= kinds
        for path in entry["fhir"]:
            resource = json.loads(files[path])
            assert resource["version"] == entry["version"] and entry["id"] in resource["url"]
    assert record["fhir"]["version"] == "R4"
    assert record["fhir"]["resources"] == sum(p.startswith("fhir/R4/") for p in files)


def test_build_refuses_invalid_guidance_with_located_problems(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    # The tree's documents recorded as released, whether or not the shipped versions are recorded yet.
    guidance_history.record(check_paths([root / "guidance"], schema_root=root / "schemas"), root / "schemas",
                            dt.date(2026, 11, 21), "test")
    doc = next((root / "guidance").glob("*.yaml"))
    doc.write_text(doc.read_text(encoding="utf-8").replace("status:", "status: sideways #", 1), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        build.build(root)
    # The bad status, and (the document being a released one) a content change without a bump.
    assert sorted(p.code for p in caught.value.problems) == ["CG204", "CG315"]

    out = tmp_path / "refused.tar.gz"
    result = cli("release", "build", "--root", str(root), "--out", str(out))
    assert result.returncode == 1
    assert f"{doc.name}:" in result.stderr and ": CG204 " in result.stderr
    assert not out.exists()


def test_build_refuses_a_changed_released_schema(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    schema = root / "schemas" / "guidance" / "1.0" / "guidance.schema.json"
    schema.write_bytes(schema.read_bytes() + b"\n")
    with pytest.raises(ContentError) as caught:
        build.build(root)
    assert [p.code for p in caught.value.problems] == ["CG403"]


def test_cli_build_twice_gives_the_same_bytes_and_prints_the_digest(tmp_path: Path) -> None:
    first, second = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    one = cli("release", "build", "--out", str(first))
    two = cli("release", "build", "--out", str(second), env={"CLINICGUIDE_CANONICAL_BASE": "https://other.example/fhir"})
    assert one.returncode == two.returncode == 0, one.stderr + two.stderr
    assert first.read_bytes() == second.read_bytes()
    digest = hashlib.sha256(first.read_bytes()).hexdigest()
    assert one.stdout == f"{digest}  {first}\n"  # the form `sha256sum -c` reads
    assert "built" in one.stderr and "guidance document" in one.stderr


def test_exporter_output_is_stored_per_resource(tmp_path: Path) -> None:
    def exporter(library: Any, base: str) -> list[dict[str, Any]]:
        return [{"resourceType": kind, "id": f"{g.id}-{kind.lower()}",
                 "url": f"{base}/{kind}/{g.id}{suffix}", "version": g.version}
                for g in library for kind, suffix in (("PlanDefinition", ""), ("Questionnaire", "-consent"))]

    made = build.build(copy_tree(tmp_path), exporter=exporter, canonical_base="https://site.example/fhir")
    assert made.manifest["fhir"]["canonical_base"] == "https://site.example/fhir"
    assert all(len(entry["fhir"]) == 2 for entry in made.manifest["guidance"])


def test_build_refuses_an_export_without_a_questionnaire(tmp_path: Path) -> None:
    def exporter(library: Any, base: str) -> list[dict[str, Any]]:
        return [{"resourceType": "PlanDefinition", "url": f"{base}/PlanDefinition/{g.id}", "version": g.version} for g in library]

    with pytest.raises(Exception, match="no PlanDefinition or no Questionnaire"):
        build.build(copy_tree(tmp_path), exporter=exporter)
