"""Schema violations as located, editor-friendly problems, whichever validator found them.

A :class:`Violation` holds what a JSON Schema validator reports about one failing keyword:
the keyword, where in the document it failed, the subschema that holds it and, for
``oneOf``, each alternative's own violations. :func:`explain` turns it into problems whose
codes and messages are written here, from the schema and the document, never from the
validator's own wording, so they read the same whatever validator produced them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import Problem, did_you_mean
from .criteria_kinds import KIND_KEYS, CriterionKind, kinds_in
from .located import Locator
from .yamlsafe import JsonPath


@dataclass(frozen=True)
class Violation:
    """One failing keyword of a schema, at one place in a document."""

    keyword: str
    path: JsonPath
    instance: Any  # the document's value at ``path``
    schema: Any  # the subschema that holds ``keyword``
    #: For ``oneOf``: the violations of each alternative, by the alternative's index.
    branches: tuple[tuple[Violation, ...], ...] = ()

    @property
    def expected(self) -> Any:
        """The failing keyword's value in the schema (``minimum: 0`` gives 0)."""
        return self.schema.get(self.keyword) if isinstance(self.schema, dict) else None


# Numbers out of bounds, with the comparison each keyword makes.
_BOUNDS = {"minimum": "less than the minimum of", "maximum": "greater than the maximum of",
           "exclusiveMinimum": "less than or equal to the exclusive minimum of",
           "exclusiveMaximum": "greater than or equal to the exclusive maximum of"}


def explain(violation: Violation, at: Locator) -> Iterator[Problem]:
    """The problems one violation reports (choosing the useful alternative of a criterion)."""
    path, kind, value, schema, expected = (violation.path, violation.keyword, violation.instance, violation.schema,
                                           violation.expected)
    properties = schema.get("properties", {}) if isinstance(schema, dict) else {}
    if kind == "additionalProperties":
        allowed = ", ".join(properties)
        for name in sorted(set(value) - set(properties)):
            hint = did_you_mean(name, properties) or "; remove it, or correct its name"
            yield at(path + (name,), "CG201", f"unknown field {name!r} in {_title(schema)}{hint} (allowed: {allowed})",
                     key=True)
    elif kind == "required":
        for name in expected if isinstance(expected, list) else []:
            if isinstance(value, dict) and name not in value:
                yield at(path, "CG202", f"{_title(schema)} is missing the required field {name!r}; add it "
                                          "(docs/authoring.md describes each field)", key=True)
    elif kind == "type":
        yield at(path, "CG203", f"{_title(schema)} must be {_a(expected)}, not {_describe(value)}")
    elif kind == "enum":
        options = ", ".join(map(str, expected))
        yield at(path, "CG204", f"{value!r} is not allowed for {_title(schema)}; use one of: {options}")
    elif kind == "format" and expected == "date":
        yield at(path, "CG312", f"{value!r} is not a valid date; write a day that exists, as YYYY-MM-DD (e.g. 2026-01-15)")
    elif kind in ("pattern", "format"):
        yield at(path, "CG204",
                 f"{value!r} is not in the form expected for {_title(schema)}: {schema.get('description', '')}".rstrip(": "))
    elif kind in _BOUNDS:
        yield at(path, "CG205", f"{_title(schema)}: {value!r} is {_BOUNDS[kind]} {expected!r}; correct the value")
    elif kind in ("minItems", "minProperties"):
        what = "entr" + ("y" if expected == 1 else "ies") if kind == "minItems" else "field" + ("" if expected == 1 else "s")
        yield at(path, "CG206", f"{_title(schema)}: needs at least {expected} {what}; "
                                "see the field's description for what it holds")
    elif kind == "uniqueItems":
        yield at(path, "CG206", f"{_title(schema)}: {_repeated(value)} more than once; remove the repeated entry")
    elif kind in ("minLength", "maxLength"):
        yield at(path, "CG209", f"{_title(schema)}: {_length(kind, value, expected)}; "
                                "see the field's description for what it holds")
    elif kind == "oneOf" and isinstance(value, dict) and any(violation.branches):
        yield from _explain_criterion(violation, value, at)
    elif kind == "oneOf":  # the one oneOf in the schema is the criterion
        yield at(path, "CG207",
                 f"a criterion is a mapping with exactly one of {', '.join(KIND_KEYS)}; found {_describe(value)}")
    else:
        yield at(path, "CG204", f"{_title(schema)}: the value does not meet {kind} {_short(expected)}; correct the value")


def _explain_criterion(violation: Violation, instance: dict[str, Any], at: Locator) -> Iterator[Problem]:
    """A criterion (``instance``) matches one alternative by its key; report that alternative's violations."""
    present = kinds_in(instance)
    if len(present) != 1:
        found = ", ".join(k.key for k in present) if present else "none of them"
        yield at(violation.path, "CG207", f"a criterion needs exactly one of {', '.join(KIND_KEYS)}; found {found}; "
                                          "combine several with all: [...] or any: [...]")
        return
    kind = present[0]
    branch = _branch(violation.schema, kind)
    chosen = violation.branches[branch] if branch is not None and branch < len(violation.branches) else ()
    if not chosen:
        yield at(violation.path, "CG207", f"the {kind.key} criterion is not understood")
    for sub in chosen:
        yield from explain(sub, at)


def _branch(schema: Any, kind: CriterionKind) -> int | None:
    """The index of the ``oneOf`` alternative that defines ``kind``, found by its definition's name."""
    alternatives = schema.get("oneOf") if isinstance(schema, dict) else None
    target = f"#/$defs/{kind.schema}"
    for index, alternative in enumerate(alternatives if isinstance(alternatives, list) else ()):
        if isinstance(alternative, dict) and alternative.get("$ref") == target:
            return index
    return None


def _title(schema: Any) -> str:
    return schema.get("title", "this item").lower() if isinstance(schema, dict) else "this item"


def _a(expected: Any) -> str:
    names = {"object": "a mapping", "array": "a list", "string": "text", "number": "a number", "integer": "a whole number",
             "boolean": "true or false", "null": "empty"}
    if isinstance(expected, list):
        return " or ".join(names.get(e, str(e)) for e in expected)
    return names.get(expected, str(expected))


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"true/false ({value})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    kind = {str: "text", int: "a number", float: "a number"}.get(type(value), type(value).__name__)
    return f"{kind} {_short(value)}"


def _short(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _length(kind: str, value: Any, limit: Any) -> str:
    if kind == "minLength":
        return "must not be empty" if limit == 1 and value == "" else f"{_short(value)} is shorter than {limit} characters"
    return f"the text is {len(value) if isinstance(value, str) else '?'} characters long; at most {limit} are allowed"


def _repeated(items: Any) -> str:
    """The first entry of ``items`` that comes again (by JSON value), as the message names it."""
    seen: set[str] = set()
    for item in items if isinstance(items, list) else ():
        key = json.dumps(item, sort_keys=True, default=repr)
        if key in seen:
            return f"{_short(item)} is listed"
        seen.add(key)
    return "an entry is listed"
