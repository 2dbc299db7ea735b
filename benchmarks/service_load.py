"""The CDS Hooks service under load, next to in-process ``plan()``.

Run from the repository root (after ``pip install -e '.[test,service]'``, and ``apt-get install wrk``)::

    python benchmarks/service_load.py            # 15 s per concurrency level
    python benchmarks/service_load.py --quick    # 3 s per level

It starts ``clinicguide serve --workers 2`` on 127.0.0.1 with a fresh key pair and SQLite database,
then drives it with wrk (the HTTP load generator, written in C) at concurrency 1, 16 and 64. Every
request is an order-sign call with the pregnant example patient's data prefetched and an
isotretinoin order, signed with its own JWT (RS384 by default, ``--alg ES384`` for the specification's other
recommended algorithm; a fresh ``jti``: the service refuses a replay), so
each request runs the whole path: JWT check, replay cache write, request checks, decision, card,
card record write. Tokens are signed beforehand and handed out by a wrk Lua script.

Next to it, the same decision in this process: ``ClinicGuide.plan()`` (the Python API, with the
FHIR Bundle) and ``ClinicGuide.screen()`` (what the service runs per card), one call at a time.

Targets: p99 under 50 ms at concurrency 16; per core, at least half the in-process ``plan()``
throughput. "Per core" is measured in CPU time on both sides: calls per CPU-second of the
service's processes (from /proc, at concurrency 16) against ``plan()`` calls per CPU-second, so
wrk's share of the cores does not count against the service. wrk shares the machine's cores with
the two workers, so on a 2-core machine the latencies understate what the service does on cores
of its own. Speed is reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "service"))

from cds_ehr import hook_request, medication_order, patient_resources, prefetch_for  # noqa: E402

from clinicguide.guide import ClinicGuide  # noqa: E402

PATIENT = "anna-berg"
ISS = "https://ehr.example.org"
PATH = "/cds-services/clinicguide-order-sign"
LEVELS = (1, 16, 64)
TARGET_P99_MS = 50.0

LUA = r"""
local tokens = {}
local counter = 1
local threads = {}
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  local index = 0
  for line in io.lines(args[1]) do
    index = index + 1
    if (index % tonumber(args[2])) == (id - 1) then table.insert(tokens, line) end
  end
  local f = io.open(args[3], "rb"); body = f:read("*a"); f:close()
  next_token = 1
end
function request()
  local token = tokens[next_token]
  next_token = next_token + 1
  if next_token > #tokens then next_token = 1 end
  return wrk.format("POST", nil, {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q / 100 * len(ordered)) - 1))]


def in_process(seconds: float) -> dict[str, Any]:
    """plan() and screen() on the same input, one call at a time, on one core."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    guide = ClinicGuide()
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": r} for r in patient_resources("pregnant-patient")]}
    proposed = {"dose": "40 mg/d"}
    found: dict[str, Any] = {}
    for name, call in (("plan", guide.plan), ("screen", guide.screen)):
        for _ in range(20):
            call("isotretinoin-oral", bundle, proposed=proposed, date="2026-12-01")
        times: list[float] = []
        end = time.perf_counter() + seconds
        cpu_started = time.process_time()
        while time.perf_counter() < end:
            started = time.perf_counter()
            call("isotretinoin-oral", bundle, proposed=proposed, date="2026-12-01")
            times.append(time.perf_counter() - started)
        cpu = time.process_time() - cpu_started
        # calls per CPU-second: what one core does, whatever else the machine runs
        found[name] = {"calls": len(times), "per_second": round(len(times) / cpu, 1),
                       "p50_ms": round(statistics.median(times) * 1000, 3), "p99_ms": round(_percentile(times, 99) * 1000, 3)}
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    return found


def _wrk_figures(output: str) -> dict[str, Any]:
    def latency(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        if not match:
            raise RuntimeError(f"wrk printed no {label}% latency:\n{output}")
        return float(match[1]) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match[2]]

    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if not rate or not total:
        raise RuntimeError(f"wrk printed no request rate:\n{output}")
    return {"requests": int(total[1]), "per_second": float(rate[1]), "p50_ms": latency("50"), "p99_ms": latency("99"),
            "non_2xx": int(errors[1]) if errors else 0, "socket_errors": socket_errors[1] if socket_errors else ""}


def _cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) of ``pid`` and every process under it, from /proc; None elsewhere."""
    ticks = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total, queue = 0.0, [pid]
    try:
        while queue:
            current = queue.pop()
            fields = Path(f"/proc/{current}/stat").read_text().rpartition(")")[2].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
            queue += _children(current)
    except OSError:
        return None
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                for child in (task / "children").read_text().split()]
    except OSError:
        return []


def _connections_per_worker(server: int, port: int) -> list[int] | None:
    """How many of the load generator's connections each worker process holds (Linux /proc), largest first.

    Every worker accepts from one shared listening socket; which one accepts a connection is up
    to the kernel and the timing, and a keep-alive connection stays with that worker.
    """
    try:
        established = set()
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # ESTABLISHED, our port
                established.add(fields[9])  # inode
        counts = []
        workers = [c for c in _children(server) if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]
        for worker in workers:
            targets = [str(fd.readlink()) for fd in Path(f"/proc/{worker}/fd").iterdir()]
            inodes = {target[8:-1] for target in targets if target.startswith("socket:[")}
            counts.append(len(inodes & established))
    except OSError:
        return None
    return sorted(counts, reverse=True) if counts else None


def _server_times(log: Path) -> dict[str, float]:
    """The service's own time per call (from its access log): the rest of wrk's latency is queueing and HTTP."""
    times = [json.loads(line)["ms"] for line in log.read_text().splitlines()
             if line.startswith("{") and '"endpoint": "call"' in line]
    if not times:
        return {}
    return {"server_p50_ms": round(statistics.median(times), 2), "server_p99_ms": round(_percentile(times, 99), 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 s per level instead of 15")
    parser.add_argument("--seconds", type=float, help="seconds per concurrency level")
    parser.add_argument("--alg", choices=("RS384", "ES384"), default="RS384",
                        help="the EHR's JWT algorithm, both recommended by the specification (default RS384)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "service_load.json")
    args = parser.parse_args()
    seconds = args.seconds or (3.0 if args.quick else 15.0)
    wrk = shutil.which("wrk")
    if wrk is None:
        print("wrk is not installed: apt-get install wrk (Debian) or see https://github.com/wg/wrk", file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        key: Any
        if args.alg == "ES384":
            key = ec.generate_private_key(ec.SECP384R1())
            public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
        else:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        (tmp / "jwks.json").write_text(json.dumps({"keys": [{**public, "kid": "bench", "alg": args.alg}]}))
        port = _free_port()
        public_url = f"http://127.0.0.1:{port}"
        (tmp / "service.json").write_text(json.dumps({"public_url": public_url, "database": str(tmp / "db.sqlite3"),
                                                      "issuers": [{"iss": ISS, "jwks_file": "jwks.json"}]}))
        templates = _templates()
        prefetch = prefetch_for(templates, patient_resources("pregnant-patient"), PATIENT)
        body = hook_request("order-sign", PATIENT, [medication_order(PATIENT)], prefetch=prefetch,
                            instance="5f0c1e9a-3b7d-4c1e-9a55-2d8f6b0c7e41")
        (tmp / "body.json").write_text(json.dumps(body))
        (tmp / "tokens.lua").write_text(LUA)

        plan = in_process(min(seconds, 5.0))
        server = subprocess.Popen([sys.executable, "-m", "clinicguide", "serve", "--config", str(tmp / "service.json"),
                                   "--port", str(port), "--workers", "2"], stdout=subprocess.DEVNULL,
                                  stderr=(tmp / "server.log").open("w"), start_new_session=True)
        levels: dict[str, Any] = {}
        try:
            _wait(public_url)
            for connections in LEVELS:
                threads = min(connections, 2)
                # more than the service answers in the time, whichever wrk thread is faster: no token repeats
                count = int(seconds * 2500) + 1000
                now = int(time.time())
                with (tmp / "tokens.txt").open("w") as stream:
                    for _ in range(count):
                        claims = {"iss": ISS, "aud": public_url + PATH, "iat": now, "exp": now + 900, "jti": str(uuid.uuid4())}
                        stream.write(jwt.encode(claims, key, algorithm=args.alg, headers={"kid": "bench"}) + "\n")
                cpu_before = _cpu_seconds(server.pid)
                split: list[list[int] | None] = []
                sampler = threading.Timer(seconds / 2,
                                          lambda found=split: found.append(_connections_per_worker(server.pid, port)))
                sampler.start()
                done = subprocess.run([wrk, "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s", "--latency",
                                       "--timeout", "10s", "-s", str(tmp / "tokens.lua"), public_url + PATH, "--",
                                       str(tmp / "tokens.txt"), str(threads), str(tmp / "body.json")],
                                      capture_output=True, text=True, timeout=seconds + 60)
                if done.returncode != 0:
                    raise RuntimeError(done.stderr)
                cpu_after = _cpu_seconds(server.pid)
                sampler.join()
                figures = {**_wrk_figures(done.stdout), **_server_times(tmp / "server.log")}
                if split and split[0]:
                    figures["connections_per_worker"] = split[0]
                if cpu_before is not None and cpu_after is not None and cpu_after > cpu_before:
                    # the service's own CPU per call: wrk's share of the cores does not enter it
                    figures["service_cpu_ms_per_call"] = round((cpu_after - cpu_before) * 1000 / figures["requests"], 3)
                    figures["calls_per_cpu_second"] = round(figures["requests"] / (cpu_after - cpu_before), 1)
                levels[str(connections)] = figures
                (tmp / "server.log").write_text("")  # the next level's lines only
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)

    cores = os.cpu_count() or 1
    # Per core: the service's calls per CPU-second of its own processes at concurrency 16 (wrk's
    # share of the cores left out); where /proc is missing, the best rate over two worker cores.
    per_core = levels["16"].get("calls_per_cpu_second") or max(level["per_second"] for level in levels.values()) / 2
    results = {
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": cores, "python": platform.python_version()},
        "load_generator": "wrk 4.1 (C), threads = min(connections, 2), each request with its own signed JWT",
        "jwt_algorithm": args.alg,
        "seconds_per_level": seconds, "in_process": plan, "service": levels,
        "service_per_core_per_second": round(per_core, 1),
        "plan_per_core_over_service_per_core": round(plan["plan"]["per_second"] / per_core, 2),
        "targets": {"p99_ms_at_16": TARGET_P99_MS, "service_per_core_at_least": round(plan["plan"]["per_second"] / 2, 1)},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"in-process, one core: plan() {plan['plan']['per_second']}/s (p50 {plan['plan']['p50_ms']} ms, "
          f"p99 {plan['plan']['p99_ms']} ms); screen() {plan['screen']['per_second']}/s (p50 {plan['screen']['p50_ms']} ms)")
    print(f"{'concurrency':>11}  {'req/s':>8}  {'p50 ms':>8}  {'p99 ms':>8}  {'non-2xx':>7}  {'in-service p50/p99 ms':>21}"
          "  connections per worker")
    for connections, level in levels.items():
        inside = f"{level.get('server_p50_ms', float('nan')):.2f} / {level.get('server_p99_ms', float('nan')):.2f}"
        print(f"{connections:>11}  {level['per_second']:>8.1f}  {level['p50_ms']:>8.2f}  {level['p99_ms']:>8.2f}  "
              f"{level['non_2xx']:>7}  {inside:>21}  {'/'.join(map(str, level.get('connections_per_worker', [])))}")
    refused = {c: level["non_2xx"] for c, level in levels.items() if level["non_2xx"]}
    if refused:
        print(f"WARNING: answers other than 200 at concurrency {refused}: the figures are not of the whole path")
    verdict = "met" if levels["16"]["p99_ms"] < TARGET_P99_MS else "NOT met"
    print(f"target p99 < {TARGET_P99_MS:g} ms at concurrency 16: {verdict} ({levels['16']['p99_ms']:.2f} ms)")
    half = plan["plan"]["per_second"] / 2
    verdict = "met" if per_core >= half else "NOT met"
    print(f"target per core >= half of in-process plan() ({half:.1f}/s): {verdict} ({per_core:.1f} calls per service CPU-second; "
          f"plan()/service per core = {results['plan_per_core_over_service_per_core']})")
    for connections, level in levels.items():
        if "service_cpu_ms_per_call" in level:
            print(f"service CPU per call at concurrency {connections}: {level['service_cpu_ms_per_call']} ms "
                  f"({level['calls_per_cpu_second']} calls per CPU-second)")
    print(f"wrote {args.out}")
    return 0


def _templates() -> dict[str, str]:
    from clinicguide.service.prefetch import templates

    guide = ClinicGuide()
    return {t.key: t.query for t in templates(guide.library, guide.base)}


def _wait(url: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise RuntimeError("clinicguide serve did not start within 90 s")


if __name__ == "__main__":
    sys.exit(main())
