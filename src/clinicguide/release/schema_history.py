"""The frozen schema versions: ``schemas/releases.json`` records each released file's SHA-256.

A released schema file never changes (documents declare the version they were written
for, and an auditor must be able to re-check them years later), so a changed, missing or
added file in a released folder is an error. New schema versions get a new folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import MappingProxyType
from typing import Any

from ..content.schemas import SCHEMA_FILE, is_schema_version, schema_version_key
from ..errors import Problem, ReleaseRecordError, UsageError, whole_file
from ..jsonfile import dumps, is_plain_relative_path, is_sha256, loads, record_bytes, write_atomic
from .tree import read_file

RELEASES_FILE = "releases.json"
FORMAT = 1


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
    return parse(record_bytes(path), str(path))


def parse(data: bytes, name: str) -> tuple[SchemaRelease, ...]:
    """Parse a ``releases.json`` (from a tree or a bundle)."""
    record = loads(data, name)
    if not isinstance(record, dict) or record.get("format") != FORMAT or not isinstance(record.get("releases"), list):
        raise ReleaseRecordError(name, f"must be an object with format {FORMAT} and a releases list")
    releases: list[SchemaRelease] = []
    for index, entry in enumerate(record["releases"]):
        where = f"releases[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("version"), str) or not is_schema_version(entry["version"]):
            raise ReleaseRecordError(name, f"{where} needs a version such as \"1.0\"")
        files = entry.get("files")
        if not isinstance(files, dict) or not files:
            raise ReleaseRecordError(name, f"{where} needs a files object (path -> SHA-256)")
        for path, digest in files.items():
            if not is_plain_relative_path(path) or not is_sha256(digest):
                raise ReleaseRecordError(name, f"{where}: {path!r} needs a plain relative path and a lower-case SHA-256")
        releases.append(SchemaRelease(entry["version"], str(entry.get("released", "")), MappingProxyType(dict(files))))
    versions = [r.version for r in releases]
    if versions != sorted(set(versions), key=schema_version_key):
        raise ReleaseRecordError(name, "releases must be listed once each, oldest first")
    return tuple(releases)


def frozen_problems(schema_root: Path) -> list[Problem]:
    """Every released schema file that changed, went missing, or was added to a released folder."""
    try:
        releases = load(schema_root)
    except ReleaseRecordError as exc:
        return [whole_file("CG404", exc.file, exc.reason)]
    found: list[Problem] = []
    for release in releases:
        folders = {PurePosixPath(p).parent for p in release.files}
        for rel, digest in sorted(release.files.items()):
            path = schema_root / rel
            if not path.is_file():
                found.append(whole_file("CG401", str(path),
                                        f"schema {release.version} was released with this file; it is missing"))
            elif file_sha256(read_file(path)) != digest:
                found.append(whole_file("CG403", str(path),
                                        f"schema {release.version} is released and frozen, but this file changed since; "
                                        "restore it and put changes in a new version folder"))
        for folder in sorted(folders):
            for path in sorted((schema_root / folder).rglob("*")):
                rel = path.relative_to(schema_root).as_posix()
                if path.is_file() and rel not in release.files:
                    found.append(whole_file("CG402", str(path),
                                            f"added to the released schema folder {folder}; released folders never change"))
    return found


def record(schema_root: Path, version: str, today: dt.date) -> bool:
    """Freeze schema ``version``: record its files' hashes. False if it was already recorded unchanged.

    :raises UsageError: if the version folder is missing, or is not newer than every release.
    :raises ReleaseRecordError: if the record is malformed.
    """
    releases = load(schema_root)
    folder = schema_root / "guidance" / version
    if not is_schema_version(version) or not (folder / SCHEMA_FILE).is_file():
        raise UsageError(f"{folder / SCHEMA_FILE}: no such schema; give a version folder that exists, e.g. 1.0")
    files = {p.relative_to(schema_root).as_posix(): file_sha256(read_file(p)) for p in sorted(folder.rglob("*")) if p.is_file()}
    for release in releases:
        if release.version == version:
            if dict(release.files) == files:
                return False
            raise UsageError(f"schema {version} is already released with other file hashes; released schemas never change")
    if releases and schema_version_key(version) <= schema_version_key(releases[-1].version):
        raise UsageError(f"schema {version} is older than the last released schema {releases[-1].version}")
    entries = [{"version": r.version, "released": r.released, "files": dict(r.files)} for r in releases]
    entries.append({"version": version, "released": today.isoformat(), "files": files})
    write_atomic(schema_root / RELEASES_FILE, dumps(_document(entries)))
    return True


def _document(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "about": "Released guidance schema versions and the SHA-256 of each file. Written by "
                 "`clinicguide release record --schema VERSION`; a released file never changes.",
        "format": FORMAT,
        "releases": entries,
    }
