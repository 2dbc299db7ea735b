"""An ActivityDefinition per regimen: what to order (the product or the procedure) and its dosage.

A medication regimen becomes a MedicationRequest definition whose ``productCodeableConcept``
carries the regimen's medication codes (from the verified table; text alone when the guidance
has none), with the dose ranges and maximums as FHIR Dosage. A procedure becomes a
ServiceRequest definition with a ``code`` naming it (text: no procedure code is verified).
Parameters that are not doses (a needle depth, a concentration) have no place in a FHIR
Dosage; they are stated in the description, with their sources.
"""

from __future__ import annotations

from typing import Any

from ..content.model import Guidance, Maximum, Regimen
from .citations import citations, computable_name, quantity
from .common import Canonicals, FhirVersion, publication_status, resource_id

_DAY_RATE = "/d"


def activity_definition(guidance: Guidance, regimen: Regimen, canon: Canonicals, version: FhirVersion) -> dict[str, Any]:
    url = canon.activity_definition(regimen.id)
    ranges = "; ".join(f"{r.parameter} {r.low:g}-{r.high:g} {r.unit}" for r in regimen.ranges)
    maxima = "; ".join(_maximum_text(m) for m in regimen.maximums)
    description = (f"{regimen.title} ({regimen.label}). {ranges}." + (f" Maximum: {maxima}." if maxima else "")
                   + (f" {regimen.frequency}" if regimen.frequency else ""))
    medication = guidance.kind == "medication"
    resource: dict[str, Any] = {
        "resourceType": "ActivityDefinition",
        "id": resource_id(url, guidance.version, version),
        "url": url,
        "version": guidance.version,
        "name": computable_name(f"{guidance.id}-{regimen.id}"),
        "title": regimen.title,
        "status": publication_status(guidance),
        "description": description,
        "relatedArtifact": citations(guidance, regimen.sources, version),
        "kind": "MedicationRequest" if medication else "ServiceRequest",
        "intent": "proposal",
    }
    if regimen.note:
        resource["usage"] = regimen.note
    if medication:
        resource["productCodeableConcept"] = _product(guidance, regimen)
        if dosage := _dosage(regimen, version):
            resource["dosage"] = [dosage]
    else:
        resource["code"] = {"text": guidance.title}
    return resource


def _product(guidance: Guidance, regimen: Regimen) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": regimen.product or guidance.title}
    if regimen.codes:
        # The products the regimen may be given as (strengths of one medication), as the guidance lists them.
        concept["coding"] = [{"system": c.system, "code": c.code, "display": c.display} for c in regimen.codes]
    return concept


def _dosage(regimen: Regimen, version: FhirVersion) -> dict[str, Any] | None:
    doses = [r for r in regimen.ranges if r.parameter == "dose"]
    maxima = [m for m in regimen.maximums if m.parameter == "dose"]
    if not doses and not maxima:
        return None
    dosage: dict[str, Any] = {"text": regimen.frequency or regimen.title, "route": {"text": regimen.route}}
    if doses:
        dosage["doseAndRate"] = [{"doseRange": {"low": quantity(r.low, r.unit), "high": quantity(r.high, r.unit)}}
                                 for r in doses]
    periods = [_per_period(m) for m in maxima if m.per != "session"]
    if periods:
        # R4 allows one maximum per period; the others (all of them in the description) stay in R5.
        dosage["maxDosePerPeriod"] = periods[0] if version == "R4" else periods
    if session := [m for m in maxima if m.per == "session"]:
        # The lowest in the first maximum's unit: the others are in the description.
        dosage["maxDosePerAdministration"] = quantity(min(m.value for m in session if m.unit == session[0].unit),
                                                      session[0].unit)
    return dosage


def _per_period(maximum: Maximum) -> dict[str, Any]:
    """A maximum per day or per period as a Ratio: the dose over the time it may be given in."""
    if maximum.per == "day" or maximum.period is None:  # validation gives every per-period maximum its period
        unit = maximum.unit.removesuffix(_DAY_RATE)
        return {"numerator": quantity(maximum.value, unit), "denominator": quantity(1, "d")}
    return {"numerator": quantity(maximum.value, maximum.unit),
            "denominator": quantity(maximum.period.value, maximum.period.unit)}


def _maximum_text(maximum: Maximum) -> str:
    per = f"per {maximum.period}" if maximum.per == "period" and maximum.period else f"per {maximum.per}"
    only = f" (for {', '.join(maximum.indications)})" if maximum.indications else ""
    return f"{maximum.parameter} {maximum.value:g} {maximum.unit} {per}{only}"
