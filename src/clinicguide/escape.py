"""Making text from inputs safe to print: no control, format or line-breaking character reaches an output raw.

File names, bundle members, guidance fields, answers' link ids and reviewer names are
all chosen by whoever wrote the input. Printed raw, a newline forges a further
``file:line:col`` line, and an escape sequence rewrites or hides what a terminal shows.
Every character that is not printable (``str.isprintable``: controls, C1 codes, bidi and
other format characters, separators other than the space) is written as a Python escape,
as ``repr`` does, so the text stays readable and one field stays on one line.
"""

from __future__ import annotations

import re

# Printable ASCII is always safe; any other character is looked at on its own.
_CANDIDATE = re.compile(r"[^\x20-\x7e]")


def _escaped(char: str) -> str:
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _one(match: re.Match[str]) -> str:
    char = match.group()
    return char if char.isprintable() else _escaped(char)


def printable(text: str) -> str:
    """``text`` as one printable line: every non-printable character (newlines too) escaped."""
    return text if text.isprintable() else _CANDIDATE.sub(_one, text)


def printable_lines(text: str) -> str:
    """``text`` with its line breaks kept and every other non-printable character escaped (whole outputs)."""
    if text.isprintable():
        return text
    return "\n".join(printable(line) for line in text.split("\n"))
