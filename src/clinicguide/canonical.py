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
import operator
from collections.abc import Callable, Mapping, Set
from typing import Any

Converter = Callable[[Any], Any]


def plain(value: Any) -> Any:
    """``value`` as JSON data: dataclasses as objects, sets sorted, dates in ISO form."""
    kind = type(value)
    if kind is str or value is None:  # most values
        return value
    convert = _CONVERTERS.get(kind)
    if convert is None:
        convert = _converter(kind)
        if len(_CONVERTERS) < _MAX_TYPES:
            _CONVERTERS[kind] = convert
    return convert(value)


def _as_is(value: Any) -> Any:
    return value


def _enum(value: enum.Enum) -> Any:
    return plain(value.value)


def _iso(value: dt.date | dt.time) -> str:
    return value.isoformat()


def _mapping(value: Mapping[Any, Any]) -> dict[str, Any]:
    return {str(k): plain(v) for k, v in value.items()}


def _set(value: Set[Any]) -> list[Any]:
    if len(value) < 2:  # nothing to order (most sets of codes hold one)
        return [plain(v) for v in value]
    return sorted((plain(v) for v in value), key=dumps)


def _sequence(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [plain(v) for v in value]


def _dataclass(names: tuple[str, ...]) -> Converter:
    if not names:
        return lambda value: {}
    fields = operator.attrgetter(*names)
    if len(names) == 1:
        return lambda value: {names[0]: plain(fields(value))}

    def convert(value: Any) -> dict[str, Any]:
        return dict(zip(names, map(plain, fields(value)), strict=True))
    return convert


def _unsupported(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


def _converter(kind: type) -> Converter:
    """How values of exactly type ``kind`` become JSON data; the checks depend on the type alone,
    so the answer is kept per type and the walk over a large value checks each type once."""
    if kind is type(None) or issubclass(kind, (str, bool, int, float)):
        return _as_is
    if issubclass(kind, enum.Enum):
        return _enum
    if issubclass(kind, (dt.date, dt.datetime, dt.time)):
        return _iso
    if dataclasses.is_dataclass(kind) and not issubclass(kind, type):
        return _dataclass(tuple(f.name for f in dataclasses.fields(kind)))
    if issubclass(kind, Mapping):
        return _mapping
    if issubclass(kind, Set):
        return _set
    if issubclass(kind, (list, tuple)):
        return _sequence
    return _unsupported


#: The converter of each type met so far (a program has few; the bound keeps a stream of new classes from growing it).
_CONVERTERS: dict[type, Converter] = {}
_MAX_TYPES = 512


def dumps(value: Any) -> str:
    """Canonical JSON text: sorted keys, no spaces, UTF-8 characters as they are, no NaN."""
    return json.dumps(plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def sha256(value: Any) -> str:
    """The SHA-256 of ``value``'s canonical JSON text, in lower-case hex."""
    return hashlib.sha256(dumps(value).encode("utf-8")).hexdigest()
