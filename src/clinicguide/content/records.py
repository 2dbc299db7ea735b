"""Immutable records: frozen, slotted dataclasses that are cheap to define.

``@dataclass(frozen=True, slots=True)`` writes six methods per class as source text and
compiles each one (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``,
``__delattr__``), about 0.35 ms a class on a quiet machine: the model's 32 classes cost a
host some 10 ms at every start-up. :func:`record` makes the same dataclass (the same
fields, ``__slots__``, ``__match_args__``, ``dataclasses.fields`` and ``replace``), compiles
only its ``__init__``, and gives it methods shared by every record that behave as the
generated ones do: equality and hashing on the tuple of the compared fields, the same
``repr``, ``FrozenInstanceError`` on any assignment or deletion, and pickling and copying.
Type checkers read it as a frozen dataclass (``dataclass_transform``).
"""

from __future__ import annotations

import dataclasses
import inspect
import reprlib
from collections.abc import Callable
from dataclasses import MISSING, Field, FrozenInstanceError, field
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:  # typing has it from Python 3.11; it only informs type checkers

    def dataclass_transform(**_: object) -> Callable[[Any], Any]:
        return lambda decorated: decorated


T = TypeVar("T")


@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(cls: type[T]) -> type[T]:
    """``cls`` as a frozen, slotted dataclass whose methods other than ``__init__`` are shared.

    Fields may have defaults, ``default_factory``, ``compare``, ``hash``, ``repr`` and
    ``metadata``; a class that needs more (``__post_init__``, ``init=False``, keyword-only
    fields, methods of its own for what a record shares) is refused: make it a plain
    dataclass. (An ``InitVar`` would not reach ``__init__``: don't give a record one.)
    """
    for name in ("__init__", "__post_init__", "__eq__", "__hash__", "__repr__", "__setattr__", "__delattr__", "__getstate__",
                 "__setstate__"):
        if name in cls.__dict__:
            raise TypeError(f"{cls.__qualname__} defines {name}; make it a plain dataclass")
    undocumented = not cls.__doc__
    if undocumented:  # dataclasses would describe the class by a signature it does not have yet
        cls.__doc__ = cls.__name__
    made: Any = dataclasses.dataclass(init=False, repr=False, eq=False, slots=True)(cls)
    fields = dataclasses.fields(made)
    for f in fields:
        if not f.init or f.kw_only or f.name == "self" or f.name.startswith("__record"):
            raise TypeError(f"{cls.__qualname__}.{f.name}: a record field is a plain one, given to __init__ in order")
    made.__init__ = _init(made, fields)
    made._record_compared = _getter([f.name for f in fields if f.compare])
    made._record_hashed = _getter([f.name for f in fields if (f.compare if f.hash is None else f.hash)])
    made._record_shown = tuple(f.name for f in fields if f.repr)
    made.__eq__ = _eq
    made.__hash__ = _hash
    made.__repr__ = _repr
    made.__setattr__ = _setattr
    made.__delattr__ = _delattr
    made.__getstate__ = _getstate
    made.__setstate__ = _setstate
    if undocumented:  # as dataclasses writes it: the name and the signature
        made.__doc__ = made.__name__ + _signature_text(made, fields)
    result: type[T] = made
    return result


def _init(cls: type, fields: tuple[Field[Any], ...]) -> Callable[..., None]:
    """The ``__init__`` dataclasses would write: each field set in order, defaults and factories applied."""
    scope: dict[str, Any] = {"__record_set": object.__setattr__, "__record_factory": _FACTORY}
    params, body = [], []
    for f in fields:
        value = f.name
        if f.default is not MISSING:
            scope[f"__record_default_{f.name}"] = f.default
            params.append(f"{f.name}=__record_default_{f.name}")
        elif f.default_factory is not MISSING:
            scope[f"__record_make_{f.name}"] = f.default_factory
            params.append(f"{f.name}=__record_factory")
            value = f"__record_make_{f.name}() if {f.name} is __record_factory else {f.name}"
        else:
            params.append(f.name)
        body.append(f" __record_set(self, {f.name!r}, {value})\n")
    source = f"def __init__(self, {', '.join(params)}):\n" + ("".join(body) or " pass\n")
    # The source holds only the class's field names, which Python has already read as identifiers.
    exec(compile(source, f"<record {cls.__qualname__}>", "exec"), scope)
    init: Callable[..., None] = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__annotations__ = {**{f.name: f.type for f in fields}, "return": None}
    return init


def _signature_text(cls: type, fields: tuple[Field[Any], ...]) -> str:
    """``str(inspect.signature(cls))`` without its ``-> None``, written directly when every annotation is text."""
    if not all(isinstance(f.type, str) for f in fields):
        return str(inspect.signature(cls)).replace(" -> None", "")
    defaults = cls.__init__.__defaults__ or ()  # type: ignore[misc]
    shown = [f"{f.name}: {f.type!r}" for f in fields]
    for index, default in enumerate(defaults, start=len(fields) - len(defaults)):
        shown[index] += f" = {default!r}"
    return f"({', '.join(shown)})"


class _Factory:
    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def _getter(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """A function of a record giving the tuple of these fields, as the generated methods build it."""
    if len(names) >= 2:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda value: (one(value),)
    return lambda value: ()


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is self.__class__:
        return self._record_compared(self) == other._record_compared(other)
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(self._record_hashed(self))


@reprlib.recursive_repr()
def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._record_shown)
    return f"{self.__class__.__qualname__}({shown})"


def _setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def _setstate(self: Any, state: list[Any]) -> None:
    for f, value in zip(dataclasses.fields(self), state, strict=False):  # as dataclasses restores it
        object.__setattr__(self, f.name, value)
