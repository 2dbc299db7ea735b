"""A fast "is this document valid?" in front of jsonschema, for the guidance schemas.

Why: nearly every document validated is valid (the packaged library at every start-up,
content repositories on every commit), and for those only a yes is needed. jsonschema
walks the schema generically (a new validator object per subschema, a reference lookup
per ``$ref``) at about 4 ms per guidance document, and importing it costs ~35 ms. This
module compiles a schema once into plain closures that answer in a fraction of that.

It answers only when it is sure, and says "not sure" otherwise:

* ``True``: jsonschema (Draft 2020-12, every format checked) reports no error;
* ``False`` or ``None``: invalid, or not sure - the caller then runs jsonschema, which
  produces the errors exactly as it always did.

So the reported problems cannot change: a document either has no errors (both agree) or
jsonschema reports them. Every keyword is implemented as jsonschema implements it;
where that would be costly to mirror exactly (``uniqueItems`` over non-text items,
values of a type YAML never produces) the check says "not sure". A schema using any
keyword not listed here compiles to ``None`` and is always checked by jsonschema alone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from .ecmaregex import compile_pattern

Check = Callable[[Any], "bool | None"]

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
# Keywords that never make a document invalid.
_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment", "deprecated", "readOnly",
                          "writeOnly", "$defs", "contentMediaType", "contentEncoding"})
# Allowed on the root schema only: below it they would change the base URI or the dialect.
_ROOT_ONLY = frozenset({"$id", "$schema"})
_PLAIN = frozenset({dict, list, str, int, float, bool, type(None)})
_RE_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)  # as jsonschema's format checker


class _Unsupported(Exception):
    """The schema uses something this module does not mirror: leave it to jsonschema."""


def compile_schema(schema: Any) -> Check | None:
    """A check for ``schema``, or None if the schema needs jsonschema for every document."""
    if not isinstance(schema, dict) or schema.get("$schema", DRAFT_2020_12) != DRAFT_2020_12:
        return None
    try:
        check = _Compiler(schema).compile(schema, root=True)
    except (_Unsupported, re.error, TypeError, ValueError, AttributeError, RecursionError):
        return None  # anything unusual in the schema (a bad pattern, say): jsonschema decides, and reports it as before

    def document(instance: Any) -> bool | None:
        try:
            return check(instance) if _plain(instance) else None
        except Exception:  # e.g. a schema value of the wrong type: jsonschema meets it exactly as before
            return None

    return document


def _plain(value: Any) -> bool:
    """Only the types YAML and JSON produce (exactly), with text keys: anything else is not ours to judge."""
    kind = type(value)
    if kind is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if kind is list:
        return all(_plain(v) for v in value)
    return kind in _PLAIN


def _all(checks: list[Check]) -> Check:
    if len(checks) == 1:
        return checks[0]

    def every(instance: Any) -> bool | None:
        unsure = False
        for check in checks:
            result = check(instance)
            if result is False:
                return False
            if result is None:
                unsure = True
        return None if unsure else True

    return every


def _is_number(value: Any) -> bool:
    return (type(value) is int or type(value) is float)  # bool is not a number; _plain() excludes other types


_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: type(v) is dict,
    "array": lambda v: type(v) is list,
    "string": lambda v: type(v) is str,
    "boolean": lambda v: type(v) is bool,
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": lambda v: type(v) is int or (type(v) is float and v.is_integer()),
}


class _Compiler:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def compile(self, schema: Any, root: bool = False) -> Check:
        if schema is True:
            return lambda instance: True
        if schema is False:
            return lambda instance: False
        if not isinstance(schema, dict):
            raise _Unsupported("a schema must be an object or a boolean")
        checks = []
        for key, value in schema.items():
            if key in _ANNOTATIONS or (root and key in _ROOT_ONLY):
                continue
            if key not in _KEYWORDS:
                raise _Unsupported(key)
            checks.append(getattr(self, _KEYWORDS[key])(value, schema))
        return _all(checks) if checks else (lambda instance: True)

    # -- keywords, each as jsonschema's _keywords module applies it ------------------------------

    def _type(self, value: Any, schema: dict[str, Any]) -> Check:
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not all(n in _TYPES for n in names):
            raise _Unsupported("type")
        tests = [_TYPES[n] for n in names]
        if len(tests) == 1:
            test = tests[0]
            return lambda instance: test(instance)
        return lambda instance: any(t(instance) for t in tests)

    def _enum(self, value: Any, schema: dict[str, Any]) -> Check:
        if not isinstance(value, list) or not all(type(v) is str for v in value):
            raise _Unsupported("enum of non-text values")
        allowed = frozenset(value)
        # jsonschema's equal(): text equals only equal text.
        return lambda instance: type(instance) is str and instance in allowed

    def _pattern(self, value: Any, schema: dict[str, Any]) -> Check:
        search = compile_pattern(value)
        return lambda instance: type(instance) is not str or search(instance)

    def _format(self, value: Any, schema: dict[str, Any]) -> Check:
        if value != "date":
            raise _Unsupported(f"format {value}")

        def date(instance: Any) -> bool:
            if type(instance) is not str:
                return True
            if not _RE_DATE.fullmatch(instance):
                return False
            try:
                dt.date.fromisoformat(instance)
            except ValueError:
                return False
            return True

        return date

    def _minLength(self, value: Any, schema: dict[str, Any]) -> Check:
        return lambda instance: type(instance) is not str or not len(instance) < value

    def _maxLength(self, value: Any, schema: dict[str, Any]) -> Check:
        return lambda instance: type(instance) is not str or not len(instance) > value

    def _minimum(self, value: Any, schema: dict[str, Any]) -> Check:
        return lambda instance: not _is_number(instance) or not instance < value

    def _maximum(self, value: Any, schema: dict[str, Any]) -> Check:
        return lambda instance: not _is_number(instance) or not instance > value

    def _exclusiveMinimum(self, value: Any, schema: dict[str, Any]) -> Check:
        return lambda instance: not _is_number(instance) or not instance <= value

    def _exclusiveMaximum(self, value: Any, schema: dict[str, Any]) -> Check:
        return lambda instance: not _is_number(instance) or not instance >= value

    def _minItems(self, value: Any, schema: dict[str, Any]) -> Check:
        return lambda instance: type(instance) is not list or not len(instance) < value

    def _maxItems(self, value: Any, schema: dict[str, Any]) -> Check:
        return lambda instance: type(instance) is not list or not len(instance) > value

    def _minProperties(self, value: Any, schema: dict[str, Any]) -> Check:
        return lambda instance: type(instance) is not dict or not len(instance) < value

    def _maxProperties(self, value: Any, schema: dict[str, Any]) -> Check:
        return lambda instance: type(instance) is not dict or not len(instance) > value

    def _uniqueItems(self, value: Any, schema: dict[str, Any]) -> Check:
        if not value:
            return lambda instance: True

        def unique(instance: Any) -> bool | None:
            if type(instance) is not list:
                return True
            if all(type(v) is str for v in instance):
                return len(set(instance)) == len(instance)
            # Python's == is looser than jsonschema's equal() (True == 1): no match is sure, a match is not.
            for index, item in enumerate(instance):
                if any(item == other for other in instance[index + 1:]):
                    return None
            return True

        return unique

    def _required(self, value: Any, schema: dict[str, Any]) -> Check:
        names = tuple(value)
        return lambda instance: type(instance) is not dict or all(name in instance for name in names)

    def _properties(self, value: Any, schema: dict[str, Any]) -> Check:
        compiled = [(name, self.compile(sub)) for name, sub in value.items()]

        def properties(instance: Any) -> bool | None:
            if type(instance) is not dict:
                return True
            unsure = False
            for name, check in compiled:
                if name in instance:
                    result = check(instance[name])
                    if result is False:
                        return False
                    if result is None:
                        unsure = True
            return None if unsure else True

        return properties

    def _additionalProperties(self, value: Any, schema: dict[str, Any]) -> Check:
        if "patternProperties" in schema:
            raise _Unsupported("patternProperties")
        known = frozenset(schema.get("properties", {}))
        if value is False:
            return lambda instance: type(instance) is not dict or all(name in known for name in instance)
        check = self.compile(value)

        def additional(instance: Any) -> bool | None:
            if type(instance) is not dict:
                return True
            unsure = False
            for name, item in instance.items():
                if name not in known:
                    result = check(item)
                    if result is False:
                        return False
                    if result is None:
                        unsure = True
            return None if unsure else True

        return additional

    def _items(self, value: Any, schema: dict[str, Any]) -> Check:
        if "prefixItems" in schema:
            raise _Unsupported("prefixItems")
        check = self.compile(value)

        def items(instance: Any) -> bool | None:
            if type(instance) is not list:
                return True
            unsure = False
            for item in instance:
                result = check(item)
                if result is False:
                    return False
                if result is None:
                    unsure = True
            return None if unsure else True

        return items

    def _oneOf(self, value: Any, schema: dict[str, Any]) -> Check:
        branches = [self.compile(sub) for sub in value]

        def one_of(instance: Any) -> bool | None:
            matched, unsure = 0, False
            for branch in branches:
                result = branch(instance)
                if result is None:
                    unsure = True
                elif result:
                    matched += 1
                    if matched > 1:
                        return False
            return None if unsure else matched == 1

        return one_of

    def _ref(self, value: Any, schema: dict[str, Any]) -> Check:
        if not isinstance(value, str) or not value.startswith("#"):
            raise _Unsupported("a $ref outside this schema")
        if value not in self.refs:
            target: list[Check] = []
            self.refs[value] = lambda instance: target[0](instance)  # resolved once compiled; refs may recurse
            target.append(self.compile(self._resolve(value)))
        return self.refs[value]

    def _resolve(self, ref: str) -> Any:
        node: Any = self.root
        pointer = unquote(ref[1:])
        if pointer and not pointer.startswith("/"):
            raise _Unsupported("an anchor reference")
        for part in pointer.split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                raise _Unsupported(f"unresolvable $ref {ref}")
        if isinstance(node, dict) and "$id" in node:
            raise _Unsupported("a $ref into a subschema with its own $id")
        return node


# keyword -> the _Compiler method that compiles it; any other keyword leaves the schema to jsonschema
_KEYWORDS = {
    "type": "_type", "enum": "_enum", "pattern": "_pattern", "format": "_format",
    "minLength": "_minLength", "maxLength": "_maxLength",
    "minimum": "_minimum", "maximum": "_maximum", "exclusiveMinimum": "_exclusiveMinimum",
    "exclusiveMaximum": "_exclusiveMaximum",
    "minItems": "_minItems", "maxItems": "_maxItems", "uniqueItems": "_uniqueItems", "items": "_items",
    "minProperties": "_minProperties", "maxProperties": "_maxProperties", "required": "_required",
    "properties": "_properties", "additionalProperties": "_additionalProperties",
    "oneOf": "_oneOf", "$ref": "_ref",
}
