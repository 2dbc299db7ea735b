"""Schema validation: every problem collected, located and explained in the editor's terms."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from clinicguide.content.check import check_file, check_paths, guidance_files
from clinicguide.content.located import json_path

TESTS = Path(__file__).resolve().parents[2]

ROOT = Path(__file__).resolve().parents[3]

INVALID = TESTS / "unit" / "content" / "examples" / "invalid"

Write = Callable[[str, "str | bytes"], Path]


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``needle``."""
    hits = [n for n, row in enumerate(text.splitlines(), 1) if needle in row]
    return hits[occurrence - 1]


def codes(path: Path) -> list[tuple[str, int]]:
    return [(p.code, p.line) for p in check_file(path).problems]


@pytest.mark.parametrize(
    ("parts", "expected"),
    [((), "$"), (("risks", 2, "severity"), "$.risks[2].severity"), (("a", 0, 1, "b"), "$.a[0][1].b")],
)
def test_json_path(parts: tuple[str | int, ...], expected: str) -> None:
    assert json_path(parts) == expected


# -- the "done when": one clear message, with file and line -------------------------

DONE_WHEN = {
    "bad indentation": "cg104-bad-indentation.yaml",
    "duplicate key": "cg105-duplicate-key-top.yaml",
    "wrong type": "cg203-wrong-type.yaml",
    "unknown field": "cg201-unknown-field.yaml",
    "dangling reference": "cg303-unknown-source.yaml",
}


@pytest.mark.parametrize("case", DONE_WHEN)
def test_each_done_when_case_is_one_message_with_file_and_line(case: str) -> None:
    path = INVALID / DONE_WHEN[case]
    problems = check_file(path).problems
    assert len(problems) == 1
    (found,) = problems
    assert found.file == str(path)
    assert str(found).startswith(f"{path}:{found.line}:{found.column}: {found.code} ")
    declared = path.read_text(encoding="utf-8").splitlines()[0]
    assert declared == f"# expect: {found.code} line {found.line}"


# -- located explanations --------------------------------------------------------------------

def criterion_doc(minimal: str, criterion: str) -> str:
    block = "\n".join("      " + row for row in criterion.strip("\n").splitlines())
    return minimal.replace(
        "contraindications: []",
        "contraindications:\n  - id: ci-example\n    severity: relative\n    text: Example.\n"
        f"    criterion:\n{block}\n    question: Does it apply?\n    sources: [S1]",
    )


def test_criterion_error_is_the_chosen_alternatives_not_a_generic_one_of(minimal_text: str, write: Write) -> None:
    text = criterion_doc(minimal_text, """
condition:
  codes:
    - system: http://snomed.info/sctt
      code: "77386006"
      display: Pregnant (finding)
""")
    problems = check_file(write("g.yaml", text)).problems
    system = [p for p in problems if p.code == "CG204"]
    assert len(system) == 1
    row = line_of(text, "system: http")
    assert (system[0].line, system[0].column) == (row, text.splitlines()[row - 1].index("http") + 1)
    assert system[0].path == "$.contraindications[0].criterion.condition.codes[0].system"
    assert "use one of: http://snomed.info/sct" in system[0].message
    assert not [p for p in problems if "valid under" in p.message or p.code == "CG207"]


def test_criterion_error_deep_inside_any_and_not(minimal_text: str, write: Write) -> None:
    text = criterion_doc(minimal_text, """
any:
  - sex: female
  - not:
      age: {below: 18, older_than: 3}
""")
    problems = check_file(write("g.yaml", text)).problems
    assert [(p.code, p.line, p.path) for p in problems] == [
        ("CG201", line_of(text, "older_than"), "$.contraindications[0].criterion.any[1].not.age.older_than"),
    ]


def test_question_criterion_needs_its_id(minimal_text: str, write: Write) -> None:
    text = criterion_doc(minimal_text, "question: Is it so?")
    problems = check_file(write("g.yaml", text)).problems
    assert [(p.code, p.line) for p in problems] == [("CG202", line_of(text, "criterion:"))]
    assert "'id'" in problems[0].message


@pytest.mark.parametrize(("criterion", "found"),
                         [("pregnant", "text 'pregnant'"), ("[sex: female]", "a list"), ("{}", "none of them"),
                          ("{id: crit-x}", "none of them")])
def test_a_criterion_that_names_no_test_is_cg207(criterion: str, found: str, minimal_text: str, write: Write) -> None:
    text = minimal_text.replace(
        "contraindications: []",
        "contraindications:\n  - id: ci-example\n    severity: relative\n    text: Example.\n"
        f"    criterion: {criterion}\n    question: Does it apply?\n    sources: [S1]",
    )
    problems = check_file(write("g.yaml", text)).problems
    assert [(p.code, p.line) for p in problems] == [("CG207", line_of(text, "criterion:"))]
    assert found in problems[0].message


def test_wrong_type_names_both_types(minimal_text: str, write: Write) -> None:
    text = minimal_text.replace("version: 1.0.0\nstatus", "version: 1.0\nstatus")
    problems = check_file(write("g.yaml", text)).problems
    assert [(p.code, p.line, p.column) for p in problems] == [("CG203", line_of(text, "version: 1.0"), 10)]
    assert problems[0].message == "version must be text, not a number 1.0"


def test_unknown_fields_are_each_reported_at_their_key(minimal_text: str, write: Write) -> None:
    text = minimal_text.replace("    severity: mild\n", "    severity: mild\n    likelihood: low\n    grade: 2\n")
    problems = check_file(write("g.yaml", text)).problems
    assert [(p.code, p.line, p.column) for p in problems] == [
        ("CG201", line_of(text, "likelihood"), 5),
        ("CG201", line_of(text, "grade"), 5),
    ]
    assert "allowed: id, text, severity" in problems[0].message


def test_missing_top_level_field_is_located_at_the_document_start(minimal_text: str, write: Write) -> None:
    text = minimal_text.replace("title: Minimal example procedure\n", "")
    problems = check_file(write("g.yaml", text)).problems
    assert [(p.code, p.line, p.path) for p in problems] == [("CG202", line_of(text, 'schema: "1.0"'), "$")]
    assert "'title'" in problems[0].message


def test_missing_field_in_a_later_list_item_points_at_that_item(minimal_text: str, write: Write) -> None:
    text = minimal_text.replace(
        "consent:",
        "  - id: risk-itch\n    text: Itching.\n    frequency: {category: common}\n    sources: [S1]\nconsent:",
    )
    problems = check_file(write("g.yaml", text)).problems
    assert [(p.code, p.line, p.path) for p in problems] == [("CG202", line_of(text, "id: risk-itch"), "$.risks[1]")]


@pytest.mark.parametrize(("value", "word"), [('"9.9"', "'9.9' is not known"), ("1.0", "as text"), ('"latest"', "not known")])
def test_schema_version_problems(value: str, word: str, minimal_text: str, write: Write) -> None:
    text = minimal_text.replace('schema: "1.0"', f"schema: {value}")
    problems = check_file(write("g.yaml", text)).problems
    assert [(p.code, p.line) for p in problems] == [("CG208", line_of(text, "schema:"))]
    assert word in problems[0].message
    assert "known: 1.0" in problems[0].message


def test_missing_schema_declaration_is_cg208(minimal_text: str, write: Write) -> None:
    problems = check_file(write("g.yaml", minimal_text.replace('schema: "1.0"\n', ""))).problems
    assert [p.code for p in problems] == ["CG208"]


def test_schema_root_selects_the_schemas(minimal_text: str, write: Write, tmp_path: Path) -> None:
    from clinicguide.resources import schemas_dir

    root = tmp_path / "schemas"
    shutil.copytree(schemas_dir() / "guidance" / "1.0", root / "guidance" / "1.7")
    path = write("g.yaml", minimal_text.replace('schema: "1.0"', 'schema: "1.7"'))
    assert check_file(path, schema_root=root).problems == ()
    assert [p.code for p in check_file(path).problems] == ["CG208"]


def test_every_problem_is_collected_not_just_the_first(minimal_text: str, write: Write) -> None:
    text = (
        minimal_text.replace("kind: procedure", "kind: gadget")
        .replace("evidence: consensus", "evidence: consensus\n    year: 1700")
        .replace("    label: on-label\n    sources: [S1]", "    label: on-label\n    sources: [S1, S7]")
    )
    problems = check_file(write("g.yaml", text)).problems
    assert [(p.code, p.line) for p in problems] == [
        ("CG204", line_of(text, "kind: gadget")),
        ("CG205", line_of(text, "year: 1700")),
        ("CG303", line_of(text, "sources: [S1, S7]")),
    ]
    assert problems == tuple(sorted(set(problems)))


def test_invalid_date_is_cg312_and_a_badly_formed_one_cg204(minimal_text: str, write: Write) -> None:
    impossible = check_file(write("a.yaml", minimal_text.replace("date: 2026-01-15", "date: 2026-13-01"))).problems
    malformed = check_file(write("b.yaml", minimal_text.replace("date: 2026-01-15", "date: 15/01/2026"))).problems
    assert [p.code for p in impossible] == ["CG312"]
    assert "CG204" in [p.code for p in malformed]


def test_problems_carry_a_json_path(minimal_text: str, write: Write) -> None:
    problems = check_file(write("g.yaml", minimal_text.replace("severity: mild", "severity: sever"))).problems
    assert [(p.code, p.path) for p in problems] == [("CG204", "$.risks[0].severity")]
    assert json.dumps([p.path for p in problems])


def test_file_that_reads_but_is_a_list_keeps_no_data(write: Write) -> None:
    checked = check_file(write("g.yaml", "- a\n- b\n"))
    assert checked.data is None and not checked.ok
    assert [(p.code, p.line) for p in checked.problems] == [("CG110", 1)]


def test_checked_records_the_file_hash(minimal_text: str, write: Write) -> None:
    import hashlib

    path = write("g.yaml", minimal_text)
    assert check_file(path).sha256 == hashlib.sha256(minimal_text.encode()).hexdigest()


# -- files and folders ---------------------------------------------------------------------

def test_guidance_files_expands_folders_sorted_and_keeps_files(tmp_path: Path, write: Write) -> None:
    write("b/z.yaml", "a: 1\n")
    write("b/a.yml", "a: 1\n")
    write("b/nested/m.yaml", "a: 1\n")
    write("b/notes.txt", "not guidance\n")
    explicit = write("c.txt", "a: 1\n")
    found = guidance_files([tmp_path / "b", explicit])
    assert found == [tmp_path / "b/a.yml", tmp_path / "b/nested/m.yaml", tmp_path / "b/z.yaml", explicit]


def test_check_paths_checks_each_file_once(tmp_path: Path, minimal_text: str, write: Write) -> None:
    write("docs/one.yaml", minimal_text)
    write("docs/two.yaml", minimal_text.replace("id: example-minimal", "id: example-two"))
    checked = check_paths([tmp_path / "docs"])
    assert [c.path.name for c in checked] == ["one.yaml", "two.yaml"]
    assert all(c.ok for c in checked)


# -- ECMA-262 patterns and invisible characters ----------------------------------------------

def _shipped_with(tmp_path: Path, old: str, new: str) -> Path:
    text = (ROOT / "guidance" / "microneedling.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "microneedling.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_a_final_newline_does_not_satisfy_a_schema_pattern(tmp_path: Path) -> None:
    """JSON Schema patterns are ECMA-262: ``$`` does not match before a final newline, as it does in Python."""
    path = _shipped_with(tmp_path, "id: microneedling\n", 'id: "microneedling-nl\\n"\n')
    codes = {(p.code, p.line) for p in check_file(path).problems}
    assert ("CG204", 3) in codes and ("CG317", 3) in codes


@pytest.mark.parametrize("value", ["1.0.0\n", "1.0.\u0661"])  # a final newline; an Arabic-Indic digit, which \d must not match
def test_version_patterns_follow_ecma_262(tmp_path: Path, value: str) -> None:
    problems = check_file(_shipped_with(tmp_path, "version: 1.1.0\n", f"version: {json.dumps(value)}\n")).problems
    assert any(p.code == "CG204" and p.path == "$.version" for p in problems)


@pytest.mark.parametrize(("char", "prose_ok"), [
    ("\x07", False), ("\x85", False), ("\u202e", False), ("\u2066", False), ("\n", True), ("\t", True),
])
def test_invisible_characters_are_refused_with_their_own_code(tmp_path: Path, char: str, prose_ok: bool) -> None:
    in_prose = check_file(_shipped_with(tmp_path, "title: ", f"title: {json.dumps('Micro' + char + 'needling')} #")).problems
    assert [p.code for p in in_prose if p.code == "CG317"] == ([] if prose_ok else ["CG317"])
    renamed = _shipped_with(tmp_path, "id: microneedling\n", f"id: {json.dumps('micro' + char + 'needling')}\n")
    in_name = check_file(renamed).problems
    assert [(p.code, p.line) for p in in_name if p.code == "CG317"] == [("CG317", 3)]
