"""What a host's start-up imports: ``import clinicguide``, ``ClinicGuide()`` and a first ``plan()``.

Each module named here was imported on that path once and is now imported only where it is
needed; importing one again at module level puts its cost back on every host's start-up.
(Reading the entry points, importlib.metadata brings tempfile, shutil, threading and
importlib.resources with it: those are not named.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

#: Modules a host that plans does not need, and what needs them instead.
DEFERRED = {
    "clinicguide.documents.render": "patient documents (ClinicGuide.document, plan(with_documents=True))",
    "clinicguide.documents.sheet": "patient documents",
    "clinicguide.fhir.consent": "ClinicGuide.consent",
    "clinicguide.fhir.export": "ClinicGuide.export",
    "clinicguide.fhir.documentreference": "plan(with_documents=True)",
    "traceback": "naming where a failing plugin raised",
    "clinicguide.content.amend": "applying a site plugin's amendments",
    "clinicguide.content.spans": "comparing an amended interval",
    "clinicguide.host.redact": "removing the patient from a failing plugin's message",
    "difflib": "'did you mean' in messages about a mistake",
    "jinja2": "patient documents",
    "weasyprint": "PDF documents",
    "textstat": "the reading level that validate reports",
    "jsonschema": "jsonschema-rs validates guidance; jsonschema is the tests' reference",
    "fhir.resources": "validate_fhir=True",
    "pydantic": "fhir.resources",
}

_HOST = """
import json, sys
import clinicguide
guide = clinicguide.ClinicGuide()
result = guide.plan("microneedling", {"id": "p", "birthDate": "1990-01-01", "gender": "female"}, date="2026-12-01")
print(json.dumps({"decision": result.decision, "modules": sorted(sys.modules)}))
"""


def test_a_host_start_up_imports_none_of_the_deferred_modules() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("CLINICGUIDE_TRACE", "CLINICGUIDE_DISABLE_PLUGINS")}
    done = subprocess.run([sys.executable, "-c", _HOST], capture_output=True, text=True, timeout=120, check=True, env=env)
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["decision"] in ("eligible", "caution", "contraindicated", "needs-information")
    loaded = set(out["modules"])
    assert {"clinicguide.guide", "clinicguide.content.model", "yaml", "pluggy"} <= loaded  # the path was taken
    assert sorted(loaded & set(DEFERRED)) == []
