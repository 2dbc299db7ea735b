"""GitHub-flavoured Markdown that shows text as written.

Card details quote guidance text and references from the EHR's own records; either could hold
characters that Markdown reads as links, emphasis or HTML. Escaping them keeps a record's id
from turning into a link the clinician might follow.
"""

from __future__ import annotations

import re

# Emphasis, code, links, HTML, tables and strike-through; ':' and '@' and '.' too, so that no
# URL, e-mail address or www. name becomes an autolink.
_SPECIAL = re.compile(r"([\\`*_\[\]!|<>~&:@]|(?<=www)\.)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def text(value: str) -> str:
    """``value`` as literal Markdown text on one line."""
    return _SPECIAL.sub(r"\\\1", _CONTROL.sub("", value.replace("\r", " ").replace("\n", " ")))


def link(label: str, url: str | None) -> str:
    """A link with an escaped label, when ``url`` is a plain http(s) URL; else the label alone."""
    if url and re.fullmatch(r"https?://[^\s()<>\[\]]+", url):
        return f"[{text(label)}]({url})"
    return text(label)


def code(value: str) -> str:
    """An inline code span (for ids such as ``id|version``), with backticks removed from the value."""
    return "`" + _CONTROL.sub("", value.replace("`", "").replace("\n", " ")) + "`"
