"""Where a problem is: a checked file, and the locator that turns a path in it into a :class:`Problem`.

The validator (:mod:`.check`), the semantic rules (:mod:`.rules`) and the guidance release
history (:mod:`.history`) all report through these, so none of them imports another for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import Problem
from .yamlsafe import JsonPath, Positions


@dataclass(frozen=True)
class Checked:
    """One guidance file after validation: its data (if readable), its problems and its warnings.

    Only ``problems`` (errors) stop a document from loading, building or verifying; ``warnings``
    are for the people who edit it (``clinicguide validate`` shows both).
    """

    path: Path
    display: str
    data: dict[str, Any] | None
    positions: Positions | None
    problems: tuple[Problem, ...]
    sha256: str = ""
    warnings: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def ref(self) -> str | None:
        """``id|version`` of the document, or None if it does not have both as text."""
        data = self.data
        if data and isinstance(data.get("id"), str) and isinstance(data.get("version"), str):
            return f"{data['id']}|{data['version']}"
        return None

    def problem_at(self, path: JsonPath, code: str, message: str) -> Problem:
        """A problem at ``path`` of this document (its start when the file has no positions)."""
        line, column = self.positions.of(path) if self.positions else (1, 1)
        return Problem(self.display, line, column, code, message, json_path(path))


def json_path(path: Iterable[str | int]) -> str:
    """``$.risks[2].severity`` for the path ``('risks', 2, 'severity')``."""
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


class Locator:
    """Makes :class:`Problem` objects for paths inside one document."""

    def __init__(self, file: str, positions: Positions) -> None:
        self.file, self.positions = file, positions

    def __call__(self, path: JsonPath, code: str, message: str, *, key: bool = False) -> Problem:
        line, column = self.positions.of(tuple(path), key=key)
        return Problem(self.file, line, column, code, message, json_path(path))
