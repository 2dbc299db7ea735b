"""The benchmark runs end to end in its quick mode and writes the figures it promises.

Only the shape of the results is checked: speed depends on the machine and its load, so
the benchmark reports it and no test asserts it.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HAS_CHECK_JSONSCHEMA = importlib.util.find_spec("check_jsonschema") is not None


def test_quick_benchmark_writes_every_section(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--out", str(out)]
    if not HAS_CHECK_JSONSCHEMA:
        command.append("--no-check-jsonschema")
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "plan() latency" in done.stdout and str(out) in done.stdout

    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["quick"] is True
    assert {"cpu", "cores", "python", "packages"} <= set(results["machine"])

    cold = results["cold_start"]
    for key in ("python_startup_ms", "import_clinicguide_ms", "load_library_after_import_ms", "import_and_load_ms",
                "load_library_modules_preimported_ms",
                "clinicguide_after_import_ms", "first_plan_ms", "process_wall_ms"):
        assert isinstance(cold[key], (int, float, dict)), key
    assert cold["documents"] >= 1

    validate = results["validate"]
    rows = {row["library"]: row for row in validate["rows"]}
    assert set(rows) == {"shipped", "gen-10"}
    assert rows["gen-10"]["files"] == 10
    for row in rows.values():
        assert row["clinicguide_cli_ms"] > 0 and row["clinicguide_in_process_docs_per_s"] > 0
        if HAS_CHECK_JSONSCHEMA:
            assert row["check_jsonschema_cli_ms"] > 0 and row["ratio"] > 0
    assert set(validate["stages_per_document_ms"]) == {"parse_ms", "schema_ms", "rules_ms",
                                                       "model_ms", "schema_jsonschema_only_ms", "events_ms"}

    startup = results["startup"]
    for key in ("python_cpu_ms", "host_cpu_above_python_ms", "version_module_cpu_above_python_ms"):
        assert isinstance(startup[key], (int, float)), key

    plan = results["plan"]
    combos = {(r["guidance"], r["fhir"], r["validate_fhir"]) for r in plan["rows"]}
    guidance = {r["guidance"] for r in plan["rows"]}
    assert len(guidance) == cold["documents"]
    assert combos == {(g, f, v) for g in guidance for f in ("R4", "R5") for v in (False, True)}
    assert all(r["p50_ms"] <= r["p99_ms"] for r in plan["rows"])
    assert plan["plans_per_second_one_core"] > 0

    memory = results["memory"]["peak_rss_mib"]
    assert set(memory) == {"bare_python", "after_import", "holding_library", "after_plans", "after_validated_plans"}
    assert results["memory"]["library_retained_kib"] > 0

    scaling = results["scaling"]["rows"]
    assert [r["documents"] for r in scaling] == [10]
    row = scaling[0]
    assert row["load_ms"] > 0 and row["events_ms_per_document"] > 0 and row["library_mib"] > 0
    assert row["empty_plan_p50_ms"] > 0 and 0 < row["plan_p50_ms"] <= row["plan_p99_ms"]

    # Every target is printed with its figure, its bound and its floor; the quick run has no
    # 1,000- or 5,000-document library, so those are reported as not measured, never as met.
    targets = {t["target"]: t for t in results["targets"]}
    assert len(targets) == 11
    assert all(t["floor"] and t["bound"] > 0 for t in targets.values())
    assert targets["plan() p99 at 5,000 documents"]["met"] is None
    assert targets["host start-up (import, ClinicGuide(), first plan()), CPU above python -c pass"]["measured"] is not None
    for name in targets:
        assert name in done.stdout
