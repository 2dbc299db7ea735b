"""Reading level of patient-facing text: what the consent form and the aftercare handout show a patient.

Patients read consent items, aftercare and the risks' wording; the design asks for US grade 8
or below. The grade is the Flesch-Kincaid grade from textstat (syllables from the CMU
pronouncing dictionary it ships, so the score needs no network and is the same on every run).

The formula is made for passages: one short sentence with two long words ("I understand the
procedure.") scores grade 9.6 on its own. So a document is scored on all of its patient text
read as one passage, as the patient reads the form; the warning then names the items that
read hardest, each with its own score, as the places to start. Over-level text is a warning
(CG501), not an error: a clinician may need a technical word.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..errors import Problem
from .located import Checked

#: The highest US school grade patient text may read at.
MAX_GRADE = 8.0
#: The lists whose ``text`` a patient reads.
PATIENT_TEXT = ("consent", "aftercare", "risks")
#: How many of the hardest items a warning names.
NAMED = 3
#: Text still to be written (``clinicguide new``): CG320 reports it, and the document is scored once it is written.
_TODO = "TODO"


def grade(text: str) -> float:
    """The Flesch-Kincaid US grade of ``text``, rounded to one decimal."""
    import textstat  # imported on first use: the pronouncing dictionary takes a moment to load

    return round(float(textstat.flesch_kincaid_grade(text)), 1)


def patient_texts(data: Mapping[str, Any]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Each patient-facing text of a document's data, with its path."""
    for name in PATIENT_TEXT:
        items = data.get(name)
        if not isinstance(items, list):
            continue
        for index, item in enumerate(items):
            if isinstance(item, Mapping) and isinstance(item.get("text"), str):
                yield (name, index, "text"), item["text"]


def passage(texts: list[str]) -> str:
    """The texts as one passage of sentences: each ends with a full stop unless it ends a sentence already."""
    return " ".join(" ".join(t.split()) + ("" if t.rstrip().endswith((".", "!", "?")) else ".") for t in texts)


def reading_level_warnings(checked: Checked, max_grade: float = MAX_GRADE) -> list[Problem]:
    """A CG501 warning when the patient text of ``checked``, read as one passage, is above ``max_grade``."""
    if checked.data is None:
        return []
    found = [(path, text) for path, text in patient_texts(checked.data) if text.strip()]
    if not found or any(_TODO in text for _, text in found):  # scored once it is all written
        return []
    score = grade(passage([text for _, text in found]))
    if score <= max_grade:
        return []
    hardest = sorted(((grade(text), _item_id(checked.data, path)) for path, text in found), reverse=True)[:NAMED]
    named = ", ".join(f"{ident} {item_grade:g}" for item_grade, ident in hardest if item_grade > max_grade)
    message = (f"patient text (consent, aftercare, risks) reads at US grade {score:g}, above {max_grade:g}"
               f"{f'; hardest: {named}' if named else ''}; use shorter sentences and everyday words")
    first = found[0][0][:2]
    return [checked.problem_at(first, "CG501", message).as_warning()]


def _item_id(data: Mapping[str, Any], path: tuple[str | int, ...]) -> str:
    name, index = path[0], path[1]
    item = data[str(name)][int(index)]
    return str(item.get("id", f"{name}[{index}]"))
