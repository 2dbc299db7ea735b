"""Values worked out once per guidance object, instead of on every decision.

The loaded guidance never changes (its model is frozen), so whatever follows from a
document alone - the ids answers may use, a questionnaire's template - can be kept and
found again by the object's identity, which costs a dictionary lookup where hashing a
frozen model would walk all of it. Each entry holds its object, so the identity cannot
be reused by another object while the entry lives; a library reloaded with changes has
new objects, which get entries of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class PerObject(Generic[K, V]):
    """``compute(obj, *args)``, kept per identity of ``obj`` and the (hashable) ``args``.

    At most ``limit`` values are kept; when full, the memo starts again, so a host that
    cycles through more documents than that pays as it did without the memo.
    """

    def __init__(self, compute: Callable[..., V], limit: int = 1024) -> None:
        self._compute = compute
        self._limit = limit
        self._values: dict[tuple[Hashable, ...], tuple[K, V]] = {}

    def __call__(self, obj: K, *args: Hashable) -> V:
        key = (id(obj), *args)
        found = self._values.get(key)
        if found is not None and found[0] is obj:
            return found[1]
        value = self._compute(obj, *args)
        if len(self._values) >= self._limit:
            self._values.clear()
        self._values[key] = (obj, value)
        return value

    def __len__(self) -> int:
        return len(self._values)
