"""The typed, immutable guidance model and its building from validated data."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from clinicguide.content import builder, criteria_kinds, model, values
from clinicguide.content.builder import build_criterion, guidance_from_data
from clinicguide.content.criteria_kinds import (
    AgeTest,
    AllergyTest,
    AllOf,
    AnyOf,
    ConditionTest,
    EvidenceTest,
    MedicationTest,
    Not,
    ObservationTest,
    Question,
    SexTest,
)
from clinicguide.content.model import Guidance
from clinicguide.content.values import Coding, Duration
from clinicguide.content.yamlsafe import read
from clinicguide.resources import guidance_dir

TESTS = Path(__file__).resolve().parents[2]

FULL = TESTS / "unit" / "content" / "examples" / "valid" / "full.yaml"
D = dt.date


# -- criteria -----------------------------------------------------------------------------------

SNOMED_PREGNANT = {"system": "http://snomed.info/sct", "code": "77386006", "display": "Pregnant (finding)"}


def test_build_criterion_nested() -> None:
    built = build_criterion({"id": "c1", "any": [
        {"condition": {"codes": [SNOMED_PREGNANT], "status": "ever"}},
        {"not": {"sex": "male"}},
        {"id": "q1", "question": "Pregnant?"},
    ]})
    assert built == AnyOf((
        ConditionTest((Coding(**SNOMED_PREGNANT),), "ever"),
        Not(SexTest("male")),
        Question("q1", "Pregnant?"),
    ), "c1")


def test_build_criterion_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="not a criterion"):
        build_criterion({"smoker": True})


def walk(criterion: Any) -> list[Any]:
    if isinstance(criterion, (AllOf, AnyOf)):
        children = criterion.items
    else:
        children = (criterion.item,) if isinstance(criterion, Not) else ()
    return [criterion] + [n for c in children for n in walk(c)]


# -- the full example --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def full() -> Guidance:
    data, _ = read(FULL)
    return guidance_from_data(data, "full.yaml")


def test_full_example_uses_every_criterion_kind(full: Guidance) -> None:
    roots = [c.criterion for c in full.contraindications] + [m.applies_to for m in full.monitoring]
    kinds = {type(node) for root in roots if root is not None for node in walk(root)}
    assert kinds == {ConditionTest, MedicationTest, ObservationTest, AllergyTest, AgeTest, SexTest, Question, AllOf, AnyOf, Not}


def test_full_example_typed_values(full: Guidance) -> None:
    assert full.ref == "example-full|1.2.0"
    assert full.origin == "full.yaml"
    assert full.review.approved == D(2026, 3, 1) and full.review.next_review == D(2027, 3, 1)
    assert [c.date for c in full.changelog] == [D(2026, 3, 1), D(2026, 1, 15)]
    medication = full.contraindications[1].criterion
    assert medication == MedicationTest(
        (Coding("http://www.nlm.nih.gov/research/umls/rxnorm", "197843", "isotretinoin 10 MG Oral Capsule"),),
        Duration(6, "mo"),
        "crit-recent-medication",
    )
    light = full.contraindications[3].criterion
    assert isinstance(light, AllOf)
    assert light.items[0] == AgeTest(below=18, at_least=12)
    weight = light.items[2]
    assert isinstance(weight, ObservationTest) and weight.below == 40.0 and weight.unit == "kg" and weight.at_least is None
    assert full.contraindications[4].criterion is None


def test_full_example_regimen(full: Guidance) -> None:
    (regimen,) = full.regimens
    assert [(r.id, r.low, r.high, r.unit) for r in regimen.ranges] == [("rng-dose", 0.5, 1.0, "mg/kg/d"),
                                                                       ("rng-count", 1.0, 3.0, "{session}")]
    assert all(isinstance(r.low, float) for r in regimen.ranges)
    session, period = regimen.maximums
    assert (session.per, session.period, session.value, session.unit) == ("session", None, 80.0, "mg/d")
    assert (period.per, period.period) == ("period", Duration(6, "mo"))
    assert regimen.min_interval is not None and regimen.min_interval.duration == Duration(8, "wk")
    assert regimen.indications == ("ind-acne",)


def test_full_example_aftercare_monitoring_and_risks(full: Guidance) -> None:
    assert full.aftercare[0].lasts == Duration(16, "wk") and full.aftercare[1].lasts is None
    assert full.aftercare[0].start == Duration(0, "d")
    test = full.monitoring[0]
    assert test.at == (Duration(0, "d"),) and test.every == Duration(1, "mo")
    assert test.applies_to == AllOf((SexTest("female"), AgeTest(at_least=12)))
    assert full.monitoring[2].code is None and full.monitoring[2].applies_to is None
    assert full.risks[0].frequency.percent == 90.0
    assert full.risk("risk-liver").severity == "moderate"
    assert full.source("S1").year == 2024


def test_model_is_immutable(full: Guidance) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        full.title = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        full.regimens[0].ranges[0].high = 99  # type: ignore[misc]
    assert isinstance(full.contraindications, tuple)
    assert hash(full) == hash(guidance_from_data(read(FULL)[0], "elsewhere.yaml"))  # origin does not count


# -- the shipped microneedling document --------------------------------------------------------

ITEM_LISTS = ("indications", "contraindications", "regimens", "risks", "consent", "prerequisites", "aftercare", "monitoring")


def test_guidance_from_data_on_shipped_microneedling() -> None:
    path = guidance_dir() / "microneedling.yaml"
    data, _ = read(path)
    doc = guidance_from_data(data, str(path))
    assert isinstance(doc, Guidance)
    assert (doc.id, doc.version, doc.status, doc.kind, doc.title) == ("microneedling", data["version"],
                                                                      data["status"], "procedure", data["title"])
    assert doc.ref == f"microneedling|{data['version']}"
    for key in ITEM_LISTS:
        assert [item.id for item in getattr(doc, key)] == [entry["id"] for entry in data.get(key, [])], key
    assert [s.id for s in doc.sources] == [s["id"] for s in data["sources"]]
    cited = {ref for key in ITEM_LISTS for item in getattr(doc, key) for ref in item.sources}
    assert cited <= {s.id for s in doc.sources}
    for entry, item in zip(data["aftercare"], doc.aftercare, strict=True):
        assert item.lasts == (Duration(entry["for"]["value"], entry["for"]["unit"]) if "for" in entry else None)
    for entry, item in zip(data["contraindications"], doc.contraindications, strict=True):
        assert (item.criterion is None) == ("criterion" not in entry)
    assert all(isinstance(change.date, dt.date) for change in doc.changelog)
    assert all(isinstance(getattr(doc, key), tuple) for key in ITEM_LISTS)


def test_model_hints_resolve() -> None:
    """Every dataclass in the model can be built by type (forward references resolve)."""
    for module in (model, criteria_kinds, values):
        for value in vars(module).values():
            if dataclasses.is_dataclass(value) and isinstance(value, type):
                assert builder._hints(value)


# -- schema 1.1: the dose fields -----------------------------------------------------------------

CLINICAL_FIXTURES = TESTS / "unit" / "clinical" / "fixtures"


def built(path: Path) -> Guidance:
    return guidance_from_data(read(path)[0], path.name)


def test_maximum_per_day_and_for_some_indications() -> None:
    iso = built(guidance_dir() / "isotretinoin-oral.yaml")
    severe = next(r for r in iso.regimens if r.id == "reg-label-severe")
    assert [(m.id, m.per, m.period, m.value, m.unit, m.indications) for m in severe.maximums] == [
        ("max-daily-dose", "day", None, 2.0, "mg/kg/d", ())]
    toxin = built(guidance_dir() / "botulinum-toxin-glabellar.yaml")
    session = toxin.regimens[0].maximums[0]
    assert (session.id, session.per, session.indications) == ("max-glabellar-session", "session", ("ind-glabellar-lines",))


def test_regimen_codes_interval_advisory_and_weight_age() -> None:
    iso = built(guidance_dir() / "isotretinoin-oral.yaml")
    assert all(Coding("http://www.nlm.nih.gov/research/umls/rxnorm", "197844", "isotretinoin 20 MG Oral Capsule") in r.codes
               for r in iso.regimens)
    assert iso.weight_max_age is None and iso.regimens[0].min_interval is not None
    assert iso.regimens[0].min_interval.advisory is False
    advisory = built(CLINICAL_FIXTURES / "advisory-interval.yaml").regimens[0].min_interval
    assert advisory is not None and advisory.advisory is True
    assert built(CLINICAL_FIXTURES / "dosing.yaml").weight_max_age == Duration(14, "d")


# -- schema 1.1: evidence, windows and applicability ---------------------------------------------------

FULL_11 = TESTS / "unit" / "release" / "fixtures" / "schema-1.1" / "full.yaml"


def test_schema_11_evidence_windows_and_applicability_are_built() -> None:
    doc = guidance_from_data(read(FULL_11)[0], "full.yaml")
    condition, evidence, composite = doc.contraindications
    assert condition.applies_to == SexTest("female", "crit-can-become-pregnant")
    assert condition.applies_question == "Can this patient become pregnant?"
    pooled = evidence.criterion
    assert isinstance(pooled, EvidenceTest) and pooled.id == "crit-evidence" and pooled.parts() == pooled.items
    recorded, test = pooled.items
    assert isinstance(recorded, ConditionTest) and recorded.positive_for == Duration(10, "mo")
    assert isinstance(test, ObservationTest)
    assert (test.positive_for, test.negative_for) == (Duration(10, "mo"), Duration(7, "d"))
    assert [c.code for c in test.negative_value_codes] == ["260385009"]
    assert isinstance(composite.criterion, AllOf)
    medication = composite.criterion.items[0]
    assert isinstance(medication, MedicationTest) and medication.ended is True and medication.negative_for == Duration(1, "d")
    assert doc.contraindications[2].applies_to is None
