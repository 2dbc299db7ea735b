"""Doses recorded as given, from FHIR resources: for the maximums summed over a period.

A MedicationAdministration with a ``dosage.dose`` is one dose given on its date. A
MedicationStatement with a ``dosage[].doseAndRate[].doseQuantity`` counts as one dose on
its date too: a statement about a whole course states a daily dose, and the course itself
is read as a medication (:mod:`.readers`). Error messages name the place, never the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import InputError
from ..units import Quantity, quantity
from .dates import fhir_date
from .patient import CodeKey, DoseFact

#: MedicationAdministration.status (R4): the ones where no dose was given are left out.
ADMINISTRATION_STATUS = ("in-progress", "not-done", "on-hold", "completed", "entered-in-error", "stopped", "unknown")
_NOT_GIVEN = ("not-done", "entered-in-error")
# A statement about a dose that was never taken or is only planned gives no dose.
_STATEMENT_NOT_GIVEN = ("not-taken", "entered-in-error", "intended", "cancelled", "draft")


def administration_dose(resource: Mapping[str, Any], codes: frozenset[CodeKey], ref: str, where: str) -> DoseFact | None:
    """The dose one MedicationAdministration gave, or None (not given, or no dose recorded)."""
    status = resource.get("status")
    if status not in ADMINISTRATION_STATUS:
        raise InputError(f"{where}.status must be one of {', '.join(ADMINISTRATION_STATUS)}")
    if resource.get("effectiveDateTime") is not None:
        when = fhir_date(resource["effectiveDateTime"], f"{where}.effectiveDateTime")
    else:
        when = fhir_date(_object(resource.get("effectivePeriod"), f"{where}.effectivePeriod").get("start"),
                         f"{where}.effectivePeriod.start")
    if when is None:
        raise InputError(f"{where} needs effectiveDateTime or effectivePeriod.start: when the dose was given")
    dosage = _object(resource.get("dosage"), f"{where}.dosage")
    if status in _NOT_GIVEN or dosage.get("dose") is None:
        return None
    return DoseFact(codes, when, _dose(dosage["dose"], f"{where}.dosage.dose"), ref)


def statement_dose(resource: Mapping[str, Any], codes: frozenset[CodeKey], ref: str, where: str) -> DoseFact | None:
    """The dose a MedicationStatement's dosage states, on the statement's date; None without one."""
    dosages = resource.get("dosage")
    if dosages is None or resource.get("status") in _STATEMENT_NOT_GIVEN:
        return None
    if not isinstance(dosages, list) or not all(isinstance(d, Mapping) for d in dosages):
        raise InputError(f"{where}.dosage must be a list of Dosage")
    dose = None
    for index, dosage in enumerate(dosages):
        rates = dosage.get("doseAndRate", [])
        if not isinstance(rates, list) or not all(isinstance(r, Mapping) for r in rates):
            raise InputError(f"{where}.dosage[{index}].doseAndRate must be a list")
        raw = next((r["doseQuantity"] for r in rates if r.get("doseQuantity") is not None), None)
        if raw is not None:
            dose = _dose(raw, f"{where}.dosage[{index}].doseAndRate.doseQuantity")
            break
    if dose is None:
        return None
    period = _object(resource.get("effectivePeriod"), f"{where}.effectivePeriod")
    when = fhir_date(resource.get("effectiveDateTime") or period.get("start"), f"{where}.effective")
    # Without a date the dose cannot be placed in a period; the clinician is asked instead.
    return None if when is None else DoseFact(codes, when, dose, ref)


def _object(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(f"{where} must be a JSON object")
    return value


def _dose(raw: Any, where: str) -> Quantity:
    if not isinstance(raw, Mapping):
        raise InputError(f"{where} must be a Quantity")
    unit = raw.get("code") or raw.get("unit")
    if not isinstance(unit, str):
        raise InputError(f"{where} needs a UCUM unit")
    value: Any = raw.get("value")  # quantity() refuses anything but a finite number
    try:
        return quantity(value, unit)
    except InputError:  # the message would echo the value; name only the place
        raise InputError(f"{where} is not a finite, non-negative quantity in a known UCUM unit") from None
