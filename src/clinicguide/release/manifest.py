"""The bundle manifest: what a release holds, and the shape a manifest must have to be trusted.

The manifest lists every other file of the bundle (path, size, SHA-256), the schema
versions, each guidance document's id, version, status and review dates, the FHIR
export, and the package version. It holds no timestamp, so rebuilding gives the same bytes.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from ..content.located import json_path
from ..errors import Problem, ReleaseRecordError, whole_file
from ..jsonfile import SHA256_PATTERN, is_plain_relative_path, loads

NAME = "manifest.json"
FORMAT = 1

_SHA256 = {"type": "string", "pattern": SHA256_PATTERN}
_PATH = {"type": "string", "minLength": 1, "maxLength": 512}
_DATE = {"type": ["string", "null"]}
_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["format", "package", "schemas", "guidance", "fhir", "files"],
    "properties": {
        "format": {"const": FORMAT},
        "package": {"type": "object", "required": ["name", "version"],
                    "properties": {"name": {"type": "string"}, "version": {"type": "string"}}},
        "schemas": {"type": "object", "required": ["versions", "released"],
                    "properties": {"versions": {"type": "array", "items": {"type": "string"}},
                                   "released": {"type": "array", "items": {"type": "string"}}}},
        "guidance": {"type": "array", "items": {
            "type": "object",
            "required": ["id", "version", "status", "title", "schema", "file", "content_sha256", "review", "fhir"],
            "properties": {
                "id": {"type": "string"}, "version": {"type": "string"}, "status": {"type": "string"},
                "title": {"type": "string"}, "schema": {"type": "string"}, "file": _PATH,
                "content_sha256": _SHA256,
                "review": {"type": "object", "required": ["approved", "next_review", "reviewers"],
                           "properties": {"approved": _DATE, "next_review": _DATE, "reviewers": {"type": "array"}}},
                "fhir": {"type": "array", "items": _PATH},
            }}},
        "fhir": {"type": "object", "required": ["version", "resources"],
                 "properties": {"version": {"type": "string"}, "resources": {"type": "integer", "minimum": 0},
                                "canonical_base": {"type": "string"}}},
        "files": {"type": "array", "items": {
            "type": "object", "required": ["path", "size", "sha256"],
            "properties": {"path": _PATH, "size": {"type": "integer", "minimum": 0}, "sha256": _SHA256}}},
    },
}
_VALIDATOR = Draft202012Validator(_SCHEMA)


def parse(data: bytes) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The manifest if it can be trusted as a description of the bundle, else every reason not."""
    try:
        manifest = loads(data, NAME)
    except ReleaseRecordError as exc:
        return None, [whole_file("CG404", NAME, exc.reason)]
    found = [whole_file("CG404", NAME, f"at {json_path(e.absolute_path)}: {e.message[:200]}")
             for e in _VALIDATOR.iter_errors(manifest)]
    if found:
        return None, found
    for entry in manifest["guidance"]:
        for path in (entry["file"], *entry["fhir"]):
            if not is_plain_relative_path(path):
                found.append(whole_file("CG404", NAME, f"names {path!r} for {entry['id']!r}, which is not a plain relative path"))
    seen: set[str] = set()
    for entry in manifest["files"]:
        path = entry["path"]
        if not is_plain_relative_path(path):
            found.append(whole_file("CG404", NAME, f"lists {path!r}, which is not a plain relative path"))
        elif path == NAME or path in seen:
            found.append(whole_file("CG404", NAME, f"lists {path!r} twice, or lists itself"))
        seen.add(path)
    return (None, found) if found else (manifest, [])
