"""Golden files: the consent form and the aftercare handout of microneedling for Maria Lopez on 2026-12-01.

A change in the templates, the wording or tests/documents/golden's source document shows here as
a diff to review. After a deliberate change, rewrite the files with
``CLINICGUIDE_UPDATE_GOLDEN=1 python -m pytest tests/documents/test_golden_documents.py`` and
review the diff before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from clinicguide import ClinicGuide, hookimpl
from clinicguide.content.library import load_library

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"


class Site:
    @hookimpl
    def clinicguide_site_contacts(self) -> list[dict[str, str]]:
        return [{"name": "Example Clinic after-hours line", "phone": "020 7946 0999", "hours": "17:00 to 09:00",
                 "use": "if you are worried about the treated area outside opening hours"}]


@pytest.mark.parametrize("kind", ["consent", "aftercare"])
def test_document_matches_its_golden_file(kind: str) -> None:
    # Only the microneedling file is loaded, so the release digest in the footer follows that file alone.
    library = load_library(ROOT / "guidance" / "microneedling.yaml", packaged=False)
    guide = ClinicGuide(library, entry_point_plugins=False, plugins=[Site()])
    patient = json.loads((ROOT / "examples" / "patients" / "maria-lopez.json").read_text(encoding="utf-8"))
    made = guide.document(kind, "microneedling", patient=patient, date="2026-12-01").content.decode("utf-8")
    golden = GOLDEN / f"microneedling-{kind}.html"
    if os.environ.get("CLINICGUIDE_UPDATE_GOLDEN") == "1":
        golden.write_text(made, encoding="utf-8")
    assert made == golden.read_text(encoding="utf-8"), (
        f"{golden.name} differs from the document made now; if the change is meant, rewrite it with "
        "CLINICGUIDE_UPDATE_GOLDEN=1 and review the diff")
