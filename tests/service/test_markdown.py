"""Card text is shown as written: rendered by an independent CommonMark renderer with GFM autolinks
(markdown-it-py, "gfm-like" with linkify), escaped text makes no link, emphasis, code or HTML."""

from __future__ import annotations

import html
import re

from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from clinicguide.service import markdown as md

_RENDERER = MarkdownIt("gfm-like")
# Text that tends to become markup: every character Markdown treats specially, words that autolink.
_PIECES = st.sampled_from(["www", ".", "example", "org", "http", "https", "://", "mailto", "@", "a", " ", "é", "\n",
                           "\r", "\t", "\x00", "\x1f", "\x7f", "#", "-", "+", "1", ")", "(", "=", '"', "'",
                           *"\\`*_[]!|<>~&:"])


def _rendered_text(source: str) -> str:
    rendered = _RENDERER.render(source).strip()
    assert rendered.startswith("<p>") and rendered.endswith("</p>"), rendered
    inner = rendered[3:-4]
    assert "<" not in inner, rendered  # no element at all: no a, em, strong, code, del, HTML
    return html.unescape(inner)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=30).map("".join))
@example("see www.example.org, mail a@b.com or http://x.y/[z](w) *now* <b>&amp;</b> ~~gone~~ `code`")
@example("example.org")  # a bare domain: renderers with linkify make it a link
def test_escaped_text_renders_as_the_same_words(value: str) -> None:
    # A card's detail always writes text after a label on its line, as here.
    expected = "Record: " + re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", value.replace("\r", " ").replace("\n", " "))
    assert _rendered_text("Record: " + md.text(value)) == expected.rstrip(" \t")


def test_a_link_is_made_only_from_a_plain_web_address() -> None:
    assert md.link("Label *x*", "https://example.org/a") == "[Label \\*x\\*](https://example.org/a)"
    assert md.link("Label", "javascript:alert(1)") == "Label"
    assert md.link("Label", "https://example.org/a) [x](y") == "Label"
    assert md.code("id|1.0`x\n") == "`id|1.0x `"
