"""Semantic rules: what the schema cannot express."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinicguide.content import rules
from clinicguide.content.check import check_paths, schema_problems
from clinicguide.content.located import Locator
from clinicguide.content.yamlsafe import parse
from clinicguide.errors import Problem
from clinicguide.resources import guidance_dir

TESTS = Path(__file__).resolve().parents[2]

FULL = TESTS / "unit" / "content" / "examples" / "valid" / "full.yaml"

Write = Callable[[str, "str | bytes"], Path]


def rule_problems(text: str) -> list[tuple[str, int]]:
    """``(code, line)`` of the errors of the semantic rules alone (no schema check, no warnings)."""
    data, positions = parse(text)
    return sorted((p.code, p.line) for p in rules.document_problems(data, Locator("g.yaml", positions))
                  if not p.is_warning)


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    return [n for n, row in enumerate(text.splitlines(), 1) if needle in row][occurrence - 1]


@pytest.fixture
def full_text() -> str:
    return FULL.read_text(encoding="utf-8")


def test_valid_examples_break_no_rule(minimal_text: str, full_text: str) -> None:
    assert rule_problems(minimal_text) == []
    assert rule_problems(full_text) == []


# -- CG302: across the library -------------------------------------------------------------

def test_duplicate_id_and_version_across_files(tmp_path: Path, minimal_text: str, write: Write) -> None:
    first = write("lib/a.yaml", minimal_text)
    second = write("lib/b.yaml", minimal_text.replace("title: Minimal example procedure", "title: Another title"))
    checked = check_paths([tmp_path / "lib"])
    assert checked[0].problems == ()
    (found,) = checked[1].problems
    assert (found.file, found.code, found.line, found.path) == (str(second), "CG302",
                                                                line_of(minimal_text, "id: example-minimal"), "$.id")
    assert "example-minimal|1.0.0" in found.message and str(first) in found.message


def test_same_id_in_another_version_is_not_a_duplicate(tmp_path: Path, minimal_text: str, write: Write) -> None:
    write("lib/a.yaml", minimal_text)
    write("lib/b.yaml",
          minimal_text.replace("version: 1.0.0", "version: 1.1.0").replace("changelog:\n",
                                                                           "changelog:\n  - version: 1.1.0\n    date: "
                                                                           "2026-02-01\n    changes: [Second.]\n"))
    assert [c.problems for c in check_paths([tmp_path / "lib"])] == [(), ()]


def test_duplicate_across_two_folders(tmp_path: Path, minimal_text: str, write: Write) -> None:
    write("site-a/a.yaml", minimal_text)
    write("site-b/a.yaml", minimal_text)
    problems = [p for c in check_paths([tmp_path / "site-a", tmp_path / "site-b"]) for p in c.problems]
    assert [(Path(p.file).parent.name, p.code) for p in problems] == [("site-b", "CG302")]


# -- per-document rules ----------------------------------------------------------------------

def test_item_ids_are_unique_across_all_lists_and_regimen_parts(full_text: str) -> None:
    text = full_text.replace("      - id: rng-count", "      - id: risk-liver")
    assert rule_problems(text) == [("CG301", line_of(text, "id: risk-liver", 2))]
    assert "already used at line" in _messages(text)[0]


def test_criterion_ids_share_the_namespace_of_item_ids(full_text: str) -> None:
    text = full_text.replace("id: crit-not-at-risk", "id: ci-allergy")
    assert rule_problems(text) == [("CG314", line_of(text, "id: ci-allergy", 2))]


def test_criterion_ids_are_unique_across_contraindications_and_monitoring(full_text: str) -> None:
    text = full_text.replace("      all:\n        - sex: female\n        - age: {at_least: 12}",
                             "      id: crit-recent-medication\n      all:\n        - sex: female\n        - age: {at_least: 12}")
    assert rule_problems(text) == [("CG314", line_of(text, "id: crit-recent-medication", 2))]


def test_one_applicability_may_be_shared_by_identical_applies_to() -> None:
    # Pregnancy and breastfeeding both apply to patients who can become pregnant: one id, one answer.
    shipped = (guidance_dir() / "microneedling.yaml").read_text(encoding="utf-8")
    assert shipped.count("id: can-become-pregnant") == 2 and rule_problems(shipped) == []
    differing = shipped.replace("      not: {sex: male}", "      sex: female", 1)
    assert rule_problems(differing) == [("CG314", line_of(differing, "id: can-become-pregnant", 2))]
    criterion = shipped.replace("      age: {below: 22}", "      id: can-become-pregnant\n      age: {below: 22}")
    assert ("CG314", line_of(criterion, "id: can-become-pregnant", 3)) in rule_problems(criterion)


def test_a_test_inside_evidence_takes_no_id() -> None:
    shipped = (guidance_dir() / "isotretinoin-oral.yaml").read_text(encoding="utf-8")
    text = shipped.replace("        - condition:\n            codes:\n              - {system: \"http://snomed.info/sct\", code: "
                           "\"77386006\"", "        - id: recorded-pregnancy\n          condition:\n            codes:\n"
                           "              - {system: \"http://snomed.info/sct\", code: \"77386006\"", 1)
    assert rule_problems(text) == [("CG318", line_of(text, "id: recorded-pregnancy"))]


def test_references_inside_regimen_parts_are_checked(full_text: str) -> None:
    text = full_text.replace("      text: A second course no sooner than 8 weeks after the first.\n      sources: [S1]",
                             "      text: A second course no sooner than 8 weeks after the first.\n      sources: [S3]")
    assert rule_problems(text) == [("CG303", line_of(text, "sources: [S3]"))]


def test_a_source_cited_only_inside_a_regimen_counts_as_cited(full_text: str) -> None:
    only_in_range = full_text.replace("        unit: \"{session}\"\n        sources: [S1]",
                                      "        unit: \"{session}\"\n        sources: [S2]")
    assert rule_problems(only_in_range) == []


def test_range_low_equal_to_high_is_fine(full_text: str) -> None:
    text = full_text.replace("        low: 1\n        high: 3", "        low: 3\n        high: 3")
    assert rule_problems(text) == []
    text = full_text.replace("        low: 1\n        high: 3", "        low: 3.5\n        high: 3")
    assert rule_problems(text) == [("CG306", line_of(text, "low: 3.5"))]


def test_per_session_maximum_takes_no_period(full_text: str) -> None:
    text = full_text.replace("        per: session\n", "        per: session\n        period: {value: 1, unit: d}\n")
    assert rule_problems(text) == [("CG313", line_of(text, "period: {value: 1, unit: d}"))]


def test_per_day_maximum_caps_a_daily_rate_and_takes_no_period(full_text: str) -> None:
    per_day = full_text.replace("        per: session\n", "        per: day\n")
    assert rule_problems(per_day) == []  # 80 mg/d
    with_period = per_day.replace("        per: day\n", "        per: day\n        period: {value: 1, unit: d}\n")
    assert rule_problems(with_period) == [("CG313", line_of(with_period, "period: {value: 1, unit: d}"))]
    amount = per_day.replace("        value: 80\n        unit: mg/d\n", "        value: 80\n        unit: mg\n")
    line = line_of(amount, "unit: mg", 2)
    assert rule_problems(amount) == [("CG313", line), ("CG316", line)]  # an amount is no rate, nor comparable with one


def test_a_maximum_names_only_indications_of_the_document(full_text: str) -> None:
    text = full_text.replace("        per: session\n", "        per: session\n        indications: [ind-acne, ind-rosacea]\n")
    assert rule_problems(text) == [("CG305", line_of(text, "indications: [ind-acne, ind-rosacea]"))]


def test_disclosure_is_required_for_moderate_and_severe_only(full_text: str) -> None:
    severe_undisclosed = full_text.replace("discloses: [risk-birth-defects]", "discloses: []")
    assert rule_problems(severe_undisclosed) == [("CG307", line_of(full_text, "id: risk-birth-defects"))]
    mild_undisclosed = full_text.replace("discloses: [risk-dryness, risk-liver]", "discloses: [risk-liver]")
    assert rule_problems(mild_undisclosed) == []


def test_changelog_needs_the_current_version(full_text: str) -> None:
    text = full_text.replace("  - version: 1.2.0\n", "  - version: 1.1.0\n")
    assert rule_problems(text) == [("CG308", line_of(text, "- version: 1.1.0"))]


def test_active_document_without_review_gets_one_message_per_missing_part(minimal_text: str) -> None:
    text = minimal_text.replace("status: draft", "status: active")
    review = line_of(text, "review:")
    assert rule_problems(text) == [("CG309", review)] * 3
    messages = " ".join(_messages(text))
    assert "reviewer" in messages and "review.approved" in messages and "review.next_review" in messages


def test_active_document_with_review_due_on_the_approval_day(full_text: str) -> None:
    text = full_text.replace("next_review: 2027-03-01", "next_review: 2026-03-01")
    assert rule_problems(text) == [("CG309", line_of(text, "next_review:"))]


def test_draft_and_retired_documents_need_no_approval(minimal_text: str) -> None:
    assert rule_problems(minimal_text.replace("status: draft", "status: retired")) == []


def test_code_must_be_verified_with_its_exact_display(full_text: str) -> None:
    text = full_text.replace('display: "Acne"}', 'display: "Acne vulgaris"}')
    assert rule_problems(text) == [("CG310", line_of(text, "Acne vulgaris"))]
    assert "must be 'Acne'" in _messages(text)[0]


def test_unverified_code_inside_a_criterion(full_text: str) -> None:
    text = full_text.replace('code: "197844"', 'code: "999999"')
    assert rule_problems(text) == [("CG310", line_of(text, '"999999"'))]


def _messages(text: str) -> list[str]:
    data, positions = parse(text)
    return [p.message for p in sorted(rules.document_problems(data, Locator("g.yaml", positions)))]


# -- helpers ----------------------------------------------------------------------------------

def test_items_cover_every_list_and_regimen_part(full_text: str) -> None:
    data, _ = parse(full_text)
    ids = [entry["id"] for _, entry in rules.items(data)]
    assert {"rng-dose", "rng-count", "max-session", "max-period", "int-course", "mon-visit", "pre-baseline-labs"} <= set(ids)
    assert len(ids) == len(set(ids))


def test_criteria_walks_all_any_and_not(full_text: str) -> None:
    data, _ = parse(full_text)
    kinds = [next(k for k in node if k != "id") for _, node in rules.document_criteria(data)]
    assert sorted(set(kinds)) == sorted(["all", "allergy", "any", "age", "condition", "medication", "not",
                                         "observation", "question", "sex"])
    paths = [path for path, _ in rules.document_criteria(data)]
    assert ("contraindications", 3, "criterion", "all", 3, "not") in paths
    assert ("monitoring", 0, "applies_to", "all", 1) in paths


# -- rules never crash on content the schema rejects -------------------------------------------

WEIRD: list[Any] = [None, True, 7, 1.5, "text", [], ["x"], [["x"]], [{"a": 1}], {}, {"a": [1]}, [None]]


def _paths(node: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    if path:
        yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, path + (index,))


def _broken(data: dict[str, Any], path: tuple[str | int, ...], weird: Any) -> dict[str, Any]:
    broken = copy.deepcopy(data)
    parent = broken
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = weird
    return broken


def test_rules_survive_wrong_types_anywhere(full_text: str) -> None:
    data, positions = parse(full_text)
    at = Locator("g.yaml", positions)
    for path in _paths(data):
        for weird in WEIRD:
            found = rules.document_problems(_broken(data, path, weird), at)
            assert all(isinstance(p, Problem) for p in found), (path, weird)


_FULL_DATA, _FULL_POSITIONS = parse(FULL.read_text(encoding="utf-8"))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(list(_paths(_FULL_DATA))), st.sampled_from(WEIRD))
def test_schema_check_survives_wrong_types_anywhere(path: tuple[str | int, ...], weird: Any) -> None:
    at = Locator("g.yaml", _FULL_POSITIONS)
    found = list(schema_problems(_broken(_FULL_DATA, path, weird), at))
    assert all(isinstance(p, Problem) and (p.code.startswith("CG2") or p.code == "CG312") for p in found)


# -- CG321: sources a reader can follow ------------------------------------------------------

def _source_problems(text: str) -> list[tuple[str, str, str]]:
    data, positions = parse(text)
    return [(p.code, p.severity, p.path) for p in rules.document_problems(data, Locator("g.yaml", positions))
            if p.code == "CG321"]


_ACTIVE_REVIEW = """status: active
review:
  authors:
    - {name: A. Author, role: content editor}
  required_reviewer: A board-certified dermatologist.
  reviewers:
    - {name: Dr R. Reviewer, role: dermatologist}
  approved: 2026-02-01
  next_review: 2027-02-01
"""


def _unreferenced(minimal_text: str) -> str:
    return minimal_text.replace("    identifier: EXAMPLE-1\n", "")


def test_a_source_with_a_url_or_an_identifier_can_be_followed(minimal_text: str) -> None:
    assert _source_problems(minimal_text) == []
    with_url = _unreferenced(minimal_text).replace("    evidence: consensus\n",
                                                   "    url: https://example.org/s1\n    evidence: consensus\n", 1)
    assert _source_problems(with_url) == []


def test_an_unreferenced_source_is_a_warning_in_a_draft(minimal_text: str) -> None:
    assert _source_problems(_unreferenced(minimal_text)) == [("CG321", "warning", "$.sources[0]")]


def test_an_unreferenced_source_is_an_error_in_an_active_document(minimal_text: str) -> None:
    review_start = minimal_text.index("status: draft")
    review_end = minimal_text.index("changelog:")
    active = _unreferenced(minimal_text)[:review_start] + _ACTIVE_REVIEW + _unreferenced(minimal_text)[review_end:]
    active_11 = active.replace('schema: "1.0"', 'schema: "1.1"')
    assert _source_problems(active_11) == [("CG321", "error", "$.sources[0]")]
    # Under schema 1.0, which came before the rule, a released active document still verifies.
    assert _source_problems(active) == [("CG321", "warning", "$.sources[0]")]


def test_warnings_never_stop_a_document(tmp_path: Path, minimal_text: str, write: Write) -> None:
    path = write("lib/a.yaml", _unreferenced(minimal_text))
    (checked,) = check_paths([path])
    assert checked.ok and checked.problems == ()
    assert [(w.code, w.is_warning) for w in checked.warnings] == [("CG321", True)]
    assert str(checked.warnings[0]).startswith(f"{path}:{line_of(minimal_text, '- id: S1')}:5: CG321 warning: source S1")
