"""Building the typed model from a validated guidance document.

Construction trusts shapes (the schema and the rules have accepted the data) and converts
each field by its type: nested items, tuples, dates, numbers and criteria.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
import types
import typing
from collections.abc import Mapping
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
    for name, key, shape in _fields(plain):
        if key is None or key not in data or data[key] is None:
            continue
        kwargs[name] = _convert(shape, data[key])
    return cls(**kwargs)


@cache
def _fields(cls: type) -> tuple[tuple[str, str | None, tuple[str, Any]], ...]:
    """``(field name, data key, shape)`` of each field of ``cls``.

    Cached per class because it depends on nothing else: computing the fields, type hints
    and their shapes for every item of every document was half the time of building a model.
    """
    hints = _hints(cls)
    return tuple((f.name, f.metadata.get("key", f.name), _shape(hints[f.name])) for f in dataclasses.fields(cls))


@cache
def _hints(cls: type) -> dict[str, Any]:
    """The type of each field, as ``typing.get_type_hints`` gives it for the model's classes.

    That function compiles every annotation anew; the model's ~180 fields repeat some 40
    annotations, so each one is evaluated once, in the namespace of the class's module.
    """
    return {f.name: _evaluated(f.type, cls.__module__) if isinstance(f.type, str) else f.type
            for f in dataclasses.fields(cls)}


@cache
def _evaluated(annotation: str, module: str) -> Any:
    return eval(annotation, vars(sys.modules[module]))  # the model's own annotations, not input


@cache
def _shape(hint: Any) -> tuple[str, Any]:
    """How to convert a value for type ``hint``: a kind and what it needs (cached, as for _fields)."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        (option,) = [a for a in typing.get_args(hint) if a is not type(None)]  # the model's unions are X | None
        return _shape(option)
    if origin is tuple:
        (inner, _) = typing.get_args(hint)
        return ("tuple", _shape(inner))
    if hint is Criterion:
        return ("criterion", None)
    if hint is dt.date:
        return ("date", None)
    if hint is float:
        return ("float", None)
    if dataclasses.is_dataclass(hint):
        return ("dataclass", hint)
    return ("value", None)


def _convert(shape: tuple[str, Any], value: Any) -> Any:
    kind, arg = shape
    if kind == "value":
        return value
    if kind == "dataclass":
        return build(arg, value)
    if kind == "tuple":
        return tuple(_convert(arg, v) for v in value)
    if kind == "criterion":
        return build_criterion(value)
    if kind == "date":
        return dt.date.fromisoformat(value)
    return float(value)
