"""How long hostile input takes to refuse: regex bombs, a bomb bundle, and device inputs.

Run from the repository root::

    python benchmarks/hostile.py

Prints each figure next to its target. Speed is reported here, never asserted: the
figures depend on the machine and its load. The targets are what "does not hang" means
in practice: matching grows linearly with the text, and a hostile bundle costs about as
much to verify as a good one.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from bundles import repack, title  # noqa: E402

from clinicguide.content.ecmaregex import compile_pattern  # noqa: E402
from clinicguide.release import build  # noqa: E402


def _median(run: object, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def matching() -> None:
    """``^(a+)+$`` against ``a…a!``: exponential for a backtracking engine, linear here."""
    search = compile_pattern("^(a+)+$")
    print("pattern ^(a+)+$ against 'a' * n + '!' (target: time grows linearly with n)")
    for n in (1_000, 10_000, 100_000, 1_000_000):
        text = "a" * n + "!"
        seconds = _median(lambda text=text: search(text))
        print(f"  n={n:>9,}  {seconds * 1e3:9.3f} ms  ({seconds / n * 1e9:6.2f} ns per character)")


def _bomb(good: Path, out: Path) -> Path:
    """A bundle whose schema puts ``^(a+)+$`` on the title, and a document with a 5,000-character trigger."""
    return repack(good, out, schema=title({"type": "string", "pattern": "^(a+)+$"}),
                  document=lambda text: text.replace("\ntitle: ", "\ntitle: " + "a" * 5000 + "!\nx-title: ", 1))


def _cli(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "clinicguide", *args], capture_output=True, cwd=REPO, timeout=600, check=False)
    return time.perf_counter() - started


def commands() -> None:
    with tempfile.TemporaryDirectory() as temp:
        good = Path(temp) / "good.tar.gz"
        build.write(build.build(), good)
        bomb = _bomb(good, Path(temp) / "bomb.tar.gz")
        print("release verify, fresh process, median of 3 (target: the bomb within 2x the good bundle)")
        good_s = statistics.median(_cli("release", "verify", str(good)) for _ in range(3))
        bomb_s = statistics.median(_cli("release", "verify", str(bomb)) for _ in range(3))
        print(f"  good bundle               {good_s:6.2f} s")
        print(f"  ^(a+)+$ with a 5,000-char trigger {bomb_s:6.2f} s  ({bomb_s / good_s:.2f}x)")
    print("device inputs, fresh process, median of 3 (target: refused at start-up cost, nothing read)")
    for args in (("screen", "microneedling", "--patient", "/dev/zero"), ("release", "verify", "/dev/urandom")):
        seconds = statistics.median(_cli(*args) for _ in range(3))
        print(f"  {' '.join(args):<45} {seconds:6.2f} s")


if __name__ == "__main__":
    matching()
    commands()
