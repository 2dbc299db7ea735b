"""Every HTML document in a real browser: Debian's Chromium loads it and takes a screenshot, axe-core finds no
WCAG 2.2 A or AA violation, and the page reflows at 200% zoom. A page with known faults proves the check can fail."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

BROWSER_DIR = Path(__file__).resolve().parents[1] / "browser"
pytestmark = pytest.mark.usefixtures("browser")

FAULTY = """<!DOCTYPE html><html><head><title>Faulty</title></head><body>
<h1>Form</h1><h4>Skipped levels</h4>
<p style="color:#bbbbbb;background:#ffffff">Pale text on white.</p>
<input type="checkbox" id="agree">
<div style="width:1200px">Too wide to reflow.</div>
</body></html>"""


@pytest.fixture(scope="module")
def checked(html_documents: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    folder = tmp_path_factory.mktemp("browser")
    faulty = folder / "faulty.html"
    faulty.write_text(FAULTY, encoding="utf-8")
    files = [str(p) for p in html_documents.values()] + [str(faulty)]
    done = subprocess.run(["node", "check.mjs", str(folder), *files], cwd=BROWSER_DIR, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    results: dict[str, dict[str, object]] = json.loads(done.stdout)
    return {Path(name).stem: result for name, result in results.items()}


def test_every_document_loads_and_has_a_screenshot(checked: dict[str, dict[str, object]],
                                                   html_documents: dict[str, Path]) -> None:
    assert set(html_documents) <= set(checked) and len(html_documents) == 12
    for name in html_documents:
        shot = Path(str(checked[name]["screenshot"]))
        assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and shot.stat().st_size > 10_000, name


def test_axe_finds_no_wcag_violation(checked: dict[str, dict[str, object]], html_documents: dict[str, Path]) -> None:
    found = {name: checked[name]["violations"] for name in html_documents if checked[name]["violations"]}
    assert not found, json.dumps(found, indent=1)


def test_every_document_reflows_at_200_percent_zoom(checked: dict[str, dict[str, object]],
                                                    html_documents: dict[str, Path]) -> None:
    assert not [name for name in html_documents if checked[name]["overflow"]]


def test_the_check_finds_faults_where_there_are_some(checked: dict[str, dict[str, object]]) -> None:
    faulty = checked["faulty"]
    rules = {v["id"] for v in faulty["violations"]}  # type: ignore[attr-defined]
    assert {"color-contrast", "label", "html-has-lang"} <= rules, rules
    assert faulty["overflow"] is True
