"""Validation of guidance files: safe reading, the declared schema, then the semantic rules.

Every problem is collected and located (``file:line:col: CODE message``); nothing stops
at the first one, so an editor can fix a file in one pass.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Problem, did_you_mean
from . import history as guidance_history
from . import rules, schemas
from .criteria_kinds import KIND_KEYS, CriterionKind, kinds_in
from .located import Checked, Locator
from .yamlsafe import YamlProblem, decode, parse, problem, read_bytes, read_stdin, syntax_problems

if TYPE_CHECKING:  # annotations only: jsonschema is imported when a document first needs it (schemas.py)
    from jsonschema import ValidationError

GUIDANCE_SUFFIXES = (".yaml", ".yml")
#: The path that stands for one document read from standard input (``validate -``).
STDIN = Path("<stdin>")


def guidance_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders to the guidance files they hold, sorted; files are kept as given.

    A folder that cannot be listed (unreadable, or gone while loading), a guidance file
    that is not a regular one (a dangling link) and a link to a folder inside a folder are
    kept, so that reading them reports CG101 rather than their documents going missing
    unreported. Links to folders are not followed: one could lead anywhere, or loop.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(_walk(path))
        else:
            found.append(path)
    return found


def _walk(folder: Path) -> list[Path]:
    found: list[Path] = []
    for root, folders, files in os.walk(folder, onerror=lambda exc: found.append(Path(exc.filename))):
        folders.sort()
        found.extend(Path(root, name) for name in files if Path(name).suffix in GUIDANCE_SUFFIXES)
        found.extend(Path(root, name) for name in folders if Path(root, name).is_symlink())
    return sorted(found)


def check_file(path: Path, schema_root: Path | None = None) -> Checked:
    """Read one file and check it against its declared schema and the per-document rules."""
    display = str(path)
    text = ""
    if path != STDIN and path.is_symlink() and path.is_dir():
        linked = Problem(display, 1, 1, "CG101", "is a link to a folder, which is not followed (it could lead anywhere, or "
                                                 "loop); give the folder it links to as a path of its own, or move the "
                                                 "documents into this folder")
        return Checked(path, display, None, None, (linked,))
    try:
        raw = read_stdin() if path == STDIN else read_bytes(path)
        text = decode(raw, display)
        data, positions = parse(text)
    except YamlProblem as exc:
        # A syntax error stops the document, but not the search for further syntax errors in it.
        failures = syntax_problems(text, exc) if exc.code == "CG104" and text else [exc]
        return Checked(path, display, None, None, tuple(problem(e, display) for e in failures))
    # The digest of the bytes that were parsed: reading the file a second time could hash
    # other content, or fail if the folder vanished in between.
    sha = hashlib.sha256(raw).hexdigest()
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({type(data).__name__})"
        found = Problem(display, *positions.of(()), "CG110",
                        f"the document is {kind}; write a guidance document as a mapping of fields (key: value lines)")
        return Checked(path, display, None, positions, (found,), sha)
    located = Locator(display, positions)
    found_problems = list(schema_problems(data, located, schema_root))
    found_problems += rules.document_problems(data, located, schema_root)
    errors = sorted({p for p in found_problems if not p.is_warning})
    warnings = sorted({p for p in found_problems if p.is_warning})
    return Checked(path, display, data, positions, tuple(errors), sha, tuple(warnings))


def schema_problems(data: dict[str, Any], at: Locator, schema_root: Path | None = None) -> Iterator[Problem]:
    """Problems of ``data`` against the schema version it declares."""
    declared = data.get("schema")
    if not isinstance(declared, str):
        known = ", ".join(schemas.available(schema_root))
        yield at(("schema",), "CG208", f"declare the schema version as text, e.g. schema: \"1.0\" (known: {known})")
        return
    validator = schemas.validator(declared, schema_root)
    if validator is None:
        known = ", ".join(schemas.available(schema_root))
        yield at(("schema",), "CG208", f"schema version {declared!r} is not known; declare a known one (known: {known})")
        return
    for error in validator.iter_errors(data):
        yield from _explain(error, at)


# Keywords reported with jsonschema's own message, by code: numbers out of bounds, and the rest as CG204.
_BOUNDS = {"minimum": "CG205", "maximum": "CG205", "exclusiveMinimum": "CG205", "exclusiveMaximum": "CG205"}
# Keywords whose message quotes the value, cut to a readable length.
_SHORTENED = {"minItems": "CG206", "uniqueItems": "CG206", "minProperties": "CG206", "minLength": "CG209", "maxLength": "CG209"}


def _title(schema: Any) -> str:
    return schema.get("title", "this item").lower() if isinstance(schema, dict) else "this item"


def _explain(error: ValidationError, at: Locator) -> Iterator[Problem]:
    """Turn one jsonschema error into editor-friendly problems (choosing the useful sub-error)."""
    path = tuple(error.absolute_path)
    kind = str(error.validator)
    # Document data, and the failing keyword's schema and value. (jsonschema's types also allow the
    # placeholder of an error built by hand, and a boolean schema, which has no keyword to fail.)
    value: Any = error.instance
    schema: Any = error.schema
    expected: Any = error.validator_value
    if kind == "additionalProperties":
        allowed = ", ".join(schema.get("properties", {}))
        for name in sorted(set(value) - set(schema.get("properties", {}))):
            hint = did_you_mean(name, schema.get("properties", {})) or "; remove it, or correct its name"
            yield at(path + (name,), "CG201", f"unknown field {name!r} in {_title(schema)}{hint} (allowed: {allowed})",
                     key=True)
    elif kind == "required":
        missing = expected if isinstance(expected, list) else []
        for name in missing:
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
    elif kind in _SHORTENED:
        fix = "remove the repeated entry" if kind == "uniqueItems" else "see the field's description for what it holds"
        yield at(path, _SHORTENED[kind], f"{_title(schema)}: {_plain(error)}; {fix}")
    elif kind == "oneOf" and isinstance(value, dict) and error.context:
        yield from _explain_criterion(error, value, at)
    elif kind == "oneOf":  # the one oneOf in the schema is the criterion
        yield at(path, "CG207",
                 f"a criterion is a mapping with exactly one of {', '.join(KIND_KEYS)}; found {_describe(value)}")
    else:
        yield at(path, _BOUNDS.get(kind, "CG204"), f"{_title(schema)}: {error.message}; correct the value")


def _explain_criterion(error: ValidationError, instance: dict[str, Any], at: Locator) -> Iterator[Problem]:
    """A criterion (``instance``) matches one alternative by its key; report that alternative's errors."""
    present = kinds_in(instance)
    path = tuple(error.absolute_path)
    if len(present) != 1:
        found = ", ".join(k.key for k in present) if present else "none of them"
        yield at(path, "CG207", f"a criterion needs exactly one of {', '.join(KIND_KEYS)}; found {found}; "
                                "combine several with all: [...] or any: [...]")
        return
    kind = present[0]
    branch = _branch(error.schema, kind)
    errors = [e for e in error.context if branch is not None and e.schema_path and e.schema_path[0] == branch]
    if not errors:
        yield at(path, "CG207", f"the {kind.key} criterion is not understood")
    for sub in errors:
        yield from _explain(sub, at)


def _branch(schema: Any, kind: CriterionKind) -> int | None:
    """The index of the ``oneOf`` alternative that defines ``kind``, found by its definition's name."""
    alternatives = schema.get("oneOf") if isinstance(schema, dict) else None
    target = f"#/$defs/{kind.schema}"
    for index, alternative in enumerate(alternatives if isinstance(alternatives, list) else ()):
        if isinstance(alternative, dict) and alternative.get("$ref") == target:
            return index
    return None


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
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    return f"{kind} {shown}"


def _plain(error: ValidationError) -> str:
    message = error.message
    return message if len(message) <= 120 else message[:117] + "..."


def check_paths(paths: Iterable[Path], schema_root: Path | None = None) -> list[Checked]:
    """Check files and folders, then the rules that span documents (duplicate id|version)."""
    checked = [check_file(p, schema_root=schema_root) for p in guidance_files(paths)]
    cross = rules.library_problems(checked) + guidance_history.unbumped_changes(checked, schema_root)
    if not cross:
        return checked
    by_file: dict[str, list[Problem]] = {}
    for found in cross:
        by_file.setdefault(found.file, []).append(found)
    return [replace(c, problems=tuple(sorted({*c.problems, *by_file.get(c.display, ())}))) for c in checked]
