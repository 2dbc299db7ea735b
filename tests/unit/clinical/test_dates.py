"""The procedure date: its forms, and the dates refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from clinicguide.clinical.dates import parse_date
from clinicguide.errors import InputError


@pytest.mark.parametrize("value", ["2026-13-01", "01/12/2026", "tomorrow", 20261201])
def test_bad_dates_are_refused(value: Any) -> None:
    with pytest.raises(InputError, match="is not YYYY-MM-DD"):
        parse_date(value)

def test_dates_accepted() -> None:
    assert parse_date("2026-12-01") == dt.date(2026, 12, 1)
    assert parse_date(dt.datetime(2026, 12, 1, 9, 30)) == dt.date(2026, 12, 1)
    assert parse_date(None) == dt.date.today()
