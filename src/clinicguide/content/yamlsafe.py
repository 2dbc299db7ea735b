"""Safe YAML reading that keeps every node's position.

Built on the parser's event stream (libyaml when present) rather than a constructor,
so nothing in a file can name a Python object, aliases cannot multiply memory, and
every value, and every mapping key, keeps its line and column for error messages.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml import events as ev

from ..bounded import Unreadable, read_bounded
from ..errors import Problem

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 40

_Parser: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()
_CORE = "tag:yaml.org,2002:"
# First characters of a plain scalar that some implicit tag (int, float, bool, null, timestamp...) may claim;
# any other plain scalar, and every quoted or block one, is text without asking the resolver.
_RESOLVED_FIRST = frozenset(_resolver.yaml_implicit_resolvers) - {""}
# Plain scalar types kept as Python values; dates stay text (the schema checks them as strings).
_SCALAR_TAGS = {f"{_CORE}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}
_COLLECTION_TAGS = {f"{_CORE}map", f"{_CORE}seq"}
# Numbers as people write them. YAML 1.1 also reads 010 as 8 (octal), 1:30 as 90 (base 60),
# 0x1F, 0b11 and 1_000; those silently changed a value, so a plain one must be written instead.
_PLAIN_NUMBER = re.compile(r"[-+]?(?:0|[1-9][0-9]*|[0-9]+\.[0-9]*(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?)")

JsonPath = tuple[str | int, ...]


@dataclass
class Positions:
    """Where each value (and each mapping key) of a document starts, 1-based."""

    values: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)
    keys: dict[JsonPath, tuple[int, int]] = field(default_factory=dict)

    def of(self, path: JsonPath, *, key: bool = False) -> tuple[int, int]:
        """Position of ``path``, falling back to the nearest ancestor that has one."""
        table = self.keys if key else self.values
        other = self.values if key else self.keys
        while path:
            if path in table:
                return table[path]
            if path in other:  # a list item has no key: use where the item starts
                return other[path]
            path = path[:-1]
        return self.values.get((), (1, 1))


class YamlProblem(Exception):
    """Raised inside the reader; becomes a :class:`Problem` for the file."""

    def __init__(self, code: str, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.code, self.message, self.line, self.column = code, message, line, column


def _pos(mark: Any) -> tuple[int, int]:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


def _scalar(event: ev.ScalarEvent) -> Any:
    tag = event.tag
    implicit = tag is None or tag == "!"
    if implicit and event.value and (not event.implicit[0] or event.value[0] not in _RESOLVED_FIRST):
        return event.value
    if implicit:
        known = _PLAIN_VALUES.get((event.value, event.implicit), _UNKNOWN)
        if known is not _UNKNOWN:
            return known
        tag = _resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag not in _SCALAR_TAGS:  # a plain '=' or '<<' (YAML 1.1 value/merge tags) is text
            return _remember(event, event.value)
    if tag not in _SCALAR_TAGS:
        raise YamlProblem("CG107", f"tag {tag!r} is not allowed; write a plain value", *_pos(event.start_mark))
    if tag == f"{_CORE}str" or tag == f"{_CORE}timestamp":
        return _remember(event, event.value) if implicit else event.value
    node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark)  # type: ignore[arg-type]  # libyaml's Mark, not in the stubs' node type
    try:
        value = _constructor.construct_object(node)
    except (ValueError, KeyError, IndexError, yaml.YAMLError):  # e.g. !!int abc, !!bool maybe
        raise YamlProblem("CG204", f"{event.value!r} is not a valid {tag.removeprefix(_CORE)}", *_pos(event.start_mark)) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise YamlProblem("CG204", f"{event.value!r} is not a finite number", *_pos(event.start_mark))
    if implicit and tag in (f"{_CORE}int", f"{_CORE}float") and not _PLAIN_NUMBER.fullmatch(event.value):
        raise YamlProblem("CG204", f"{event.value!r} reads as the number {value:g}; write {value:g}, or quote it if it is text",
                          *_pos(event.start_mark))
    return _remember(event, value) if implicit else value


#: Plain scalars the resolver was asked about ("no", "2026-01-01", "1.5"), with their values: the same
#: few recur in every document. Only values are kept (text, numbers, booleans, None: all immutable), never
#: a problem, whose position differs each time; bounded, as a file can hold any number of distinct ones.
_PLAIN_VALUES: dict[tuple[str, tuple[bool, bool]], Any] = {}
_PLAIN_VALUES_KEPT = 4096
_UNKNOWN = object()


def _remember(event: ev.ScalarEvent, value: Any) -> Any:
    if len(_PLAIN_VALUES) < _PLAIN_VALUES_KEPT:
        _PLAIN_VALUES[(event.value, event.implicit)] = value
    return value


class _Builder:
    """Turns the event stream into plain dicts, lists and scalars, with positions."""

    def __init__(self, next_event: Callable[[], Any]) -> None:
        self.next = next_event  # the parser's own get_event: no generator between it and the builder
        self.positions = Positions()

    def document(self) -> Any:
        event = self.next()
        assert isinstance(event, ev.StreamStartEvent)
        event = self.next()
        if isinstance(event, ev.StreamEndEvent):
            raise YamlProblem("CG109", "file is empty; it must hold one guidance document")
        value = self.node(self.next(), (), 1)
        self.next()  # DocumentEndEvent
        extra = self.next()
        if not isinstance(extra, ev.StreamEndEvent):
            raise YamlProblem("CG109", "file holds more than one YAML document ('---'); keep one per file",
                              *_pos(extra.start_mark))
        return value

    def node(self, event: Any, path: JsonPath, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise YamlProblem("CG108", f"nesting deeper than {MAX_DEPTH} levels; flatten the structure",
                              *_pos(event.start_mark))
        if isinstance(event, ev.AliasEvent) or getattr(event, "anchor", None):
            raise YamlProblem("CG106", "anchors (&) and aliases (*) are not allowed; write the value out",
                              *_pos(event.start_mark))
        self.positions.values[path] = _pos(event.start_mark)
        kind = type(event)
        if kind is ev.ScalarEvent:
            return _scalar(event)
        tag = getattr(event, "tag", None)
        if tag not in (None, "!") and tag not in _COLLECTION_TAGS:
            raise YamlProblem("CG107", f"tag {tag!r} is not allowed; write a plain value", *_pos(event.start_mark))
        if kind is ev.SequenceStartEvent:
            return self.sequence(path, depth)
        if kind is ev.MappingStartEvent:
            return self.mapping(path, depth)
        raise YamlProblem("CG104", f"unexpected YAML event {type(event).__name__}", *_pos(event.start_mark))

    # The loops below take the commonest child, a plain scalar within the depth limit, inline: its
    # position and value without the checks only collections and tags need (:meth:`node` has them).

    def sequence(self, path: JsonPath, depth: int) -> list[Any]:
        items: list[Any] = []
        values, nxt, inline = self.positions.values, self.next, depth < MAX_DEPTH
        while type(event := nxt()) is not ev.SequenceEndEvent:
            at = path + (len(items),)
            if type(event) is ev.ScalarEvent and inline and not event.anchor:
                mark: Any = event.start_mark  # always set by the parser
                values[at] = (mark.line + 1, mark.column + 1)
                items.append(_scalar(event))
            else:
                items.append(self.node(event, at, depth + 1))
        return items

    def mapping(self, path: JsonPath, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        keys, values, nxt, inline = self.positions.keys, self.positions.values, self.next, depth < MAX_DEPTH
        while type(key_event := nxt()) is not ev.MappingEndEvent:
            mark = key_event.start_mark
            where = (mark.line + 1, mark.column + 1)
            if type(key_event) is ev.AliasEvent or key_event.anchor:
                raise YamlProblem("CG106", "anchors (&) and aliases (*) are not allowed; write the value out", *where)
            if type(key_event) is not ev.ScalarEvent:
                raise YamlProblem("CG111", "mapping keys must be plain text", *where)
            key = _scalar(key_event)
            if not isinstance(key, str):
                raise YamlProblem("CG111", f"mapping key {key_event.value!r} must be text, not {type(key).__name__}; quote it",
                                  *where)
            at = path + (key,)
            if key in result:
                raise YamlProblem("CG105", f"duplicate key {key!r} (first at line {keys[at][0]}); keep one of them", *where)
            keys[at] = where
            event = nxt()
            if type(event) is ev.ScalarEvent and inline and not event.anchor:
                value_mark: Any = event.start_mark  # always set by the parser
                values[at] = (value_mark.line + 1, value_mark.column + 1)
                result[key] = _scalar(event)
            else:
                result[key] = self.node(event, at, depth + 1)
        return result


def decode(data: bytes, file: str) -> str:
    """Decode UTF-8 (an optional BOM allowed); name any other encoding."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YamlProblem("CG103", "file is UTF-16; save it as UTF-8")
    if b"\x00" in data:
        raise YamlProblem("CG103", "file holds NUL bytes; it is binary, not YAML text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise YamlProblem("CG103", f"byte 0x{data[exc.start]:02x} is not UTF-8; save the file as UTF-8", line, column) from None


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.split("\n")
    row = lines[line - 1] if 0 < line <= len(lines) else ""
    return row[column - 1] if 0 < column <= len(row) else ""


def _offset(text: str, line: int, column: int) -> int:
    """The character offset of a 1-based line and column."""
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
    return start + column - 1


def _nesting_problem(text: str, line: int, column: int) -> YamlProblem:
    """The CG108 problem for a file the parser itself found too deeply nested.

    Newer parsers stop at their own depth limit, which lies far beyond ours, so the text up to
    that point already holds the level where ours is crossed: read it again to report the same place.
    """
    try:
        _parse_with_positions(text[: _offset(text, line, column)])
    except YamlProblem as inner:
        if inner.code == "CG108":
            return inner
    except yaml.YAMLError:
        pass
    return YamlProblem("CG108", f"nesting deeper than {MAX_DEPTH} levels", line, column)


def parse(text: str) -> tuple[Any, Positions]:
    """Parse one YAML document into plain values plus their positions."""
    try:
        return _parse_with_positions(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        reason = exc.problem or exc.context or "syntax error"
        line, column = _pos(mark)
        if "nesting depth" in reason:
            raise _nesting_problem(text, line, column) from None
        if _char_at(text, line, column) == "\t":
            reason += " (a tab: indent with spaces, not tabs)"
        if exc.problem and exc.context and exc.context_mark is not None and exc.context_mark.line + 1 != line:
            reason += f" ({exc.context} started at line {exc.context_mark.line + 1})"
        raise YamlProblem("CG104", f"{reason}; check the indentation and punctuation here and on the line above",
                          line, column) from None
    except yaml.reader.ReaderError as exc:  # control characters and the like
        # libyaml counts bytes and the pure-Python reader characters, so find the character itself.
        at = text.find(chr(exc.character)) if isinstance(exc.character, int) else -1
        line, column = (text.count("\n", 0, at) + 1, at - text.rfind("\n", 0, at)) if at >= 0 else (1, 1)
        raise YamlProblem("CG104", str(exc).splitlines()[0], line, column) from None
    except yaml.YAMLError as exc:
        raise YamlProblem("CG104", str(exc).splitlines()[0]) from None


def _parse_with_positions(text: str) -> tuple[Any, Positions]:
    loader = _Parser(text)
    try:
        builder = _Builder(loader.get_event)
        return builder.document(), builder.positions
    finally:
        loader.dispose()


#: At most this many syntax errors are reported per file.
MAX_SYNTAX_PROBLEMS = 20


def syntax_problems(text: str, first: YamlProblem) -> list[YamlProblem]:
    """``first`` (a CG104) and the syntax errors after it: each time, the line at fault is blanked and the
    text parsed again, as long as the next error lies further down (so one mistake is not reported twice,
    and a mistake whose blanking breaks what follows stops the search)."""
    found = [first]
    lines = text.split("\n")
    while len(found) < MAX_SYNTAX_PROBLEMS and 0 < found[-1].line <= len(lines):
        lines[found[-1].line - 1] = ""
        try:
            parse("\n".join(lines))
        except YamlProblem as exc:
            if exc.code != "CG104" or exc.line <= found[-1].line + 1:
                break
            found.append(exc)
            continue
        break
    return found


def read(path: Path, display: str | None = None, max_bytes: int = MAX_FILE_BYTES) -> tuple[Any, Positions]:
    """Read and parse ``path``; every failure is a :class:`YamlProblem`."""
    return parse(decode(read_bytes(path, max_bytes), display or str(path)))


def read_bytes(path: Path, max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of the regular file ``path``, at most ``max_bytes``; every failure is a :class:`YamlProblem`."""
    try:
        return read_bounded(path, max_bytes)
    except Unreadable as exc:
        if exc.kind == "folder":
            _folder(path)
        raise _unreadable(exc) from None


def read_stdin(max_bytes: int = MAX_FILE_BYTES) -> bytes:
    """Standard input's bytes, at most ``max_bytes``, as :func:`read_bytes` reads a file."""
    try:
        return read_bounded(None, max_bytes)
    except Unreadable as exc:
        raise _unreadable(exc) from None


def _unreadable(exc: Unreadable) -> YamlProblem:
    if exc.kind == "too-large":
        return YamlProblem("CG102", f"file {exc.reason}" if exc.reason.startswith("is ") else exc.reason)
    if exc.kind == "missing":
        return YamlProblem("CG101", "cannot read file: No such file or directory")
    if exc.kind == "error" and exc.reason.startswith("cannot read:"):
        return YamlProblem("CG101", "cannot read file:" + exc.reason.removeprefix("cannot read:"))
    return YamlProblem("CG101", exc.reason)


def _folder(path: Path) -> None:
    """Report a folder given where a file was expected, or one that cannot be listed."""
    try:
        with os.scandir(path):
            pass
    except OSError as exc:
        raise YamlProblem("CG101", f"cannot read folder: {exc.strerror or exc}") from None
    raise YamlProblem("CG101", "is a folder, not a file")


def problem(exc: YamlProblem, file: str) -> Problem:
    """The :class:`Problem` a reader failure reports."""
    return Problem(file, exc.line, exc.column, exc.code, exc.message)
