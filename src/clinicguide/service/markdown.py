"""GitHub-flavoured Markdown that shows text as written.

Card details quote guidance text and references from the EHR's own records; either could hold
characters that Markdown reads as links, emphasis or HTML. Escaping them keeps a record's id
from turning into a link the clinician might follow.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Emphasis, code, links, HTML, tables and strike-through escaped; ':' and '@' too, and every '.',
# so that no URL, e-mail address or domain name becomes an autolink (renderers with linkify link a
# bare "example.org"). An escaped character shows as itself. Line breaks become spaces, other
# control characters go.
_ESCAPES: dict[int, str | None] = {ord(c): "\\" + c for c in "\\`*_[]!|<>~&:@."}
_ESCAPES.update(dict.fromkeys((*range(0x09), *range(0x0B, 0x20), 0x7F)))
_ESCAPES.update({ord("\r"): " ", ord("\n"): " "})
_NEEDS_ESCAPES = re.compile(r"[\\`*_\[\]!|<>~&:@.\x00-\x1f\x7f]")  # most text has none: it is returned as it is


def text(value: str) -> str:
    """``value`` as literal Markdown text on one line."""
    if _NEEDS_ESCAPES.search(value) is None:
        return value
    return value.translate(_ESCAPES)


def link(label: str, url: str | None) -> str:
    """A link with an escaped label, when ``url`` is a plain http(s) URL; else the label alone."""
    if url and re.fullmatch(r"https?://[^\s()<>\[\]]+", url):
        return f"[{text(label)}]({url})"
    return text(label)


def code(value: str) -> str:
    """An inline code span (for ids such as ``id|version``), with backticks removed from the value."""
    return "`" + _CONTROL.sub("", value.replace("`", "").replace("\n", " ")) + "`"
