"""Reading level of patient-facing text: what the consent form and the aftercare handout show a patient.

Patients read consent items, aftercare and the risks' wording; the design asks for US grade 8
or below. The grade is the Flesch-Kincaid grade, 0.39 x words per sentence + 11.8 x syllables per
word - 15.59, counted as textstat 0.7.8 counts them: punctuation removed (apostrophes in
contractions kept), words split at white space, sentences ended by ``.``, ``!`` or ``?`` and not
counted when they have two words or fewer, syllables from the CMU Pronouncing Dictionary
(``syllables``). The score needs no network and is the same on every run; the tests compare it with
textstat's own.

The formula is made for passages: one short sentence with two long words ("I understand the
procedure.") scores grade 9.6 on its own. So a document is scored on all of its patient text
read as one passage, as the patient reads the form; the warning then names the items that
read hardest, each with its own score, as the places to start. Over-level text is a warning
(CG501), not an error: a clinician may need a technical word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from ..errors import Problem
from .located import Checked
from .syllables import counter

#: The highest US school grade patient text may read at.
MAX_GRADE = 8.0
#: The lists whose ``text`` a patient reads.
PATIENT_TEXT = ("consent", "aftercare", "risks")
#: How many of the hardest items a warning names.
NAMED = 3
#: Text still to be written (``clinicguide new``): CG320 reports it, and the document is scored once it is written.
_TODO = "TODO"
#: An apostrophe that does not start a contraction's ending ('t, 's, 'd, 've, 'll, 're): a quote, removed.
_QUOTE = re.compile(r"\'(?![tsd]|ve|ll|re)")
_PUNCTUATION = re.compile(r"[^\w\s\']")
_SENTENCE = re.compile(r"\b[^.!?]+[.!?]*")


def grade(text: str) -> float:
    """The Flesch-Kincaid US grade of ``text``, rounded to one decimal."""
    words = _words(text)
    if not words:
        return 0.0
    words_per_sentence = len(words) / _sentences(text)
    syllables_per_word = sum(map(counter().count, _words(text, lower=True))) / len(words)
    if syllables_per_word == 0:
        return 0.0
    return round(0.39 * words_per_sentence + 11.8 * syllables_per_word - 15.59, 1)


def _words(text: str, *, lower: bool = False) -> list[str]:
    """The words of ``text``: punctuation removed, except the apostrophe of a contraction ("don't")."""
    kept = _PUNCTUATION.sub("", _QUOTE.sub("", text))
    return (kept.lower() if lower else kept).split()


def _sentences(text: str) -> int:
    """Sentences of three or more words, and at least one: a heading or a "Yes." is not a sentence to average over."""
    return max(1, sum(1 for sentence in _SENTENCE.findall(text) if len(_words(sentence)) > 2))


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
