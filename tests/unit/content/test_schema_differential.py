"""Guidance validation (jsonschema-rs) reports exactly what the reference, jsonschema, finds.

A validator that said "valid" wrongly would let invalid content through unreported, and one
that reported a different place or keyword would send an editor to the wrong line. So the
shipped and test documents, and thousands of seeded mutations of them, go through both, and
each must give the same verdict and the same problems (code, path, message).
"""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path
from typing import Any

import pytest

from clinicguide.content import schemas
from clinicguide.content.check import schema_problems
from clinicguide.content.located import Locator
from clinicguide.content.yamlsafe import Positions

ROOT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("check_schema", ROOT / "benchmarks" / "check_schema.py")
assert _spec and _spec.loader
check = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check)

DOCUMENTS = check.seeds()


@pytest.mark.parametrize("schema_file", check.SCHEMA_FILES, ids=lambda p: p.parent.name)
def test_same_problems_as_jsonschema_on_mutations(schema_file: Path) -> None:
    counts = check.compare(schema_file, 2500, random.Random(20261202), DOCUMENTS)
    assert counts["valid"] > 150 and counts["invalid"] > 1500, counts  # both sides were exercised


@pytest.mark.parametrize("schema_file", check.SCHEMA_FILES, ids=lambda p: p.parent.name)
def test_same_problems_on_every_seed_document(schema_file: Path) -> None:
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    reference, ours = check.reference_validator(schema), schemas.SchemaValidator(schema)
    for doc in DOCUMENTS:
        expected = check.problems_of([check.reference_violation(e) for e in reference.iter_errors(doc)])
        assert check.problems_of(ours.violations(doc)) == expected


@pytest.mark.parametrize(("value", "what"), [((1, 2), "tuple"), ({"a"}, "set"), (b"x", "bytes"), (float("nan"), "nan")])
def test_values_yaml_cannot_hold_are_wrong_types_not_errors(value: Any, what: str) -> None:
    """Data a plugin built (an amendment) may hold Python values no YAML file can: each is a located CG203."""
    doc = dict(DOCUMENTS[0], title=value)
    found = list(schema_problems(doc, Locator("doc.yaml", Positions())))
    assert [(p.code, p.path) for p in found] == [("CG203", "$.title")], found
    assert what in found[0].message
