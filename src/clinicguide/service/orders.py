"""Draft orders matched to guidance, and the proposal each one makes.

A MedicationRequest matches the guidance whose regimens list its medication's code
(``medicationCodeableConcept`` in R4, ``medication.concept`` in R5). Any order matches the
guidance its ``instantiatesCanonical`` names: the PlanDefinition (``{base}/PlanDefinition/ID``)
or one of its ActivityDefinitions (``{base}/ActivityDefinition/ID-REGIMEN``, which also names
the regimen), with ``|VERSION`` for a version other than the newest in force. The reason codes
pick the indication; the date is the order's occurrence, else when it was authored, else today.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..content.library import Library
from ..content.model import Guidance
from ..errors import ClinicguideError
from ..units import Quantity
from .dosage import order_dose, service_parameters
from .hookrequest import HookRequest
from .outcome import BadRequest

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class MatchedOrder:
    """One order and one guidance it matches, with what the order proposes."""

    reference: str  # ``MedicationRequest/abc``, or the entry's place in draftOrders
    guidance: Guidance
    date: dt.date
    dose: Quantity | None = None
    params: Mapping[str, Quantity] = field(default_factory=dict)
    regimen: str | None = None
    indication: str | None = None
    notes: tuple[str, ...] = ()  # what could not be checked, and why

    def proposed(self) -> dict[str, Any]:
        """The proposal in the plain form ``ClinicGuide.screen`` takes."""
        found: dict[str, Any] = {"params": {k: str(v) for k, v in self.params.items()}}
        if self.dose is not None:
            found["dose"] = str(self.dose)
        for key in ("regimen", "indication"):
            if getattr(self, key) is not None:
                found[key] = getattr(self, key)
        return found


class OrderIndex:
    """The library's guidance by medication code and by canonical URL, built once."""

    def __init__(self, library: Library, base: str) -> None:
        self.library = library
        self.base = base
        self.by_code: dict[tuple[str, str], set[str]] = {}
        for guidance in library:
            for regimen in guidance.regimens:
                for coding in regimen.codes:
                    self.by_code.setdefault(coding.key, set()).add(guidance.id)

    def _canonical(self, url: str) -> tuple[str, str | None, str | None] | None:
        """(guidance id, version, regimen id) for a canonical of this library, else None."""
        bare, _, version = url.partition("|")
        for kind in ("PlanDefinition", "ActivityDefinition"):
            prefix = f"{self.base}/{kind}/"
            if not bare.startswith(prefix):
                continue
            name = bare[len(prefix):]
            if kind == "PlanDefinition":
                return (name, version or None, None) if name in self.library else None
            for guidance_id in self.library.ids():
                regimen = name[len(guidance_id) + 1:] if name.startswith(guidance_id + "-") else None
                if regimen and regimen in {r.id for r in self.library.get(guidance_id).regimens}:
                    return guidance_id, version or None, regimen
        return None

    def match(self, call: HookRequest, today: dt.date) -> Iterator[MatchedOrder]:
        """Every (order, guidance) pair among the orders to decide, in the Bundle's order then by guidance id."""
        for index, order in call.orders():
            where = f"context.draftOrders.entry[{index}].resource"
            kind = order.get("resourceType")
            reference = f"{kind}/{order['id']}" if isinstance(order.get("id"), str) else where
            named: dict[str, tuple[str | None, str | None]] = {}
            canonicals = order.get("instantiatesCanonical", [])
            if not isinstance(canonicals, list) or not all(isinstance(c, str) for c in canonicals):
                raise BadRequest(f"{where}.instantiatesCanonical must be a list of canonical URLs")
            for url in canonicals:
                found = self._canonical(url)
                if found is not None:
                    named[found[0]] = (found[1], found[2])
            if kind == "MedicationRequest":
                for key in _medication_codes(order):
                    for guidance_id in self.by_code.get(key, ()):
                        named.setdefault(guidance_id, (None, None))
            for guidance_id in sorted(named):
                version, regimen = named[guidance_id]
                try:
                    guidance = self.library.get(guidance_id, version)
                except ClinicguideError as exc:
                    raise BadRequest(f"{where}.instantiatesCanonical: {exc}") from None
                yield self._order(order, kind, reference, guidance, regimen, where, today)

    def _order(self, order: Mapping[str, Any], kind: Any, reference: str, guidance: Guidance, regimen: str | None,
               where: str, today: dt.date) -> MatchedOrder:
        notes: list[str] = []
        dose: Quantity | None = None
        params: dict[str, Quantity] = {}
        if kind == "MedicationRequest":
            dose, note = order_dose(order, guidance, where)
            notes += [note] if note else []
        elif kind == "ServiceRequest":
            params = service_parameters(order, self.base, where)
        return MatchedOrder(reference, guidance, _order_date(order, kind, where) or today, dose, params, regimen,
                            _indication(order, guidance), tuple(notes))


def _codings(concept: Any) -> list[tuple[str, str]]:
    codings = concept.get("coding", []) if isinstance(concept, dict) else []
    return [(c["system"], c["code"]) for c in codings if isinstance(c, dict) and isinstance(c.get("system"), str)
            and isinstance(c.get("code"), str)] if isinstance(codings, list) else []


def _medication_codes(order: Mapping[str, Any]) -> list[tuple[str, str]]:
    if "medicationCodeableConcept" in order:
        return _codings(order["medicationCodeableConcept"])
    medication = order.get("medication")
    if isinstance(medication, dict):
        return _codings(medication.get("concept"))
    return []


def _indication(order: Mapping[str, Any], guidance: Guidance) -> str | None:
    reasons = order.get("reasonCode", [])
    codes = {key for r in (reasons if isinstance(reasons, list) else []) for key in _codings(r)}
    r5 = order.get("reason", [])
    codes |= {key for r in (r5 if isinstance(r5, list) else []) if isinstance(r, dict) for key in _codings(r.get("concept"))}
    matching = sorted({i.id for i in guidance.indications if i.code is not None and i.code.key in codes})
    return matching[0] if len(matching) == 1 else None


def _order_date(order: Mapping[str, Any], kind: Any, where: str) -> dt.date | None:
    candidates: list[tuple[str, Any]] = []
    if kind == "ServiceRequest":
        candidates += [("occurrenceDateTime", order.get("occurrenceDateTime")),
                       ("occurrencePeriod.start", (order.get("occurrencePeriod") or {}).get("start"))]
    else:
        for i, instruction in enumerate(order.get("dosageInstruction") or []):
            bounds = ((instruction.get("timing") or {}).get("repeat") or {}).get("boundsPeriod") \
                if isinstance(instruction, dict) else None
            if isinstance(bounds, dict):
                candidates.append((f"dosageInstruction[{i}].timing.repeat.boundsPeriod.start", bounds.get("start")))
    candidates.append(("authoredOn", order.get("authoredOn")))
    for name, value in candidates:
        if value is None:
            continue
        if not isinstance(value, str) or not _DATE.match(value):
            raise BadRequest(f"{where}.{name} must be a FHIR date or dateTime")
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            raise BadRequest(f"{where}.{name} is not a valid date") from None
    return None
