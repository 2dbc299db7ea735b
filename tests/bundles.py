"""Release bundles re-packed with changed files and a manifest rewritten to match, as an attacker
who controls the whole bundle would make them (used by the release tests and benchmarks/hostile.py)."""

from __future__ import annotations

import hashlib
import json
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clinicguide.release import build, manifest

SCHEMA = "schemas/guidance/1.0/guidance.schema.json"


def read_members(path: Path) -> dict[str, bytes]:
    """A bundle's files by their path inside it."""
    with tarfile.open(path, "r:gz") as tar:
        return {m.name.split("/", 1)[1]: tar.extractfile(m).read() for m in tar if m.isreg()}  # type: ignore[union-attr]


def with_matching_manifest(files: dict[str, bytes]) -> dict[str, bytes]:
    """``files`` with the manifest's sizes and hashes rewritten to match them."""
    record = json.loads(files[manifest.NAME])
    record["files"] = [{"path": p, "size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
                       for p, b in sorted(files.items()) if p != manifest.NAME]
    return {**files, manifest.NAME: json.dumps(record).encode()}


def repack(good: Path, out: Path, schema: Callable[[dict[str, Any]], None] | None = None,
           document: Callable[[str], str] | None = None) -> Path:
    """``good`` with its 1.0 schema and first 1.0 document changed, and a manifest that matches."""
    files = read_members(good)
    if schema:
        data = json.loads(files[SCHEMA])
        schema(data)
        files[SCHEMA] = json.dumps(data, indent=2).encode()
    if document:
        name = next(n for n in sorted(files) if n.startswith("guidance/") and b'schema: "1.0"' in files[n])
        files[name] = document(files[name].decode()).encode()
    out.write_bytes(build.pack(with_matching_manifest(files)))
    return out


def title(value: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """A schema change: the document's ``title`` constrained by ``value``."""
    return lambda schema: schema["properties"].__setitem__("title", value)
