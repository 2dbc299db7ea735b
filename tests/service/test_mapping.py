"""Prefetch templates from the criteria, and what an order proposes (doses, parameters, dates, indication)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cds_ehr import CANONICAL, RXNORM, hook_request, medication_order

from clinicguide.content.criteria_kinds import ObservationTest
from clinicguide.guide import ClinicGuide
from clinicguide.service.hookrequest import read_hook_request
from clinicguide.service.orders import OrderIndex
from clinicguide.service.outcome import BadRequest
from clinicguide.service.prefetch import templates

TODAY = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def index(guide: ClinicGuide) -> OrderIndex:
    return OrderIndex(guide.library, guide.base)


def _match(index: OrderIndex, *orders: dict[str, Any]) -> list[Any]:
    return list(index.match(read_hook_request(hook_request("order-sign", "p1", list(orders)), "order-sign"), TODAY))


def test_prefetch_asks_for_every_code_a_criterion_tests_and_nothing_else(guide: ClinicGuide) -> None:
    found = {t.key: t for t in templates(guide.library, guide.base)}
    assert found["patient"].query == "Patient/{{context.patientId}}"
    tested = {f"{c.criterion.code.system}|{c.criterion.code.code}"  # the top-level observation tests
              for g in guide.library for c in g.contraindications if isinstance(c.criterion, ObservationTest)}
    observations = found["observations"].query
    assert "http://loinc.org|82810-3" in observations  # pregnancy status, read by the pregnancy criteria
    assert "http://loinc.org|29463-7" in observations  # body weight: isotretinoin's mg/kg/d ranges
    assert all(code in observations for code in tested)
    assert f"{RXNORM}|197845" in found["medicationRequests"].query
    assert "medicationAdministrations" not in found  # no regimen with codes sums doses over a period
    assert found["screeningResponses"].query.count(f"{CANONICAL}/Questionnaire/") == len(guide.library.ids())
    for template in found.values():
        assert "{{context.patientId}}" in template.query


def test_a_dose_per_administration_becomes_a_daily_dose(index: OrderIndex) -> None:
    [matched] = _match(index, medication_order("p1", dose=20, frequency=2))
    assert str(matched.dose) == "40 mg/d" and matched.notes == ()
    assert matched.guidance.id == "isotretinoin-oral" and matched.date == TODAY


def test_the_highest_of_several_dose_instructions_is_checked(index: OrderIndex) -> None:
    order = medication_order("p1", dose=20)
    order["dosageInstruction"].append({"timing": {"repeat": {"frequency": 3, "period": 1, "periodUnit": "d"}},
                                       "doseAndRate": [{"doseQuantity": {"value": 20, "unit": "mg"}}]})
    [matched] = _match(index, order)
    assert str(matched.dose) == "60 mg/d"


def test_a_dose_that_cannot_be_compared_is_left_unchecked_and_said(index: OrderIndex) -> None:
    [matched] = _match(index, medication_order("p1", dose=2, unit="mL"))
    assert matched.dose is None and "cannot be compared" in matched.notes[0]


def test_an_activity_definition_names_the_regimen_and_a_version(index: OrderIndex) -> None:
    order = medication_order("p1", code="161", instantiatesCanonical=[
        f"{CANONICAL}/ActivityDefinition/isotretinoin-oral-reg-low-dose-pores|1.1.0"])
    [matched] = _match(index, order)
    assert (matched.guidance.ref, matched.regimen) == ("isotretinoin-oral|1.1.0", "reg-low-dose-pores")
    elsewhere = medication_order("p1", code="161", instantiatesCanonical=["https://elsewhere.org/PlanDefinition/x"])
    assert _match(index, elsewhere) == []


def test_r5_procedure_parameters_come_from_order_detail(index: OrderIndex) -> None:
    order = {"resourceType": "ServiceRequest", "id": "s1", "status": "draft", "intent": "order",
             "subject": {"reference": "Patient/p1"}, "occurrencePeriod": {"start": "2026-12-03T09:00:00Z"},
             "instantiatesCanonical": [f"{CANONICAL}/PlanDefinition/microneedling"],
             "orderDetail": [{"parameter": [{"code": {"coding": [{"system": f"{CANONICAL}/CodeSystem/procedure-parameter",
                                                                  "code": "needle-depth"}]},
                                             "valueQuantity": {"value": 1.0, "unit": "mm"}}]}]}
    [matched] = _match(index, order)
    assert matched.proposed() == {"params": {"needle-depth": "1 mm"}} and matched.date == dt.date(2026, 12, 3)


def test_a_parameter_stated_twice_is_refused(index: OrderIndex) -> None:
    parameter = {"url": f"{CANONICAL}/StructureDefinition/procedure-parameter",
                 "extension": [{"url": "name", "valueCode": "needle-depth"},
                               {"url": "value", "valueQuantity": {"value": 1, "unit": "mm"}}]}
    order = {"resourceType": "ServiceRequest", "id": "s1", "status": "draft", "intent": "order",
             "instantiatesCanonical": [f"{CANONICAL}/PlanDefinition/microneedling"], "extension": [parameter, parameter]}
    with pytest.raises(BadRequest, match="twice"):
        _match(index, order)


def test_the_reason_code_picks_the_indication(index: OrderIndex, guide: ClinicGuide) -> None:
    [indication] = [i for i in guide.library.get("salicylic-acid-topical").indications if i.code is not None]
    assert indication.code is not None
    order = {"resourceType": "ServiceRequest", "id": "s1", "status": "draft", "intent": "order",
             "instantiatesCanonical": [f"{CANONICAL}/PlanDefinition/salicylic-acid-topical"],
             "reasonCode": [{"coding": [{"system": indication.code.system, "code": indication.code.code}]}]}
    [matched] = _match(index, order)
    assert matched.indication == indication.id
    del order["reasonCode"]
    assert _match(index, order)[0].indication is None


def test_an_r5_medication_request_matches_by_its_medication_concept(index: OrderIndex) -> None:
    order = medication_order("p1")
    order["medication"] = {"concept": order.pop("medicationCodeableConcept")}
    [matched] = _match(index, order)
    assert matched.guidance.id == "isotretinoin-oral" and str(matched.dose) == "40 mg/d"
