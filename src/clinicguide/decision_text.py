"""A decision as text for people: the decision in one line, the findings with their sources, the open
questions, and the care plan as a dated timeline from the procedure date.

It fits the width it is given (the terminal's), uses colour only when asked (a terminal, and
``NO_COLOR`` not set), and shows every string that came from input or guidance with its
control and format characters escaped, so no terminal escape sequence passes through.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import textwrap
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

from .clinical.findings import QUESTION_CODES
from .escape import printable

if TYPE_CHECKING:
    from .clinical.findings import Finding
    from .clinical.screening import Screening
    from .guide import PlanResult

#: What each decision means for the clinician, next to the decision itself.
DECISION_WORDS = {
    "eligible": "no finding stands against the proposal",
    "caution": "it may go ahead with care; read the findings",
    "needs-information": "answer the open questions before deciding",
    "contraindicated": "not to be done as proposed",
}
_COLOURS = {"eligible": "32", "caution": "33", "needs-information": "36", "contraindicated": "31"}  # SGR codes
MIN_WIDTH, MAX_WIDTH = 40, 120
_DATE_COLUMN = 25  # "2026-12-01 to 2026-12-04" and a space


def terminal_style(stream: TextIO) -> tuple[int, bool]:
    """The width to fit and whether to colour, for text written to ``stream``."""
    width = shutil.get_terminal_size((80, 24)).columns
    colour = stream.isatty() and not os.environ.get("NO_COLOR")  # no-color.org: set and not empty means no colour
    return max(MIN_WIDTH, min(width, MAX_WIDTH)), colour


def safe(text: object) -> str:
    """``text`` on one line: line breaks and runs of spaces become one space, and every other
    non-printable character (ESC, bidi overrides) is shown escaped."""
    return printable(" ".join(str(text).split()))


def decision_text(result: PlanResult, *, width: int = 80, colour: bool = False) -> str:
    """The readable form of a plan or screen result."""
    width = max(MIN_WIDTH, width)
    screening = result.screening
    guidance = screening.guidance
    decision = f"Decision: {result.decision.upper()}"
    first, *lines = _wrap(f"{decision} - {DECISION_WORDS[result.decision]}", width, "", "  ")
    if colour:
        first = first.replace(decision, f"\x1b[1;{_COLOURS[result.decision]}m{decision}\x1b[0m", 1)
    lines = [first, *lines]
    lines += _wrap(f"{safe(guidance.title)} ({safe(result.guidance)}), procedure date {screening.date.isoformat()}", width)
    known = [f for f in result.findings if f.code not in QUESTION_CODES]
    asked = [f for f in result.findings if f.code in QUESTION_CODES]
    lines += ["", f"Findings ({len(known)})"]
    lines += [line for f in known for line in _finding(f, width)] or ["  none"]
    lines += ["", f"Open questions ({len(asked)})"]
    lines += [line for f in asked for line in _finding(f, width, question=True)] or ["  none"]
    if screening.answers:
        by = f" by {safe(screening.answered_by)}" if screening.answered_by else ""
        when = f" on {screening.answered_at.isoformat()}" if screening.answered_at else ""
        lines += ["", f"Answers used: {len(screening.answers)}{by}{when}"]
    if screening.not_applicable:
        lines += ["", "Cannot apply to this patient"]
        lines += [line for n in screening.not_applicable
                  for line in _wrap(f"{safe(n.item)}: decided by {', '.join(map(safe, n.evidence))}", width, "  ", "    ")]
    lines += ["", f"Care plan from {screening.date.isoformat()}"]
    lines += [line for start, end, text in _timeline(screening) for line in _dated(start, end, text, width)]
    return "\n".join(lines) + "\n"


def _finding(f: Finding, width: int, *, question: bool = False) -> list[str]:
    head = f"[{f.outcome}, {f.severity}] {safe(f.item)}: {safe(f.message)}"
    lines = _wrap(head, width, "  ", "    ")
    if question and f.question:
        lines += _wrap(f"ask: {safe(f.question)}", width, "    ", "      ")
    if f.evidence:
        lines += _wrap(f"evidence: {', '.join(map(safe, f.evidence))}", width, "    ", "      ")
    lines += _wrap(f"sources: {', '.join(map(safe, f.sources)) or 'none'} ({safe(f.guidance)})", width, "    ", "      ")
    return lines


def _timeline(screening: Screening) -> list[tuple[dt.date, dt.date | None, str]]:
    """Every dated step of the care plan, in date order (the guidance's order on the same day)."""
    date, guidance = screening.date, screening.guidance
    proposal = screening.proposal
    proposed = ", ".join(f"{name} {value}" for name, value in proposal.values()) if proposal else ""
    treatment = "Do not treat" if screening.decision == "contraindicated" else "Treatment"
    steps: list[tuple[dt.date, dt.date | None, str]] = [
        (date, None, f"{treatment}: {safe(guidance.title)}{f' ({safe(proposed)})' if proposed else ''}")]
    steps += [(date, None, f"Before treatment: {safe(p.text)}") for p in guidance.prerequisites]
    for care in guidance.aftercare:
        start = care.start.after(date)
        end = care.lasts.after(start) if care.lasts else None
        steps.append((start, end, f"Aftercare, {care.category}: {safe(care.text)}"))
    for item in screening.monitoring:
        every = f" (then every {item.every})" if item.every else ""
        for offset in item.at or ():
            steps.append((offset.after(date), None, f"Monitoring, {item.kind}: {safe(item.text)}{every}"))
        if not item.at:
            steps.append((date, None, f"Monitoring, {item.kind}: {safe(item.text)} ({safe(item.timing)})"))
    return sorted(steps, key=lambda step: step[0])


def _dated(start: dt.date, end: dt.date | None, text: str, width: int) -> Iterator[str]:
    when = start.isoformat() + (f" to {end.isoformat()}" if end and end != start else "")
    indent = " " * (2 + _DATE_COLUMN)
    for index, line in enumerate(_wrap(text, width, indent, indent)):
        yield f"  {when:<{_DATE_COLUMN}}{line[len(indent):]}" if index == 0 else line


def _wrap(text: str, width: int, first: str = "", rest: str | None = None) -> list[str]:
    return textwrap.wrap(text, width, initial_indent=first, subsequent_indent=first if rest is None else rest,
                         break_on_hyphens=False) or [first.rstrip()]
