"""What the integrity checks cost: intervals compared from every start date, and JSON inputs read
with duplicate keys refused.

    .venv/bin/python benchmarks/integrity.py [--quick]

Prints each figure next to its target. Nothing here is asserted by a test: speed depends on the
machine and its load.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

from clinicguide.content import spans
from clinicguide.content.values import Duration
from clinicguide.jsonfile import loads_unique


def median_ms(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def cold_comparison() -> None:
    """One comparison with every cache empty, as the first amendment of a process meets it."""
    spans._starts.cache_clear()
    spans._lengths.cache_clear()
    spans.first_shortfall.cache_clear()
    spans.first_shortfall(Duration(3, "mo"), Duration(90, "d"))


def patient_text(observations: int) -> str:
    """A plain patient mapping with many dated observations: the shape of a large host export."""
    rows = [{"code": "http://loinc.org|29463-7", "value": f"{60 + i % 20} kg", "date": f"20{10 + i % 16}-0{1 + i % 9}-1{i % 10}"}
            for i in range(observations)]
    return json.dumps({"id": "p", "birthDate": "1990-01-01", "gender": "female", "observations": rows})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few iterations, a small patient file")
    args = parser.parse_args()
    repeat = 3 if args.quick else 15

    rows = []
    rows.append(("interval comparison, caches empty (ms)", median_ms(cold_comparison, repeat), "< 100"))
    spans.first_shortfall(Duration(3, "mo"), Duration(90, "d"))
    rows.append(("interval comparison, repeated (ms)",
                 median_ms(lambda: spans.first_shortfall(Duration(3, "mo"), Duration(90, "d")), repeat), "< 0.1"))
    rows.append(("start dates sampled", float(len(spans._starts())), "one 400-year cycle"))

    text = patient_text(2_000 if args.quick else 100_000)
    plain = median_ms(lambda: json.loads(text), repeat)
    unique = median_ms(lambda: loads_unique(text), repeat)
    rows.append((f"patient JSON, {len(text) / 1e6:.1f} MB: json.loads (ms)", plain, "-"))
    megabytes = len(text) / 1e6
    rows.append((f"patient JSON, {megabytes:.1f} MB: duplicate keys refused (ms)", unique, "-"))
    rows.append(("  per MB (ms)", unique / megabytes, "< 100 (a 20 MB input, the limit, in 2 s)"))
    rows.append(("  against json.loads (times)", unique / plain if plain else 0.0, "reported"))

    width = max(len(name) for name, _, _ in rows)
    for name, value, target in rows:
        print(f"{name:<{width}}  {value:>10.3f}  target {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
