"""Exceptions a user can cause, kept apart from programming errors.

Everything a user can trigger derives from :class:`ClinicguideError`; the CLI turns
those into located messages and exit codes and lets anything else surface as a bug.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from .escape import printable


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem with a file: ``file:line:col: CODE message``.

    Line and column are 0 when the problem is with the whole file (a hash, a missing file,
    an unsafe bundle member); it then reads ``file: CODE message``.
    """

    file: str
    line: int
    column: int
    code: str
    message: str
    path: str = ""  # JSON path inside the document, e.g. ``$.risks[2].severity``
    # A warning is shown but fails nothing: it never stops a document from loading or a check from passing.
    severity: Literal["error", "warning"] = "error"

    @property
    def is_whole_file(self) -> bool:
        return not self.line

    @property
    def is_warning(self) -> bool:
        return self.severity == "warning"

    def __str__(self) -> str:
        # One problem, one line: a file name or message holding a newline cannot forge another.
        file = printable(self.file)
        where = file if self.is_whole_file else f"{file}:{self.line}:{self.column}"
        label = " warning:" if self.is_warning else ""
        return f"{where}: {self.code}{label} {printable(self.message)}"

    def as_json(self, *, path: bool = True) -> dict[str, object]:
        """The JSON form; ``path=False`` leaves out the JSON path (release checks report files, not fields)."""
        found: dict[str, object] = {"file": self.file, "line": self.line, "column": self.column, "code": self.code,
                                    "message": self.message}
        if path:
            found["path"] = self.path
        if self.is_warning:
            found["severity"] = self.severity
        return found

    def as_warning(self) -> Problem:
        """The same problem, reported as a warning."""
        return replace(self, severity="warning")


def whole_file(code: str, file: str, message: str) -> Problem:
    """A problem with a file as a whole, not with a place in it."""
    return Problem(file, 0, 0, code, message)


def _first_of(problems: tuple[Problem, ...]) -> str:
    """The first problem, and how many more there are: an exception's one-line message."""
    first = problems[0] if problems else "no details"
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{first}{more}"


class ClinicguideError(Exception):
    """Base of every error that bad input (not a bug) can cause."""

    exit_code = 2


class UsageError(ClinicguideError):
    """Bad arguments, unknown ids, unreadable inputs: exit code 2."""


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest of ``known`` to a misspelt ``name``, or ``""``."""
    import difflib  # only for a message about a mistake

    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class ContentError(ClinicguideError):
    """Guidance content has problems; carries every problem found, not just the first."""

    exit_code = 1

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(sorted(problems))
        super().__init__(_first_of(self.problems))


class BundleRefused(ClinicguideError):
    """A release bundle cannot be read safely or is malformed; carries every problem (exit code 1)."""

    exit_code = 1

    def __init__(self, bundle: str, problems: Iterable[Problem]) -> None:
        self.bundle = bundle
        self.problems: tuple[Problem, ...] = tuple(sorted(set(problems)))
        super().__init__(f"{bundle}: refused: {_first_of(self.problems)}")


class InputError(ClinicguideError):
    """A patient, proposal, answer or response that cannot be used as given: exit code 1."""

    exit_code = 1


class UnknownName(UsageError, InputError):
    """A guidance id, regimen, parameter or criterion id the guidance does not have: exit code 2.

    A usage error, like a misspelt option: the name was typed, not read from the patient's
    record. It is an :class:`InputError` too, so that callers that caught unknown
    parameters and criteria as input errors still do. The message lists the known names
    and suggests the closest to each unknown one.
    """

    exit_code = 2

    def __init__(self, head: str, names: Iterable[str], known: Iterable[str], label: str = "known") -> None:
        import difflib  # only for a message about a mistake

        self.names, self.known = tuple(names), tuple(known)
        hints = [f"{close!r} for {name!r}" if len(self.names) > 1 else repr(close)
                 for name in self.names for close in difflib.get_close_matches(name, self.known, n=1, cutoff=0.6)]
        hint = f"; did you mean {', '.join(hints)}?" if hints else ""
        super().__init__(f"{head}; {label}: {', '.join(self.known) or 'none'}{hint}")


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
