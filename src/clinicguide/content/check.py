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
from typing import Any

from ..errors import Problem
from . import history as guidance_history
from . import rules, schemas
from .located import Checked, Locator
from .violations import explain
from .yamlsafe import YamlProblem, decode, parse, problem, read_bytes, read_stdin, syntax_problems

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
    found_problems = list(schema_problems(data, located, schema_root, from_yaml=True))
    found_problems += rules.document_problems(data, located, schema_root)
    errors = sorted({p for p in found_problems if not p.is_warning})
    warnings = sorted({p for p in found_problems if p.is_warning})
    return Checked(path, display, data, positions, tuple(errors), sha, tuple(warnings))


def schema_problems(data: dict[str, Any], at: Locator, schema_root: Path | None = None, *,
                    from_yaml: bool = False) -> Iterator[Problem]:
    """Problems of ``data`` against the schema version it declares (``from_yaml``: the located loader built it)."""
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
    for violation in validator.violations(data, from_yaml=from_yaml):
        yield from explain(violation, at)


def check_each(paths: Iterable[Path], schema_root: Path | None = None) -> Iterator[Checked]:
    """Check files one at a time: the per-document rules, and CG315 against the release history.

    The rule across documents (a repeated id|version) is left to the caller: feed each entry
    to a :class:`rules.Duplicates`. A caller that keeps only what it needs of each entry holds
    one document at a time, however many there are.
    """
    history = guidance_history.load(schema_root)
    for path in guidance_files(paths):
        entry = check_file(path, schema_root=schema_root)
        unbumped = guidance_history.unbumped(entry, history) if history else None
        yield with_problems(entry, [unbumped]) if unbumped else entry


def with_problems(entry: Checked, found: Iterable[Problem]) -> Checked:
    """``entry`` with ``found`` added to its problems (sorted, each once)."""
    return replace(entry, problems=tuple(sorted({*entry.problems, *found})))


def check_stream(paths: Iterable[Path], schema_root: Path | None = None) -> Iterator[Checked]:
    """Every file checked, the rule across documents included, one at a time.

    A repeated id|version is reported on the file that repeats it, so each entry is complete
    when it is yielded; a caller that keeps only the problems holds one document at a time.
    """
    duplicates = rules.Duplicates()
    for entry in check_each(paths, schema_root):
        before = len(duplicates.problems)
        duplicates.add(entry)
        yield with_problems(entry, duplicates.problems[before:]) if len(duplicates.problems) > before else entry


def check_paths(paths: Iterable[Path], schema_root: Path | None = None) -> list[Checked]:
    """Check files and folders, then the rule that spans documents (duplicate id|version)."""
    return list(check_stream(paths, schema_root))
