"""What an order proposes: the dose from a MedicationRequest, the parameters from a ServiceRequest.

The dose is ``dosageInstruction[].doseAndRate[].doseQuantity`` (its UCUM ``code``, else its
``unit``). A dose per administration with a ``timing.repeat`` of ``frequency`` per ``period``
``periodUnit`` (h, d or wk) becomes a daily dose when the guidance's ranges are daily
(``20 mg`` twice a day is ``40 mg/d``). With several instructions the highest dose is checked.
A dose that cannot be compared with the guidance's ranges is left unchecked and the card says so.

Procedure parameters come from a ServiceRequest: in R4 from the extension
``{base}/StructureDefinition/procedure-parameter`` (sub-extensions ``name``, a valueCode naming
the guidance parameter, and ``value``, a valueQuantity); in R5 from ``orderDetail[].parameter[]``
whose ``code`` has the coding ``{base}/CodeSystem/procedure-parameter|NAME`` and whose value is a
``valueQuantity``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..content.model import Guidance
from ..errors import InputError
from ..units import Quantity, comparable, quantity
from .outcome import BadRequest

UCUM = "http://unitsofmeasure.org"
_PER_DAY = {"h": 24.0, "d": 1.0, "wk": 1 / 7}


def _quantity(value: Any, where: str) -> Quantity:
    if not isinstance(value, dict):
        raise BadRequest(f"{where} must be a Quantity")
    unit = value.get("code") if value.get("system") == UCUM and "code" in value else value.get("unit")
    if not isinstance(unit, str):
        raise BadRequest(f"{where} needs a UCUM code or a unit")
    try:
        return quantity(value.get("value"), unit)  # type: ignore[arg-type]
    except InputError as exc:
        raise BadRequest(f"{where}: {exc}") from None


def _daily(dose: Quantity, timing: Any) -> Quantity | None:
    repeat = timing.get("repeat") if isinstance(timing, dict) else None
    if not isinstance(repeat, dict):
        return None
    frequency, period, unit = repeat.get("frequency", 1), repeat.get("period"), repeat.get("periodUnit")
    if not all(isinstance(n, (int, float)) and not isinstance(n, bool) and n > 0 for n in (frequency, period)) \
            or unit not in _PER_DAY:
        return None
    try:
        return quantity(dose.value * frequency * _PER_DAY[unit] / period, f"{dose.unit}/d")
    except InputError:
        return None


def _dose_units(guidance: Guidance) -> set[str]:
    return {r.unit for regimen in guidance.regimens for r in regimen.ranges if r.parameter == "dose"}


def order_dose(order: Mapping[str, Any], guidance: Guidance, where: str) -> tuple[Quantity | None, str | None]:
    """The dose to check and, when none can be, why (a note for the card)."""
    instructions = order.get("dosageInstruction", [])
    if not isinstance(instructions, list):
        raise BadRequest(f"{where}.dosageInstruction must be a list")
    units = _dose_units(guidance)
    doses: list[Quantity] = []
    stated = False
    for i, instruction in enumerate(instructions):
        if not isinstance(instruction, dict):
            raise BadRequest(f"{where}.dosageInstruction[{i}] must be an object")
        rates = instruction.get("doseAndRate", [])
        if not isinstance(rates, list):
            raise BadRequest(f"{where}.dosageInstruction[{i}].doseAndRate must be a list")
        for j, rate in enumerate(rates):
            if not isinstance(rate, dict) or "doseQuantity" not in rate:
                continue
            stated = True
            dose = _quantity(rate["doseQuantity"], f"{where}.dosageInstruction[{i}].doseAndRate[{j}].doseQuantity")
            daily = _daily(dose, instruction.get("timing"))
            for candidate in (daily, dose):
                if candidate is not None and any(comparable(candidate.unit, u) for u in units):
                    doses.append(candidate)
                    break
            else:
                return None, f"the dose {dose} cannot be compared with the guidance's dose ranges ({', '.join(sorted(units))})"
    if not stated:
        return None, "the order states no dose (doseAndRate.doseQuantity)" if units else None
    if len({d.unit for d in doses}) > 1:
        return None, "the order's doses are in different units"
    return max(doses, key=lambda d: d.value), None


def service_parameters(order: Mapping[str, Any], base: str, where: str) -> dict[str, Quantity]:
    """The procedure parameters a ServiceRequest states, by guidance parameter name."""
    found: dict[str, Quantity] = {}
    url = f"{base}/StructureDefinition/procedure-parameter"
    system = f"{base}/CodeSystem/procedure-parameter"
    for i, extension in enumerate(order.get("extension", []) if isinstance(order.get("extension"), list) else []):
        if not isinstance(extension, dict) or extension.get("url") != url:
            continue
        parts = {e.get("url"): e for e in extension.get("extension", []) if isinstance(e, dict)}
        name = (parts.get("name") or {}).get("valueCode")
        if not isinstance(name, str) or "value" not in parts:
            raise BadRequest(f"{where}.extension[{i}] needs a name (valueCode) and a value (valueQuantity)")
        _add(found, name, _quantity(parts["value"].get("valueQuantity"), f"{where}.extension[{i}].value"), where)
    details = order.get("orderDetail", [])
    for i, detail in enumerate(details if isinstance(details, list) else []):
        for j, parameter in enumerate(detail.get("parameter", []) if isinstance(detail, dict) else []):
            codings = ((parameter.get("code") or {}).get("coding") or []) if isinstance(parameter, dict) else []
            names = [c.get("code") for c in codings if isinstance(c, dict) and c.get("system") == system]
            if names and isinstance(names[0], str):
                place = f"{where}.orderDetail[{i}].parameter[{j}].valueQuantity"
                _add(found, names[0], _quantity(parameter.get("valueQuantity"), place), where)
    return found


def _add(found: dict[str, Quantity], name: str, value: Quantity, where: str) -> None:
    if name in found:
        raise BadRequest(f"{where} states the parameter {name!r} twice")
    found[name] = value
