"""Building the typed model from a validated guidance document.

Construction trusts shapes (the schema and the rules have accepted the data) and converts
each field by its type: nested items, tuples, dates, numbers and criteria.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import types
import typing
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, TypeVar, Union

from .criteria_kinds import Criterion, kinds_in
from .model import Guidance

T = TypeVar("T")


def guidance_from_data(data: dict[str, Any], origin: str = "") -> Guidance:
    """The typed model of a validated guidance document."""
    return dataclasses.replace(build(Guidance, data), origin=origin)


def build_criterion(data: Mapping[str, Any]) -> Criterion:
    """Build a criterion from its YAML form, where one key names the kind (see ``KINDS``)."""
    found = kinds_in(data)
    if len(found) != 1:
        raise ValueError(f"not a criterion: {sorted(data)}")
    kind = found[0]
    value = data[kind.key]
    fields = dict(value) if kind.field is None else {kind.field: value}
    return build(kind.model, {**fields, "id": data.get("id")})


def build(cls: type[T], data: Mapping[str, Any]) -> T:
    """Construct dataclass ``cls`` from validated YAML data, converting nested parts by type."""
    kwargs: dict[str, Any] = {}
    plain: type = cls  # what the cache takes: mypy does not see that a type[T] is hashable
    for name, key, convert in _fields(plain):
        value = data.get(key) if key is not None else None
        if value is not None:
            kwargs[name] = value if convert is None else convert(value)
    return cls(**kwargs)


Converter = Callable[[Any], Any]


@cache
def _fields(cls: type) -> tuple[tuple[str, str | None, Converter | None], ...]:
    """``(field name, data key, converter)`` of each field of ``cls``; no converter for a value taken as it is.

    Cached per class because it depends on nothing else: computing the fields, type hints
    and their conversions for every item of every document was half the time of building a model.
    """
    hints = _hints(cls)
    return tuple((f.name, f.metadata.get("key", f.name), _converter(hints[f.name])) for f in dataclasses.fields(cls))


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@cache
def _converter(hint: Any) -> Converter | None:
    """How to convert a value for type ``hint`` (cached, as for _fields)."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        (option,) = [a for a in typing.get_args(hint) if a is not type(None)]  # the model's unions are X | None
        return _converter(option)
    if origin is tuple:
        (inner, _) = typing.get_args(hint)
        each = _converter(inner)
        if each is None:
            return tuple
        return lambda values: tuple([each(v) for v in values])
    if hint is Criterion:
        return build_criterion
    if hint is dt.date:
        return dt.date.fromisoformat
    if hint is float:
        return float
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return functools.partial(build, hint)
    return None
