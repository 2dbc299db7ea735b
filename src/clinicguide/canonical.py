"""Canonical JSON: one text for one value, whatever the process or its hash seed.

Ids and digests are derived from this text, never from ``repr()`` or set iteration order,
so the same inputs give the same bytes in every process.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
from collections.abc import Mapping, Set
from typing import Any


def plain(value: Any) -> Any:
    """``value`` as JSON data: dataclasses as objects, sets sorted, dates in ISO form."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Set):
        return sorted((plain(v) for v in value), key=dumps)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


def dumps(value: Any) -> str:
    """Canonical JSON text: sorted keys, no spaces, UTF-8 characters as they are, no NaN."""
    return json.dumps(plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def sha256(value: Any) -> str:
    """The SHA-256 of ``value``'s canonical JSON text, in lower-case hex."""
    return hashlib.sha256(dumps(value).encode("utf-8")).hexdigest()
