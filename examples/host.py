"""A minimal host program: clinic software that uses clinicguide in-process.

It builds the plugin manager once (inside :class:`clinicguide.ClinicGuide`: the built-in
plugins, then any installed ``clinicguide`` entry-point plugins, then the host's own),
registers its own hook implementation for patient lookup, and prints a plan for a
patient it knows only by reference.

    python examples/host.py            # a readable summary of the plan
    python examples/host.py --bundle   # the plan's FHIR R4 Bundle as JSON

The patient and the clinician's answers are fictional.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from typing import Any

from clinicguide import ClinicGuide, ClinicguideError, hookimpl

#: The host's own records (a stand-in for its database), keyed by the references it uses.
#: A plain patient mapping, as the README describes; a FHIR R4 Bundle works too.
RECORDS: dict[str, dict[str, Any]] = {
    "Patient/anna-berg": {
        "id": "anna-berg",
        "birthDate": "1990-04-12",
        "gender": "female",
        "medications": [{"code": "http://www.nlm.nih.gov/research/umls/rxnorm|197844", "status": "completed",
                         "start": "2026-01-10", "end": "2026-07-31"}],
    },
}

#: What the clinician answered at the screening visit, by criterion id.
ANSWERS = {
    "ci-pregnancy": "no", "ci-breastfeeding": "no", "ci-skin-infection": "no", "ci-active-herpes": "no",
    "ci-isotretinoin-current": "no", "ci-skin-cancer": "no", "ci-open-wounds": "no", "ci-metal-anaesthetic-allergy": "no",
    "ci-bleeding-disorder": "no", "ci-active-acne": "no", "ci-rosacea-warts-scleroderma": "no", "ci-keloid-tendency": "no",
    "ci-anticoagulants": "no",
}


class HostRecords:
    """The host's plugin: looks patients up in the host's own records when clinicguide gets a reference."""

    def __init__(self, records: Mapping[str, Mapping[str, Any]]) -> None:
        self.records = records

    @hookimpl
    def clinicguide_patient_context(self, reference: str) -> Mapping[str, Any] | None:
        return self.records.get(reference)  # None: not ours; another plugin may know the patient


def main(argv: list[str]) -> int:
    try:
        guide = ClinicGuide(plugins=[HostRecords(RECORDS)])  # once, at start-up; thread-safe afterwards
        result = guide.plan("microneedling", "Patient/anna-berg",
                            proposed={"params": {"needle-depth": "1.0 mm"}, "last_treatment": "never"},
                            date="2026-12-01", answers=ANSWERS)
    except ClinicguideError as exc:  # a plugin that fails is named in the message, never an anonymous traceback
        print(f"host: {exc}", file=sys.stderr)
        return 1
    if "--bundle" in argv:
        print(json.dumps(result.bundle, indent=2, sort_keys=True))
        return 0
    print("plugins: " + ", ".join(p.name for p in guide.hooks.plugins()))
    print(f"guidance: {result.guidance}")
    print(f"decision: {result.decision}")
    for finding in result.findings:
        print(f"  - {finding.code} [{finding.item}]: {finding.message}")
    careplan = next(e["resource"] for e in result.bundle["entry"] if e["resource"]["resourceType"] == "CarePlan")
    print("plan:")
    for activity in careplan["activity"]:
        print(f"  - {activity['detail']['description']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
