"""The registry of criterion kinds agrees with the schema, the model and the builder.

A new kind is one model class, one registry entry, one schema branch and one evaluator
(tested in tests/unit/clinical/test_criteria.py); these tests fail until all agree.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clinicguide.content.builder import build_criterion
from clinicguide.content.check import check_file
from clinicguide.content.criteria_kinds import KIND_KEYS, KINDS, CriterionKind, kinds_in
from clinicguide.content.schemas import available
from clinicguide.resources import schemas_dir

SCHEMA = json.loads((schemas_dir() / "guidance" / "1.0" / "guidance.schema.json").read_text(encoding="utf-8"))
# The registry holds the kinds of the newest schema; older minors have a subset of them.
NEWEST = json.loads((schemas_dir() / "guidance" / available()[-1] / "guidance.schema.json").read_text(encoding="utf-8"))
DEFS = NEWEST["$defs"]
#: Kinds whose parts are only tests of dated records, not any criterion.
RECORD_TESTS = {"evidence": ["#/$defs/conditionCriterion", "#/$defs/medicationCriterion", "#/$defs/observationCriterion"]}
Write = Callable[[str, "str | bytes"], Path]

#: One valid instance of each kind, as a document states it.
EXAMPLES: dict[str, dict[str, Any]] = {
    "condition": {"condition": {"codes": [{"system": "http://snomed.info/sct", "code": "77386006",
                                           "display": "Pregnant (finding)"}], "status": "ever"}},
    "medication": {"medication": {"codes": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "197844",
                                             "display": "isotretinoin 20 MG Oral Capsule"}],
                                  "within": {"value": 6, "unit": "mo"}}},
    "observation": {"observation": {"code": {"system": "http://loinc.org", "code": "29463-7", "display": "Body weight"},
                                    "below": 40, "unit": "kg"}},
    "allergy": {"allergy": {"codes": [{"system": "http://snomed.info/sct", "code": "77386006",
                                       "display": "Pregnant (finding)"}]}},
    "age": {"age": {"below": 18}},
    "sex": {"sex": "female"},
    "question": {"id": "q-x", "question": "Is it so?"},
    "all": {"all": [{"sex": "female"}, {"age": {"at_least": 12}}]},
    "any": {"any": [{"sex": "female"}]},
    "not": {"not": {"sex": "male"}},
    "evidence": {"evidence": [
        {"condition": {"codes": [{"system": "http://snomed.info/sct", "code": "77386006", "display": "Pregnant (finding)"}]}},
        {"observation": {"code": {"system": "http://loinc.org", "code": "2106-3",
                                  "display": "Choriogonadotropin (pregnancy test) [Presence] in Urine"},
                         "value_code": {"system": "http://snomed.info/sct", "code": "10828004",
                                        "display": "Positive (qualifier value)"}}}]},
}


def model_fields(kind: CriterionKind) -> set[str]:
    return {f.name for f in dataclasses.fields(kind.model)}


def test_keys_are_unique_and_in_the_schemas_documented_order() -> None:
    assert len(set(KIND_KEYS)) == len(KINDS)
    assert DEFS["criterion"]["description"].endswith(f"Exactly one of: {', '.join(KIND_KEYS)}.")


def test_each_kind_is_one_branch_of_the_schemas_criterion_and_each_branch_one_kind() -> None:
    branches = [branch["$ref"] for branch in DEFS["criterion"]["oneOf"]]
    assert sorted(branches) == sorted(f"#/$defs/{kind.schema}" for kind in KINDS)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.key)
def test_the_branch_is_named_by_the_kinds_key(kind: CriterionKind) -> None:
    branch = DEFS[kind.schema]
    assert kind.key in branch["required"]
    assert set(branch["properties"]) == {"id", kind.key}


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.key)
def test_the_model_has_the_fields_the_branch_states(kind: CriterionKind) -> None:
    value = DEFS[kind.schema]["properties"][kind.key]
    if kind.field is None:
        assert model_fields(kind) == {*value["properties"], "id"}
    else:
        assert model_fields(kind) == {kind.field, "id"}
    nested = {"many": {"type": "array", "items": {"$ref": "#/$defs/criterion"}}, "one": {"$ref": "#/$defs/criterion"}}
    if kind.nested is None:
        assert "#/$defs/criterion" not in json.dumps(value)
    elif kind.key in RECORD_TESTS:
        assert [branch["$ref"] for branch in value["items"]["oneOf"]] == RECORD_TESTS[kind.key]
    else:
        assert nested[kind.nested].items() <= value.items()


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.key)
def test_every_kind_builds_and_names_its_parts(kind: CriterionKind) -> None:
    data = {"id": "c-1", **EXAMPLES[kind.key]} if kind.key != "question" else EXAMPLES[kind.key]
    assert kinds_in(data) == [kind]
    built = build_criterion(data)
    assert type(built) is kind.model and built.id == data["id"]
    parts = EXAMPLES[kind.key].get(kind.key) if kind.nested else None
    expected = {"many": lambda: [build_criterion(p) for p in parts], "one": lambda: [build_criterion(parts)]}
    assert list(built.parts()) == (expected[kind.nested]() if kind.nested else [])


def test_a_mapping_with_no_kind_or_two_kinds_is_not_a_criterion() -> None:
    with pytest.raises(ValueError, match="not a criterion"):
        build_criterion({"smoker": True})
    with pytest.raises(ValueError, match="not a criterion"):
        build_criterion({"sex": "female", "age": {"below": 18}})


# -- the validator finds a criterion's branch by its key, not by position ---------------------------

def reordered_schemas(root: Path) -> Path:
    """A copy of the packaged schemas whose criterion alternatives are in reverse order."""
    schema = json.loads(json.dumps(SCHEMA))
    schema["$defs"]["criterion"]["oneOf"].reverse()
    target = root / "guidance" / "1.0" / "guidance.schema.json"
    target.parent.mkdir(parents=True)
    target.write_text(json.dumps(schema), encoding="utf-8")
    return root


@pytest.mark.parametrize("criterion", [
    "{condition: {codes: [{system: 'http://snomed.info/sctt', code: '77386006', display: Pregnant (finding)}]}}",
    "{any: [{sex: female}, {not: {age: {below: 18, older_than: 3}}}]}",
    "{question: Is it so?}",
    "{sex: unknown}",
    "{}",
])
def test_criterion_problems_do_not_depend_on_the_order_of_the_schemas_branches(
        criterion: str, minimal_text: str, write: Write, tmp_path: Path) -> None:
    text = minimal_text.replace(
        "contraindications: []",
        "contraindications:\n  - id: ci-example\n    severity: relative\n    text: Example.\n"
        f"    criterion: {criterion}\n    question: Does it apply?\n    sources: [S1]",
    )
    path = write("g.yaml", text)
    packaged = check_file(path).problems
    reordered = check_file(path, schema_root=reordered_schemas(tmp_path / "schemas")).problems
    assert packaged and all(p.path.startswith("$.contraindications[0].criterion") for p in packaged)
    assert reordered == packaged
    assert not [p for p in packaged if "not understood" in p.message or "valid under" in p.message]
