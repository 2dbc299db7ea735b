"""Differential check of clinicguide.content.fastschema against jsonschema on mutated documents.

The fast check may answer "valid" only where jsonschema reports no error, and "invalid"
only where it reports one. This takes the shipped and test documents, applies random
mutations (wrong types and values, missing and unknown fields, broken criteria, bad
dates, duplicates), and compares both on every result. Run it after changing the schema
or fastschema.py::

    python benchmarks/check_fastschema.py --count 20000 --seed 1
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

from jsonschema import Draft202012Validator, FormatChecker

from clinicguide.content import fastschema, yamlsafe
from clinicguide.resources import schemas_dir

ROOT = Path(__file__).resolve().parents[1]
VALUES: list[Any] = [
    None, 0, 1, -1, 1.0, 1.5, -0.5, 0.0, 1e9, True, False, "", "x", "X Y", "abc-def", "1.0", "1.0.0", "2026-01-01",
    "2026-02-30", "2026-1-01", "\uff12\uff10\uff12\uff16-01-01", "2026-01-01\n", "mild", "moderate", "severe", "absolute",
    "draft", "active", "on-label", "mg", "mo", "d", [], [1], ["a"], ["a", "a"], [1, True], [{}], [{"a": 1}, {"a": 1}],
    {}, {"a": 1}, "http://snomed.info/sct", "11381005", "Acne", {"question": "q?", "id": "qq"}, {"sex": "female"},
    {"sex": "female", "id": "s"}, {"age": {"below": 18}}, {"age": {"below": 18.0}}, {"age": {"below": 1.5}},
    {"not": {"sex": "male"}}, {"all": []}, {"any": [{"sex": "male"}, {"question": "q", "id": "z"}]},
    {"condition": {"codes": []}}, {"condition": {"codes": [{"system": "http://snomed.info/sct", "code": "1", "display": "d"}]}},
    {"sex": "male", "question": "q"},
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    seeds = []
    for path in sorted((ROOT / "guidance").glob("*.yaml")) + sorted((ROOT / "tests").rglob("*.y*ml")):
        try:
            data = yamlsafe.read(path)[0]
        except yamlsafe.YamlProblem:
            continue
        if isinstance(data, dict):
            seeds.append(data)
    rnd = random.Random(args.seed)
    counts = {"valid": 0, "invalid": 0, "not sure": 0}
    for schema_file in sorted((schemas_dir() / "guidance").glob("*/guidance.schema.json")):
        schema = json.loads(schema_file.read_text(encoding="utf-8"))
        fast = fastschema.compile_schema(schema)
        if fast is None:
            print(f"{schema_file}: not compiled (jsonschema checks every document)")
            continue
        full = Draft202012Validator(schema, format_checker=FormatChecker())
        for _ in range(args.count):
            doc = copy.deepcopy(rnd.choice(seeds))
            for _ in range(rnd.choice([0, 1, 1, 1, 2, 3])):
                with contextlib.suppress(IndexError, KeyError, TypeError):
                    mutate(doc, rnd)
            errors = [e.message for e in full.iter_errors(doc)]
            answer = fast(doc)
            if (answer is True and errors) or (answer is False and not errors):
                print(f"MISMATCH under {schema_file}: fast={answer} jsonschema={errors[:3]}\n{json.dumps(doc)[:2000]}")
                return 1
            counts["valid" if answer is True else "invalid" if answer is False else "not sure"] += 1
    print(f"{len(seeds)} seed documents; {sum(counts.values())} mutated documents agree: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
