"""Every PDF document: poppler renders every page, the PDF is tagged PDF/UA-1 with a title, a language and
embedded fonts, and its text holds every consent item (or aftercare item) of the guidance."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pypdf
import pytest

from clinicguide import ClinicGuide

DATE = "2026-12-01"
pytestmark = pytest.mark.usefixtures("poppler")


def _words(text: str) -> str:
    # pdftotext joins a word broken at a hyphen ("longer-" / "lasting") without it: compare without hyphens.
    return " ".join(text.replace("-", "").split())


def _pdftotext(path: Path) -> str:
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, timeout=60,
                          check=True)
    return _words(done.stdout)


def test_poppler_renders_every_page(pdf_documents: dict[str, Path], tmp_path: Path) -> None:
    for name, path in pdf_documents.items():
        pages = len(pypdf.PdfReader(path).pages)
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / name)], check=True, timeout=120,
                       capture_output=True)
        images = sorted(tmp_path.glob(f"{name}-*.png"))
        assert pages >= 1 and len(images) == pages, (name, pages, images)
        assert all(image.stat().st_size > 1000 for image in images), name


def test_every_pdf_is_tagged_with_title_and_language(pdf_documents: dict[str, Path], guide: ClinicGuide) -> None:
    for name, path in pdf_documents.items():
        guidance_id, _, kind = name.rpartition("-")
        reader = pypdf.PdfReader(path)
        root = reader.trailer["/Root"]
        assert "/StructTreeRoot" in root, f"{name} has no structure tree"
        assert bool(root["/MarkInfo"]["/Marked"]), name
        assert root["/Lang"] == "en", name
        assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"]), name
        title = guide.document(kind, guidance_id).title
        assert reader.metadata is not None and reader.metadata.title == title
        assert 'pdfuaid:part="1"' in reader.xmp_metadata.rdf_root.toxml(), f"{name} does not claim PDF/UA-1"


def test_every_font_is_embedded(pdf_documents: dict[str, Path]) -> None:
    for name, path in pdf_documents.items():
        rows = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True, timeout=60).stdout
        fonts = rows.splitlines()[2:]
        assert fonts, f"{name} uses no font"
        for row in fonts:  # name, type, encoding, then emb sub uni: the first yes/no column is "embedded"
            assert re.search(r"\s(yes|no)\s+(yes|no)\s+(yes|no)\s", row), row
            assert re.search(r"\syes\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$", row), f"{name}: font not embedded: {row}"


def test_the_text_holds_every_consent_and_aftercare_item(pdf_documents: dict[str, Path], guide: ClinicGuide) -> None:
    for name, path in pdf_documents.items():
        guidance_id, _, kind = name.rpartition("-")
        guidance = guide.library.get(guidance_id)
        text = _pdftotext(path)
        items = guidance.consent if kind == "consent" else guidance.aftercare
        for item in items:
            assert _words(item.text) in text, f"{name}: {item.id} missing from the PDF's text"
        assert _words(guidance.ref) in text and "Maria Lopez" in text
        if kind == "aftercare":
            assert "Tuesday 1 December 2026" in text and "020 7946 0999" in text


def test_the_same_document_gives_the_same_bytes(guide: ClinicGuide, maria: dict[str, object]) -> None:
    first = guide.document("consent", "microneedling", patient=maria, date=DATE, format="pdf").content
    again = guide.document("consent", "microneedling", patient=maria, date=DATE, format="pdf").content
    assert first == again and first.startswith(b"%PDF-")


def test_the_same_bytes_in_another_process(tmp_path: Path) -> None:
    made = []
    for seed in ("1", "2"):
        out = tmp_path / f"consent-{seed}.pdf"
        subprocess.run([sys.executable, "-m", "clinicguide", "document", "consent", "microneedling", "--date", DATE,
                        "--format", "pdf", "--output", str(out)], check=True, timeout=120, capture_output=True,
                       env={**os.environ, "PYTHONHASHSEED": seed})
        made.append(out.read_bytes())
    assert made[0] == made[1]


@pytest.mark.parametrize("kind", ["consent", "aftercare"])
def test_a_pdf_fetches_nothing(guide: ClinicGuide, kind: str) -> None:
    # Guidance text holds URLs (sources); the PDF shows them as text and loads none.
    made = guide.document(kind, "microneedling", format="pdf")
    assert made.media_type == "application/pdf" and b"/URI" not in made.content
