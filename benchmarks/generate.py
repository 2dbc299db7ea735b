"""Generated guidance libraries for the benchmarks: varied copies of the shipped documents.

Document ``n`` is a copy of shipped document ``n % 6`` whose ``id`` gets the suffix
``-0001``, ``-0002``, ... and whose title says which copy it is. Everything else is the
shipped text, so every copy is valid and each validator parses and checks a full,
realistic document (schema, formats, and for clinicguide the semantic rules too).

Only those two lines change, in place, so line numbers stay those of the original. The
``yaml-language-server`` modeline is rewritten to the schema's absolute path so the
copies stay usable in an editor; neither validator reads it (check-jsonschema is given
the same schema file with ``--schemafile``).
"""

from __future__ import annotations

import re
from pathlib import Path

_ID = re.compile(r"^id: ([a-z][a-z0-9-]*)[ \t]*$", re.MULTILINE)
_TITLE = re.compile(r"^title: ([^'\"|>&*!{\[\s].*?)[ \t]*$", re.MULTILINE)
_MODELINE = re.compile(r"^# yaml-language-server: \$schema=.*$", re.MULTILINE)


def shipped(guidance_dir: Path) -> list[Path]:
    """The shipped guidance files, sorted."""
    return sorted(p for p in guidance_dir.iterdir() if p.suffix in (".yaml", ".yml"))


def vary(text: str, n: int, schema_file: Path) -> str:
    """One copy of a shipped document, numbered ``n`` (1-based)."""
    suffix = f"{n:04d}"
    varied, count = _ID.subn(lambda m: f"id: {m[1]}-{suffix}", text, count=1)
    if count != 1:
        raise ValueError("a shipped document has no plain top-level 'id:' line to vary")
    varied = _TITLE.sub(lambda m: f"title: {m[1]} (benchmark copy {suffix})", varied, count=1)
    return _MODELINE.sub(lambda m: f"# yaml-language-server: $schema={schema_file.resolve()}", varied, count=1)


def make_library(count: int, dest: Path, guidance_dir: Path, schema_file: Path) -> list[Path]:
    """Write ``count`` documents into ``dest`` (created); return their paths, sorted."""
    dest.mkdir(parents=True, exist_ok=True)
    sources = [(p.stem, p.read_text(encoding="utf-8")) for p in shipped(guidance_dir)]
    written = []
    for n in range(1, count + 1):
        stem, text = sources[(n - 1) % len(sources)]
        path = dest / f"{stem}-{n:04d}.yaml"
        path.write_text(vary(text, n, schema_file), encoding="utf-8")
        written.append(path)
    return sorted(written)
