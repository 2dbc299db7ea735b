"""The HTML of a patient document from the templates, and its PDF from that same HTML.

The HTML is escaped throughout (Jinja2 autoescaping), so guidance text and a patient's name
are shown as text, never as markup. The PDF is tagged PDF/UA-1 (WeasyPrint), with the fonts
embedded, the title from ``<title>`` and the language from ``<html lang>``.
"""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

from ..errors import UsageError
from .sheet import Sheet

if TYPE_CHECKING:
    import jinja2

#: The formats a document comes in, with their media types.
MEDIA_TYPES = {"html": "text/html", "pdf": "application/pdf"}
_TEMPLATES = resources.files(__package__) / "templates"


def _environment() -> jinja2.Environment:
    import jinja2  # imported when a document is made: the command line stays quick to start

    return jinja2.Environment(loader=jinja2.FunctionLoader(_template), autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _template(name: str) -> str | None:
    path = _TEMPLATES / name
    return path.read_text(encoding="utf-8") if path.is_file() else None


def html(sheet: Sheet) -> str:
    """The document as one self-contained HTML page (its stylesheet inline)."""
    from markupsafe import Markup

    css = Markup((_TEMPLATES / "style.css").read_text(encoding="utf-8"))  # the package's own stylesheet, not input
    return _environment().get_template(f"{sheet.kind}.html.j2").render(sheet=sheet, css=css)


def pdf(page: str) -> bytes:
    """The PDF of an HTML page made by :func:`html`: tagged PDF/UA-1, fonts embedded, same page in, same bytes out."""
    try:
        import weasyprint
    except OSError as exc:  # WeasyPrint loads Pango when imported; without it no PDF can be made
        raise UsageError(f"PDF output needs the Pango library ({exc}); install it (Debian: libpango-1.0-0 "
                         "libpangoft2-1.0-0) or ask for --format html") from None
    document = weasyprint.HTML(string=page, base_url=None, url_fetcher=_no_fetching)
    data: bytes = document.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=False)
    return data


def _no_fetching(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    # The page is self-contained: a URL in it (from guidance text, say) is never fetched.
    raise UsageError(f"a patient document may not load {url!r}")


def render(sheet: Sheet, fmt: str) -> bytes:
    """``sheet`` as ``html`` (UTF-8) or ``pdf``."""
    if fmt not in MEDIA_TYPES:
        raise UsageError(f"document format {fmt!r} is not one of: {', '.join(MEDIA_TYPES)}")
    page = html(sheet)
    return page.encode("utf-8") if fmt == "html" else pdf(page)
