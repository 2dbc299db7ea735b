"""Exceptions a user can cause, kept apart from programming errors.

Everything a user can trigger derives from :class:`ClinicguideError`; the CLI turns
those into located messages and exit codes and lets anything else surface as a bug.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One located content problem: ``file:line:col: CODE message``."""

    file: str
    line: int
    column: int
    code: str
    message: str
    path: str = ""  # JSON path inside the document, e.g. ``$.risks[2].severity``

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.code} {self.message}"


class ClinicguideError(Exception):
    """Base of every error that bad input (not a bug) can cause."""

    exit_code = 2


class UsageError(ClinicguideError):
    """Bad arguments, unknown ids, unreadable inputs: exit code 2."""


class ContentError(ClinicguideError):
    """Guidance content has problems; carries every problem found, not just the first."""

    exit_code = 1

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(problems))
        first = self.problems[0] if self.problems else "no details"
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"{first}{more}")


class InputError(ClinicguideError):
    """A patient, proposal, answer or response that cannot be used as given: exit code 1."""

    exit_code = 1


class ConsentIncomplete(InputError):
    """A consent checklist response leaves required items unacknowledged."""

    def __init__(self, missing: Iterable[str]) -> None:
        self.missing: tuple[str, ...] = tuple(missing)
        super().__init__("consent not given; items not acknowledged: " + ", ".join(self.missing))


class PluginError(ClinicguideError):
    """A plugin failed or broke a rule; names the plugin and the hook."""

    def __init__(self, plugin: str, hook: str, reason: str) -> None:
        self.plugin, self.hook, self.reason = plugin, hook, reason
        super().__init__(f"plugin {plugin!r} in hook {hook!r}: {reason}")


class ReleaseRecordError(ClinicguideError):
    """A release history file (schema or guidance) is unreadable or malformed: exit code 1."""

    exit_code = 1

    def __init__(self, file: str, reason: str) -> None:
        self.file, self.reason = file, reason
        super().__init__(f"{file}: CG404 {reason}")
