"""Differential check of clinicguide's schema validation against jsonschema, the reference.

clinicguide validates guidance with jsonschema-rs (``content/schemas.py``) and turns what it
reports into problems (``content/violations.py``). Here the same documents also go through
jsonschema, the reference implementation of Draft 2020-12 in Python (with ECMA-262 patterns
and its format checker), whose errors are turned into problems by the same explainer. Both
must agree on valid or invalid, and report the same problems: code, line, column, path and
message. The documents are the shipped and test documents and random mutations of them
(wrong types and values, missing and unknown fields, broken criteria, bad dates, repeated
entries, Unicode digits, trailing newlines, huge numbers). Run it after changing a schema::

    python benchmarks/check_schema.py --count 20000 --seed 1
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema.validators
from jsonschema import Draft202012Validator, FormatChecker, ValidationError

from clinicguide.content import schemas, yamlsafe
from clinicguide.content.ecmaregex import pattern_keyword
from clinicguide.content.located import Locator
from clinicguide.content.violations import Violation, explain
from clinicguide.errors import Problem
from clinicguide.resources import schemas_dir

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_FILES = sorted((schemas_dir() / "guidance").glob("*/guidance.schema.json"))
VALUES: list[Any] = [
    None, 0, 1, -1, 1.0, 1.5, -0.5, 0.0, 1e9, True, False, "", "x", "X Y", "abc-def", "1.0", "1.0.0", "2026-01-01",
    "2026-02-30", "2026-1-01", "\uff12\uff10\uff12\uff16-01-01", "2026-01-01\n", "mild", "moderate", "severe", "absolute",
    "draft", "active", "on-label", "mg", "mo", "d", [], [1], ["a"], ["a", "a"], [1, True], [{}], [{"a": 1}, {"a": 1}],
    {}, {"a": 1}, "http://snomed.info/sct", "11381005", "Acne", {"question": "q?", "id": "qq"}, {"sex": "female"},
    {"sex": "female", "id": "s"}, {"age": {"below": 18}}, {"age": {"below": 18.0}}, {"age": {"below": 1.5}},
    {"not": {"sex": "male"}}, {"all": []}, {"any": [{"sex": "male"}, {"question": "q", "id": "z"}]},
    {"condition": {"codes": []}}, {"condition": {"codes": [{"system": "http://snomed.info/sct", "code": "1", "display": "d"}]}},
    {"sex": "male", "question": "q"}, 10**30, -(10**30), 2**63, "microneedling\n", "\u0661\u0662", "1\u0662.0.0",
    {"any": [{"all": [{"sex": "female"}, {"bogus": 1}]}]}, {"not": {"age": {"below": "18"}}},
]


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, prefix + (index,))


def mutate(doc: dict[str, Any], rnd: random.Random) -> None:
    where = rnd.choice([p for p in paths(doc) if p])
    parent: Any = doc
    for key in where[:-1]:
        parent = parent[key]
    key, op = where[-1], rnd.random()
    if op < 0.45:
        parent[key] = copy.deepcopy(rnd.choice(VALUES))
    elif op < 0.6:
        del parent[key]
    elif op < 0.7 and isinstance(parent, dict):
        parent[rnd.choice(["bogus", "id", "text", "sources", "unit",
                           "value", "code", "question", "sex"])] = copy.deepcopy(rnd.choice(VALUES))
    elif op < 0.8 and isinstance(parent, list):
        parent.append(copy.deepcopy(parent[key]))
    elif op < 0.9 and isinstance(parent[key], str):
        parent[key] = parent[key].upper() if rnd.random() < 0.5 else parent[key] + " "
    elif isinstance(parent[key], (int, float)) and not isinstance(parent[key], bool):
        parent[key] = rnd.choice([-parent[key], parent[key] + 0.5, float(parent[key]), 10**6])
    else:
        parent[key] = copy.deepcopy(rnd.choice(VALUES))




def seeds() -> list[dict[str, Any]]:
    """The shipped documents and every test document that reads as a mapping."""
    found = []
    for path in sorted((ROOT / "guidance").glob("*.yaml")) + sorted((ROOT / "tests").rglob("*.y*ml")):
        try:
            data = yamlsafe.read(path)[0]
        except yamlsafe.YamlProblem:
            continue
        if isinstance(data, dict):
            found.append(data)
    return found


def mutated(documents: list[dict[str, Any]], rnd: random.Random) -> dict[str, Any]:
    doc = copy.deepcopy(rnd.choice(documents))
    for _ in range(rnd.choice([0, 1, 1, 1, 2, 3])):
        with contextlib.suppress(IndexError, KeyError, TypeError):
            mutate(doc, rnd)
    return doc


def reference_validator(schema: dict[str, Any]) -> Any:
    """jsonschema's Draft 2020-12 validator, every format checked, ``pattern`` as ECMA-262."""
    cls = jsonschema.validators.extend(Draft202012Validator, {"pattern": pattern_keyword})
    return cls(schema, format_checker=FormatChecker())


def reference_violation(error: ValidationError) -> Violation:
    """A jsonschema error as a :class:`Violation`; a ``oneOf``'s sub-errors grouped by alternative."""
    branches: tuple[tuple[Violation, ...], ...] = ()
    if error.validator == "oneOf" and error.context:
        groups: list[list[Violation]] = [[] for _ in error.validator_value]
        for sub in error.context:
            groups[int(sub.schema_path[0])].append(reference_violation(sub))
        branches = tuple(tuple(group) for group in groups)
    return Violation(str(error.validator), tuple(error.absolute_path), error.instance, error.schema, branches)


def problems_of(violations: Iterator[Violation] | list[Violation]) -> list[Problem]:
    """The problems the violations report; without positions every one is at 1:1, so codes, paths and messages count."""
    at = Locator("doc.yaml", yamlsafe.Positions())
    return sorted({p for v in violations for p in explain(v, at)})


def compare(schema_file: Path, count: int, rnd: random.Random, documents: list[dict[str, Any]]) -> dict[str, int]:
    """Check ``count`` mutated documents both ways; raise AssertionError on the first disagreement."""
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    reference = reference_validator(schema)
    ours = schemas.SchemaValidator(schema)
    counts = {"valid": 0, "invalid": 0}
    for _ in range(count):
        doc = mutated(documents, rnd)
        expected = problems_of([reference_violation(e) for e in reference.iter_errors(doc)])
        found = problems_of(ours.violations(doc))
        shown = json.dumps(doc)[:1500]
        assert bool(found) == bool(expected), f"valid by one, not the other: {found[:3]} / {expected[:3]}\n{shown}"
        assert found == expected, f"problems differ under {schema_file.parent.name}:\n ours {found}\n ref  {expected}\n{shown}"
        counts["invalid" if found else "valid"] += 1
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=5000, help="mutated documents per schema version")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    documents = seeds()
    rnd = random.Random(args.seed)
    totals = {"valid": 0, "invalid": 0}
    for schema_file in SCHEMA_FILES:
        try:
            counts = compare(schema_file, args.count, rnd, documents)
        except AssertionError as exc:
            print(f"MISMATCH: {exc}")
            return 1
        totals = {k: totals[k] + counts[k] for k in totals}
    print(f"{len(documents)} seed documents; {sum(totals.values())} mutated documents, the same problems both ways: {totals}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
