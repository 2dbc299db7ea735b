"""Canonical JSON: the text of each kind of value, whichever kinds a value mixes and in whatever order they come."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
from dataclasses import dataclass, field
from types import MappingProxyType

import pytest

from clinicguide.canonical import dumps, plain, sha256


class Colour(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Label(str):
    pass


@dataclass(frozen=True)
class Inner:
    codes: frozenset[tuple[str, str]]
    when: dt.date


@dataclass(frozen=True)
class Outer:
    name: str
    inner: Inner
    items: tuple[Inner, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)


VALUE = Outer("x", Inner(frozenset({("s", "2"), ("s", "10"), ("r", "1")}), dt.date(2026, 12, 1)),
              (Inner(frozenset(), dt.date(2026, 1, 2)),),
              {"b": [Colour.RED, Level.HIGH, None, 1.5, True], "a": MappingProxyType({"k": dt.time(9, 30)}),
               "c": Label("é"), "d": {3, 1, 2}})
TEXT = ('{"extra":{"a":{"k":"09:30:00"},"b":["red",3,null,1.5,true],"c":"é","d":[1,2,3]},'
        '"inner":{"codes":[["r","1"],["s","10"],["s","2"]],"when":"2026-12-01"},'
        '"items":[{"codes":[],"when":"2026-01-02"}],"name":"x"}')


def test_each_kind_of_value_has_one_text() -> None:
    assert dumps(VALUE) == TEXT
    assert sha256(VALUE) == hashlib.sha256(TEXT.encode("utf-8")).hexdigest()


def test_the_text_is_the_same_the_second_time_a_type_is_met() -> None:
    # The way each type is written is worked out at its first value and kept: the second
    # value of each type must be written the same way.
    assert [dumps(VALUE), dumps(VALUE)] == [TEXT, TEXT]
    assert plain(Inner(frozenset({("a", "b")}), dt.date(2000, 2, 29))) == {"codes": [["a", "b"]], "when": "2000-02-29"}


@pytest.mark.parametrize("value", [object(), Inner, {"k": b"bytes"}, [1, {2j}]])
def test_a_value_without_a_json_form_is_refused_every_time(value: object) -> None:
    for _ in range(2):
        with pytest.raises(TypeError, match="has no canonical JSON form"):
            dumps(value)


@dataclass(frozen=True)
class Empty:
    pass


@dataclass(frozen=True, slots=True)
class One:
    only: frozenset[str]


def test_dataclasses_of_no_field_and_of_one_field() -> None:
    assert [dumps(Empty()), dumps(One(frozenset({"b", "a"}))), dumps(One(frozenset()))] == ['{}', '{"only":["a","b"]}',
                                                                                          '{"only":[]}']
