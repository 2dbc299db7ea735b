"""Plain words for dates, times after treatment and how often a risk happens."""

from __future__ import annotations

import datetime as dt

import pytest

from clinicguide.content.model import Frequency
from clinicguide.content.values import Duration
from clinicguide.documents.wording import FREQUENCY_WORDS, duration_words, frequency_words, in_people, long_date


def test_long_date_is_the_same_in_every_locale() -> None:
    assert long_date(dt.date(2026, 12, 1)) == "Tuesday 1 December 2026"
    assert long_date(dt.date(2027, 2, 28)) == "Sunday 28 February 2027"


@pytest.mark.parametrize(("length", "words"), [(Duration(72, "h"), "72 hours"), (Duration(1, "d"), "1 day"),
                                               (Duration(6, "mo"), "6 months"), (Duration(0.5, "wk"), "0.5 weeks")])
def test_duration_words(length: Duration, words: str) -> None:
    assert duration_words(length) == words


@pytest.mark.parametrize(("percent", "words"), [(24.8, "25 in 100 people"), (7.6, "8 in 100 people"),
                                                (1.77, "2 in 100 people"), (0.9, "1 in 110 people"),
                                                (0.001, "1 in 100,000 people"), (0, "none of the people in the studies")])
def test_rates_in_whole_people(percent: float, words: str) -> None:
    assert in_people(percent) == words


def test_every_schema_band_has_words_that_match_its_limits() -> None:
    assert set(FREQUENCY_WORDS) == {"expected", "very-common", "common", "uncommon", "rare", "very-rare", "unknown"}
    assert "1 in 10" in FREQUENCY_WORDS["very-common"] and "1 in 10,000" in FREQUENCY_WORDS["very-rare"]
    assert frequency_words(Frequency("rare")) == "rare: between 1 in 10,000 and 1 in 1,000 people"
    assert frequency_words(Frequency("uncommon", 0.6)).endswith("(about 1 in 170 people)")
