"""The safe, position-keeping YAML reader."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinicguide.content import yamlsafe
from clinicguide.content.yamlsafe import MAX_DEPTH, Positions, YamlProblem, decode, parse, problem, read
from clinicguide.errors import Problem

DOC = """\
# a comment
title: Example
review:
  authors:
    - name: A. Author
      role: editor
  approved: 2026-03-01
sources: [S1, S2]
"""


def fails(text: str) -> YamlProblem:
    with pytest.raises(YamlProblem) as caught:
        parse(text)
    return caught.value


# -- values and positions ------------------------------------------------------------------

def test_parse_gives_plain_values() -> None:
    data, _ = parse(DOC)
    assert data == {
        "title": "Example",
        "review": {"authors": [{"name": "A. Author", "role": "editor"}], "approved": "2026-03-01"},
        "sources": ["S1", "S2"],
    }


def test_positions_of_values_are_one_based_line_and_column() -> None:
    _, at = parse(DOC)
    assert at.values[("title",)] == (2, 8)
    assert at.values[("review", "authors", 0)] == (5, 7)
    assert at.values[("review", "authors", 0, "role")] == (6, 13)
    assert at.values[("review", "approved")] == (7, 13)
    assert at.values[("sources", 1)] == (8, 15)


def test_positions_of_keys() -> None:
    _, at = parse(DOC)
    assert at.keys[("title",)] == (2, 1)
    assert at.keys[("review", "authors")] == (4, 3)
    assert at.keys[("review", "authors", 0, "role")] == (6, 7)
    assert ("sources", 1) not in at.keys  # list items have no key


def test_position_of_a_missing_path_falls_back_to_the_nearest_ancestor() -> None:
    _, at = parse(DOC)
    assert at.of(("review", "authors", 0, "missing")) == (5, 7)
    assert at.of(("review", "nothing", 3)) == (4, 3)  # review's value: a mapping that starts at authors
    assert at.of(("review",), key=True) == (3, 1)
    assert at.of(("nothing",)) == at.values[()]


def test_key_position_of_a_list_item_is_where_the_item_starts() -> None:
    _, at = parse(DOC)
    assert at.of(("review", "authors", 0), key=True) == (5, 7)


def test_empty_positions_default_to_line_one() -> None:
    assert Positions().of(("a", 1)) == (1, 1)


def test_dates_and_timestamps_stay_text() -> None:
    data, _ = parse("a: 2026-03-01\nb: 2026-02-30\nc: 2026-03-01 10:30:00\nd: '2026-03-01'\n")
    assert data == {"a": "2026-03-01", "b": "2026-02-30", "c": "2026-03-01 10:30:00", "d": "2026-03-01"}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("true", True),
        ("false", False),
        ("1", 1),
        ("-7", -7),
        ("1.5", 1.5),
        ("1.0", 1.0),
        ("~", None),
        ("", None),
        ("'1.0'", "1.0"),
        ('"true"', "true"),
        ("plain text", "plain text"),
        ("=", "="),
        ("<<", "<<"),
    ],
)
def test_scalar_types(text: str, value: object) -> None:
    data, _ = parse(f"v: {text}\n")
    assert data["v"] == value
    assert type(data["v"]) is type(value)


PLAIN = "a: no\nb: 1.5\nc: 2026-03-01\nd: ~\ne: true\nf: '1.5'\ng: topical\nh: [no, 12, =]\n"


def test_plain_values_read_again_are_the_same_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsafe, "_PLAIN_VALUES", {})
    first, _ = parse(PLAIN)
    assert ("no", (True, False)) in yamlsafe._PLAIN_VALUES  # remembered from the first document
    again, _ = parse(PLAIN)
    assert first == again == {"a": False, "b": 1.5, "c": "2026-03-01", "d": None, "e": True, "f": "1.5", "g": "topical",
                              "h": [False, 12, "="]}
    assert [type(again[k]) for k in "abcdefg"] == [bool, float, str, type(None), bool, str, str]


def test_remembered_plain_values_are_bounded_and_problems_never_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlsafe, "_PLAIN_VALUES", {})
    monkeypatch.setattr(yamlsafe, "_PLAIN_VALUES_KEPT", 3)
    data, _ = parse("\n".join(f"k{n}: {n}" for n in range(10)) + "\n")
    assert data == {f"k{n}": n for n in range(10)} and len(yamlsafe._PLAIN_VALUES) == 3
    first, again = fails("v: 010\n"), fails("a: 1\nb: 2\nv: 010\n")  # each time at its own place
    assert (first.code, first.line, again.code, again.line) == ("CG204", 1, "CG204", 3)
    assert ("010", (True, False)) not in yamlsafe._PLAIN_VALUES


@pytest.mark.parametrize("text", [".inf", "-.inf", ".nan", ".NaN", "!!float .inf"])
def test_non_finite_floats_are_rejected(text: str) -> None:
    caught = fails(f"a: 1\nv: {text}\n")
    assert (caught.code, caught.line, caught.column) == ("CG204", 2, 4)
    assert "finite" in caught.message


@pytest.mark.parametrize(("text", "kind"),
                         [("!!int abc", "int"), ("!!float abc", "float"), ("!!bool maybe", "bool"), ('!!int ""', "int")])
def test_explicit_tag_with_text_that_does_not_fit_is_a_problem(text: str, kind: str) -> None:
    caught = fails(f"a: 1\nv: {text}\n")
    assert (caught.code, caught.line, caught.column) == ("CG204", 2, 4)
    assert kind in caught.message


def test_explicit_core_tags_that_fit_are_allowed() -> None:
    data, _ = parse("a: !!str 12\nb: !!int '12'\nc: !!map {x: 1}\n")
    assert data == {"a": "12", "b": 12, "c": {"x": 1}}


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + DOC.encode("utf-8"))
    data, at = read(path)
    assert data["title"] == "Example"
    assert at.values[("title",)] == (2, 8)


def test_decode_names_the_encoding_problem_and_where() -> None:
    with pytest.raises(YamlProblem) as caught:
        decode("a: 1\nb: caf\u00e9\n".encode("latin-1"), "x.yaml")
    assert (caught.value.code, caught.value.line, caught.value.column) == ("CG103", 2, 7)
    assert "0xe9" in caught.value.message


@pytest.mark.parametrize(("data", "word"), [("a: 1\n".encode("utf-16"), "UTF-16"), (b"a: 1\x00\x00", "binary")])
def test_decode_rejects_utf16_and_binary(data: bytes, word: str) -> None:
    with pytest.raises(YamlProblem) as caught:
        decode(data, "x.yaml")
    assert caught.value.code == "CG103"
    assert word in caught.value.message


# -- the guards ----------------------------------------------------------------------------

def test_tab_indentation_says_so() -> None:
    caught = fails("a:\n\tb: 1\n")
    assert (caught.code, caught.line, caught.column) == ("CG104", 2, 1)
    assert "tab" in caught.message


def test_unclosed_flow_list_names_where_it_started() -> None:
    caught = fails("a: [1, 2\nb: 3\nc: 4\n")
    assert caught.code == "CG104"
    assert "started at line 1" in caught.message


def test_control_character_is_located() -> None:
    caught = fails("a: caf\u00e9\nb: 2\nc: x\x01y\n")
    assert (caught.code, caught.line, caught.column) == ("CG104", 3, 5)


@pytest.mark.parametrize(
    ("text", "line"),
    [("a: 1\nb: 2\na: 3\n", 3), ("a:\n  b: 1\n  c: 2\n  b: 3\n", 4), ("- {x: 1, x: 2}\n", 1)],
)
def test_duplicate_keys_are_rejected_with_both_lines(text: str, line: int) -> None:
    caught = fails(text)
    assert (caught.code, caught.line) == ("CG105", line)
    assert "first at line" in caught.message


@pytest.mark.parametrize("text", ["a: &x 1\nb: 2\n", "a: 1\nb: *x\n", "&k a: 1\n", "a: &l [1]\n"])
def test_anchors_and_aliases_are_rejected(text: str) -> None:
    assert fails(text).code == "CG106"


def test_alias_bomb_is_rejected_at_the_first_anchor() -> None:
    bomb = 'a: &a ["x", "x"]\nb: &b [*a, *a]\nc: &c [*b, *b]\n'
    caught = fails(bomb)
    assert (caught.code, caught.line) == ("CG106", 1)


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['true']\n",
        "a: !!python/object:collections.OrderedDict {x: 1}\n",
        "a: !!python/name:os.system\n",
        "a: !custom value\n",
        "a: !!binary aGVsbG8=\n",
        "a: !!set {x: null}\n",
        "a: !custom {x: 1}\n",
        "!!python/str k: v\n",
    ],
)
def test_tags_other_than_plain_values_are_rejected(text: str) -> None:
    caught = fails(text)
    assert (caught.code, caught.line) == ("CG107", 1)


def test_nesting_limit() -> None:
    # the document mapping is level 1, so MAX_DEPTH - 1 lists under a key reach the limit exactly
    data, _ = parse("a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n")
    value, levels = data["a"], 1
    while value:
        value, levels = value[0], levels + 1
    assert levels == MAX_DEPTH - 1
    caught = fails("a: " + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "\n")
    assert (caught.code, caught.line, caught.column) == ("CG108", 1, 3 + MAX_DEPTH)


def test_very_deep_nesting_stops_early_without_recursion_error() -> None:
    assert fails("a: " + "[" * 200_000 + "]" * 200_000 + "\n").code == "CG108"


@pytest.mark.parametrize("opening", ["[", "{a: "])
def test_the_parsers_own_depth_limit_is_the_same_problem_at_the_same_place(opening: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """PyYAML 6.0.3 and later stop deep flow nesting in the scanner; older releases leave it to us."""
    text = "a: " + opening * (MAX_DEPTH + 5) + "x" + ("]" if opening == "[" else "}") * (MAX_DEPTH + 5) + "\n"
    ours = fails(text)
    real_parse = yaml.parse
    where = 3 + len(opening) * (MAX_DEPTH + 3)  # the scanner gives up a little further on

    def parser_with_a_depth_limit(stream: str, Loader: object) -> Iterator[object]:
        if len(stream) <= where:  # the text up to the limit parses as before
            yield from real_parse(stream, Loader=Loader)
            return
        mark = yaml.error.Mark("<unicode string>", where, 0, where, None, None)
        raise yaml.scanner.ScannerError("while increasing flow level", mark, "exceeded maximum nesting depth", mark)

    monkeypatch.setattr(yaml, "parse", parser_with_a_depth_limit)
    theirs = fails(text)
    assert (theirs.code, theirs.line, theirs.column, theirs.message) == ("CG108", ours.line, ours.column, ours.message)


@pytest.mark.parametrize(("text", "line"), [("", 1), ("# only a comment\n", 1), ("a: 1\n---\nb: 2\n", 2)])
def test_exactly_one_document(text: str, line: int) -> None:
    caught = fails(text)
    assert (caught.code, caught.line) == ("CG109", line)


@pytest.mark.parametrize("text", ["1: x\n", "true: x\n", "~: x\n", "? [a, b]\n: x\n", "? {a: 1}\n: x\n", "1.5: x\n"])
def test_keys_must_be_text(text: str) -> None:
    assert fails(text).code == "CG111"


def test_yes_and_no_keys_are_booleans_and_must_be_quoted() -> None:
    assert "quote it" in fails("yes: 1\n").message
    assert parse('"yes": 1\n')[0] == {"yes": 1}


# -- reading files ---------------------------------------------------------------------------

def test_read_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(YamlProblem) as missing:
        read(tmp_path / "nope.yaml")
    with pytest.raises(YamlProblem) as folder:
        read(tmp_path)
    assert missing.value.code == folder.value.code == "CG101"
    assert "folder" in folder.value.message


def test_read_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("a: 12345\n")
    assert read(path, max_bytes=9)[0] == {"a": 12345}
    with pytest.raises(YamlProblem) as caught:
        read(path, max_bytes=8)
    assert caught.value.code == "CG102"
    assert "9 bytes" in caught.value.message


def test_problem_carries_the_file_and_location() -> None:
    found = problem(YamlProblem("CG105", "duplicate key 'a'", 3, 1), "g.yaml")
    assert found == Problem("g.yaml", 3, 1, "CG105", "duplicate key 'a'")
    assert str(found) == "g.yaml:3:1: CG105 duplicate key 'a'"


# -- no input escapes as anything but a YamlProblem ------------------------------------------

_TOKENS = [
    "a", "b", "id", ":", ": ", "-", "- ", "\n", "  ", "    ", "\t", "[", "]", "{", "}", ",", "'", '"', "#",
    "&x ", "*x", "!!int ", "!!float ", "!!bool ", "!!str ", "!!python/object:os.system ", "!t ", "! ", "?", "|",
    ">", "---\n", "...\n", "%YAML 1.1\n", "1", "1.5", ".inf", ".nan", "=", "<<", "2026-02-30", "yes", "~", "\x01",
    "\u00e9", "\ufeff", "\u2028", "\x85", "\\", "%", "@", "`",
]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_TOKENS), max_size=40).map("".join))
def test_any_text_parses_or_is_a_located_problem(text: str) -> None:
    try:
        parse(text)
    except YamlProblem as caught:
        assert caught.code.startswith("CG")
        assert caught.line >= 1 and caught.column >= 1


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_decode_or_are_a_located_problem(data: bytes) -> None:
    try:
        parse(decode(data, "x.yaml"))
    except YamlProblem as caught:
        assert caught.line >= 1 and caught.column >= 1


# -- positions against PyYAML's own composer ------------------------------------------------------

def _composed(node: yaml.Node, path: tuple[str | int, ...], values: dict[tuple[str | int, ...], tuple[int, int]],
              keys: dict[tuple[str | int, ...], tuple[int, int]]) -> None:
    values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        for key, child in node.value:
            keys[path + (key.value,)] = (key.start_mark.line + 1, key.start_mark.column + 1)
            _composed(child, path + (key.value,), values, keys)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            _composed(child, path + (index,), values, keys)


def _documents() -> Iterator[Path]:
    root = Path(__file__).resolve().parents[3]
    yield from sorted(root.glob("guidance/*.yaml"))
    yield from sorted(root.glob("tests/**/*.yaml"))


def test_every_position_is_where_pyyamls_composer_puts_it() -> None:
    compared = 0
    for path in _documents():
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            _, at = parse(text)
        except YamlProblem:
            continue
        values: dict[tuple[str | int, ...], tuple[int, int]] = {}
        keys: dict[tuple[str | int, ...], tuple[int, int]] = {}
        _composed(yaml.compose(text, Loader=yaml.SafeLoader), (), values, keys)
        assert at.values == values and at.keys == keys, path
        for where in values:  # each path on its own, as a problem asks for it, keys and values
            assert at.of(where) == values[where] and at.of(where, key=True) == keys.get(where, values[where]), (path, where)
        compared += len(values)
    assert compared > 5000


def test_a_path_the_document_does_not_have_falls_back_to_its_nearest_ancestor() -> None:
    _, at = parse(DOC)
    assert at.of(("review", "authors", 5, "name")) == at.of(("review", "authors")) == (5, 5)
    assert at.of(("review", "authors", 5, "name"), key=True) == (4, 3)
    assert at.of(("sources", "S1")) == at.of(("sources",)) == (8, 10)  # a text where a mapping was looked for
    assert at.of(("review", "authors", 0, "role"), key=True) == (6, 7)


def test_the_first_of_two_keys_is_named_in_a_nested_mapping() -> None:
    caught = fails("a:\n  b: [1, {c: 2}]\n  d:\n    e: 3\n  d: 4\n")
    assert (caught.code, caught.line) == ("CG105", 5) and "first at line 3" in caught.message
