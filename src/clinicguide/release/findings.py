"""What release checks report: a coded finding named by file, and the error that carries them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import ClinicguideError, Problem


@dataclass(frozen=True, order=True)
class Finding:
    """One problem with a bundle or release tree, named by the file (or member) concerned.

    Line and column are 0 when the finding is about a whole file (a hash, a missing file).
    """

    name: str
    line: int
    column: int
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.name}:{self.line}:{self.column}" if self.line else self.name
        return f"{where}: {self.code} {self.message}"

    def as_json(self) -> dict[str, object]:
        return {"file": self.name, "line": self.line, "column": self.column, "code": self.code, "message": self.message}

    @classmethod
    def from_problem(cls, problem: Problem, name: str | None = None) -> Finding:
        return cls(name or problem.file, problem.line, problem.column, problem.code, problem.message)


def finding(code: str, name: str, message: str) -> Finding:
    """A finding about a whole file."""
    return Finding(name, 0, 0, code, message)


class BundleRefused(ClinicguideError):
    """A bundle cannot be read safely or is malformed; carries every finding (exit code 1)."""

    exit_code = 1

    def __init__(self, bundle: str, findings: Iterable[Finding]) -> None:
        self.bundle = bundle
        self.findings: tuple[Finding, ...] = tuple(sorted(set(findings)))
        first = self.findings[0] if self.findings else "no details"
        more = f" (and {len(self.findings) - 1} more)" if len(self.findings) > 1 else ""
        super().__init__(f"{bundle}: refused: {first}{more}")
