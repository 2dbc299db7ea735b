"""The registry of frozen guidance schema versions and their compiled validators."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from ..bounded import Unreadable, read_bounded
from ..resources import schemas_dir
from .violations import Violation
from .yamlsafe import JsonPath

SCHEMA_FILE = "guidance.schema.json"
#: Far above any guidance schema (the packaged ones are under 50 kB), and the per-member limit of a bundle.
MAX_SCHEMA_BYTES = 8 * 2**20
_VERSION = re.compile(r"^(\d+)\.(\d+)$")


def schema_version_key(version: str) -> tuple[int, int]:
    """Sort key of a schema version such as ``1.0`` (guidance versions are semantic: see ``library.semver_key``)."""
    match = _VERSION.match(version)
    return (int(match[1]), int(match[2])) if match else (-1, -1)


def is_schema_version(text: str) -> bool:
    """Whether ``text`` has the form of a schema version: ``major.minor``."""
    return _VERSION.match(text) is not None


def available(root: Path | None = None) -> tuple[str, ...]:
    """Schema versions present under ``root`` (the packaged schemas by default), oldest first."""
    base = (root or schemas_dir()) / "guidance"
    found = [p.parent.name for p in base.glob(f"*/{SCHEMA_FILE}") if is_schema_version(p.parent.name)]
    return tuple(sorted(found, key=schema_version_key))


class SchemaValidator:
    """One schema's compiled validator: Draft 2020-12 by jsonschema-rs, date formats checked.

    jsonschema-rs implements the draft natively (``pattern`` as ECMA-262 regular expressions,
    as editors and check-jsonschema read it) in a fraction of the time of a Python
    implementation. Its errors become :class:`~.violations.Violation` objects, read from the
    schema and the document themselves, so the problems reported do not depend on its wording.
    """

    def __init__(self, schema: Any, siblings: Mapping[str, Any] | None = None) -> None:
        """``siblings``: the other schemas of the same folder by ``$id``, the only references outside ``schema``.

        :raises ValueError: if the schema cannot be compiled, or refers to anything else.
        """
        import jsonschema_rs

        self.schema = schema
        known = dict(siblings or {})

        def retrieve(uri: str) -> Any:
            if uri.partition("#")[0] in known:
                return known[uri.partition("#")[0]]
            raise ValueError(f"{uri} is outside the schemas; references are resolved offline, within them")

        # Nothing is fetched (a bundle's schema may name any URL) and patterns run in linear time
        # (a bundle's schema may hold a regex bomb): see ``offline_registry`` and ``ecmaregex``.
        self._compiled = jsonschema_rs.Draft202012Validator(schema, validate_formats=True, retriever=retrieve,
                                                            pattern_options=jsonschema_rs.RegexOptions())

    def violations(self, instance: Any, *, from_yaml: bool = False) -> Iterator[Violation]:
        """Every violation of the schema in ``instance`` (nothing for a valid document).

        Data a plugin built may hold values no YAML file can (a tuple, a date), which are wrong
        types; ``from_yaml`` says the located loader built ``instance``, so it holds none.
        """
        odd = [] if from_yaml else list(_not_plain(instance, ()))
        if odd:
            yield from odd
            return
        if self._compiled.is_valid(instance):
            return
        for error in self._compiled.iter_errors(instance):
            yield self._violation(error, instance)

    def _violation(self, error: Any, instance: Any) -> Violation:
        pointer = list(error.schema_path)
        path = tuple(error.instance_path)
        context = getattr(error.kind, "context", None) or ()
        branches = tuple(tuple(self._violation(sub, instance) for sub in branch) for branch in context)
        return Violation(str(pointer[-1]) if pointer else "", path, _at(instance, path), _at(self.schema, pointer[:-1]),
                         branches)


_PLAIN = (str, int, float, bool, type(None))


def _not_plain(value: Any, path: JsonPath) -> Iterator[Violation]:
    """A violation for each value that is not of the exact types YAML and JSON produce (a tuple, a date)."""
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                yield Violation("type", path, key, {"type": "string", "title": "a mapping key"})
            else:
                yield from _not_plain(item, path + (key,))
    elif kind is list:
        for index, item in enumerate(value):
            yield from _not_plain(item, path + (index,))
    elif kind not in _PLAIN or (kind is float and not math.isfinite(value)):
        yield Violation("type", path, value, {"type": ["string", "number", "boolean", "null", "array", "object"]})


def _at(document: Any, path: Iterable[str | int]) -> Any:
    """The value at ``path`` in ``document``, or None where there is none."""
    node = document
    for part in path:
        if isinstance(node, dict) and isinstance(part, str):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


def offline_registry() -> Any:
    """The references a schema may use: its own parts and the JSON Schema metaschemas, nothing fetched.

    jsonschema's default registry retrieves any other ``$ref`` with ``urlopen``: ``http://``
    from the network (with no time limit) and ``file://`` from the disk. Here such a
    reference is unresolvable, and the validator reports it as such.
    """
    from jsonschema_specifications import REGISTRY  # type: ignore[import-untyped]  # untyped; jsonschema depends on it
    from referencing import Registry
    from referencing.exceptions import NoSuchResource

    def nothing(uri: str) -> Any:
        raise NoSuchResource(uri)

    return REGISTRY.combine(Registry(retrieve=nothing))  # type: ignore[call-arg]  # retrieve is attrs' field


@cache
def _validator(schema_path: Path) -> SchemaValidator:
    return SchemaValidator(json.loads(read_bounded(schema_path, MAX_SCHEMA_BYTES)), siblings(schema_path.parent.parent))


def siblings(guidance_schemas: Path) -> dict[str, Any]:
    """The guidance schemas of one folder by their ``$id``: what a schema may refer to besides itself."""
    found: dict[str, Any] = {}
    for path in sorted(guidance_schemas.glob(f"*/{SCHEMA_FILE}")):
        try:
            schema = json.loads(read_bounded(path, MAX_SCHEMA_BYTES))
        except (Unreadable, ValueError, RecursionError):
            continue  # an unreadable sibling is reported where it is used, not here
        if isinstance(schema, dict) and isinstance(schema.get("$id"), str):
            found[schema["$id"]] = schema
    return found


def validator(version: str, root: Path | None = None) -> SchemaValidator | None:
    """The compiled validator for a declared schema version, or None if it does not exist."""
    if not is_schema_version(version):
        return None
    path = (root or schemas_dir()) / "guidance" / version / SCHEMA_FILE
    try:
        return _validator(path) if path.is_file() else None
    except Unreadable:  # not a regular file, or over the limit: no schema to validate with
        return None
