"""A record behaves as the frozen, slotted dataclass it stands for, on every model class and every loaded value."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import itertools
import pickle
import typing
from collections.abc import Iterator
from typing import Any

import pytest

from clinicguide.content import builder, criteria_kinds, model, values
from clinicguide.content.library import load_library
from clinicguide.content.records import record

RECORDS = sorted({cls for module in (model, criteria_kinds, values) for cls in vars(module).values()
                  if isinstance(cls, type) and "_record_compared" in vars(cls)}, key=lambda c: c.__qualname__)
_TWINS: dict[type, type] = {}


def twin(cls: type) -> Any:
    """The same class made by ``@dataclass(frozen=True, slots=True)``, from the record's own fields."""
    if cls not in _TWINS:
        fields = dataclasses.fields(cls)
        namespace: dict[str, Any] = {"__annotations__": {f.name: f.type for f in fields}, "__module__": cls.__module__,
                                     "__qualname__": cls.__qualname__}
        if not cls.__doc__ or not cls.__doc__.startswith(cls.__name__ + "("):
            namespace["__doc__"] = cls.__doc__
        for f in fields:
            namespace[f.name] = dataclasses.field(default=f.default, default_factory=f.default_factory, repr=f.repr,
                                                  hash=f.hash, compare=f.compare, metadata=f.metadata)
        _TWINS[cls] = dataclasses.dataclass(frozen=True, slots=True)(type(cls.__name__, (), namespace))
    return _TWINS[cls]


def as_twin(value: Any) -> Any:
    return twin(type(value))(*(getattr(value, f.name) for f in dataclasses.fields(value)))


def records_in(value: Any) -> Iterator[Any]:
    if type(value) in RECORDS:
        yield value
        for f in dataclasses.fields(value):
            yield from records_in(getattr(value, f.name))
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from records_in(item)


LOADED = [value for doc in load_library() for value in records_in(doc)]


def test_the_model_is_made_of_records() -> None:
    assert len(RECORDS) >= 30 and {type(v) for v in LOADED} >= {model.Guidance, model.Source, values.Coding}


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__qualname__)
def test_a_record_class_looks_as_its_dataclass(cls: type) -> None:
    other = twin(cls)
    assert str(inspect.signature(cls)) == str(inspect.signature(other))
    assert cls.__doc__ == other.__doc__
    assert cls.__match_args__ == other.__match_args__  # type: ignore[attr-defined]
    assert cls.__slots__ == other.__slots__  # type: ignore[attr-defined]
    assert [(f.name, f.type, f.default, f.metadata) for f in dataclasses.fields(cls)] == \
           [(f.name, f.type, f.default, f.metadata) for f in dataclasses.fields(other)]
    assert dataclasses.is_dataclass(cls) and "__dict__" not in vars(cls) and "__dict__" not in vars(other)  # slotted


def test_every_loaded_value_behaves_as_its_dataclass() -> None:
    by_class: dict[type, list[Any]] = {}
    for value in LOADED:
        by_class.setdefault(type(value), []).append(value)
        same = as_twin(value)
        assert repr(value) == repr(same)
        assert hash(value) == hash(same)
        assert value == copy.copy(value) == copy.deepcopy(value) == pickle.loads(pickle.dumps(value))
        assert value != same  # another class, as two dataclasses are never equal
        for name in [f.name for f in dataclasses.fields(value)][:2]:
            with pytest.raises(dataclasses.FrozenInstanceError) as ours:
                setattr(value, name, None)
            with pytest.raises(dataclasses.FrozenInstanceError) as theirs:
                setattr(same, name, None)
            assert str(ours.value) == str(theirs.value)
            with pytest.raises(dataclasses.FrozenInstanceError) as ours:
                delattr(value, name)
            with pytest.raises(dataclasses.FrozenInstanceError) as theirs:
                delattr(same, name)
            assert str(ours.value) == str(theirs.value)
        # Any other name is refused too (a slotted dataclass fails there with a TypeError of its own).
        with pytest.raises(dataclasses.FrozenInstanceError):
            value.unknown = None
    for found in by_class.values():
        for a, b in itertools.islice(itertools.product(found, repeat=2), 400):
            assert (a == b) == (as_twin(a) == as_twin(b))
            assert (a != b) == (as_twin(a) != as_twin(b))


def test_replace_and_fields_treat_a_record_as_a_dataclass() -> None:
    guidance = next(v for v in LOADED if isinstance(v, model.Guidance))
    moved = dataclasses.replace(guidance, origin="elsewhere")
    assert moved.origin == "elsewhere" and moved == guidance  # origin is not compared
    assert dataclasses.replace(guidance, title="Other") != guidance
    with pytest.raises(TypeError):
        model.Source("S1")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        model.Source("S1", "t", "p", "e", colour="red")  # type: ignore[call-arg]


def test_a_record_takes_defaults_and_factories_as_a_dataclass_does() -> None:
    @record
    class Made:
        name: str
        tags: list[str] = dataclasses.field(default_factory=list)
        note: str | None = dataclasses.field(default=None, compare=False, repr=False)

    first, second = Made("a"), Made("a", note="x")
    assert first == second and first.tags == [] and first.tags is not second.tags
    assert repr(second) == "test_a_record_takes_defaults_and_factories_as_a_dataclass_does.<locals>.Made(name='a', tags=[])"
    assert Made("a", ["t"]).tags == ["t"]


@pytest.mark.parametrize("body", ["def __post_init__(self): pass", "def __eq__(self, other): return True",
                                  "x: int = dataclasses.field(default=0, init=False)",
                                  "x: int = dataclasses.field(default=0, kw_only=True)"])
def test_what_a_record_cannot_be_is_refused(body: str) -> None:
    namespace: dict[str, Any] = {"dataclasses": dataclasses}
    exec(f"class Odd:\n    name: str = ''\n    {body}\n", namespace)
    with pytest.raises(TypeError, match="plain"):
        record(namespace["Odd"])


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__qualname__)
def test_the_builder_reads_each_field_type_as_typing_does(cls: type) -> None:
    hints = typing.get_type_hints(cls)
    assert builder._hints(cls) == {name: hints[name] for name in (f.name for f in dataclasses.fields(cls))}
    assert [shape for _, _, shape in builder._fields(cls)] == [builder._shape(hints[f.name]) for f in dataclasses.fields(cls)]
