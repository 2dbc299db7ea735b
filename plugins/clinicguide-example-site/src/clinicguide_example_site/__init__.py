"""An example clinic site plugin for clinicguide (the fictional "Example Clinic").

Registered through the ``clinicguide`` entry-point group as ``example-site``. It

- contributes the site's own guidance folder (``site-ha-filler-lips``);
- adds, to every guidance document, a consent item on clinical photography and an
  after-hours contact in the aftercare, both citing the clinic's own material;
- gives the clinic's contact details, with its after-hours line, for the patient documents;
- narrows the microneedling needle-depth range (``rng-needle-depth``) from 0.5-1.5 mm
  to the clinic's 0.5-1.0 mm.

Everything it does goes through clinicguide's safety-monotone amendments: it adds items
and tightens one limit, and is recorded in every plan's Provenance.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version
from pathlib import Path
from typing import Any

from clinicguide import hookimpl

try:
    __version__ = _version("clinicguide-example-site")
except PackageNotFoundError:  # imported from a source tree that is not installed
    __version__ = "0+unknown"

#: The site's guidance folder, shipped inside the package.
GUIDANCE_DIR = Path(__file__).parent / "guidance"

#: The clinic's own material, cited by what this plugin adds (evidence level clinic-material).
CONSENT_POLICY = {
    "id": "EXC-CONSENT",
    "title": "Example Clinic consent policy: clinical photography",
    "publisher": "Example Clinic (fictional example site)",
    "evidence": "clinic-material",
    "note": "Clinic policy, not clinical evidence.",
}
AFTER_HOURS_POLICY = {
    "id": "EXC-AFTER-HOURS",
    "title": "Example Clinic after-hours cover",
    "publisher": "Example Clinic (fictional example site)",
    "evidence": "clinic-material",
    "note": "Clinic policy, not clinical evidence.",
}
MICRONEEDLING_PROTOCOL = {
    "id": "EXC-MICRONEEDLING",
    "title": "Example Clinic microneedling protocol",
    "publisher": "Example Clinic (fictional example site)",
    "evidence": "clinic-material",
    "note": "Clinic policy: a stricter limit inside the range its sources give, not new evidence.",
}

PHOTOGRAPHY_CONSENT = {
    "id": "consent-site-photography",
    "section": "other",
    "text": (
        "I agree that the clinic may take clinical photographs of the treated area before and after "
        "treatment, for my medical record. They will not be shown to anyone else or published "
        "without my separate written consent."
    ),
    "discloses": [],
    "sources": ["EXC-CONSENT"],
}
AFTER_HOURS_CONTACT = {
    "id": "ac-site-after-hours",
    "category": "contact-clinic",
    "text": (
        "Outside opening hours, call the Example Clinic after-hours line (the number is on your "
        "aftercare card) if you are worried about the treated area."
    ),
    "start": {"value": 0, "unit": "h"},
    "sources": ["EXC-AFTER-HOURS"],
}
#: Printed on the consent form and the aftercare handout. The numbers are in the range Ofcom keeps for drama.
CONTACTS = [
    {"name": "Example Clinic reception", "phone": "020 7946 0000", "hours": "Monday to Friday, 09:00 to 17:00"},
    {"name": "Example Clinic after-hours line", "phone": "020 7946 0999", "hours": "17:00 to 09:00, and all weekend",
     "use": "if you are worried about the treated area outside opening hours"},
]
#: The one range this site narrows, and to what.
NEEDLE_DEPTH = ("microneedling", "rng-needle-depth", 0.5, 1.0)


@hookimpl
def clinicguide_guidance_dirs() -> list[Path]:
    return [GUIDANCE_DIR]


@hookimpl
def clinicguide_site_contacts() -> list[dict[str, str]]:
    return CONTACTS


@hookimpl
def clinicguide_amend_guidance(guidance_id: str, version: str, document: Mapping[str, Any]) -> dict[str, Any]:
    """Every document: the photography consent and the after-hours contact; microneedling: the narrower depth."""
    doc_id, range_id, low, high = NEEDLE_DEPTH
    ours = guidance_id == doc_id
    amendment: dict[str, Any] = {"add": {
        "sources": [CONSENT_POLICY, AFTER_HOURS_POLICY] + ([MICRONEEDLING_PROTOCOL] if ours else []),
        "consent": [PHOTOGRAPHY_CONSENT],
        "aftercare": [AFTER_HOURS_CONTACT],
    }}
    if ours:
        amendment["narrow"] = {range_id: {
            "low": low,
            "high": high,
            "text": f"Example Clinic protocol: needle depth {low:g}-{high:g} mm, inside the typical 0.5-1.5 mm range.",
            "sources": [MICRONEEDLING_PROTOCOL["id"]],
        }}
    return amendment
