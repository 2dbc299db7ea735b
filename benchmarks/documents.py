"""Patient documents and the reading-level check: how long they take, next to their targets.

Run from the repository root::

    python benchmarks/documents.py            # every guidance, median of 5
    python benchmarks/documents.py --quick    # one guidance, one run

Speed is reported here, never asserted: the figures depend on the machine and its load.

html / pdf
    ``ClinicGuide.document()`` in this process for both documents of each guidance, after one
    warm-up document (WeasyPrint's and Jinja2's imports and font loading are then paid).
reading level
    In a fresh interpreter: the first ``grade()`` (the CMU pronouncing dictionary and the
    hyphenation patterns read), then every patient text of the shipped guidance.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from clinicguide import ClinicGuide

TARGETS_MS = {"html": 50.0, "pdf": 2000.0, "reading level, first text": 1500.0, "reading level, per text": 5.0}

_READING = """
import time, sys
t0 = time.perf_counter()
from clinicguide.content.readability import grade, patient_texts
from clinicguide.content.yamlsafe import parse
from clinicguide.resources import guidance_dir
grade("Use sunscreen from the next day.")
t1 = time.perf_counter()
texts = [t for path in sorted(guidance_dir().glob("*.yaml"))
         for _, t in patient_texts(parse(path.read_text(encoding="utf-8"))[0])]
t2 = time.perf_counter()
for text in texts:
    grade(text)
t3 = time.perf_counter()
print((t1 - t0) * 1000, (t3 - t2) * 1000 / len(texts), len(texts))
"""


def _median_ms(make: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        make()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one guidance, one run")
    args = parser.parse_args()
    runs = 1 if args.quick else 5
    guide = ClinicGuide(entry_point_plugins=False)
    ids = guide.library.ids()[:1] if args.quick else guide.library.ids()
    guide.document("consent", ids[0], format="pdf")  # warm-up
    figures: dict[str, list[float]] = {"html": [], "pdf": []}
    sizes = []
    for guidance_id in ids:
        for kind in ("consent", "aftercare"):
            for fmt in ("html", "pdf"):
                figures[fmt].append(_median_ms(lambda k=kind, g=guidance_id, f=fmt: guide.document(k, g, date="2026-12-01",
                                                                                                    format=f), runs))
            sizes.append(len(guide.document(kind, guidance_id, date="2026-12-01", format="pdf").content))
    done = subprocess.run([sys.executable, "-c", _READING], capture_output=True, text=True, check=True, timeout=300)
    first, per_text, count = done.stdout.split()
    rows = [("html", max(figures["html"]), f"slowest of {len(figures['html'])} documents"),
            ("pdf", max(figures["pdf"]), f"slowest of {len(figures['pdf'])}; PDF sizes {min(sizes):,}-{max(sizes):,} bytes"),
            ("reading level, first text", float(first), "fresh process: imports and the pronouncing dictionary"),
            ("reading level, per text", float(per_text), f"mean over {count} patient texts")]
    print(f"{'figure':<28}{'ms':>10}{'target ms':>12}  met  note")
    for name, value, note in rows:
        target = TARGETS_MS[name]
        print(f"{name:<28}{value:>10.1f}{target:>12.0f}  {'yes' if value <= target else 'NO ':<3}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
