"""Property-based tests: the loader raises only its own error, plan() is deterministic, units round-trip."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from clinicguide import ClinicGuide, ContentError, InputError, load_library
from clinicguide.clinical.findings import DECISION_ORDER
from clinicguide.codes import PROBLEM_CODES
from clinicguide.content.builder import guidance_from_data
from clinicguide.content.check import check_file
from clinicguide.content.yamlsafe import YamlProblem, decode, parse
from clinicguide.units import Quantity, convert, needs_weight, parse_quantity, quantity

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("adversarial_generate", REPO / "tests/robustness/adversarial/generate.py")
assert _spec and _spec.loader
corpus = sys.modules.get(_spec.name) or importlib.util.module_from_spec(_spec)
if _spec.name not in sys.modules:
    sys.modules[_spec.name] = corpus
    _spec.loader.exec_module(corpus)

# Modest example counts keep the suite fast; CLINICGUIDE_PROPERTY_SCALE=20 searches far deeper.
SCALE = max(1, int(os.environ.get("CLINICGUIDE_PROPERTY_SCALE", "1")))
LOADER = settings(max_examples=200 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
VALID = settings(max_examples=100 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PLANS = settings(max_examples=30 * SCALE, deadline=None,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
UNITS = settings(max_examples=200 * SCALE, deadline=None)

# -- the loader ---------------------------------------------------------------------------------------

# Characters that matter to YAML, so random text reaches deep into the parser.
YAML_ALPHABET = st.sampled_from(list(":-[]{},#&*!|>'\"%@`?~\t\n\r \\.0123456789abcxyzTFyn")
                                + ["\ufeff", "\x85", "\u2028", "\x00", "\x07", "é", "\U0001f489"])
YAML_TEXT = st.one_of(st.text(), st.text(alphabet=YAML_ALPHABET, max_size=300),
                      st.lists(st.sampled_from(["key: value", "- item", "  nested:", "    - [a, {b: c}]", "&a x", "*a",
                                                "!!python/name:os.system ''", "!!int x", "? complex", ": value", "---", "...",
                                                "%YAML 1.1", "010", "1:30", ".nan", "'quoted",
                                                "\tindent", "k: |", "  block", "{a: 1, a: 2}", "yes: no", "~: null", "<<: *a"]),
                               max_size=12).map("\n".join))


def _only_yaml_problems(run: Any) -> Any:
    try:
        return run()
    except YamlProblem as exc:
        assert exc.code in PROBLEM_CODES and exc.line >= 1 and exc.column >= 1 and exc.message
        return None


@LOADER
@given(YAML_TEXT)
def test_parse_raises_only_its_own_error_on_any_text(text: str) -> None:
    _only_yaml_problems(lambda: parse(text))


@LOADER
@given(st.binary(max_size=400))
def test_decode_and_parse_raise_only_their_own_error_on_any_bytes(data: bytes) -> None:
    _only_yaml_problems(lambda: parse(decode(data, "f.yaml")))


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=30),
                    st.sampled_from(["2026-02-30", "1.0.0", "mg/kg/d", "S1", "risk-redness",
                                     "absolute", "on-label", "1.0", "furlong"]))
JSONISH = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(st.text(max_size=12), inner, max_size=4)), max_leaves=20)
FIELDS = [path for path, _ in corpus.paths(corpus.RICH)]


def _check(text: str, folder: Path) -> tuple[Any, ...]:
    path = folder / "doc.yaml"
    path.write_text(text, encoding="utf-8")
    checked = check_file(path)
    for problem in checked.problems:
        assert problem.code in PROBLEM_CODES and problem.line >= 1 and problem.column >= 1 and problem.message
    if not checked.problems:  # what validates must also build: the model trusts the validator
        assert checked.data is not None
        guidance_from_data(checked.data, str(path))
    return checked.problems


@LOADER
@given(JSONISH)
def test_validation_never_raises_on_arbitrary_yaml_shaped_data(data: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _check(yaml.safe_dump(data, allow_unicode=True), Path(folder))


@LOADER
@given(st.lists(st.tuples(st.sampled_from(FIELDS), JSONISH), min_size=1, max_size=3))
def test_validation_never_raises_on_a_document_with_fields_replaced(changes: list[tuple[tuple[Any, ...], Any]]) -> None:
    """Deep coverage: a valid document with one to three fields swapped for arbitrary data."""
    data = corpus.RICH
    for path, value in changes:
        try:
            data = corpus.replaced(data, path, value)
        except (KeyError, IndexError, TypeError):  # an earlier change removed the path
            continue
    with tempfile.TemporaryDirectory() as folder:
        _check(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), Path(folder))


def _same_kind(value: Any) -> st.SearchStrategy[Any]:
    """Values of the same JSON type as ``value``: often still valid, with odd sizes and words."""
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, (int, float)):
        return st.one_of(st.sampled_from([0, 1, 2, 150, 10**6, 1e12, 1e300, 0.5]), st.floats(min_value=0, max_value=1e308),
                         st.integers(min_value=0, max_value=10**20))
    if isinstance(value, str):
        return st.one_of(st.just(value),
                         st.sampled_from(["S1", "S2", "ind-acne", "risk-dry", "mg", "mg/kg/d", "a", "mo", "d", "h",
                                          "absolute", "relative", "severe", "on-label", "off-label", "2026-03-01",
                                          "9999-12-31", "1.0.0", "x" * 500]),
                         st.text(min_size=1, max_size=20))
    if isinstance(value, list):
        return st.sampled_from([value, value[:1], value + value[:1], list(reversed(value))])
    return st.just(value)


@VALID
@given(st.data())
def test_whatever_validates_also_loads_and_plans(data: st.DataObject) -> None:
    """Type-preserving changes keep many documents valid; every valid one must load, plan and export."""
    document = corpus.RICH
    for path in data.draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=4)):
        try:
            original = dict(corpus.paths(document))[path]
        except KeyError:
            continue
        document = corpus.replaced(document, path, data.draw(_same_kind(original)))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.yaml"
        path.write_text(corpus.emit(document)[0], encoding="utf-8")
        try:
            library = load_library(path, packaged=False, plugins=False)
        except ContentError as exc:
            assert all(p.code in PROBLEM_CODES and p.line >= 1 for p in exc.problems)
            return
    guide = ClinicGuide(library, entry_point_plugins=False)
    event("valid: planned")
    for proposed in ({"dose": "0.5 mg/kg/d", "last_treatment": "2026-11-01"}, None):
        for fhir in ("R4", "R5"):
            try:
                result = guide.plan(library.ids()[0], {"id": "p", "weight": "60 kg", "birthDate": "2010-01-01"},
                                    proposed=proposed,
                                    date="2026-12-01", fhir_version=fhir)
            except InputError:  # e.g. a proposal the changed document has no range for
                continue
            json.dumps(result.bundle, allow_nan=False)
        guide.export(fhir)
        guide.checklist(library.ids()[0])


# -- plan() is deterministic ------------------------------------------------------------------------------

SNOMED, RXNORM, LOINC = "http://snomed.info/sct", "http://www.nlm.nih.gov/research/umls/rxnorm", "http://loinc.org"
CONDITION_CODES = ["77386006", "866041003", "19824006", "235055003", "11381005", "402415003", "1234"]
MEDICATION_CODES = ["197843", "197844", "403930", "999999"]


@st.composite
def patients(draw: st.DrawFn) -> dict[str, Any]:
    date = st.dates(min_value=__import__("datetime").date(1950, 1, 1),
                    max_value=__import__("datetime").date(2026, 11, 30)).map(str)
    patient: dict[str, Any] = {"id": draw(st.sampled_from(["p1", "p2"]))}
    if draw(st.booleans()):
        patient["birthDate"] = draw(date)
    if draw(st.booleans()):
        patient["gender"] = draw(st.sampled_from(["female", "male", "other", "unknown"]))
    if draw(st.booleans()):
        patient["weight"] = f"{draw(st.floats(min_value=30, max_value=150)):.1f} kg"
    patient["conditions"] = draw(st.lists(st.fixed_dictionaries({
        "code": st.sampled_from(CONDITION_CODES).map(lambda c: f"{SNOMED}|{c}"),
        "status": st.sampled_from(["active", "inactive", "resolved", "recurrence"]),
        "verification": st.sampled_from(["confirmed", "unconfirmed", "refuted", "entered-in-error"])}), max_size=4))
    patient["medications"] = draw(st.lists(st.fixed_dictionaries({
        "code": st.sampled_from(MEDICATION_CODES).map(lambda c: f"{RXNORM}|{c}"),
        "status": st.sampled_from(["active", "completed", "stopped", "not-taken", "unknown"]),
        "start": date}), max_size=3))
    patient["observations"] = draw(st.lists(st.fixed_dictionaries({
        "code": st.just(f"{LOINC}|82810-3"),
        "valueCode": st.sampled_from(["77386006", "60001007"]).map(lambda c: f"{SNOMED}|{c}"),
        "date": st.sampled_from(["2026-12-01", "2026-11-01"])}), max_size=2))
    return patient


PROPOSALS = {
    "microneedling": st.fixed_dictionaries({
        "params": st.fixed_dictionaries({"needle-depth": st.sampled_from(["0.25 mm", "1.0 mm", "2 mm", "900 um"])}),
        "last_treatment": st.sampled_from(["never", "2026-11-20", "2026-06-01", None])}),
    "isotretinoin-oral": st.fixed_dictionaries({"dose": st.sampled_from(["20 mg/d", "0.5 mg/kg/d", "2 mg/kg/d", "5 mg/d"]),
                                                "last_treatment": st.sampled_from(["never", "2026-10-01", None])}),
    "botulinum-toxin-glabellar": st.fixed_dictionaries({
        "dose": st.sampled_from(["20 [USP'U]", "80 [USP'U]"]),
        "last_treatment": st.sampled_from(["never", "2026-11-01", "2026-01-01"])}),
    "salicylic-acid-topical": st.none(),
    "ha-dermal-filler": st.none(),
    "laser-enlarged-pores": st.none(),
}


@pytest.fixture(scope="module")
def guide() -> ClinicGuide:
    return ClinicGuide(entry_point_plugins=False)


@PLANS
@given(data=st.data())
def test_plan_is_deterministic(guide: ClinicGuide, data: st.DataObject) -> None:
    guidance = data.draw(st.sampled_from(sorted(PROPOSALS)))
    patient = data.draw(patients())
    proposed = data.draw(PROPOSALS[guidance])
    keys = sorted(guide.library.get(guidance).contraindications, key=lambda c: c.id)
    answers = data.draw(st.dictionaries(st.sampled_from([c.id for c in keys]),
                                        st.sampled_from(["yes", "no", True, False]), max_size=4))
    options = {"proposed": proposed, "answers": answers, "date": "2026-12-01",
               "fhir_version": data.draw(st.sampled_from(["R4", "R5"]))}
    try:
        first = guide.plan(guidance, patient, **options)
    except InputError as exc:  # refused input is refused the same way every time
        event(f"refused: {exc}")
        with pytest.raises(InputError, match=None) as again:
            guide.plan(guidance, json.loads(json.dumps(patient)), **options)
        assert str(again.value) == str(exc)
        return
    event(f"planned: {first.decision}")
    second = guide.plan(guidance, json.loads(json.dumps(patient)), **options)
    assert first.decision in DECISION_ORDER
    assert json.dumps(first.bundle, sort_keys=True) == json.dumps(second.bundle, sort_keys=True)
    assert first.summary() == second.summary()


# -- units ----------------------------------------------------------------------------------------------------

DIMENSIONS = [["ug", "mg", "g"], ["mg/d", "g/d"], ["kg", "[lb_av]"], ["um", "mm", "cm"], ["min", "h", "d", "wk", "mo", "a"]]
SAME_DIMENSION = st.sampled_from(DIMENSIONS).flatmap(lambda units: st.tuples(st.sampled_from(units), st.sampled_from(units)))
VALUES = st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False)


@UNITS
@given(SAME_DIMENSION, VALUES)
def test_conversion_round_trips(units: tuple[str, str], value: float) -> None:
    source, target = units
    there = convert(Quantity(value, source), target)
    back = convert(Quantity(there, target), source)
    assert math.isclose(back, value, rel_tol=1e-9, abs_tol=1e-300)


@UNITS
@given(st.sampled_from([("mg/kg/d", "mg/d"), ("mg/kg", "mg")]), VALUES, st.floats(min_value=0.5, max_value=500))
def test_weight_based_conversion_round_trips(units: tuple[str, str], value: float, weight: float) -> None:
    per_kg, absolute = units
    assert needs_weight(per_kg, absolute) and needs_weight(absolute, per_kg)
    there = convert(Quantity(value, per_kg), absolute, weight)
    assert math.isclose(convert(Quantity(there, absolute), per_kg, weight), value, rel_tol=1e-9, abs_tol=1e-300)
    with pytest.raises(InputError):
        convert(Quantity(value, per_kg), absolute, None)


@UNITS
@given(VALUES,
       st.sampled_from([u for group in DIMENSIONS for u in group] + ["%", "[USP'U]", "[iU]", "mL", "mg/kg/d", "{session}", "/d"]),
       st.sampled_from(["", " ", "  "]))
def test_quantity_text_round_trips(value: float, unit: str, space: str) -> None:
    parsed = parse_quantity(f"{value!r}{space}{unit}")
    assert parsed == quantity(value, unit)
    assert math.isclose(parse_quantity(str(parsed)).value, value, rel_tol=1e-5)


@UNITS
@given(st.text(max_size=30))
def test_parse_quantity_raises_only_input_errors(text: str) -> None:
    try:
        parsed = parse_quantity(text)
    except InputError:
        return
    assume(parsed is not None)
    assert math.isfinite(parsed.value) and parsed.value >= 0
