"""Every patient document of every packaged guidance, made once per test session, and the tools that check them.

The tools are Debian's Chromium and poppler-utils, and axe-core from npm (tests/browser). Where
one is missing the tests that need it skip and say which; with CLINICGUIDE_REQUIRE_BROWSER=1
(set by .ci/run) they fail instead, so CI cannot pass without them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from clinicguide import ClinicGuide, hookimpl

ROOT = Path(__file__).resolve().parents[2]
MARIA = ROOT / "examples" / "patients" / "maria-lopez.json"
DATE = "2026-12-01"
BROWSER_DIR = ROOT / "tests" / "browser"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


class Site:
    """A site with two contacts, one of them after hours, as a site plugin gives them."""

    @hookimpl
    def clinicguide_site_contacts(self) -> list[dict[str, str]]:
        return [{"name": "Reception", "phone": "020 7946 0000", "hours": "Monday to Friday, 09:00 to 17:00"},
                {"name": "After-hours line", "phone": "020 7946 0999", "use": "if you are worried outside opening hours"}]


def need(tool: str, present: bool, how: str) -> None:
    """Skip (or, where CI requires the tools, fail) when ``tool`` is missing."""
    if present:
        return
    message = f"{tool} is not available: {how}"
    if os.environ.get("CLINICGUIDE_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def need_poppler() -> None:
    need("pdftoppm and pdftotext (poppler-utils)", bool(shutil.which("pdftoppm") and shutil.which("pdftotext")),
         "apt-get install poppler-utils")


def need_browser() -> None:
    need(f"Chromium at {CHROMIUM}", Path(CHROMIUM).is_file(), "apt-get install chromium")
    need("node", bool(shutil.which("node")), "apt-get install nodejs")
    need("axe-core and playwright-core", (BROWSER_DIR / "node_modules" / "axe-core").is_dir()
         and (BROWSER_DIR / "node_modules" / "playwright-core").is_dir(), "run npm ci in tests/browser")


@pytest.fixture
def poppler() -> None:
    """The test needs poppler-utils."""
    need_poppler()


@pytest.fixture
def browser() -> None:
    """The test needs Chromium, node and the npm packages of tests/browser."""
    need_browser()


@pytest.fixture(scope="session")
def guide() -> ClinicGuide:
    return ClinicGuide(entry_point_plugins=False, plugins=[Site()])


@pytest.fixture(scope="session")
def maria() -> dict[str, object]:
    import json

    data: dict[str, object] = json.loads(MARIA.read_text(encoding="utf-8"))
    return data


def _every_document(guide: ClinicGuide, patient: dict[str, object], folder: Path, fmt: str) -> dict[str, Path]:
    made = {}
    for guidance_id in guide.library.ids():
        for kind in ("consent", "aftercare"):
            path = folder / f"{guidance_id}-{kind}.{fmt}"
            path.write_bytes(guide.document(kind, guidance_id, patient=patient, date=DATE, format=fmt).content)
            made[path.stem] = path
    return made


@pytest.fixture(scope="session")
def html_documents(guide: ClinicGuide, maria: dict[str, object], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``{"microneedling-consent": path, ...}``: both documents of every guidance, as HTML files."""
    return _every_document(guide, maria, tmp_path_factory.mktemp("html"), "html")


@pytest.fixture(scope="session")
def pdf_documents(guide: ClinicGuide, maria: dict[str, object], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The same documents as PDF files."""
    return _every_document(guide, maria, tmp_path_factory.mktemp("pdf"), "pdf")
