"""The guidance release history: the content hash of every released guidance ``id|version``.

``schemas/guidance-releases.json`` lives under ``schemas/`` because that folder ships in
the wheel (``guidance/`` is scanned for YAML only). Validation compares each document
whose ``id|version`` is recorded with its recorded hash: a difference means the content
changed without a version bump (CG315). Only recorded documents are hashed, so the check
costs nothing for work in progress.

The hash is over the parsed document as canonical JSON, so comments, blank lines, quoting
and key order do not count as changes. The changelog counts: it is part of what was
released and says what the version changed; rewriting it afterwards would let the record
of a release drift silently, and a patch bump for a wording fix is cheap.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..canonical import sha256 as canonical_sha256
from ..errors import Problem, ReleaseRecordError, UsageError
from ..jsonfile import dumps, is_sha256, loads, record_bytes, write_atomic
from ..resources import schemas_dir
from .located import Checked

HISTORY_FILE = "guidance-releases.json"
FORMAT = 1
_KEY = re.compile(r"^[a-z][a-z0-9-]*\|\d+\.\d+\.\d+$")


@dataclass(frozen=True)
class Released:
    """What was recorded for one released ``id|version``."""

    content_sha256: str
    recorded: str
    package_version: str


def canonical(value: Any) -> Any:
    """``value`` with whole floats as ints, so ``1.0`` and ``1`` hash alike (YAML spells both)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def content_sha256(data: Any) -> str:
    """SHA-256 of a parsed guidance document as canonical JSON (sorted keys, no spaces, UTF-8)."""
    return canonical_sha256(canonical(data))


def history_path(schema_root: Path | None = None) -> Path:
    return (schema_root or schemas_dir()) / HISTORY_FILE


def load(schema_root: Path | None = None) -> Mapping[str, Released]:
    """The recorded releases, by ``id|version`` (empty if there is no history file).

    :raises ReleaseRecordError: if the history is malformed.
    """
    path = history_path(schema_root)
    try:
        stat = path.stat()
    except OSError:
        return MappingProxyType({})
    # Keyed on size and mtime so that `release record` in the same process is seen at once.
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int, size: int) -> Mapping[str, Released]:
    return parse(record_bytes(Path(path)), path)


def parse(data: bytes, name: str) -> Mapping[str, Released]:
    """Parse a guidance release history (from a tree or a bundle)."""
    record = loads(data, name)
    if not isinstance(record, dict) or record.get("format") != FORMAT or not isinstance(record.get("released"), dict):
        raise ReleaseRecordError(name, f"must be an object with format {FORMAT} and a released object")
    released: dict[str, Released] = {}
    for key, entry in record["released"].items():
        if not _KEY.match(key) or not isinstance(entry, dict) or not is_sha256(entry.get("content_sha256")):
            raise ReleaseRecordError(name, f"entry {key!r} needs the form id|x.y.z with a lower-case content_sha256")
        released[key] = Released(entry["content_sha256"], str(entry.get("recorded", "")), str(entry.get("package_version", "")))
    return MappingProxyType(released)


def unbumped_changes(checked: Sequence[Checked], schema_root: Path | None = None) -> list[Problem]:
    """CG315 for each document whose recorded ``id|version`` now has different content.

    :raises ReleaseRecordError: if the history is malformed (it belongs to no one document,
        so it is an error of its own rather than a problem attached to a file).
    """
    history = load(schema_root)
    if not history:
        return []
    found: list[Problem] = []
    for entry in checked:
        key = entry.ref
        if key is None or key not in history or entry.data is None:
            continue
        if content_sha256(entry.data) != history[key].content_sha256:
            recorded = f" on {history[key].recorded}" if history[key].recorded else ""
            found.append(entry.problem_at(("version",), "CG315", f"{key} was released{recorded} with other content; "
                                          "bump the version and add a changelog entry"))
    return found


def record(checked: Sequence[Checked], schema_root: Path, today: dt.date, package_version: str) -> list[str]:
    """Add every ``id|version`` of ``checked`` not yet in the history; return the keys added.

    Existing entries are never rewritten: a recorded release is history. Callers must pass
    documents that validate (which includes CG315), so a changed release cannot be laundered.
    """
    path = history_path(schema_root)
    history = dict(load(schema_root)) if path.is_file() else {}
    added: list[str] = []
    for entry in checked:
        key = entry.ref
        if key is None or entry.data is None:
            raise UsageError(f"{entry.display}: cannot record a document that does not validate")
        if key in history:
            continue
        history[key] = Released(content_sha256(entry.data), today.isoformat(), package_version)
        added.append(key)
    if added:
        entries = {k: {"content_sha256": v.content_sha256, "recorded": v.recorded, "package_version": v.package_version}
                   for k, v in sorted(history.items())}
        write_atomic(path, dumps(document(entries)))
    return sorted(added)


def document(entries: dict[str, Any]) -> dict[str, Any]:
    """The history file's JSON form."""
    return {
        "about": "Released guidance versions: SHA-256 of each document's content as canonical JSON. "
                 "Written by `clinicguide release record`; an entry is never changed.",
        "format": FORMAT,
        "released": entries,
    }
