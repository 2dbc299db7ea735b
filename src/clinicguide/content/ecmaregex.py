"""JSON Schema ``pattern`` as the specification says: ECMA-262 regular expressions, matched in linear time.

Python's ``re`` differs where it matters for ids and codes: ``$`` also matches before a final
newline, so ``"microneedling\\n"`` passed ``^[a-z-]+$``, and ``\\d`` matches any Unicode digit.
Editors and check-jsonschema follow ECMA-262, and so does the validator here.

Patterns come from schemas, and a release bundle brings its own: a backtracking engine
takes exponential time on ``^(a+)+$`` against ``"aaaa…a!"``, so one schema could hang
``release verify``. Patterns are therefore matched by jsonschema-rs's translation of
ECMA-262 onto Rust's ``regex`` crate, which runs in time linear in the text. The price is
that a pattern needing backtracking (a backreference or a lookaround) cannot be used; it
is refused as not a valid pattern (:class:`UnsafePattern`), never run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any


class UnsafePattern(ValueError):
    """A pattern that is not ECMA-262, or that only a backtracking engine could match."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        super().__init__(f"{pattern!r} is not a pattern that can be matched in linear time (no backreferences or lookaround)")


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Callable[[str], bool]:
    """A search function for an ECMA-262 pattern (unanchored, as JSON Schema's ``pattern`` is).

    :raises UnsafePattern: if the pattern is invalid, or needs backtracking.
    """
    import jsonschema_rs  # the compiled engine loads only when a schema has a pattern

    try:
        matcher = jsonschema_rs.validator_for({"pattern": pattern}, pattern_options=jsonschema_rs.RegexOptions())
    except ValueError:  # jsonschema_rs.ValidationError: the schema's pattern is not a regex it can run
        raise UnsafePattern(pattern) from None
    return matcher.is_valid


def is_linear(pattern: str) -> bool:
    """Whether ``pattern`` is ECMA-262 that :func:`compile_pattern` can match in linear time."""
    try:
        compile_pattern(pattern)
    except UnsafePattern:
        return False
    return True


def pattern_keyword(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    """jsonschema's ``pattern`` keyword, matched with ECMA-262 semantics."""
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not compile_pattern(pattern)(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")
