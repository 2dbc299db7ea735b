"""examples/host.py: a minimal host builds the manager, resolves a patient through its own hookimpl, and prints a plan."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HOST = ROOT / "examples" / "host.py"


def run_host(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("CLINICGUIDE_DISABLE_PLUGINS", "CLINICGUIDE_TRACE")}
    # Installed site plugins would take part in the host's plan too; the host's own behaviour is tested here.
    clean["CLINICGUIDE_DISABLE_PLUGINS"] = "example-site"
    clean.update(env)
    done = subprocess.run([sys.executable, str(HOST), *args], capture_output=True, text=True, cwd=ROOT, env=clean, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def test_host_prints_a_plan_for_a_patient_found_by_reference() -> None:
    done = run_host()
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "plugins: clinicguide.guidance, clinicguide.screening, clinicguide.fhir, HostRecords"
    assert lines[1:4] == ["guidance: microneedling|1.1.0", "decision: caution",
                          ("  - relative-contraindication [ci-isotretinoin-recent]: Oral isotretinoin stopped within the last 6 "
                           "months. (relative contraindication)")]
    assert lines[4].startswith("  - dose-within-range [rng-needle-depth]: needle-depth 1 mm is within 0.5-1.5 mm")
    assert "plan:" in lines
    plan = lines[lines.index("plan:") + 1:]
    assert plan[0] == "  - Microneedling (collagen induction therapy). Proposed: needle-depth 1 mm. Decision: caution."
    assert any(line.startswith("  - Aftercare (avoid): No hard exercise") for line in plan)


def test_host_bundle_is_the_plan_for_the_referenced_patient() -> None:
    done = run_host("--bundle")
    assert done.returncode == 0, done.stderr
    bundle = json.loads(done.stdout)
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds[:2] == ["CarePlan", "Questionnaire"] and kinds[-1] == "Provenance"
    careplan = bundle["entry"][0]["resource"]
    assert careplan["subject"] == {"reference": "Patient/anna-berg"}
    provenance = bundle["entry"][-1]["resource"]
    assert [a["who"]["display"] for a in provenance["agent"]][1:] == ["HostRecords (__main__ unknown)"]
    assert run_host("--bundle").stdout == done.stdout  # deterministic


def test_host_lookup_is_a_hook_call_seen_in_the_trace_without_patient_data() -> None:
    done = run_host(CLINICGUIDE_TRACE="1")
    assert done.returncode == 0
    assert "clinicguide trace: clinicguide_patient_context -> HostRecords" in done.stderr
    assert "anna" not in done.stderr.lower() and "1990" not in done.stderr


def test_host_reports_a_failing_plugin_by_name() -> None:
    done = run_host(CLINICGUIDE_DISABLE_PLUGINS="clinicguide.fhir")
    assert done.returncode == 1
    assert done.stderr == ("host: plugin 'clinicguide' in hook 'clinicguide_fhir_bundle': "
                           "no plugin wrote the Bundle (is the built-in writer blocked?)\n")
