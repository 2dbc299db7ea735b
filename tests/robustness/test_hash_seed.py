"""Same inputs, same bytes, in every process: output must not depend on the hash seed.

Set iteration order changes with ``PYTHONHASHSEED``, so anything derived from ``repr()`` of a
set, or from iterating one, would give other ids in another process. Two interpreters with
different seeds run every output command on every example patient and must agree byte for byte.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

DRIVER = r"""
import contextlib, hashlib, io, sys
from pathlib import Path
from clinicguide.cli import main

root, out = Path(sys.argv[1]), Path(sys.argv[2])
guidance = ["botulinum-toxin-glabellar", "ha-dermal-filler", "isotretinoin-oral", "laser-enlarged-pores",
            "microneedling", "salicylic-acid-topical"]
runs = []
for patient in sorted((root / "examples/patients").glob("*.json")):
    for gid in guidance:
        for command in ("plan", "screen"):
            for fhir in ("R4", "R5"):
                runs.append([command, gid, "--patient", str(patient), "--date", "2026-12-01",
                             "--last-treatment", "never", "--fhir", fhir])
for gid in guidance:
    runs += [["checklist", gid], ["checklist", gid, "--fhir", "R5"]]
runs += [["consent", "microneedling", "--response", str(root / "examples/responses/microneedling-complete.json")],
         ["export", "--fhir", "R4"], ["export", "--fhir", "R5"],
         ["release", "build", "--out", "bundle.tar.gz"]]  # relative: cwd is out
for n, argv in enumerate(runs):
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(argv)
    print(n, code, hashlib.sha256(stdout.getvalue().encode()).hexdigest(), " ".join(Path(a).name for a in argv))
print("bundle", hashlib.sha256((out / "bundle.tar.gz").read_bytes()).hexdigest())
"""


def start_with_seed(seed: str, out: Path) -> subprocess.Popen[str]:
    out.mkdir()
    env = {**os.environ, "PYTHONHASHSEED": seed}
    return subprocess.Popen([sys.executable, "-c", DRIVER, str(ROOT), str(out)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=out)


def finish(process: subprocess.Popen[str]) -> str:
    stdout, stderr = process.communicate(timeout=300)
    assert process.returncode == 0, stderr[-2000:]
    return stdout


def test_every_output_is_byte_identical_under_two_hash_seeds(tmp_path: Path) -> None:
    processes = [start_with_seed(seed, tmp_path / f"seed-{seed}") for seed in ("1", "2024")]  # both at once
    first, second = (finish(p) for p in processes)
    assert first == second
    lines = first.splitlines()
    assert len(lines) > 250, "every example patient, guidance and command ran"
    patients = {p.name for p in (ROOT / "examples/patients").glob("*.json")}
    assert "nina-several-codings.json" in patients, "one example condition carries several codings"
    # a failing command prints little, which could agree by accident: every run must succeed
    assert all(line.split()[1] == "0" for line in lines[:-1]), [line for line in lines if line.split()[1] != "0"][:3]
    assert lines[-1].startswith("bundle ")
