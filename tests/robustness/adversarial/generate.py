"""The adversarial guidance corpus: reading the committed cases and generating the rest.

Committed cases live in ``guidance/`` next to this module. Each declares what it must
produce on its first line, ``# expect: CG105 line 40`` (the line is optional); files whose
format cannot hold a comment (empty, UTF-16, binary) are listed in ``guidance/manifest.json``
instead. Cases that are large, binary or need an absolute path are generated here, into a
folder the test provides (``tmp_path``), at test time.

Every case must give a located problem with its code: validation never raises, never
hangs, never runs what a file names.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "guidance"
MANIFEST = CORPUS / "manifest.json"
#: What the python/object/apply cases in the committed corpus try to create (relative to the cwd).
MARKER = "CG_ADVERSARIAL_MARKER"

_EXPECT = re.compile(r"# expect: (CG\d{3})(?: line (\d+))?\s*$")

#: A complete, valid guidance document; every generated case is a variation of it.
BASE = """\
schema: "1.0"
id: adversarial-base
version: 1.0.0
status: draft
kind: procedure
title: Adversarial example
review:
  authors:
    - {name: A. Author, role: content editor}
  required_reviewer: A board-certified dermatologist.
changelog:
  - version: 1.0.0
    date: 2026-01-15
    changes: [First version.]
sources:
  - id: S1
    title: An example source
    publisher: An example publisher
    evidence: consensus
indications:
  - id: ind-example
    text: An example indication.
    label: on-label
    sources: [S1]
contraindications: []
risks:
  - id: risk-redness
    text: Redness for a day.
    severity: mild
    frequency: {category: common}
    sources: [S1]
consent:
  - id: consent-procedure
    section: procedure
    text: I understand what the procedure involves.
    sources: [S1]
aftercare: []
"""

#: A richer valid document for the "every field" variations: criteria, regimens, monitoring.
RICH: dict[str, Any] = {
    "schema": "1.0",
    "id": "adversarial-rich",
    "version": "1.2.0",
    "status": "active",
    "kind": "medication",
    "title": "Rich example",
    "summary": "Exercises most of schema 1.0.",
    "review": {
        "authors": [{"name": "A. Author", "role": "content editor"}],
        "required_reviewer": "A board-certified dermatologist.",
        "reviewers": [{"name": "Dr R. Reviewer", "role": "dermatologist"}],
        "approved": "2026-03-01",
        "next_review": "2027-03-01",
    },
    "changelog": [{"version": "1.2.0", "date": "2026-03-01", "changes": ["Second version."]},
                  {"version": "1.0.0", "date": "2026-01-15", "changes": ["First version."]}],
    "sources": [{"id": "S1", "title": "A label", "publisher": "A regulator", "year": 2024, "url": "https://example.org/label",
                 "evidence": "regulatory-label"},
                {"id": "S2", "title": "A review", "publisher": "A journal", "evidence": "systematic-review"}],
    "indications": [{"id": "ind-acne", "text": "Acne.", "label": "on-label", "sources": ["S1"]}],
    "contraindications": [
        {"id": "ci-pregnancy", "severity": "absolute", "text": "Pregnancy.",
         "criterion": {"condition": {"codes": [{"system": "http://snomed.info/sct", "code": "77386006",
                                                "display": "Pregnant (finding)"}]}},
         "question": "Is the patient pregnant?", "sources": ["S1"]},
        {"id": "ci-young", "severity": "relative", "text": "Young.",
         "criterion": {"all": [{"age": {"below": 18}}, {"not": {"id": "crit-checked", "question": "Checked?"}}]},
         "question": "Is the patient under 18?", "sources": ["S2"]},
    ],
    "regimens": [{
        "id": "reg-standard", "title": "Standard", "label": "on-label", "indications": ["ind-acne"], "route": "oral",
        "ranges": [{"id": "rng-dose", "parameter": "dose", "low": 0.5, "high": 1, "unit": "mg/kg/d", "sources": ["S1"]}],
        "maximums": [{"id": "max-session", "parameter": "dose", "value": 2, "unit": "mg/kg/d",
                      "per": "session", "sources": ["S1"]}],
        "min_interval": {"id": "int-one", "value": 1, "unit": "d", "sources": ["S1"]},
        "sources": ["S1"],
    }],
    "risks": [{"id": "risk-dry", "text": "Dry lips.", "severity": "moderate", "frequency": {"category": "common", "percent": 50},
               "sources": ["S1"]}],
    "consent": [{"id": "consent-dry", "section": "risks", "text": "I understand my lips may dry.", "discloses": ["risk-dry"],
                 "sources": ["S1"]}],
    "aftercare": [{"id": "ac-lips", "category": "do", "text": "Use lip balm.", "start": {"value": 0, "unit": "d"},
                   "for": {"value": 16, "unit": "wk"}, "sources": ["S1"]}],
    "monitoring": [{"id": "mon-visit", "kind": "visit", "text": "Monthly visit.", "timing": "Every month.",
                    "at": [{"value": 1, "unit": "mo"}], "sources": ["S2"]}],
}

@dataclass(frozen=True)
class Case:
    """One file and what validating it must report."""

    name: str
    code: str
    line: int | None = None
    data: bytes = b""  # generated cases only
    note: str = ""

# -- the committed corpus --------------------------------------------------------------------

def committed() -> list[Case]:
    """Every committed corpus file with its expectation (first-line comment or manifest)."""
    manifest: dict[str, dict[str, Any]] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    cases = []
    for path in sorted(p for p in CORPUS.iterdir() if p.suffix in (".yaml", ".yml")):
        if path.name in manifest:
            entry = manifest[path.name]
            cases.append(Case(path.name, entry["code"], entry.get("line"), note=entry.get("note", "")))
            continue
        first = path.read_bytes().split(b"\n", 1)[0].removeprefix(b"\xef\xbb\xbf").decode("ascii", "replace")
        match = _EXPECT.fullmatch(first.rstrip("\r"))
        if not match:
            raise AssertionError(f"{path.name}: first line must be '# expect: CGnnn [line N]', or list the file in manifest.json")
        cases.append(Case(path.name, match[1], int(match[2]) if match[2] else None))
    missing = set(manifest) - {c.name for c in cases}
    if missing:
        raise AssertionError(f"manifest.json names files that do not exist: {', '.join(sorted(missing))}")
    return cases

# -- generated cases ---------------------------------------------------------------------------

def _swap(old: str, new: str, text: str = BASE) -> str:
    if old not in text:
        raise AssertionError(f"{old!r} is not in the base document")
    return text.replace(old, new, 1)

def _line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1

def generated(marker_dir: Path) -> list[Case]:
    """Large, binary and path-dependent cases; ``marker_dir`` is where an executed payload would write."""
    base = BASE.encode()
    rng = random.Random(20261201)
    cases: list[Case] = []

    def add(name: str, code: str, data: str | bytes, line: int | None = None, note: str = "") -> None:
        cases.append(Case(name, code, line, data if isinstance(data, bytes) else data.encode("utf-8"), note))

    # Size and shape limits.
    add("too-large.yaml", "CG102", base + b"# padding\n" * 100_001, 1, "over the 1 MB limit")
    add("alias-bomb-30x30.yaml", "CG106",
        "a0: &a0 [" + ", ".join(["lol"] * 30) + "]\n" +
        "".join(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 30) + "]\n" for i in range(1, 30)), 1,
        "30 levels of 30 aliases: 30^30 strings if expanded")
    add("nesting-flow-100k.yaml", "CG108", "a: " + "[" * 100_000 + "]" * 100_000, 1)
    add("nesting-flow-mapping-100k.yaml", "CG108", "a: " + "{a: " * 100_000 + "x" + "}" * 100_000, 1)
    add("nesting-block-200.yaml", "CG108", "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "leaf: x\n")
    add("key-100k-chars.yaml", "CG104", BASE + "k" * 100_000 + ": value\n", BASE.count("\n") + 1,
        "YAML keys are limited to 1024 characters")
    add("id-500k-chars.yaml", "CG209", _swap("id: adversarial-base", "id: x" + "y" * 500_000), 2)
    add("many-documents.yaml", "CG109", BASE + "---\na: 1\n" * 50_000, BASE.count("\n") + 1)
    add("many-unknown-fields.yaml", "CG201", BASE + "".join(f"extra{i}: {i}\n" for i in range(5_000)), BASE.count("\n") + 1)
    risks = "".join(f"  - id: risk-{i}\n    text: Redness {i}.\n    severity: mild\n    frequency: {{category: common}}\n    "
                    "sources: [S1]\n"
                    for i in range(3_000))
    big = _swap("risks:\n", "risks:\n" + risks) .replace("aftercare: []",
                                                         "aftercare: []\nmonitoring: [{id: mon-x, kind: visit, text: X., timing: "
                                                         "Y., sources: [S404]}]")
    add("many-risks-dangling-source.yaml", "CG303", big, _line_of(big, "monitoring:"),
        "3,000 valid risks, then one dangling reference")
    # Encodings and bytes.
    add("binary-random.yaml", "CG103", bytes(rng.randrange(256) for _ in range(4096)) + b"\x00", 1)
    add("binary-png.yaml", "CG103", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), 1)
    add("binary-gzip.yaml", "CG103", b"\x1f\x8b\x08\x00" + bytes(rng.randrange(256) for _ in range(512)), 1)
    add("utf16-le-bom.yaml", "CG103", BASE.encode("utf-16"), 1)
    add("utf16-be-bom.yaml", "CG103", b"\xfe\xff" + BASE.encode("utf-16-be"), 1)
    add("utf16-le-no-bom.yaml", "CG103", BASE.encode("utf-16-le"), 1)
    add("utf32-le-bom.yaml", "CG103", b"\xff\xfe\x00\x00" + BASE.encode("utf-32-le"), 1)
    add("latin1-accent.yaml", "CG103", _swap("Adversarial example", "Adversarial caf\xe9 example").encode("latin-1"), 6)
    add("cp1252-quotes.yaml", "CG103",
        _swap("Redness for a day.", "\u201cRedness\u201d for a day.").encode("cp1252"), _line_of(BASE, "Redness"))
    add("utf8-surrogate.yaml", "CG103", base.replace(b"Adversarial example", b"Adversarial \xed\xa0\x80 example"), 6)
    add("utf8-overlong.yaml", "CG103", base.replace(b"Adversarial example", b"Adversarial \xc0\xaf example"), 6)
    add("utf8-truncated.yaml", "CG103", base + b"summary: caf\xc3", BASE.count("\n") + 1)
    add("nul-in-text.yaml", "CG103", base.replace(b"Adversarial example", b"Adversarial\x00example"), 1)
    add("control-escape.yaml", "CG104", _swap("Adversarial example", "Adversarial \x1b[31m example"), 6)
    add("control-bell.yaml", "CG104", _swap("Redness for a day.", "Redness\x07 for a day."), _line_of(BASE, "Redness"))
    add("control-delete.yaml", "CG104", _swap("Adversarial example", "Adversarial \x7f example"), 6)
    add("bom-then-duplicate-key.yaml", "CG105", b"\xef\xbb\xbf" + base + b"title: Again\n", BASE.count("\n") + 1,
        "a UTF-8 byte order mark must not shift the line numbers")
    add("crlf-duplicate-key.yaml", "CG105", (BASE + "title: Again\n").replace("\n", "\r\n"), BASE.count("\n") + 1)
    add("cr-only-duplicate-key.yaml", "CG105", (BASE + "title: Again\n").replace("\n", "\r"), BASE.count("\n") + 1)
    add("empty-zero-bytes.yaml", "CG109", b"", 1)
    add("whitespace-only.yaml", "CG109", " \n\n   \n", 1)
    add("whitespace-and-tab.yaml", "CG104", " \n\n   \n\t\n", 4, "a tab cannot start a token, even on a blank line")
    add("bom-only.yaml", "CG109", b"\xef\xbb\xbf", 1)
    # Payloads that would run code if a constructor ran; they must only be reported.
    marker = marker_dir / "EXECUTED"
    for name, text in [
        ("exec-apply-os-system.yaml", f'title: !!python/object/apply:os.system ["touch {marker}"]\n'),
        ("exec-apply-subprocess.yaml", f'title: !!python/object/apply:subprocess.call [["touch", "{marker}"]]\n'),
        ("exec-apply-eval.yaml", f'title: !!python/object/apply:builtins.eval ["open(\'{marker}\', \'w\')"]\n'),
        ("exec-apply-exec.yaml", f'title: !!python/object/apply:builtins.exec ["open(\'{marker}\', \'w\')"]\n'),
        ("exec-new-in-list.yaml", f'changes: [ok, !!python/object/new:subprocess.Popen [["touch", "{marker}"]]]\n'),
        ("exec-name.yaml", "title: !!python/name:os.system ''\n"),
        ("exec-module.yaml", "title: !!python/module:subprocess ''\n"),
        ("exec-state.yaml", f'title: !!python/object:subprocess.Popen {{args: ["touch", "{marker}"]}}\n'),
        ("exec-in-key.yaml", "!!python/name:os.system '' : value\n"),
        ("exec-tag-directive.yaml",
         f'%TAG !x! tag:yaml.org,2002:python/object/apply:\n---\ntitle: !x!os.system ["touch {marker}"]\n'),
    ]:
        add(name, "CG107", text, None)
    add("exec-in-complex-key.yaml", "CG111", f'? !!python/object/apply:os.system ["touch {marker}"]\n: value\n', 1)
    # Whole-document shapes.
    add("doc-huge-list.yaml", "CG110", "".join(f"- item {i}\n" for i in range(50_000)), 1)
    add("doc-long-scalar.yaml", "CG110", "x" * 900_000 + "\n", 1)
    return cases

def write(cases: list[Case], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for case in cases:
        path = folder / case.name
        path.write_bytes(case.data)
        paths.append(path)
    return paths

# -- "everywhere" variations: every field of RICH, one at a time --------------------------------

JsonPath = tuple[Any, ...]

def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float) and "e" in repr(value) and "." not in repr(value):
        mantissa, exponent = repr(value).split("e")
        return f"{mantissa}.0e{exponent}"  # YAML 1.1 reads a float only with a dot: 1.0e+300, not 1e+300
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar

def emit(data: Any, *, duplicate_at: JsonPath | None = None,
         unknown_at: JsonPath | None = None) -> tuple[str, dict[JsonPath, int], int | None]:
    """Block-style YAML for ``data``, the line of every value, and the line of the injected key.

    ``duplicate_at``: repeat the first key of the mapping at that path (as its last key).
    ``unknown_at``: add the key ``zz_unknown`` to the mapping at that path.
    """
    lines: list[str] = []
    where: dict[JsonPath, int] = {}
    injected: list[int] = []

    def node(value: Any, path: JsonPath, indent: int) -> None:
        pad = " " * indent
        if isinstance(value, dict):
            for key, child in value.items():
                entry(f"{pad}{key}:", child, path + (key,), indent)
            if path == duplicate_at and value:
                first = next(iter(value))
                lines.append(f"{pad}{first}: repeated")
                injected.append(len(lines))
            if path == unknown_at:
                lines.append(f"{pad}zz_unknown: 1")
                injected.append(len(lines))
        else:
            for index, child in enumerate(value):
                entry(f"{pad}-", child, path + (index,), indent)

    def entry(head: str, child: Any, path: JsonPath, indent: int) -> None:
        if isinstance(child, (dict, list)) and child:
            lines.append(head)
            where[path] = len(lines) + 1
            node(child, path, indent + 2)
        else:
            empty = "{}" if isinstance(child, dict) else "[]" if isinstance(child, list) else None
            lines.append(f"{head} {empty or _scalar(child)}")
            where[path] = len(lines)

    node(data, (), 0)
    return "\n".join(lines) + "\n", where, injected[0] if injected else None

def paths(data: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, Any]]:
    """Every (path, value) below ``data``, parents before children."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield path + (key,), value
            yield from paths(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield path + (index,), value
            yield from paths(value, path + (index,))

def replaced(data: Any, path: JsonPath, value: Any) -> Any:
    """A copy of ``data`` with the value at ``path`` replaced."""
    copy = json.loads(json.dumps(data))
    target = copy
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return copy

def wrong_value(value: Any) -> Any:
    """A value of another JSON type than ``value``."""
    if isinstance(value, bool):
        return "not a boolean"
    if isinstance(value, (int, float)):
        return "not a number"
    if isinstance(value, str):
        return ["not", "text"]
    if isinstance(value, list):
        return "not a list"
    return 12345
