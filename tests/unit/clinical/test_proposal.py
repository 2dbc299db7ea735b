"""Proposals: the plain form hosts pass, and what is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from clinicguide.clinical.proposal import PriorDose, Proposal
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


def test_indication_and_prior_doses() -> None:
    proposal = Proposal.coerce({"indication": "ind-a", "prior_doses": [
        {"date": "2026-11-01", "dose": "20 [USP'U]"}, {"date": dt.date(2026, 10, 1), "dose": Quantity(30, "[USP'U]")}]})
    assert proposal is not None and proposal.indication == "ind-a"
    assert proposal.prior_doses == (PriorDose(dt.date(2026, 10, 1), Quantity(30, "[USP'U]")),
                                    PriorDose(dt.date(2026, 11, 1), Quantity(20, "[USP'U]")))  # oldest first
    assert str(proposal.prior_doses[0]) == "30 [USP'U] on 2026-10-01"
    assert Proposal.coerce({"prior_doses": []}).prior_doses == ()  # none given: a statement
    assert Proposal.coerce({"dose": "1 mm"}).prior_doses is None  # not stated


@pytest.mark.parametrize(("value", "message"), [
    ({"indication": 3}, "indication must be an indication id"),
    ({"regimen": ["r"]}, "regimen must be a regimen id"),
    ({"prior_doses": "none"}, "prior_doses must be a list"),
    ({"prior_doses": [{"date": "2026-11-01"}]}, r"prior_doses\[0\] must be a mapping with exactly date and dose"),
    ({"prior_doses": [{"date": "last month", "dose": "1 mg"}]}, r"prior_doses\[0\].date 'last month' is not a date"),
    ({"prior_doses": [{"date": dt.datetime(2026, 11, 1, 9), "dose": "1 mg"}]}, r"prior_doses\[0\].date must be a date"),
    ({"prior_doses": [{"date": "2026-11-01", "dose": "1 furlong"}]}, "unknown unit"),
    ({"prior_doses": [{"date": "1066-10-14", "dose": "1 mg"}]}, "must lie between"),
])
def test_bad_indications_and_prior_doses_are_refused(value: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        Proposal.coerce(value)
