"""A bundle's own schemas, checked before anything validates with them.

A bundle is verified with the schemas it carries, and whoever made the bundle chose them.
A schema is used only if it is confined to the bundle and cheap to run:

- it is JSON and a valid Draft 2020-12 schema, in that dialect (``$schema``);
- every ``$ref`` and ``$dynamicRef`` resolves to a part of one of the bundle's guidance
  schemas: a reference to ``http://…``, ``file:///…`` or anything else outside is a
  located problem, never fetched or read (the validator's registry retrieves nothing
  either: :func:`clinicguide.content.schemas.offline_registry`);
- every ``pattern`` can be matched in linear time (:mod:`clinicguide.content.ecmaregex`);
  ``patternProperties`` is refused, because jsonschema matches it with Python's
  backtracking ``re``.

Each problem is CG406 at the offending key (CG404 for a file that is not a usable schema at
all). A schema with a problem is removed from the temporary copy, so the documents that
declare its version report it as unknown (CG208) rather than being validated by it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

from ..content.ecmaregex import is_linear
from ..content.schemas import SCHEMA_FILE
from ..content.yamlsafe import JsonPath, Positions, YamlProblem, parse
from ..errors import Problem, whole_file

DIALECT = "https://json-schema.org/draft/2020-12/schema"
_REFERENCES = ("$ref", "$dynamicRef")


def unusable_schemas(schema_root: Path, root: Path) -> list[Problem]:
    """Problems of the guidance schemas under ``schema_root`` (files named below ``root``); unusable files are removed."""
    paths = sorted(schema_root.glob(f"guidance/*/{SCHEMA_FILE}"))
    loaded: dict[Path, tuple[Any, Positions | None]] = {}
    found: list[Problem] = []
    for path in paths:
        name = path.relative_to(root).as_posix()
        data = path.read_bytes()
        try:
            schema = json.loads(data)
            _check_schema(data)
        except RecursionError:
            found.append(whole_file("CG404", name, "is nested too deeply to be used"))
            path.unlink()
            continue
        except ValueError as exc:
            found.append(whole_file("CG404", name, f"is not valid JSON ({exc})"))
            path.unlink()
            continue
        except Exception as exc:  # jsonschema's SchemaError, imported with jsonschema only when needed
            found.append(whole_file("CG404", name, f"is not a valid JSON Schema ({str(getattr(exc, 'message', exc))[:200]})"))
            path.unlink()
            continue
        loaded[path] = (schema, _positions(data))
    resources = {uri: part for schema, _ in loaded.values() for uri, part in _resources(schema)}
    for path, (schema, positions) in loaded.items():
        name = path.relative_to(root).as_posix()
        problems = [_located(name, positions, at, message) for at, message in _unsafe(schema, resources)]
        if problems:
            found.extend(problems)
            path.unlink()
    return found


@lru_cache(maxsize=16)
def _check_schema(data: bytes) -> None:
    # Cached by content: checking a schema against the metaschema costs more than validating
    # every document, and a bundle's schemas are nearly always the same frozen files.
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(json.loads(data))


def _positions(data: bytes) -> Positions | None:
    """Where each key of the JSON text is (JSON is YAML), or None if the text is beyond the YAML reader."""
    try:
        return parse(data.decode("utf-8"))[1]
    except (YamlProblem, UnicodeDecodeError, RecursionError):
        return None


def _located(name: str, positions: Positions | None, at: JsonPath, message: str) -> Problem:
    if positions is None:
        return whole_file("CG406", name, f"at {_pointer(at)}: {message}")
    line, column = positions.of(at, key=True)
    return Problem(name, line, column, "CG406", message, _pointer(at))


def _pointer(path: JsonPath) -> str:
    return "#/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in path) if path else "#"


def _walk(schema: Any, base: str, path: JsonPath = ()) -> Iterator[tuple[dict[str, Any], str, JsonPath]]:
    """Every mapping in ``schema``, with its base URI (``$id`` changes it) and its path.

    Every mapping, not only those where the specification puts subschemas: a JSON pointer
    can make any part of a schema file a schema (``{"$ref": "#/x"}`` with ``x`` under an
    unknown keyword), so a reference anywhere must resolve inside the bundle.
    """
    if isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from _walk(item, base, path + (index,))
        return
    if not isinstance(schema, dict):
        return
    ident = schema.get("$id")
    if isinstance(ident, str):
        base = urldefrag(urljoin(base, ident))[0]
    yield schema, base, path
    for key, value in schema.items():
        yield from _walk(value, base, path + (key,))


def _resources(schema: Any) -> Iterator[tuple[str, Any]]:
    """The URIs a schema file answers to (its ``$id`` and any nested ones), each with its schema."""
    for part, base, _ in _walk(schema, ""):
        if isinstance(part.get("$id"), str) and base:
            yield base, part


def _unsafe(schema: Any, resources: dict[str, Any]) -> Iterator[tuple[JsonPath, str]]:
    """Why ``schema`` may not be used, each with where in it."""
    dialect = schema.get("$schema", DIALECT) if isinstance(schema, dict) else DIALECT
    if dialect != DIALECT:
        yield ("$schema",), f"declares the dialect {dialect!r}; a bundle's schemas are Draft 2020-12 ({DIALECT})"
    for part, base, path in _walk(schema, ""):
        if path and "$schema" in part:
            yield path + ("$schema",), "a subschema may not change the dialect"
        for keyword in _REFERENCES:
            ref = part.get(keyword)
            if isinstance(ref, str) and not _resolves(ref, base, schema, resources):
                yield path + (keyword,), (f"{keyword} {ref!r} does not resolve to a part of the bundle's own schemas; "
                                          "a bundle is verified offline, with nothing fetched or read from elsewhere")
        pattern = part.get("pattern")
        if isinstance(pattern, str) and not is_linear(pattern):
            yield path + ("pattern",), (f"pattern {pattern!r} is not ECMA-262 that runs in linear time (backreferences "
                                        "and lookaround need backtracking, which a hostile pattern turns into a hang)")
        if "patternProperties" in part:
            yield path + ("patternProperties",), ("patternProperties is not supported in a bundle's schemas: the "
                                                  "validator would match its patterns with a backtracking engine")


def _resolves(ref: str, base: str, root: Any, resources: dict[str, Any]) -> bool:
    """Whether ``ref``, read against ``base``, names a part of a bundle schema (``root`` for no base)."""
    target, fragment = urldefrag(urljoin(base, ref))
    document = resources.get(target) if target else root  # no target: no base either, so the file itself
    if document is None:
        return False
    return _fragment(document, unquote(fragment)) is not None


def _fragment(document: Any, fragment: str) -> Any:
    """The part of ``document`` a fragment names (a JSON pointer, or an ``$anchor``), or None."""
    if not fragment:
        return document
    if not fragment.startswith("/"):
        return next((part for part, _, _ in _walk(document, "")
                     if fragment in (part.get("$anchor"), part.get("$dynamicAnchor"))), None)
    current = document
    for token in fragment[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(current, dict) and token in current:
            current = current[token]
        elif isinstance(current, list) and token.isdigit() and int(token) < len(current):
            current = current[int(token)]
        else:
            return None
    return current
