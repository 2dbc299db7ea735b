"""clinicguide benchmarks: start-up, validation and plan() speed, memory and scaling.

Run from the repository root (after ``pip install -e '.[bench]'``)::

    python benchmarks/run.py            # the full run, a few minutes on 2 cores
    python benchmarks/run.py --quick    # a smoke run: few iterations, 10 documents

It prints a table and writes the figures as JSON to ``benchmarks/results/`` (or ``--out``).
Speed is reported here, never asserted: the figures depend on the machine and its load.

What each section does
----------------------
cold_start
    Fresh interpreters (subprocesses) timing, inside the process, ``import clinicguide``,
    then ``clinicguide.load_library()`` (everything it imports on first use included),
    then ``clinicguide.ClinicGuide()`` and a first ``plan()``. Median of repeated runs.
    Bytecode is cached (``PYTHONPYCACHEPREFIX`` in a temp dir, after warm-up runs), as it
    is for an installed package; ``PYTHONDONTWRITEBYTECODE`` would otherwise make every
    run recompile clinicguide's sources.
validate
    ``python -m clinicguide validate FILES`` and ``python -m check_jsonschema --schemafile
    SCHEMA FILES`` as fresh CLI processes on the same files, alternating, median wall
    time of each. clinicguide reads each file with its located, safe loader (libyaml
    events), validates it against the declared schema with jsonschema (formats checked),
    runs the semantic rules per document and across documents; check-jsonschema parses
    with ruamel.yaml (C parser only if ruamel.yaml.clib is installed) and validates against
    the same schema file with jsonschema (its own format checks). Both exit 0 on these files.
    Also: clinicguide's in-process throughput (``check_paths``) and a per-stage breakdown.
plan
    ``ClinicGuide.plan()`` in this process, one call at a time, per shipped guidance, R4 and
    R5, without and with fhir.resources model validation; p50 and p99 per call, and plans
    per second on one core (the process pinned to one CPU where the OS allows).
memory
    Peak RSS (VmHWM; ``ru_maxrss`` elsewhere) of fresh processes: bare Python, after ``import clinicguide``,
    holding the loaded library, and after planning with and without model validation;
    plus the bytes the loaded library itself holds (tracemalloc).
scaling
    Generated libraries of 10, 100 and 1,000 documents (copies of the shipped ones with
    the id varied, see ``generate.py``), loaded in fresh processes: load time, per-document
    cost, a least-squares line through the points, peak RSS, and ``plan()`` p50 on the
    same document in each library.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from generate import make_library  # noqa: E402

PATIENT_FILE = ROOT / "examples" / "patients" / "maria-lopez.json"
PLAN_DATE = "2026-12-01"
SCALING_DOC = "microneedling-0005"  # present in every generated library of 5 or more documents


# -- helpers -----------------------------------------------------------------------------------

def ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(q / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def median(values: Sequence[float]) -> float:
    return round(statistics.median(values), 3)


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:  # Windows
        return 0.0
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Env:
    """Subprocess settings shared by every probe, and the temp folder for generated files."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.env = dict(os.environ)
        for name in ("PYTHONDONTWRITEBYTECODE", "CLINICGUIDE_TRACE", "CLINICGUIDE_DISABLE_PLUGINS", "PYTHONPROFILEIMPORTTIME"):
            self.env.pop(name, None)
        self.env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")

    def python(self, code: str, *args: str) -> dict[str, Any]:
        """Run ``code`` in a fresh interpreter; it prints one JSON object on its last line."""
        done = subprocess.run([sys.executable, "-c", code, *args], env=self.env, capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            raise RuntimeError(f"probe failed ({done.returncode}):\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def wall(self, argv: Sequence[str]) -> tuple[float, float, int, str]:
        """Wall and CPU (user + system) seconds of one command, its exit code and the end of its output.

        CPU time is what the command itself used, so it moves less than wall time when
        other work shares the machine.
        """
        before = _children_cpu()
        started = time.perf_counter()
        done = subprocess.run(list(argv), env=self.env, capture_output=True, text=True, cwd=ROOT)
        elapsed = time.perf_counter() - started
        return elapsed, _children_cpu() - before, done.returncode, (done.stdout + done.stderr)[-500:]


# -- machine ---------------------------------------------------------------------------------------

def _dist_version(name: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_total_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _entry_points() -> list[Any]:
    from importlib.metadata import entry_points

    return list(entry_points(group="clinicguide"))


def machine() -> dict[str, Any]:
    import yaml

    packages = ["clinicguide", "jsonschema", "referencing", "PyYAML", "pluggy", "fhir.resources", "pydantic",
                "check-jsonschema", "ruamel.yaml", "ruamel.yaml.clib"]
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_total_gib(),
        "os": f"{platform.system()} {platform.release()}",
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "libyaml": bool(getattr(yaml, "__with_libyaml__", False)),
        "packages": {name: _dist_version(name) for name in packages},
        "load_average_at_start": _load(),
        "entry_point_plugins": sorted(ep.name for ep in _entry_points()),
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


# -- cold start --------------------------------------------------------------------------------

_COLD = r"""
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
import clinicguide
t1, c1 = time.perf_counter(), time.process_time()
out = {"import_ms": (t1 - t0) * 1000, "import_cpu_ms": (c1 - c0) * 1000, "modules_after_import": len(sys.modules)}
stage = sys.argv[1]
if stage == "work":  # the modules load_library() imports on first use, imported before the clock starts
    import clinicguide.content.library, clinicguide.host.library
    t1, c1 = time.perf_counter(), time.process_time()
if stage in ("load", "work"):
    library = clinicguide.load_library()
    t2, c2 = time.perf_counter(), time.process_time()
    out["load_ms"] = (t2 - t1) * 1000
    out["load_cpu_ms"] = (c2 - c1) * 1000
    out["documents"] = len(library)
if stage == "host":  # what a host does at start-up: one ClinicGuide (plugins, library), then plans
    t2 = time.perf_counter()
    guide = clinicguide.ClinicGuide()
    t3 = time.perf_counter()
    patient = json.load(open(sys.argv[2]))
    t4 = time.perf_counter()
    guide.plan("microneedling", patient, date="2026-12-01")
    t5 = time.perf_counter()
    out["host_ms"] = (t3 - t2) * 1000
    out["first_plan_ms"] = (t5 - t4) * 1000
heavy = ("jsonschema", "yaml", "pluggy", "fhir.resources", "pydantic", "importlib.metadata")
out["heavy_modules_loaded"] = sorted(m for m in heavy if m in sys.modules)
print(json.dumps(out))
"""


def cold_start(env: Env, runs: int) -> dict[str, Any]:
    for _ in range(2 if runs > 2 else 1):  # warm-up: fills the bytecode cache, not counted
        env.python(_COLD, "host", str(PATIENT_FILE))
    env.wall([sys.executable, "-c", "pass"])
    bare = [env.wall([sys.executable, "-c", "pass"])[0] * 1000 for _ in range(runs)]
    results: dict[str, list[dict[str, Any]]] = {"import": [], "load": [], "work": [], "host": []}
    walls: dict[str, list[float]] = {k: [] for k in results}
    for _ in range(runs):
        for stage in results:
            started = time.perf_counter()
            results[stage].append(env.python(_COLD, stage, str(PATIENT_FILE)))
            walls[stage].append((time.perf_counter() - started) * 1000)

    def med(stage: str, key: str) -> float:
        return median([r[key] for r in results[stage]])

    return {
        "runs": runs,
        "python_startup_ms": median(bare),
        "import_clinicguide_ms": med("import", "import_ms"),
        "import_clinicguide_cpu_ms": med("import", "import_cpu_ms"),
        "import_clinicguide_ms_all": [round(r["import_ms"], 2) for r in results["import"]],
        "modules_loaded_by_import": results["import"][0]["modules_after_import"],
        "heavy_modules_after_import": results["import"][0]["heavy_modules_loaded"],
        "load_library_after_import_ms": med("load", "load_ms"),
        "load_library_after_import_cpu_ms": med("load", "load_cpu_ms"),
        "load_library_after_import_ms_all": [round(r["load_ms"], 2) for r in results["load"]],
        "import_and_load_ms": median([r["import_ms"] + r["load_ms"] for r in results["load"]]),
        "load_library_modules_preimported_ms": med("work", "load_ms"),
        "load_library_modules_preimported_cpu_ms": med("work", "load_cpu_ms"),
        "clinicguide_after_import_ms": med("host", "host_ms"),
        "first_plan_ms": med("host", "first_plan_ms"),
        "process_wall_ms": {stage: median(values) for stage, values in walls.items()},
        "documents": results["load"][0]["documents"],
    }


# -- start-up above the interpreter ----------------------------------------------------------------

_HOST = r"""
import json, sys
import clinicguide
guide = clinicguide.ClinicGuide()
guide.plan("microneedling", json.load(open(sys.argv[1])), date="2026-12-01")
"""


def startup_section(env: Env, runs: int) -> dict[str, Any]:
    """CPU time (user + system) of whole processes, each next to ``python -c pass``, in turn.

    What a host pays at start-up (import, ``ClinicGuide()``, the first ``plan()``) and what
    ``clinicguide --version`` costs, both above the interpreter's own start, which is their floor.
    """
    script = Path(sys.executable).with_name("clinicguide")
    commands = {
        "python": [sys.executable, "-c", "pass"],
        "host": [sys.executable, "-c", _HOST, str(PATIENT_FILE)],
        "version_module": [sys.executable, "-m", "clinicguide", "--version"],
    }
    if script.is_file():  # the installed console script, as a user runs it
        commands["version_script"] = [str(script), "--version"]
    for argv in commands.values():  # warm-up: bytecode cache
        env.wall(argv)
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    wall: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            took, used, code, tail = env.wall(argv)
            if code != 0:
                raise RuntimeError(f"{name} failed: {tail}")
            cpu[name].append(used * 1000)
            wall[name].append(took * 1000)
    python = median(cpu["python"])
    out: dict[str, Any] = {"runs": runs, "python_cpu_ms": python, "python_wall_ms": median(wall["python"])}
    for name in commands:
        if name != "python":
            out[f"{name}_cpu_ms"] = median(cpu[name])
            out[f"{name}_cpu_above_python_ms"] = round(median(cpu[name]) - python, 2)
            out[f"{name}_wall_ms"] = median(wall[name])
    return out


# -- validate ------------------------------------------------------------------------------------

def _check_jsonschema_cmd(given: str | None) -> list[str] | None:
    if given:
        return given.split()
    try:
        import check_jsonschema  # noqa: F401
    except ImportError:
        return None
    return [sys.executable, "-m", "check_jsonschema"]


def _stages(files: list[Path]) -> dict[str, float]:
    """Per-stage time in this process (warm): read+parse, schema, rules, typed model; and jsonschema for comparison."""
    import yaml
    from check_schema import reference_validator

    from clinicguide.content import builder, rules, schemas, yamlsafe
    from clinicguide.content import check as validate

    totals = {"parse_ms": 0.0, "schema_ms": 0.0, "rules_ms": 0.0, "model_ms": 0.0, "schema_jsonschema_only_ms": 0.0,
              "events_ms": 0.0}
    references: dict[str, Any] = {}
    for path in files:  # warm: validators built, both ways
        data = yamlsafe.read(path)[0]
        list(validate.schema_problems(data, validate.Locator(str(path), yamlsafe.Positions())))
        schema = schemas.validator(data["schema"])
        assert schema is not None
        references.setdefault(data["schema"], reference_validator(schema.schema))
    for path in files:
        a = time.perf_counter()
        data, positions = yamlsafe.read(path)
        b = time.perf_counter()
        at = validate.Locator(str(path), positions)
        list(validate.schema_problems(data, at))
        c = time.perf_counter()
        rules.document_problems(data, at)
        d = time.perf_counter()
        builder.guidance_from_data(data, str(path))
        e = time.perf_counter()
        list(references[data["schema"]].iter_errors(data))  # the same check by jsonschema, the reference
        f = time.perf_counter()
        text = path.read_text(encoding="utf-8")
        g = time.perf_counter()
        for _ in yaml.parse(text, Loader=yaml.CSafeLoader):  # the floor of parsing: libyaml's events alone
            pass
        h = time.perf_counter()
        for key, took in zip(totals, (b - a, c - b, d - c, e - d, f - e, h - g), strict=True):
            totals[key] += took * 1000
    return {k: round(v / len(files), 3) for k, v in totals.items()}


def validate_section(env: Env, libraries: dict[str, list[Path]], schema: Path, cj_cmd: list[str] | None,
                     runs: dict[str, int], skipped: str | None = None) -> dict[str, Any]:
    from clinicguide.content.check import check_paths

    cg_cmd = [sys.executable, "-m", "clinicguide", "validate"]
    rows = []
    # Warm-up: fill both tools' bytecode caches.
    first = [str(p) for p in next(iter(libraries.values()))]
    env.wall(cg_cmd + first)
    if cj_cmd:
        env.wall(cj_cmd + ["--schemafile", str(schema)] + first)
    for name, files in libraries.items():
        args = [str(p) for p in files]
        cg_times, cj_times, cg_cpu, cj_cpu = [], [], [], []
        for _ in range(runs.get(name, 1)):
            took, cpu, code, tail = env.wall(cg_cmd + args)
            if code != 0:
                raise RuntimeError(f"clinicguide validate failed on {name}: {tail}")
            cg_times.append(took * 1000)
            cg_cpu.append(cpu * 1000)
            if cj_cmd:
                took, cpu, code, tail = env.wall(cj_cmd + ["--schemafile", str(schema)] + args)
                if code != 0:
                    raise RuntimeError(f"check-jsonschema failed on {name}: {tail}")
                cj_times.append(took * 1000)
                cj_cpu.append(cpu * 1000)
        check_paths(files)  # warm
        started = time.perf_counter()
        check_paths(files)
        in_process = time.perf_counter() - started
        row: dict[str, Any] = {
            "library": name,
            "files": len(files),
            "runs": len(cg_times),
            "clinicguide_cli_ms": median(cg_times),
            "clinicguide_in_process_ms": ms(in_process),
            "clinicguide_in_process_docs_per_s": round(len(files) / in_process, 1),
            "check_jsonschema_cli_ms": median(cj_times) if cj_times else None,
            "ratio": round(median(cj_times) / median(cg_times), 2) if cj_times else None,
            "clinicguide_cli_cpu_ms": median(cg_cpu),
            "check_jsonschema_cli_cpu_ms": median(cj_cpu) if cj_cpu else None,
            "ratio_cpu": round(median(cj_cpu) / median(cg_cpu), 2) if cj_cpu and median(cg_cpu) > 0 else None,
        }
        rows.append(row)
    cj_parser = None
    if cj_cmd and cj_cmd[-2:] == ["-m", "check_jsonschema"]:  # ask that interpreter's ruamel.yaml which parser it has
        probe = subprocess.run(cj_cmd[:-2] + ["-c", "import ruamel.yaml.main as m; print(bool(getattr(m, 'CParser', None)))"],
                               capture_output=True, text=True, env=env.env)
        cj_parser = {"True": "C (ruamel.yaml.clib)", "False": "pure-Python ruamel.yaml"}.get(probe.stdout.strip())
    return {
        "check_jsonschema": " ".join(cj_cmd) if cj_cmd else None,
        "check_jsonschema_yaml_parser": cj_parser,
        "skipped": None if cj_cmd else skipped or "check-jsonschema is not installed (pip install -e '.[bench]')",
        "rows": rows,
        "stages_per_document_ms": _stages(libraries["shipped"]),
    }


# -- plan ------------------------------------------------------------------------------------------

def proposal_for(doc: Any) -> dict[str, Any]:
    """A proposal in the middle of the document's first range, first treatment."""
    for regimen in doc.regimens:
        for rng in regimen.ranges:
            value = f"{(rng.low + rng.high) / 2:g} {rng.unit}"
            if rng.parameter == "dose":
                return {"dose": value, "last_treatment": "never"}
            return {"params": {rng.parameter: value}, "last_treatment": "never"}
    return {"last_treatment": "never"}


def _latencies(call: Callable[[], Any], calls: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        call()
    out = []
    clock = time.perf_counter_ns
    for _ in range(calls):
        started = clock()
        call()
        out.append((clock() - started) / 1e6)
    out.sort()
    return out


def _pin_one_cpu() -> Callable[[], None]:
    if not hasattr(os, "sched_setaffinity"):
        return lambda: None
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    return lambda: os.sched_setaffinity(0, before)


def plan_section(calls: int, validated_calls: int, throughput_seconds: float) -> dict[str, Any]:
    import clinicguide

    patient = json.loads(PATIENT_FILE.read_text())
    if True:
        plain = clinicguide.ClinicGuide()
        checked = clinicguide.ClinicGuide(library=plain.library, validate_fhir=True)
        started = time.perf_counter()
        checked.plan("microneedling", patient, date=PLAN_DATE)  # imports fhir.resources and its models
        first_validated = time.perf_counter() - started
        rows = []
        for doc in plain.library:
            proposed = proposal_for(doc)
            for fhir in ("R4", "R5"):
                for validate_fhir, guide, n in ((False, plain, calls), (True, checked, validated_calls)):
                    call = functools.partial(guide.plan, doc.id, patient, proposed=proposed, date=PLAN_DATE, fhir_version=fhir)
                    lat = _latencies(call, n, max(3, n // 10))
                    rows.append({"guidance": doc.id, "fhir": fhir, "validate_fhir": validate_fhir, "calls": n,
                                 "p50_ms": round(percentile(lat, 50), 4), "p99_ms": round(percentile(lat, 99), 4),
                                 "mean_ms": round(statistics.fmean(lat), 4)})
        docs = [(d.id, proposal_for(d)) for d in plain.library]
        unpin = _pin_one_cpu()  # a single-threaded loop; pinned so it stays on one core
        try:
            count, deadline = 0, time.perf_counter() + throughput_seconds
            started, cpu_started = time.perf_counter(), time.process_time()
            while time.perf_counter() < deadline:
                for ident, proposed in docs:
                    for fhir in ("R4", "R5"):
                        plain.plan(ident, patient, proposed=proposed, date=PLAN_DATE, fhir_version=fhir)
                        count += 1
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        finally:
            unpin()
    unvalidated = [r for r in rows if not r["validate_fhir"]]
    return {
        "patient": str(PATIENT_FILE.relative_to(ROOT)),
        "date": PLAN_DATE,
        "rows": rows,
        "p50_ms_max_without_validation": max(r["p50_ms"] for r in unvalidated),
        "p99_ms_max_without_validation": max(r["p99_ms"] for r in unvalidated),
        "plans_per_second_one_core": round(count / elapsed, 1),
        "plans_per_cpu_second": round(count / cpu, 1) if cpu > 0 else None,
        "first_validated_plan_ms": ms(first_validated),
    }


# Peak RSS of the probe itself. VmHWM, not ru_maxrss: on Linux a child's ru_maxrss starts
# from its parent's high-water mark (it survives fork and exec), so it would report ours.
_PEAK = r"""
def peak_kib():
    try:
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""


# -- memory ----------------------------------------------------------------------------------------

_MEMORY = _PEAK + r"""
import json, sys
stage = sys.argv[1]
if stage != "bare":
    import clinicguide
if stage in ("library", "plan", "validated"):
    guide = clinicguide.ClinicGuide(validate_fhir=stage == "validated")
if stage in ("plan", "validated"):
    patient = json.load(open(sys.argv[2]))
    for doc in guide.library:
        for fhir in ("R4", "R5"):
            guide.plan(doc.id, patient, date="2026-12-01", fhir_version=fhir)
print(json.dumps({"maxrss_kib": peak_kib()}))
"""

_RETAINED = r"""
import gc, json, tracemalloc
import clinicguide
from clinicguide.content.library import load_library
load_library()  # imports and compiled validators are not the library's own memory
gc.collect()
tracemalloc.start()
library = load_library()
gc.collect()
current, peak = tracemalloc.get_traced_memory()
print(json.dumps({"retained_kib": current // 1024, "peak_during_load_kib": peak // 1024}))
"""


def memory_section(env: Env) -> dict[str, Any]:
    if sys.platform == "win32":
        return {"skipped": "ru_maxrss is not available on Windows"}
    stages = {}
    for stage in ("bare", "import", "library", "plan", "validated"):
        stages[stage] = env.python(_MEMORY, stage, str(PATIENT_FILE))["maxrss_kib"]
    retained = env.python(_RETAINED)
    mib = lambda kib: round(kib / 1024, 1)  # noqa: E731
    return {
        "peak_rss_mib": {
            "bare_python": mib(stages["bare"]),
            "after_import": mib(stages["import"]),
            "holding_library": mib(stages["library"]),
            "after_plans": mib(stages["plan"]),
            "after_validated_plans": mib(stages["validated"]),
        },
        "library_retained_kib": retained["retained_kib"],
        "library_load_peak_kib": retained["peak_during_load_kib"],
    }


# -- scaling ----------------------------------------------------------------------------------------

_SCALE = _PEAK + r"""
def rss_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0

import gc, json, sys, time
import yaml
import clinicguide
from pathlib import Path
folder, doc, calls, patient_file, retained = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5] == "1"
clinicguide.load_library(plugins=False)  # warm: every module a load imports, the compiled validators
gc.collect()
if retained:  # the bytes the library itself holds, from Python's allocator (slower: traced)
    import tracemalloc
    tracemalloc.start()
before = rss_kib()
t0, c0 = time.perf_counter(), time.process_time()
library = clinicguide.load_library(folder, packaged=False, plugins=False)
load, load_cpu = time.perf_counter() - t0, time.process_time() - c0
peak = peak_kib()
gc.collect()
after = rss_kib()
out = {"documents": len(library), "load_ms": load * 1000, "load_cpu_ms": load_cpu * 1000,
       "rss_before_kib": before, "peak_kib": peak, "rss_after_kib": after}
if retained:
    out["library_kib"] = tracemalloc.get_traced_memory()[0] // 1024
    tracemalloc.stop()
files = sorted(Path(folder).iterdir())
t0 = time.process_time()
for path in files:  # the floor of loading: libyaml's events alone, for the same files
    for _ in yaml.parse(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader):
        pass
out["events_ms_per_document"] = (time.process_time() - t0) * 1000 / len(files)
guide = clinicguide.ClinicGuide(library=library)
patient = json.load(open(patient_file))

def latencies(record):
    for _ in range(max(3, calls // 10)):
        guide.plan(doc, record, date="2026-12-01")
    lat = []
    for _ in range(calls):
        s = time.perf_counter_ns(); guide.plan(doc, record, date="2026-12-01"); lat.append((time.perf_counter_ns() - s) / 1e6)
    lat.sort()
    return lat[len(lat) // 2], lat[min(len(lat) - 1, -(-99 * len(lat) // 100) - 1)]

out["plan_p50_ms"], out["plan_p99_ms"] = latencies(patient)
out["empty_plan_p50_ms"], out["empty_plan_p99_ms"] = latencies({})  # the floor: a patient with no records
print(json.dumps(out))
"""


def _fit(points: list[tuple[int, float]]) -> dict[str, float]:
    """Least-squares line ``ms = intercept + slope * documents`` and its R²."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0
    intercept = my - slope * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - intercept - slope * x) ** 2 for x, y in points)
    return {"ms_per_document": round(slope, 3), "intercept_ms": round(intercept, 2),
            "r_squared": round(1 - ss_res / ss_tot, 5) if ss_tot else 1.0}


def scaling_section(env: Env, libraries: dict[int, Path], runs: dict[int, int], calls: int,
                    traced: set[int]) -> dict[str, Any]:
    """Fresh processes per library size: load time, memory while loading and after, plan() latency.

    Memory: the peak RSS while loading (VmHWM) and the RSS after it, each above the RSS just
    before the load (the interpreter with clinicguide's modules imported, measured too). The
    library's own size is what it holds in Python's allocator (tracemalloc), from a separate
    run of the sizes in ``traced``, since tracing slows the load.
    """
    rows = []
    for size, folder in libraries.items():
        results = [env.python(_SCALE, str(folder), SCALING_DOC, str(calls), str(PATIENT_FILE), "0")
                   for _ in range(runs.get(size, 1))]
        library_kib = (env.python(_SCALE, str(folder), SCALING_DOC, "20", str(PATIENT_FILE), "1")["library_kib"]
                       if size in traced else None)
        load = median([r["load_ms"] for r in results])
        mib = lambda kib: round(kib / 1024, 1)  # noqa: E731
        rows.append({
            "documents": size, "runs": len(results), "load_ms": load, "load_ms_per_document": round(load / size, 3),
            "load_cpu_ms_per_document": round(median([r["load_cpu_ms"] for r in results]) / size, 3),
            "events_ms_per_document": round(median([r["events_ms_per_document"] for r in results]), 3),
            "plan_p50_ms": median([r["plan_p50_ms"] for r in results]),
            "plan_p99_ms": median([r["plan_p99_ms"] for r in results]),
            "empty_plan_p50_ms": median([r["empty_plan_p50_ms"] for r in results]),
            "empty_plan_p99_ms": median([r["empty_plan_p99_ms"] for r in results]),
            "rss_before_load_mib": mib(median([r["rss_before_kib"] for r in results])),
            "load_peak_above_before_mib": mib(max(r["peak_kib"] - r["rss_before_kib"] for r in results)),
            "rss_after_above_before_mib": mib(median([r["rss_after_kib"] - r["rss_before_kib"] for r in results])),
            "peak_rss_mib": mib(max(r["peak_kib"] for r in results)),
            "library_mib": mib(library_kib) if library_kib is not None else None,
        })
    out: dict[str, Any] = {"plan_document": SCALING_DOC, "rows": rows}
    if len(rows) >= 2:
        out["load_fit"] = _fit([(r["documents"], r["load_ms"]) for r in rows])
        out["plan_p50_ratio_largest_to_smallest"] = round(rows[-1]["plan_p50_ms"] / rows[0]["plan_p50_ms"], 2)
    return out


# -- targets and table ---------------------------------------------------------------------------

def _row(rows: list[dict[str, Any]], key: str, value: Any) -> dict[str, Any] | None:
    return next((r for r in rows if r[key] == value), None)


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target: the figure measured, the bound, the floor it cannot go below, and whether it is met.

    A figure that this run did not measure (``--quick`` has no 1,000- or 5,000-document
    library; check-jsonschema may be skipped) is reported with ``met`` None.
    """
    up, v, sc = results["startup"], results["validate"], results["scaling"]["rows"]
    found: list[dict[str, Any]] = []

    def add(name: str, measured: float | None, bound: float, floor: str, *, at_least: bool = False, unit: str = "ms") -> None:
        met = None if measured is None else (measured >= bound if at_least else measured <= bound)
        found.append({"target": name, "measured": measured, "bound": bound, "at_least": at_least, "unit": unit,
                      "floor": floor, "met": met})

    python = f"interpreter start {up['python_cpu_ms']:.1f} ms CPU"
    add("host start-up (import, ClinicGuide(), first plan()), CPU above python -c pass", up["host_cpu_above_python_ms"],
        60, python)
    version = up.get("version_script_cpu_above_python_ms", up["version_module_cpu_above_python_ms"])
    add("clinicguide --version, CPU above python -c pass", version, 10, python)
    events = v["stages_per_document_ms"]["events_ms"]
    for library, bound in (("shipped", 5), ("gen-100", 15), ("gen-1000", 15)):
        row = _row(v["rows"], "library", library)
        add(f"validate vs check-jsonschema, {library}", row["ratio"] if row else None, bound,
            f"libyaml events {events:.2f} ms per document", at_least=True, unit="x")
    at1000, at5000 = _row(sc, "documents", 1000), _row(sc, "documents", 5000)
    add("load, ms per document at 1,000", at1000["load_ms_per_document"] if at1000 else None, 2.5,
        f"libyaml events {at1000['events_ms_per_document']:.2f} ms per document" if at1000 else "-")
    add("peak memory while loading 1,000, MiB above the process before it",
        at1000["load_peak_above_before_mib"] if at1000 else None, 80,
        f"process before loading {at1000['rss_before_load_mib']} MiB" if at1000 else "-", unit="MiB")
    ratio = (round(at1000["rss_after_above_before_mib"] / at1000["library_mib"], 2)
             if at1000 and at1000.get("library_mib") else None)
    add("resident memory after loading 1,000, times the library's own size", ratio, 2,
        f"the library holds {at1000['library_mib']} MiB" if at1000 and at1000.get("library_mib") else "-", unit="x")
    empty = f"empty plan() {at5000['empty_plan_p50_ms']:.3f} / {at5000['empty_plan_p99_ms']:.3f} ms" if at5000 else "-"
    add("plan() p99 at 5,000 documents", at5000["plan_p99_ms"] if at5000 else None, 1, empty)
    add("plan() p50 at 5,000 documents", at5000["plan_p50_ms"] if at5000 else None, 0.3, empty)
    add("plan() p50, every shipped guidance, R4 and R5", results["plan"]["p50_ms_max_without_validation"], 0.3, empty)
    return found


def table(results: dict[str, Any]) -> str:
    lines: list[str] = []
    add = lines.append
    m = results["machine"]
    add(f"machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']}, {m['python']}, "
        f"libyaml={m['libyaml']}, load average {m['load_average_at_start']}")
    c = results["cold_start"]
    add("")
    add(f"cold start (median of {c['runs']} fresh interpreters, bytecode cached)")
    add(f"  python -c pass (interpreter start-up)      {c['python_startup_ms']:9.1f} ms")
    add(f"  import clinicguide                          {c['import_clinicguide_ms']:9.1f} ms   (CPU "
        f"{c['import_clinicguide_cpu_ms']:.1f} ms)")
    add(f"  load_library() after import (shipped)       {c['load_library_after_import_ms']:9.1f} ms   (CPU "
        f"{c['load_library_after_import_cpu_ms']:.1f} ms)")
    add(f"  import + load_library()                     {c['import_and_load_ms']:9.1f} ms")
    add(f"  load_library(), its modules imported before {c['load_library_modules_preimported_ms']:9.1f} ms   (CPU "
        f"{c['load_library_modules_preimported_cpu_ms']:.1f} ms)")
    add(f"  ClinicGuide() after import (host start-up)  {c['clinicguide_after_import_ms']:9.1f} ms")
    add(f"  first plan()                                {c['first_plan_ms']:9.1f} ms")
    walls = c["process_wall_ms"]
    add(f"  whole process: import {walls['import']:.0f} ms, import+load {walls['load']:.0f} ms, import+ClinicGuide+plan "
        f"{walls['host']:.0f} ms "
        f"(python alone {c['python_startup_ms']:.0f} ms)")
    u = results["startup"]
    add(f"  CPU of whole processes (median of {u['runs']}, in turn): python -c pass {u['python_cpu_ms']:.1f} ms; "
        f"host start-up +{u['host_cpu_above_python_ms']:.1f} ms; python -m clinicguide --version "
        f"+{u['version_module_cpu_above_python_ms']:.1f} ms"
        + (f"; clinicguide --version +{u['version_script_cpu_above_python_ms']:.1f} ms" if "version_script_cpu_ms" in u else ""))
    v = results["validate"]
    add("")
    add(f"validate: fresh CLI processes, median wall ms (check-jsonschema: {v['check_jsonschema'] or 'skipped'}"
        f"{', YAML parser ' + v['check_jsonschema_yaml_parser'] if v['check_jsonschema_yaml_parser'] else ''})")
    add(f"  {'library':<10} {'files':>6} {'clinicguide':>12} {'check-jsonschema':>17} {'ratio':>6} {'CPU ratio':>10} "
        f"{'in-process':>11} {'docs/s':>8}")
    for r in v["rows"]:
        cj = f"{r['check_jsonschema_cli_ms']:.0f}" if r["check_jsonschema_cli_ms"] is not None else "-"
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "-"
        ratio_cpu = f"{r['ratio_cpu']:.2f}" if r["ratio_cpu"] is not None else "-"
        add(f"  {r['library']:<10} {r['files']:>6} {r['clinicguide_cli_ms']:>12.0f} {cj:>17} {ratio:>6} {ratio_cpu:>10} "
            f"{r['clinicguide_in_process_ms']:>11.0f} {r['clinicguide_in_process_docs_per_s']:>8.0f}")
    s = v["stages_per_document_ms"]
    add(f"  per shipped document in process: parse {s['parse_ms']:.2f} ms (libyaml events alone {s['events_ms']:.2f} ms), "
        f"schema {s['schema_ms']:.2f} ms "
        f"(jsonschema alone {s['schema_jsonschema_only_ms']:.2f} ms), rules {s['rules_ms']:.2f} ms, model {s['model_ms']:.2f} ms")
    p = results["plan"]
    add("")
    add("plan() latency in ms (one call at a time)")
    add(f"  {'guidance':<28} {'FHIR':<4} {'p50':>8} {'p99':>8}   {'validated p50':>13} {'p99':>8}")
    by_key = {(r["guidance"], r["fhir"], r["validate_fhir"]): r for r in p["rows"]}
    for (guidance, fhir, validated), r in by_key.items():
        if validated:
            continue
        w = by_key[(guidance, fhir, True)]
        add(f"  {guidance:<28} {fhir:<4} {r['p50_ms']:>8.3f} {r['p99_ms']:>8.3f}   {w['p50_ms']:>13.2f} {w['p99_ms']:>8.2f}")
    add(f"  plans per second on one core: {p['plans_per_second_one_core']:.0f}; "
        f"first validated plan (imports fhir.resources): {p['first_validated_plan_ms']:.0f} ms")
    mem = results["memory"]
    if "peak_rss_mib" in mem:
        r = mem["peak_rss_mib"]
        add("")
        add(f"peak RSS MiB: bare python {r['bare_python']}, import {r['after_import']}, holding library {r['holding_library']}, "
            f"after plans {r['after_plans']}, after validated plans {r['after_validated_plans']}; "
            f"library itself holds {mem['library_retained_kib']} KiB")
    sc = results["scaling"]
    add("")
    add(f"scaling (fresh process per size; plan of {sc['plan_document']}; memory above the process before loading)")
    add(f"  {'documents':>9} {'load ms':>9} {'ms/doc':>7} {'events ms/doc':>14} {'plan p50':>9} {'p99':>7} "
        f"{'empty p50':>10} {'p99':>7} {'peak MiB':>9} {'after MiB':>10} {'library MiB':>12}")
    for r in sc["rows"]:
        library = f"{r['library_mib']:.1f}" if r["library_mib"] is not None else "-"
        add(f"  {r['documents']:>9} {r['load_ms']:>9.1f} {r['load_ms_per_document']:>7.2f} {r['events_ms_per_document']:>14.2f} "
            f"{r['plan_p50_ms']:>9.3f} {r['plan_p99_ms']:>7.3f} {r['empty_plan_p50_ms']:>10.3f} {r['empty_plan_p99_ms']:>7.3f} "
            f"{r['load_peak_above_before_mib']:>9.1f} {r['rss_after_above_before_mib']:>10.1f} {library:>12}")
    if "load_fit" in sc:
        f = sc["load_fit"]
        add(f"  load fit: {f['intercept_ms']:.1f} ms + {f['ms_per_document']:.2f} ms x documents (R² {f['r_squared']}); "
            f"plan p50 largest/smallest library: {sc['plan_p50_ratio_largest_to_smallest']}")
    add("")
    add("targets (measured, bound, floor)")
    for t in results["targets"]:
        measured = "n/a" if t["measured"] is None else f"{t['measured']:g} {t['unit']}"
        bound = f"{'>=' if t['at_least'] else '<='} {t['bound']:g} {t['unit']}"
        met = {True: "met", False: "NOT MET", None: "not measured"}[t["met"]]
        add(f"  {t['target']:<78} {measured:>12} {bound:>11}  {met:<12} floor: {t['floor']}")
    return "\n".join(lines)


# -- main ------------------------------------------------------------------------------------------

def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: few iterations, a 10-document library only")
    parser.add_argument("--out", metavar="FILE", help="write the JSON here (default: benchmarks/results/<time>.json)")
    parser.add_argument("--check-jsonschema", metavar="CMD", help="command to run check-jsonschema (default: this interpreter's)")
    parser.add_argument("--no-check-jsonschema", action="store_true", help="skip the check-jsonschema comparison")
    args = parser.parse_args(argv)

    from clinicguide.resources import guidance_dir, schemas_dir

    sizes = [10] if args.quick else [10, 100, 1000, 5000]
    results: dict[str, Any] = {"quick": args.quick, "machine": machine()}
    cj_cmd = None if args.no_check_jsonschema else _check_jsonschema_cmd(args.check_jsonschema)
    with tempfile.TemporaryDirectory(prefix="clinicguide-bench-") as tmp_name:
        env = Env(Path(tmp_name))
        shipped = sorted(p for p in guidance_dir().iterdir() if p.suffix in (".yaml", ".yml"))
        declared = {line.split(":", 1)[1].strip().strip("\"'") for p in shipped for line in p.read_text().splitlines()
                    if line.startswith("schema:")}
        if len({version.split(".")[0] for version in declared}) != 1:
            raise SystemExit(f"the shipped documents declare several major schema versions: {sorted(declared)}")
        # A minor version only adds optional fields, so the newest one declared validates every document.
        newest = max(declared, key=lambda version: tuple(int(part) for part in version.split(".")))
        schema = schemas_dir() / "guidance" / newest / "guidance.schema.json"
        generated = {n: env.tmp / f"library-{n}" for n in sizes}
        for n, folder in generated.items():
            make_library(n, folder, guidance_dir(), schema)

        def step(name: str, run: Callable[[], Any]) -> Any:
            print(f"[{time.strftime('%H:%M:%S')}] {name} ...", file=sys.stderr, flush=True)
            return run()

        results["cold_start"] = step("cold start", lambda: cold_start(env, 2 if args.quick else 9))
        results["startup"] = step("start-up", lambda: startup_section(env, 2 if args.quick else 15))
        libraries = {"shipped": shipped, **{f"gen-{n}": sorted(f.iterdir()) for n, f in generated.items() if n <= 1000}}
        runs = {"shipped": 1, "gen-10": 1} if args.quick else {"shipped": 7, "gen-10": 5, "gen-100": 3, "gen-1000": 2}
        skipped = "--no-check-jsonschema given" if args.no_check_jsonschema else None
        results["validate"] = step("validate", lambda: validate_section(env, libraries, schema, cj_cmd, runs, skipped))
        results["plan"] = step("plan",
                               lambda: plan_section(20 if args.quick else 3000,
                                                    3 if args.quick else 200, 0.2 if args.quick else 3.0))
        results["memory"] = step("memory", lambda: memory_section(env))
        scale_runs = {10: 1} if args.quick else {10: 3, 100: 3, 1000: 2, 5000: 1}
        results["scaling"] = step("scaling", lambda: scaling_section(env, generated, scale_runs, 20 if args.quick else 3000,
                                                                     traced={10, 100, 1000}))
    results["machine"]["load_average_at_end"] = _load()
    results["targets"] = targets(results)

    stamp = f"{time.strftime('%Y%m%d-%H%M%S')}{'-quick' if args.quick else ''}"
    out = Path(args.out) if args.out else HERE / "results" / f"{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    print(f"\nresults: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
