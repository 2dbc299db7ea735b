"""The criteria a guidance document can state, and the registry of their kinds.

A criterion kind is one model class here, one entry in :data:`KINDS`, one branch of the
schema's ``criterion`` (named by the entry), and one evaluator in
:mod:`clinicguide.clinical.criteria`. The builder, the validator's messages, the semantic
rules and the answers all find the kinds through :data:`KINDS`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from .records import record
from .values import Coding, Duration


class Criterion:
    """A test on the patient's record, true, false or unknown; each kind is a subclass."""

    __slots__ = ()
    id: str | None

    def parts(self) -> tuple[Criterion, ...]:
        """The criteria this one combines; a test of the record combines none."""
        return ()


@record
class ConditionTest(Criterion):
    codes: tuple[Coding, ...]
    status: Literal["active", "ever"] = "active"
    id: str | None = None
    positive_for: Duration | None = None  # None: as long as the record says it is active


@record
class MedicationTest(Criterion):
    codes: tuple[Coding, ...]
    within: Duration | None = None
    id: str | None = None
    negative_for: Duration | None = None  # None: a not-taken statement counts on its own date only
    ended: bool = False  # only a course that has ended counts; one still running is a negative


@record
class ObservationTest(Criterion):
    code: Coding
    value_code: Coding | None = None
    at_least: float | None = None
    below: float | None = None
    unit: str | None = None
    max_age: Duration | None = None
    id: str | None = None
    negative_value_codes: tuple[Coding, ...] = ()
    positive_for: Duration | None = None  # None: max_age, or no limit
    negative_for: Duration | None = None  # None: max_age, or the procedure date only


@record
class AllergyTest(Criterion):
    codes: tuple[Coding, ...]
    id: str | None = None


@record
class AgeTest(Criterion):
    below: int | None = None
    at_least: int | None = None
    id: str | None = None


@record
class SexTest(Criterion):
    sex: str
    id: str | None = None


@record
class Question(Criterion):
    id: str
    question: str


@record
class AllOf(Criterion):
    items: tuple[Criterion, ...]
    id: str | None = None

    def parts(self) -> tuple[Criterion, ...]:
        return self.items


@record
class AnyOf(Criterion):
    items: tuple[Criterion, ...]
    id: str | None = None

    def parts(self) -> tuple[Criterion, ...]:
        return self.items


@record
class Not(Criterion):
    item: Criterion
    id: str | None = None

    def parts(self) -> tuple[Criterion, ...]:
        return (self.item,)


@record
class EvidenceTest(Criterion):
    """One state recorded in several ways: the records of all its tests are pooled and dated.

    Its items are condition, medication and observation tests (the schema allows no other);
    the newest record of any of them decides, and on the same day a positive one.
    """

    items: tuple[Criterion, ...]
    id: str | None = None

    def parts(self) -> tuple[Criterion, ...]:
        return self.items


@record
class CriterionKind:
    """One kind of criterion: the key naming it in a document, its model, its schema branch.

    ``field`` is the model field that the key's value fills (``sex: female`` fills ``sex``);
    None when the value is a mapping of the model's fields (``condition: {codes: ...}``).
    ``nested`` says whether the key's value is one sub-criterion or a list of them.
    """

    key: str
    model: type[Criterion]
    schema: str  # the name of its definition in the schema's $defs
    field: str | None = None
    nested: Literal["one", "many"] | None = None


#: Every criterion kind, in the order the schema documents them (messages list them so).
KINDS: tuple[CriterionKind, ...] = (
    CriterionKind("condition", ConditionTest, "conditionCriterion"),
    CriterionKind("medication", MedicationTest, "medicationCriterion"),
    CriterionKind("observation", ObservationTest, "observationCriterion"),
    CriterionKind("allergy", AllergyTest, "allergyCriterion"),
    CriterionKind("age", AgeTest, "ageCriterion"),
    CriterionKind("sex", SexTest, "sexCriterion", field="sex"),
    CriterionKind("question", Question, "questionCriterion", field="question"),
    CriterionKind("all", AllOf, "allCriterion", field="items", nested="many"),
    CriterionKind("any", AnyOf, "anyCriterion", field="items", nested="many"),
    CriterionKind("not", Not, "notCriterion", field="item", nested="one"),
    CriterionKind("evidence", EvidenceTest, "evidenceCriterion", field="items", nested="many"),
)

KIND_KEYS: tuple[str, ...] = tuple(kind.key for kind in KINDS)


def kinds_in(data: Mapping[str, Any]) -> list[CriterionKind]:
    """The kinds whose key a criterion's data holds (exactly one in a valid document)."""
    return [kind for kind in KINDS if kind.key in data]
