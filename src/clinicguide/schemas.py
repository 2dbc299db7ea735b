"""The registry of frozen guidance schema versions and their compiled validators."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from .resources import schemas_dir

SCHEMA_FILE = "guidance.schema.json"
_VERSION = re.compile(r"^(\d+)\.(\d+)$")


def version_key(version: str) -> tuple[int, int]:
    """Sort key of a schema version such as ``1.0``."""
    match = _VERSION.match(version)
    return (int(match[1]), int(match[2])) if match else (-1, -1)


def available(root: Path | None = None) -> tuple[str, ...]:
    """Schema versions present under ``root`` (the packaged schemas by default), oldest first."""
    base = (root or schemas_dir()) / "guidance"
    found = [p.parent.name for p in base.glob(f"*/{SCHEMA_FILE}") if _VERSION.match(p.parent.name)]
    return tuple(sorted(found, key=version_key))


@cache
def _validator(schema_path: Path) -> Draft202012Validator:
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=FormatChecker())


def validator(version: str, root: Path | None = None) -> Draft202012Validator | None:
    """The compiled validator for a declared schema version, or None if it does not exist."""
    if not _VERSION.match(version):
        return None
    path = (root or schemas_dir()) / "guidance" / version / SCHEMA_FILE
    return _validator(path) if path.is_file() else None


def latest() -> str:
    """The newest packaged schema version."""
    return available()[-1]
