"""Proposals: the plain form hosts pass, and what is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from clinicguide.clinical.proposal import Proposal
from clinicguide.errors import InputError
from clinicguide.units import Quantity


def test_proposal_from_a_mapping() -> None:
    proposal = Proposal.coerce({"dose": "20 mg/d", "params": {"b": "1 mm", "a": "2 %"},
                                "last_treatment": "2026-09-01", "regimen": "r"})
    assert proposal == Proposal(Quantity(20, "mg/d"), {"a": Quantity(2, "%"), "b": Quantity(1, "mm")}, dt.date(2026, 9, 1), "r")
    assert proposal.values() == [("dose", Quantity(20, "mg/d")), ("a", Quantity(2, "%")), ("b", Quantity(1, "mm"))]
    assert Proposal.coerce({"last_treatment": "never"}).last_treatment == "never"
    assert Proposal.coerce(None) is None
    assert Proposal.coerce(proposal) is proposal

@pytest.mark.parametrize(("value", "message"), [
    ({"dosage": "20 mg/d"}, "unknown field"),
    ({"params": ["needle-depth=1mm"]}, "params must map"),
    ({"last_treatment": "last week"}, "is not a date"),
    ({"last_treatment": 20260901}, "must be a date or 'never'"),
    ({"dose": 20}, "must be a quantity"),
    ({"dose": "20 furlongs"}, "unknown unit"),
    ({"params": {"needle-depth": "-1 mm"}}, "negative"),
    ("20 mg/d", "must be a mapping"),
])
def test_bad_proposals_are_refused(value: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Proposal.coerce(value)
