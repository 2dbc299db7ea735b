"""The fast schema check may say "valid" only where jsonschema finds no error.

clinicguide.content.fastschema answers for valid documents without running jsonschema; a wrong
"yes" would let invalid content through unreported, so it is compared with jsonschema on
the shipped and example documents and on thousands of seeded mutations of them.
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import json
import random
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from clinicguide.content import fastschema, yamlsafe
from clinicguide.resources import schemas_dir

ROOT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("check_fastschema", ROOT / "benchmarks" / "check_fastschema.py")
assert _spec and _spec.loader
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)

SCHEMA_FILES = sorted((schemas_dir() / "guidance").glob("*/guidance.schema.json"))


def seeds() -> list[dict[str, Any]]:
    found = []
    for path in sorted((ROOT / "guidance").glob("*.yaml")) + sorted((ROOT / "tests/unit/content/examples").rglob("*.yaml")):
        try:
            data = yamlsafe.read(path)[0]
        except yamlsafe.YamlProblem:
            continue
        if isinstance(data, dict):
            found.append(data)
    return found


@pytest.mark.parametrize("schema_file", SCHEMA_FILES, ids=lambda p: p.parent.name)
def test_fast_check_agrees_with_jsonschema_on_mutations(schema_file: Path) -> None:
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    fast = fastschema.compile_schema(schema)
    assert fast is not None, "the shipped schema should compile to the fast check"
    full = Draft202012Validator(schema, format_checker=FormatChecker())
    documents = seeds()
    rnd = random.Random(20261121)
    answers = {True: 0, False: 0, None: 0}
    for _ in range(3000):
        doc = copy.deepcopy(rnd.choice(documents))
        for _ in range(rnd.choice([0, 1, 1, 2, 3])):
            with contextlib.suppress(IndexError, KeyError, TypeError):
                check.mutate(doc, rnd)
        errors = list(full.iter_errors(doc))
        answer = fast(doc)
        assert not (answer is True and errors), f"fast check said valid; jsonschema: {errors[0].message}\n{json.dumps(doc)[:500]}"
        assert not (answer is False and not errors), f"fast check said invalid; jsonschema found nothing\n{json.dumps(doc)[:500]}"
        answers[answer] += 1
    assert answers[True] > 100 and answers[False] + answers[None] > 1000, answers  # both sides were exercised
