"""JSON Schema ``pattern`` as the specification says: ECMA-262 regular expressions.

Python's ``re`` differs where it matters for ids and codes: ``$`` also matches before a final
newline, so ``"microneedling\\n"`` passed ``^[a-z-]+$``, and ``\\d`` matches any Unicode digit.
Editors and check-jsonschema follow ECMA-262, and so does the validator here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

import regress


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> Callable[[str], bool]:
    """A search function for an ECMA-262 pattern (unanchored, as JSON Schema's ``pattern`` is)."""
    find = regress.Regex(pattern).find
    return lambda text: find(text) is not None


def pattern_keyword(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[Any]:
    """jsonschema's ``pattern`` keyword, matched with ECMA-262 semantics."""
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not compile_pattern(pattern)(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")
