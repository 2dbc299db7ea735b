"""ClinicGuide.document(): what the consent form and the aftercare handout hold, escaping, and refusals."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from clinicguide import ClinicGuide, hookimpl
from clinicguide.errors import InputError, UsageError

ROOT = Path(__file__).resolve().parents[3]
MARIA = json.loads((ROOT / "examples" / "patients" / "maria-lopez.json").read_text(encoding="utf-8"))


class Contacts:
    def __init__(self, *contacts: dict[str, str]) -> None:
        self.contacts = list(contacts)

    @hookimpl
    def clinicguide_site_contacts(self) -> list[dict[str, str]]:
        return self.contacts


@pytest.fixture(scope="module")
def guide() -> ClinicGuide:
    return ClinicGuide(entry_point_plugins=False, plugins=[Contacts({"name": "After-hours line", "phone": "020 7946 0999",
                                                                     "use": "outside opening hours"})])


def _text(page: str) -> str:
    """The page's text as a reader gets it: tags dropped, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.split("</style>")[1])).split())


def test_consent_form_holds_the_treatment_risks_tick_boxes_signatures_and_footer(guide: ClinicGuide) -> None:
    made = guide.document("consent", "microneedling", patient=MARIA, date="2026-12-01")
    page = made.content.decode()
    doc = guide.library.get("microneedling")
    assert made.media_type == "text/html" and made.title == f"Consent form: {doc.title}" and made.guidance == doc.ref
    assert page.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    text = _text(page)
    for indication in doc.indications:
        assert " ".join(indication.text.split()) in text
    for risk in doc.risks:
        assert " ".join(risk.text.split()) in text
    assert "rare: between 1 in 10,000 and 1 in 1,000 people" in text  # risk-granuloma's band
    for item in doc.consent:  # every item a labelled tick box
        assert f'<input type="checkbox" id="{item.id}" name="{item.id}">' in page
        assert re.search(rf'<label for="{item.id}">[^<]*{re.escape(html.escape(item.text.split()[0]))}', page)
    for who in ("patient", "clinician"):
        for line in ("name", "signature", "date"):
            assert f'<label for="{who}-{line}">' in page
    assert f"Guidance {doc.ref}" in text and f"sha256:{guide.library.digest}" in text
    assert "Maria Lopez" in text and "Tuesday 1 December 2026" in text


def test_aftercare_is_a_dated_timeline_with_warning_signs_and_the_sites_contacts(guide: ClinicGuide) -> None:
    text = _text(guide.document("aftercare", "microneedling", date="2026-12-01").content.decode())
    care = {a.id: " ".join(a.text.split()) for a in guide.library.get("microneedling").aftercare}
    assert "The day of treatment: Tuesday 1 December 2026" in text
    assert "24 hours after treatment: Wednesday 2 December 2026" in text
    assert f"Avoid: {care['ac-no-exercise']} (for 72 hours, until Friday 4 December 2026)" in text
    assert f"Watch for: {care['ac-redness']}" in text
    assert "After-hours line , outside opening hours: phone 020 7946 0999" in text
    for item in guide.library.get("microneedling").aftercare:
        assert " ".join(item.text.split()) in text


def test_without_a_date_or_patient_the_blanks_are_left_to_fill_in(guide: ClinicGuide) -> None:
    text = _text(guide.document("aftercare", "microneedling").content.decode())
    assert "Patient (name) Date of treatment (date)" in text
    assert "The day of treatment Do:" in text or "The day of treatment Avoid:" in text
    assert "December" not in text and "for 72 hours)" in text


def test_without_contacts_the_patient_is_told_to_ask_the_clinic() -> None:
    bare = ClinicGuide(entry_point_plugins=False)
    assert "Ask the clinic that treated you for its phone number" in _text(
        bare.document("aftercare", "microneedling").content.decode())


def test_markup_in_input_is_shown_as_text(guide: ClinicGuide) -> None:
    hostile = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
        "resourceType": "Patient", "id": "p1", "name": [{"text": "<script>alert(1)</script>\x1b[2J"}]}}]}
    page = guide.document("consent", "microneedling", patient=hostile).content.decode()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;[2J" in page and "\x1b" not in page


def test_same_inputs_same_bytes(guide: ClinicGuide) -> None:
    first = guide.document("aftercare", "isotretinoin-oral", patient=MARIA, date="2026-12-01").content
    assert first == guide.document("aftercare", "isotretinoin-oral", patient=MARIA, date="2026-12-01").content


@pytest.mark.parametrize(("call", "error"), [
    ({"kind": "leaflet"}, UsageError), ({"format": "docx"}, UsageError), ({"guidance_id": "nope"}, UsageError),
    ({"date": "2026-02-30"}, InputError), ({"patient": {"resourceType": "Bundle", "entry": 5}}, InputError),
])
def test_bad_requests_are_refused(guide: ClinicGuide, call: dict[str, Any], error: type[Exception]) -> None:
    arguments: dict[str, Any] = {"kind": "consent", "guidance_id": "microneedling", **call}
    with pytest.raises(error):
        guide.document(arguments.pop("kind"), arguments.pop("guidance_id"), **arguments)
