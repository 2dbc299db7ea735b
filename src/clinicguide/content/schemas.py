"""The registry of frozen guidance schema versions and their compiled validators."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..bounded import Unreadable, read_bounded
from ..resources import schemas_dir
from .ecmaregex import pattern_keyword
from .fastschema import compile_schema

if TYPE_CHECKING:  # jsonschema is imported when a document first needs it (see SchemaValidator)
    from jsonschema import Draft202012Validator, ValidationError

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
    """One schema's validator: jsonschema's ``iter_errors``, with a fast yes in front.

    Why: most documents are valid, and :mod:`.fastschema` confirms that in a fraction of
    jsonschema's time, without importing it (~35 ms at start-up). When it cannot say
    yes, jsonschema runs as before and yields the same errors, so problems are unchanged.
    Anything else (``.schema``, ``.is_valid``, ...) is the jsonschema validator's.
    """

    def __init__(self, schema: Any) -> None:
        self.schema = schema
        self._fast = compile_schema(schema)
        self._full: Draft202012Validator | None = None

    @property
    def full(self) -> Draft202012Validator:
        """The jsonschema validator (Draft 2020-12, every format checked), built on first use."""
        if self._full is None:
            from jsonschema import FormatChecker

            self._full = _with_cached_refs(self.schema)(self.schema, format_checker=FormatChecker(),
                                                         registry=offline_registry())
        return self._full

    def iter_errors(self, instance: Any) -> Iterator[ValidationError]:
        if self._fast is not None and self._fast(instance) is True:
            return iter(())
        return self.full.iter_errors(instance)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # not jsonschema's public API; also keeps copy/pickle from recursing
            raise AttributeError(name)
        return getattr(self.full, name)


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
    return SchemaValidator(json.loads(read_bounded(schema_path, MAX_SCHEMA_BYTES)))


def _with_cached_refs(schema: Any) -> Any:
    """Draft 2020-12, with each ``$ref`` looked up once per compiled schema, not per use.

    Why: jsonschema resolves every ``$ref`` afresh (URI join, registry get, JSON-pointer
    walk) each time it is applied; the guidance schema applies ~130 refs per document and
    the lookups were ~20% of validation time. A lookup's result depends only on the base
    URI and the ref within one schema's registry, so the cache lives in this class, made
    for one schema file. The resolved resolver is reused as is, which drops the dynamic
    scope that only ``$dynamicRef`` reads, so a schema using that keeps the stock class.
    Errors are unchanged: the cached path makes the same ``descend`` call as jsonschema.
    """
    import jsonschema.exceptions
    import jsonschema.validators
    import referencing.exceptions
    from jsonschema import Draft202012Validator

    text = json.dumps(schema)
    if "$dynamicRef" in text or "$recursiveRef" in text:
        return jsonschema.validators.extend(Draft202012Validator, {"pattern": pattern_keyword})
    resolved_refs: dict[tuple[str, str], Any] = {}

    def cached_ref(validator: Any, ref: str, instance: Any, subschema: Any) -> Any:
        resolver = getattr(validator, "_resolver", None)
        base = getattr(resolver, "_base_uri", None)
        # Not the referencing path: as stock.
        if getattr(validator, "_ref_resolver", None) is not None or resolver is None or base is None:
            yield from validator._validate_reference(ref=ref, instance=instance)
            return
        found = resolved_refs.get((base, ref))
        if found is None:
            try:
                found = resolver.lookup(ref)
            except referencing.exceptions.Unresolvable as err:  # as jsonschema reports it
                raise jsonschema.exceptions._WrappedReferencingError(err) from err  # type: ignore[attr-defined]  # private, not in the stubs
            resolved_refs[(base, ref)] = found
        yield from validator.descend(instance, found.contents, resolver=found.resolver)

    return jsonschema.validators.extend(Draft202012Validator, {"$ref": cached_ref, "pattern": pattern_keyword})


def validator(version: str, root: Path | None = None) -> SchemaValidator | None:
    """The compiled validator for a declared schema version, or None if it does not exist."""
    if not is_schema_version(version):
        return None
    path = (root or schemas_dir()) / "guidance" / version / SCHEMA_FILE
    try:
        return _validator(path) if path.is_file() else None
    except Unreadable:  # not a regular file, or over the limit: no schema to validate with
        return None
