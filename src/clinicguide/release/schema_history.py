"""The frozen schema versions: ``schemas/releases.json`` records each released file's SHA-256.

A released schema file never changes (documents declare the version they were written
for, and an auditor must be able to re-check them years later), so a changed, missing or
added file in a released folder is an error. New schema versions get a new folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any

from .. import jsonfile
from ..content.schemas import SCHEMA_FILE, version_key
from ..errors import Problem, ReleaseRecordError, UsageError

RELEASES_FILE = "releases.json"
FORMAT = 1
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_VERSION = re.compile(r"^\d+\.\d+$")


@dataclass(frozen=True)
class SchemaRelease:
    """One released schema version and the hash of each of its files."""

    version: str
    released: str
    files: Mapping[str, str]  # path relative to schemas/ -> SHA-256


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load(schema_root: Path) -> tuple[SchemaRelease, ...]:
    """The recorded schema releases under ``schema_root``, oldest first (none if no record exists).

    :raises ReleaseRecordError: if the record is malformed.
    """
    path = schema_root / RELEASES_FILE
    if not path.is_file():
        return ()
    return parse(path.read_bytes(), str(path))


def parse(data: bytes, name: str) -> tuple[SchemaRelease, ...]:
    """Parse a ``releases.json`` (from a tree or a bundle)."""
    record = jsonfile.loads(data, name)
    if not isinstance(record, dict) or record.get("format") != FORMAT or not isinstance(record.get("releases"), list):
        raise ReleaseRecordError(name, f"must be an object with format {FORMAT} and a releases list")
    releases: list[SchemaRelease] = []
    for index, entry in enumerate(record["releases"]):
        where = f"releases[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("version"), str) or not _VERSION.match(entry["version"]):
            raise ReleaseRecordError(name, f"{where} needs a version such as \"1.0\"")
        files = entry.get("files")
        if not isinstance(files, dict) or not files:
            raise ReleaseRecordError(name, f"{where} needs a files object (path -> SHA-256)")
        for path, digest in files.items():
            if not _safe_relative(path) or not isinstance(digest, str) or not _SHA256.match(digest):
                raise ReleaseRecordError(name, f"{where}: {path!r} needs a plain relative path and a lower-case SHA-256")
        releases.append(SchemaRelease(entry["version"], str(entry.get("released", "")), MappingProxyType(dict(files))))
    versions = [r.version for r in releases]
    if versions != sorted(set(versions), key=version_key):
        raise ReleaseRecordError(name, "releases must be listed once each, oldest first")
    return tuple(releases)


def _safe_relative(path: Any) -> bool:
    if not isinstance(path, str) or not path or path.startswith("/") or "\\" in path:
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


def frozen_problems(schema_root: Path) -> list[Problem]:
    """Every released schema file that changed, went missing, or was added to a released folder."""
    try:
        releases = load(schema_root)
    except ReleaseRecordError as exc:
        return [Problem(exc.file, 1, 1, "CG404", exc.reason)]
    found: list[Problem] = []
    for release in releases:
        folders = {PurePosixPath(p).parent for p in release.files}
        for rel, digest in sorted(release.files.items()):
            path = schema_root / rel
            if not path.is_file():
                found.append(Problem(str(path), 1, 1, "CG401",
                                     f"schema {release.version} was released with this file; it is missing"))
            elif file_sha256(path.read_bytes()) != digest:
                found.append(Problem(str(path), 1, 1, "CG403",
                                     f"schema {release.version} is released and frozen, but this file changed since; restore it "
                                     "and put changes in a new version folder"))
        for folder in sorted(folders):
            for path in sorted((schema_root / folder).rglob("*")):
                rel = path.relative_to(schema_root).as_posix()
                if path.is_file() and rel not in release.files:
                    found.append(Problem(str(path), 1, 1, "CG402",
                                         f"added to the released schema folder {folder}; released folders never change"))
    return found


def record(schema_root: Path, version: str, today: dt.date) -> bool:
    """Freeze schema ``version``: record its files' hashes. False if it was already recorded unchanged.

    :raises UsageError: if the version folder is missing, or is not newer than every release.
    :raises ReleaseRecordError: if the record is malformed.
    """
    releases = load(schema_root)
    folder = schema_root / "guidance" / version
    if not _VERSION.match(version) or not (folder / SCHEMA_FILE).is_file():
        raise UsageError(f"{folder / SCHEMA_FILE}: no such schema; give a version folder that exists, e.g. 1.0")
    files = {p.relative_to(schema_root).as_posix(): file_sha256(p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file()}
    for release in releases:
        if release.version == version:
            if dict(release.files) == files:
                return False
            raise UsageError(f"schema {version} is already released with other file hashes; released schemas never change")
    if releases and version_key(version) <= version_key(releases[-1].version):
        raise UsageError(f"schema {version} is older than the last released schema {releases[-1].version}")
    entries = [{"version": r.version, "released": r.released, "files": dict(r.files)} for r in releases]
    entries.append({"version": version, "released": today.isoformat(), "files": files})
    jsonfile.write_atomic(schema_root / RELEASES_FILE, jsonfile.dumps(_document(entries)))
    return True


def _document(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "about": "Released guidance schema versions and the SHA-256 of each file. Written by "
                 "`clinicguide release record --schema VERSION`; a released file never changes.",
        "format": FORMAT,
        "releases": entries,
    }
