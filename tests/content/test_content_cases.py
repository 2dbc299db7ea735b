"""Content test cases: every ``tests/content/cases/<guidance-id>/<case>.json`` is a test, in R4 and in R5.

A case says what a guidance document must decide for one patient, proposal, date and set of
clinician answers, the way a clinical guideline lists its test cases. Adding a file adds a test;
no code changes. The format (JSON, paths relative to the repository root):

``description``  what the case shows (required).
``guidance``     the guidance id; must equal the case's folder name. ``version`` optionally pins one.
``date``         the procedure date, YYYY-MM-DD.
``patient`` | ``patient_file``   a FHIR R4 Bundle or the plain patient mapping, inline or as a file.
``proposed``     optional ``{"dose", "params", "last_treatment", "regimen", "indication", "prior_doses"}``.
``answers_file`` optional JSON object of clinician answers; ``answers`` (inline) are applied after
                 it and win on the same key.
``answered_by``, ``answered_at``  optional: who gave the answers and when (YYYY-MM-DD).
``xfail``        optional reason: the case states the right behaviour and the engine does not
                 meet it yet (strict: the test fails once it passes, so the marker gets removed).
``expect``       either ``{"error": "InputError", "message": "substring"?}`` or
                 ``{"decision": ..., "findings": [{"code", "item", and optionally "severity",
                 "outcome", "question", "evidence" (a subset)}], "absent_items": [...]}``.
                 The decision must match exactly; every listed finding must be present; no finding
                 may name an item in ``absent_items``. ``not_applicable`` (optional) lists
                 ``{"item", "evidence" (a subset)}`` for each contraindication that cannot apply to the
                 patient; when given, the screening's list must name exactly these items.

Each run goes through :meth:`ClinicGuide.plan` and validates every resource of the Bundle against
the fhir.resources models of that FHIR version and the FHIR invariants (``tests/fhir_invariants.py``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fhir_invariants import violations

import clinicguide.errors
from clinicguide.clinical.findings import DECISION_ORDER, FINDING_CODES, QUESTION_CODES
from clinicguide.errors import ClinicguideError
from clinicguide.fhir.models import validate_resource
from clinicguide.guide import ClinicGuide

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "content" / "cases"
MIN_CASES_PER_GUIDANCE = 5

_CASE_KEYS = {"description", "guidance", "version", "date", "patient", "patient_file", "proposed", "answers",
              "answers_file", "answered_by", "answered_at", "xfail", "expect"}
_EXPECT_KEYS = {"decision", "findings", "absent_items", "not_applicable", "error", "message"}
_FINDING_KEYS = {"code", "item", "severity", "outcome", "question", "evidence"}


def _case_files() -> list[Path]:
    return sorted(CASES.glob("*/*.json"))


def _load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _check_format(case: dict[str, Any], path: Path) -> None:
    """Catch typos in a case file, so a misspelt key cannot make a case pass vacuously."""
    where = path.relative_to(ROOT)
    assert isinstance(case, dict), f"{where}: a case is a JSON object"
    assert not set(case) - _CASE_KEYS, f"{where}: unknown keys {sorted(set(case) - _CASE_KEYS)}"
    for key in ("description", "guidance", "date", "expect"):
        assert key in case, f"{where}: missing {key!r}"
    assert case["guidance"] == path.parent.name, f"{where}: guidance {case['guidance']!r} is not its folder's name"
    assert ("patient" in case) != ("patient_file" in case), f"{where}: give exactly one of patient, patient_file"
    expect = case["expect"]
    assert not set(expect) - _EXPECT_KEYS, f"{where}: unknown expect keys {sorted(set(expect) - _EXPECT_KEYS)}"
    if "error" in expect:
        assert not {"decision", "findings", "absent_items"} & set(expect), f"{where}: an error case expects nothing else"
        return
    assert expect.get("decision") in DECISION_ORDER, f"{where}: expect.decision must be one of {DECISION_ORDER}"
    for finding in expect.get("findings", []):
        assert {"code", "item"} <= set(finding), f"{where}: each expected finding names code and item"
        assert not set(finding) - _FINDING_KEYS, f"{where}: unknown finding keys {sorted(set(finding) - _FINDING_KEYS)}"
        assert finding["code"] in FINDING_CODES, f"{where}: unknown finding code {finding['code']!r}"
    for entry in expect.get("not_applicable", []):
        assert "item" in entry and not set(entry) - {"item", "evidence"}, f"{where}: a not_applicable entry is {{item, evidence}}"


def _params() -> list[Any]:
    params = []
    for path in _case_files():
        try:
            reason = _load_json(path).get("xfail")
        except (ValueError, AttributeError):  # reported by the test itself, for this case only
            reason = None
        name = str(path.relative_to(CASES).with_suffix(""))
        for version in ("R4", "R5"):
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            params.append(pytest.param(path, version, id=f"{name}-{version}", marks=marks))
    return params


@pytest.fixture(scope="module")
def guide() -> ClinicGuide:
    return ClinicGuide(canonical_base_url="https://clinicguide.org/fhir", entry_point_plugins=False)


def _inputs(case: dict[str, Any]) -> dict[str, Any]:
    patient = case["patient"] if "patient" in case else _load_json(ROOT / case["patient_file"])
    answers: dict[str, Any] = {}
    if "answers_file" in case:
        answers.update(_load_json(ROOT / case["answers_file"]))
    answers.update(case.get("answers", {}))
    return {"patient": patient, "proposed": case.get("proposed"), "date": case["date"], "answers": answers,
            "version": case.get("version"), "answered_by": case.get("answered_by"), "answered_at": case.get("answered_at")}


def _check_bundle(bundle: dict[str, Any], decision: str, findings: list[dict[str, Any]], version: str,
                  answers: list[dict[str, str]]) -> None:
    """The Bundle is valid FHIR (models and StructureDefinition invariants) and carries the decision it
    was built from, and the answers it used."""
    validate_resource(bundle, version)
    assert not violations(bundle, version)
    resources = [entry["resource"] for entry in bundle["entry"]]
    for resource in resources:
        validate_resource(resource, version)
    kinds = [r["resourceType"] for r in resources]
    assert kinds.count("CarePlan") == 1 and kinds.count("Provenance") == 1 and kinds.count("Questionnaire") == 1
    careplan = next(r for r in resources if r["resourceType"] == "CarePlan")
    assert f"Decision: {decision} " in careplan["description"]
    issues = [r for r in resources if r["resourceType"] == "DetectedIssue"]
    assert len(issues) == sum(1 for f in findings if f["outcome"] != "eligible")
    assert sorted(i["code"]["text"] for i in issues) == sorted(f["code"] for f in findings if f["outcome"] != "eligible")
    # The screening answers; the consent checklist's in-progress draft, when there is one, is tested on its own.
    responses = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "QuestionnaireResponse"
                 and e["resource"]["questionnaire"].split("|")[0].endswith("-screening")]
    assert len(responses) == (1 if answers else 0)
    if answers:
        given = {i["linkId"]: i["answer"][0]["valueBoolean"] for i in responses[0]["resource"]["item"]}
        assert given == {a["item"]: a["answer"] == "yes" for a in answers}
        provenance = next(r for r in resources if r["resourceType"] == "Provenance")
        assert responses[0]["fullUrl"] in [s["reference"] for s in careplan["supportingInfo"]]
        assert responses[0]["fullUrl"] in [t["reference"] for t in provenance["target"]]


@pytest.mark.parametrize(("path", "version"), _params())
def test_case(guide: ClinicGuide, path: Path, version: str) -> None:
    case = _load_json(path)
    _check_format(case, path)
    expect = case["expect"]
    inputs = _inputs(case)
    if "error" in expect:
        error = getattr(clinicguide.errors, expect["error"], None)
        assert isinstance(error, type) and issubclass(error, ClinicguideError), f"unknown error class {expect['error']!r}"
        with pytest.raises(error) as raised:
            guide.plan(case["guidance"], inputs.pop("patient"), fhir_version=version, **inputs)
        assert expect.get("message", "") in str(raised.value)
        return

    result = guide.plan(case["guidance"], inputs.pop("patient"), fhir_version=version, **inputs)
    summary = result.summary()
    known = {f["code"] for f in summary["findings"]}
    assert not known & QUESTION_CODES and {f["code"] for f in summary["questions"]} <= QUESTION_CODES
    found = summary["findings"] + summary["questions"]  # what is known, then what is still asked
    shown = json.dumps([{k: f.get(k) for k in ("code", "item", "outcome")} for f in found], indent=1)
    assert result.decision == expect["decision"], f"decision {result.decision}, findings: {shown}"
    for wanted in expect.get("findings", []):
        matches = [f for f in found if f["code"] == wanted["code"] and f["item"] == wanted["item"]]
        assert matches, f"no finding {wanted['code']} on {wanted['item']}; findings: {shown}"
        finding = matches[0]
        for key in ("severity", "outcome", "question"):
            if key in wanted:
                assert finding.get(key) == wanted[key], f"{wanted['item']}: {key} is {finding.get(key)!r}"
        missing = set(wanted.get("evidence", [])) - set(finding.get("evidence", []))
        assert not missing, f"{wanted['item']}: evidence lacks {sorted(missing)} (has {finding.get('evidence')})"
    for item in expect.get("absent_items", []):
        assert not [f for f in found if f["item"] == item], f"unexpected finding on {item}; findings: {shown}"
    if "not_applicable" in expect:
        _check_not_applicable(guide, case, expect["not_applicable"])
    _check_bundle(result.bundle, result.decision, found, version, summary["answers"])


def _check_not_applicable(guide: ClinicGuide, case: dict[str, Any], wanted: list[dict[str, Any]]) -> None:
    """The contraindications the screening found could not apply, each with the data or answer that decided it."""
    inputs = _inputs(case)
    screening, _ = guide.screen(case["guidance"], inputs.pop("patient"), **inputs)
    found = {na.item: na.evidence for na in screening.not_applicable}
    assert sorted(found) == sorted(w["item"] for w in wanted), f"not applicable: {found}"
    for entry in wanted:
        missing = set(entry.get("evidence", [])) - set(found[entry["item"]])
        assert not missing, f"{entry['item']}: not-applicable evidence lacks {sorted(missing)} (has {found[entry['item']]})"


def test_every_shipped_guidance_has_enough_cases(guide: ClinicGuide) -> None:
    counts = {gid: len(list((CASES / gid).glob("*.json"))) for gid in guide.library.ids()}
    assert all(n >= MIN_CASES_PER_GUIDANCE for n in counts.values()), counts


def test_case_folders_name_shipped_guidance(guide: ClinicGuide) -> None:
    folders = {p.name for p in CASES.iterdir() if p.is_dir()}
    assert folders <= set(guide.library.ids()), folders - set(guide.library.ids())
