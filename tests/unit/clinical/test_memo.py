"""PerObject: a value worked out once per guidance object and arguments, found again by identity."""

from __future__ import annotations

from dataclasses import dataclass

from clinicguide.clinical.memo import PerObject


@dataclass(frozen=True)
class Doc:
    title: str


def test_a_value_is_computed_once_per_object_and_arguments() -> None:
    calls: list[tuple[str, str]] = []

    def compute(doc: Doc, version: str) -> str:
        calls.append((doc.title, version))
        return f"{doc.title} {version}"

    memo: PerObject[Doc, str] = PerObject(compute)
    doc = Doc("a")
    assert [memo(doc, "R4"), memo(doc, "R4"), memo(doc, "R5"), memo(doc, "R5")] == ["a R4", "a R4", "a R5", "a R5"]
    assert calls == [("a", "R4"), ("a", "R5")]


def test_an_equal_but_distinct_object_gets_its_own_value() -> None:
    # A library loaded again, or amended, has new objects: they never see another's value.
    calls: list[Doc] = []

    def compute(doc: Doc) -> str:
        calls.append(doc)
        return doc.title

    memo: PerObject[Doc, str] = PerObject(compute)
    first, second = Doc("same"), Doc("same")
    memo(first)
    memo(second)
    assert len(calls) == 2 and calls[0] is first and calls[1] is second
    changed = Doc("changed")
    assert memo(changed) == "changed"


def test_the_memo_keeps_its_objects_so_an_identity_is_never_reused() -> None:
    memo: PerObject[Doc, str] = PerObject(lambda doc: doc.title)
    for n in range(50):
        # Without the memo holding each object, a freed object's id could be given to the
        # next one, which would then be handed the old value.
        assert memo(Doc(str(n))) == str(n)


def test_a_full_memo_starts_again() -> None:
    calls: list[int] = []

    def compute(doc: Doc) -> int:
        calls.append(1)
        return len(calls)

    memo: PerObject[Doc, int] = PerObject(compute, limit=3)
    docs = [Doc(str(n)) for n in range(4)]
    for doc in docs:
        memo(doc)
    assert len(memo) == 1  # the fourth found it full and started again
    assert memo(docs[3]) == 4 and memo(docs[0]) == 5
