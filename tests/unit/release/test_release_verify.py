"""Verifying bundles from nothing but the bundle: hashes, schema validity, cross-references."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
from bundles import read_members, with_matching_manifest

from clinicguide.cli import main
from clinicguide.content import history as guidance_history
from clinicguide.content.check import check_paths
from clinicguide.release import build, manifest, verify
from clinicguide.release.safetar import TOP
from clinicguide.resources import data_root

Change = Callable[[str, bytes], "bytes | None"]


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "clinicguide", *args], capture_output=True, text=True, timeout=60, cwd=cwd)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def copy_tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    for folder in ("guidance", "schemas"):
        shutil.copytree(data_root() / folder, root / folder)
    return root


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bundle") / "release.tar.gz"
    build.write(build.build(), path)
    return path


def rewrite(src: Path, dst: Path, change: Change | None = None,
            add: dict[str, bytes] | None = None, remanifest: bool = False) -> Path:
    """Copy bundle ``src`` to ``dst``, passing each file through ``change`` (None drops it)."""
    files: dict[str, bytes] = {}
    for name, data in read_members(src).items():
        new = change(name, data) if change else data
        if new is not None:
            files[name] = new
    files.update(add or {})
    if remanifest:  # an attacker who also rewrites the manifest's hashes
        files = with_matching_manifest(files)
    dst.write_bytes(build.pack(files))
    return dst


def flip_one_byte(data: bytes) -> bytes:
    changed = bytearray(data)
    changed[len(changed) // 2] ^= 0x01
    return bytes(changed)


def codes_by_name(report: verify.Report) -> set[tuple[str, str]]:
    return {(f.file, f.code) for f in report.problems}


# -- a good bundle --------------------------------------------------------------------

def test_a_fresh_bundle_verifies(good: Path) -> None:
    report = verify.verify(good)
    assert report.ok, [str(f) for f in report.problems]
    assert report.sha256 == hashlib.sha256(good.read_bytes()).hexdigest()
    assert report.files == len(read_members(good)) - 1


def test_cli_verify_prints_a_summary_and_leaves_nothing_behind(good: Path, tmp_path: Path) -> None:
    result = cli("release", "verify", str(good), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "verified" in result.stdout and hashlib.sha256(good.read_bytes()).hexdigest() in result.stdout
    for entry in json.loads(read_members(good)[manifest.NAME])["guidance"]:
        assert f"{entry['id']} {entry['version']} [{entry['status']}]" in result.stdout
    assert list(tmp_path.iterdir()) == []



def test_verify_as_json(good: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["release", "verify", str(good), "--format", "json"]) == 0
    as_json = json.loads(capsys.readouterr().out)
    assert as_json["ok"] is True and as_json["problems"] == []
    assert as_json["sha256"] == hashlib.sha256(good.read_bytes()).hexdigest()
    target = next(n for n in read_members(good) if n.startswith("fhir/"))
    tampered = rewrite(good, tmp_path / "t.tar.gz", lambda n, d: None if n == target else d)
    assert main(["release", "verify", str(tampered), "--format", "json"]) == 1
    as_json = json.loads(capsys.readouterr().out)
    assert as_json["ok"] is False and {"file": target, "line": 0, "column": 0, "code": "CG401",
                                       "message": "listed in the manifest but missing from the bundle"} in as_json["problems"]


# -- tampering ------------------------------------------------------------------------

def test_a_one_byte_change_to_any_file_is_caught_and_the_file_named(good: Path, tmp_path: Path) -> None:
    names = sorted(read_members(good))
    # One byte changed in every file at once: each file is checked on its own, so each is named.
    tampered = rewrite(good, tmp_path / "all.tar.gz", lambda n, d: d if n == manifest.NAME else flip_one_byte(d))
    assert {(n, "CG403") for n in names if n != manifest.NAME} <= codes_by_name(verify.verify(tampered))
    # And one byte in a single file of each kind, the manifest included.
    for prefix in ("guidance/", "schemas/guidance/", "schemas/releases.json", "fhir/", manifest.NAME):
        name = next(n for n in names if n.startswith(prefix))
        report = verify.verify(rewrite(good, tmp_path / "one.tar.gz",
                                       lambda n, d, name=name: flip_one_byte(d) if n == name else d))
        assert not report.ok, name
        if name != manifest.NAME:
            assert (name, "CG403") in codes_by_name(report), (name, [str(f) for f in report.problems])


def test_cli_names_the_altered_file(good: Path, tmp_path: Path) -> None:
    target = next(n for n in read_members(good) if n.startswith("guidance/"))
    tampered = rewrite(good, tmp_path / "t.tar.gz", lambda n, d: flip_one_byte(d) if n == target else d)
    result = cli("release", "verify", str(tampered))
    assert result.returncode == 1
    assert f"{target}: CG403 altered" in result.stderr and "verification failed" in result.stderr


def test_missing_extra_and_missing_manifest(good: Path, tmp_path: Path) -> None:
    target = next(n for n in read_members(good) if n.startswith("fhir/"))
    report = verify.verify(rewrite(good, tmp_path / "t.tar.gz", lambda n, d: None if n == target else d,
                                   add={"guidance/extra.yaml": b"id: x\n"}))
    assert {(target, "CG401"), ("guidance/extra.yaml", "CG402")} <= codes_by_name(report)
    report = verify.verify(rewrite(good, tmp_path / "t.tar.gz", lambda n, d: None if n == manifest.NAME else d))
    assert codes_by_name(report) == {(manifest.NAME, "CG401")}


def _edit_manifest(edit: Callable[[dict], None]) -> Change:  # type: ignore[type-arg]
    def change(name: str, data: bytes) -> bytes:
        if name != manifest.NAME:
            return data
        record = json.loads(data)
        edit(record)
        return json.dumps(record).encode()
    return change


def test_a_manifest_that_lies_about_a_document_or_the_schemas_is_caught(good: Path, tmp_path: Path) -> None:
    def lie(record: dict) -> None:  # type: ignore[type-arg]
        record["guidance"][0]["status"] = "active"
        record["guidance"][0]["review"]["approved"] = "2026-01-01"
        record["guidance"][0]["review"]["reviewers"] = [{"name": "Dr Nobody", "role": "dermatologist"}]
        record["schemas"]["versions"].append("9.9")
    report = verify.verify(rewrite(good, tmp_path / "t.tar.gz", _edit_manifest(lie)))
    first = json.loads(read_members(good)[manifest.NAME])["guidance"][0]["file"]
    messages = [str(f) for f in report.problems]
    assert any(first in m and "CG404" in m and "status" in m for m in messages), messages
    assert any(first in m and "approved" in m for m in messages), messages
    assert any(first in m and "reviewers" in m and "Dr Nobody" in m for m in messages), messages
    assert any("manifest.json: CG404" in m and "9.9" in m for m in messages), messages


def test_a_manifest_listing_a_file_the_bundle_lacks(good: Path, tmp_path: Path) -> None:
    report = verify.verify(rewrite(good, tmp_path / "t.tar.gz", _edit_manifest(
        lambda r: r["files"].append({"path": "guidance/ghost.yaml", "size": 1, "sha256": "0" * 64}))))
    assert codes_by_name(report) == {("guidance/ghost.yaml", "CG401")}


def test_changed_content_under_a_released_version_is_caught_even_if_rehashed(tmp_path: Path) -> None:
    root = copy_tree(tmp_path)
    checked = check_paths([root / "guidance"], schema_root=root / "schemas")
    guidance_history.record(checked, root / "schemas", dt.date(2026, 11, 21), "test")
    path = tmp_path / "recorded.tar.gz"
    build.write(build.build(root), path)
    assert verify.verify(path).ok and verify.verify(path).unrecorded == []
    target = next(n for n in read_members(path) if n.startswith("guidance/"))
    forged = rewrite(path, tmp_path / "forged.tar.gz",
                     lambda n, d: d.replace(b"title:", b"title: Forged", 1) if n == target else d, remanifest=True)
    found = codes_by_name(verify.verify(forged))
    assert (target, "CG315") in found  # the bundle's own release history catches it
    assert (target, "CG404") in found  # and the manifest's content hash no longer matches


# -- the bundle's own schemas, never the installed ones -------------------------------

def test_documents_are_validated_with_the_bundles_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = copy_tree(tmp_path)
    # The installed release history, with the shipped documents recorded whether or not they are yet.
    installed = tmp_path / "installed-schemas"
    shutil.copytree(data_root() / "schemas", installed)
    guidance_history.record(check_paths([data_root() / "guidance"]), installed, dt.date(2026, 11, 21), "test")
    monkeypatch.setattr(guidance_history, "schemas_dir", lambda: installed)
    (root / "schemas" / "releases.json").unlink()  # an unreleased schema may differ from the installed one
    (root / "schemas" / "guidance-releases.json").unlink()  # the edited document below is not a release
    doc = min((root / "guidance").glob("*.yaml"))
    declared = next(line.split('"')[1] for line in doc.read_text(encoding="utf-8").splitlines() if line.startswith("schema:"))
    schema_name = f"schemas/guidance/{declared}/guidance.schema.json"
    schema_file = root / schema_name
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    schema["properties"]["site_note"] = {"type": "string"}
    schema_file.write_text(json.dumps(schema), encoding="utf-8")
    doc.write_text(doc.read_text(encoding="utf-8") + "site_note: allowed by this bundle's schema only\n", encoding="utf-8")
    # The installed schema rejects the field; the installed release history sees a released document changed.
    assert sorted(p.code for c in check_paths([doc]) for p in c.problems) == ["CG201", "CG315"]
    path = tmp_path / "own-schema.tar.gz"
    build.write(build.build(root), path)
    assert verify.verify(path).ok

    # Replace the bundle's schema with a stricter one and re-hash: the documents are now checked against it.
    def stricter(name: str, data: bytes) -> bytes:
        if name != schema_name:
            return data
        strict = json.loads(data)
        strict["properties"]["title"]["maxLength"] = 3
        return json.dumps(strict).encode()
    report = verify.verify(rewrite(path, tmp_path / "strict.tar.gz", stricter, remanifest=True))
    assert any(f.code == "CG209" and f.file.startswith("guidance/") for f in report.problems), [str(f) for f in report.problems]


def test_a_bundle_schema_that_is_not_json_schema_is_reported(good: Path, tmp_path: Path) -> None:
    def broken(name: str, data: bytes) -> bytes:
        return b'{"type": 12}' if name == "schemas/guidance/1.0/guidance.schema.json" else data
    report = verify.verify(rewrite(good, tmp_path / "t.tar.gz", broken, remanifest=True))
    found = codes_by_name(report)
    assert ("schemas/guidance/1.0/guidance.schema.json", "CG404") in found
    assert ("schemas/guidance/1.0/guidance.schema.json", "CG403") in found  # frozen per the bundle's releases.json
    assert any(code == "CG208" for _, code in found)


def test_a_schema_with_a_remote_reference_does_not_crash(good: Path, tmp_path: Path) -> None:
    def remote(name: str, data: bytes) -> bytes:
        if name != "schemas/guidance/1.0/guidance.schema.json":
            return data
        schema = json.loads(data)
        schema["properties"]["title"] = {"$ref": "https://example.invalid/nothing.json"}
        return json.dumps(schema).encode()
    report = verify.verify(rewrite(good, tmp_path / "t.tar.gz", remote, remanifest=True))
    assert not report.ok and all(f.code in ("CG208", "CG403", "CG404", "CG406") for f in report.problems)
    assert any(f.code == "CG406" and f.line and "example.invalid" in f.message for f in report.problems)


# -- hostile bundles ------------------------------------------------------------------

def raw_tar(entries: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return out.getvalue()


def entry(name: str, data: bytes = b"x", kind: bytes = tarfile.REGTYPE, link: str = "") -> tuple[tarfile.TarInfo, bytes | None]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    info.size = len(data) if kind == tarfile.REGTYPE else 0
    return info, data if kind == tarfile.REGTYPE else None


OK_MEMBER = entry(f"{TOP}/manifest.json", b"{}")
HOSTILE: dict[str, bytes] = {
    "absolute path": gzip.compress(raw_tar([OK_MEMBER, entry("/etc/evil", b"x")])),
    "dot-dot": gzip.compress(raw_tar([OK_MEMBER, entry(f"{TOP}/../../evil", b"x")])),
    "outside top folder": gzip.compress(raw_tar([OK_MEMBER, entry("elsewhere/file", b"x")])),
    "symlink": gzip.compress(raw_tar([OK_MEMBER, entry(f"{TOP}/guidance/a.yaml", kind=tarfile.SYMTYPE, link="/etc/passwd")])),
    "hardlink": gzip.compress(raw_tar([OK_MEMBER,
                                       entry(f"{TOP}/guidance/a.yaml", kind=tarfile.LNKTYPE, link=f"{TOP}/manifest.json")])),
    "device": gzip.compress(raw_tar([OK_MEMBER, entry(f"{TOP}/dev", kind=tarfile.CHRTYPE)])),
    "fifo": gzip.compress(raw_tar([OK_MEMBER, entry(f"{TOP}/pipe", kind=tarfile.FIFOTYPE)])),
    "duplicate": gzip.compress(raw_tar([OK_MEMBER, entry(f"{TOP}/manifest.json", b"[]")])),
    "case duplicate": gzip.compress(raw_tar([OK_MEMBER, entry(f"{TOP}/MANIFEST.json", b"[]")])),
    "file and folder": gzip.compress(raw_tar([OK_MEMBER, entry(f"{TOP}/guidance/a.yaml"),
                                              entry(f"{TOP}/guidance/a.yaml/b.yaml")])),
    "long name part": gzip.compress(raw_tar([OK_MEMBER, entry(f"{TOP}/guidance/{'a' * 300}.yaml")])),
    "not gzip": b"PK\x03\x04 this is a zip, not a tar.gz",
    "truncated gzip": gzip.compress(raw_tar([OK_MEMBER]))[:40],
    "not tar": gzip.compress(b"plain text, not a tar archive " * 40),
    "trailing data": gzip.compress(raw_tar([OK_MEMBER]) + b"hidden member data"),
    "empty": gzip.compress(b""),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_bundles_are_refused_with_cg404(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "hostile.tar.gz"
    path.write_bytes(HOSTILE[kind])
    report = verify.verify(path)
    assert not report.ok and all(f.code == "CG404" for f in report.problems), [str(f) for f in report.problems]
    assert main(["release", "verify", str(path)]) == 1
    assert main(["diff", str(path), str(path)]) == 1
    err = capsys.readouterr().err
    assert "CG404" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hostile.tar.gz"]  # nothing written beside it


def test_absurd_member_and_total_sizes_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from clinicguide.release import safetar

    # A header that claims a huge member, with no data behind it: refused before any read.
    info = tarfile.TarInfo(f"{TOP}/huge")
    info.size = 10**12
    path = tmp_path / "huge.tar.gz"
    path.write_bytes(gzip.compress(info.tobuf(tarfile.PAX_FORMAT) + b"\0" * 1024))
    problems = verify.verify(path).problems
    assert problems and all(f.code == "CG404" for f in problems)
    assert any(f.file == f"{TOP}/huge" and "limit per file" in f.message for f in problems)

    # A small bundle that expands past the bound (a "zip bomb"); the bound is lowered to keep the test fast.
    monkeypatch.setattr(safetar, "MAX_EXPANDED_BYTES", 100_000)
    path.write_bytes(gzip.compress(raw_tar([OK_MEMBER, entry(f"{TOP}/zeros", b"\0" * 200_000)])))
    assert "expands to more than" in str(verify.verify(path).problems[0])


def test_a_manifest_that_is_not_json_or_has_the_wrong_shape(good: Path, tmp_path: Path) -> None:
    wrong_shape = {"format": 1, "package": {}, "schemas": {}, "guidance": [], "fhir": {},
                   "files": [{"path": "../x", "size": 1, "sha256": "0" * 64}]}
    for bad in (b"\xff\xfe not json", b'{"format": 1}', json.dumps(wrong_shape).encode()):
        report = verify.verify(rewrite(good, tmp_path / "t.tar.gz", lambda n, d, bad=bad: bad if n == manifest.NAME else d))
        assert report.problems, bad
        assert all(f.code == "CG404" and f.file == manifest.NAME for f in report.problems), [str(f) for f in report.problems]
    outside = {"path": "../../x", "size": 1, "sha256": "0" * 64}
    report = verify.verify(rewrite(good, tmp_path / "t.tar.gz", _edit_manifest(lambda r: r["files"].append(outside))))
    assert [(f.file, f.code) for f in report.problems] == [(manifest.NAME, "CG404")]


def test_missing_bundle_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["release", "verify", str(tmp_path / "nope.tar.gz")]) == 2
    err = capsys.readouterr().err
    assert "clinicguide: error:" in err and "no such file" in err
    assert main(["release", "verify", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err
