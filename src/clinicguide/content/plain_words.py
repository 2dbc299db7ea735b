"""How often a risk happens and how serious it is, in words a patient reads.

The frequency bands are the usual ones of product information (1 in 10, 1 in 100, ...);
an unknown frequency says nothing rather than "unknown", which reads as a figure.
"""

from __future__ import annotations

from .model import Frequency, Risk

FREQUENCY_WORDS: dict[str, str] = {
    "expected": "expected: almost everyone has this",
    "very-common": "very common: more than 1 in 10 people",
    "common": "common: up to 1 in 10 people",
    "uncommon": "uncommon: up to 1 in 100 people",
    "rare": "rare: up to 1 in 1,000 people",
    "very-rare": "very rare: up to 1 in 10,000 people",
}
SEVERITY_WORDS: dict[str, str] = {"mild": "Mild", "moderate": "Moderate", "severe": "Serious"}


def frequency_words(frequency: Frequency) -> str | None:
    """The frequency band in plain words, or None when how often is not known."""
    return FREQUENCY_WORDS.get(frequency.category)


def risk_label(risk: Risk) -> str:
    """``Serious risk (rare: up to 1 in 1,000 people): <text>``; no brackets when how often is not known."""
    how_often = frequency_words(risk.frequency)
    heading = f"{SEVERITY_WORDS[risk.severity]} risk" + (f" ({how_often})" if how_often else "")
    return f"{heading}: {risk.text}"
