"""Reading level of patient-facing text: what the consent form and the aftercare handout show a patient.

Patients read consent items, aftercare and the risks' wording; the design asks for US grade 8
or below. The grade is the Flesch-Kincaid grade from textstat (syllables from the CMU
pronouncing dictionary it ships, so the score needs no network and is the same on every run).
Over-level text is a warning (CG501), not an error: a clinician may need a technical word.
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


def reading_level_warnings(checked: Checked, max_grade: float = MAX_GRADE) -> list[Problem]:
    """A CG501 warning for each patient-facing text of ``checked`` that reads above ``max_grade``."""
    if checked.data is None:
        return []
    found = []
    for path, text in patient_texts(checked.data):
        score = grade(text)
        if score > max_grade:
            problem = checked.problem_at(path, "CG501", f"patient text reads at US grade {score:g} (at most {max_grade:g} "
                                                        "wanted); use shorter sentences and everyday words")
            found.append(Problem(problem.file, problem.line, problem.column, problem.code, problem.message, problem.path,
                                 severity="warning"))
    return found
