"""Export of guidance as FHIR definitional resources for clinical-reasoning engines.

Per guidance: a PlanDefinition (screening questions, the regimens, aftercare, monitoring,
with every source as a citation), an ActivityDefinition per regimen, and the consent
checklist Questionnaire. Ids and order are stable, so exports are reproducible.
"""

from __future__ import annotations

from typing import Any

from ..content.library import Library
from ..content.model import Guidance, Regimen, Source
from ..terminology import UCUM
from .bundle import collection
from .common import Canonicals, FhirVersion, canonical_base, fhir_version, publication_status, resource_id
from .questionnaire import build_questionnaire


def _citation(source: Source, version: FhirVersion) -> dict[str, Any]:
    year = f", {source.year}" if source.year else ""
    text = f"[{source.id}] {source.title}. {source.publisher}{year}. Evidence: {source.evidence}."
    artifact: dict[str, Any] = {"type": "citation", "label": source.id, "display": source.title, "citation": text}
    if source.url:
        if version == "R4":
            artifact["url"] = source.url
        else:
            artifact["document"] = {"url": source.url}
    return artifact


def _citations(guidance: Guidance, ids: tuple[str, ...], version: FhirVersion) -> list[dict[str, Any]]:
    return [_citation(guidance.source(i), version) for i in ids]


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def _name(text: str) -> str:
    return "".join(part.capitalize() for part in text.replace("_", "-").split("-") if part)


def activity_definition(guidance: Guidance, regimen: Regimen, canon: Canonicals, version: FhirVersion) -> dict[str, Any]:
    url = canon.activity_definition(regimen.id)
    ranges = "; ".join(f"{r.parameter} {r.low:g}-{r.high:g} {r.unit}" for r in regimen.ranges)
    description = f"{regimen.title} ({regimen.label}). {ranges}." + (f" {regimen.frequency}" if regimen.frequency else "")
    resource: dict[str, Any] = {
        "resourceType": "ActivityDefinition",
        "id": f"{guidance.id}-{regimen.id}",
        "url": url,
        "version": guidance.version,
        "name": _name(f"{guidance.id}-{regimen.id}"),
        "title": regimen.title,
        "status": publication_status(guidance),
        "kind": "MedicationRequest" if guidance.kind == "medication" else "ServiceRequest",
        "description": description,
        "relatedArtifact": _citations(guidance, regimen.sources, version),
    }
    if regimen.note:
        resource["usage"] = regimen.note
    doses = [r for r in regimen.ranges if r.parameter == "dose"]
    if guidance.kind == "medication" and doses:
        resource["dosage"] = [{
            "text": regimen.frequency or regimen.title,
            "route": {"text": regimen.route},
            "doseAndRate": [{"doseRange": {"low": _quantity(r.low, r.unit), "high": _quantity(r.high, r.unit)}} for r in doses],
        }]
    return resource


def plan_definition(guidance: Guidance, canon: Canonicals, version: FhirVersion) -> dict[str, Any]:
    screening = [{"title": f"{c.severity.capitalize()} contraindication: {c.text}", "description": c.question,
                  "documentation": _citations(guidance, c.sources, version)} for c in guidance.contraindications]
    actions: list[dict[str, Any]] = [{"title": "Screen for contraindications", "action": screening}] if screening else []
    actions += [{"title": r.title, "description": f"{r.label} regimen",
                 "definitionCanonical": canon.versioned(canon.activity_definition(r.id)),
                 "documentation": _citations(guidance, r.sources, version)} for r in guidance.regimens]
    if guidance.prerequisites:
        actions.append({"title": "Before treatment",
                        "action": [{"title": p.text,
                                    "documentation": _citations(guidance, p.sources, version)} for p in guidance.prerequisites]})
    if guidance.aftercare:
        actions.append({"title": "Aftercare", "action": [
            {"title": f"{a.category}: {a.text}", "description": f"from {a.start}" + (f" for {a.lasts}" if a.lasts else ""),
             "documentation": _citations(guidance, a.sources, version)} for a in guidance.aftercare]})
    if guidance.monitoring:
        actions.append({"title": "Monitoring", "action": [
            {"title": m.text, "description": m.timing,
             "documentation": _citations(guidance, m.sources, version)} for m in guidance.monitoring]})
    resource: dict[str, Any] = {
        "resourceType": "PlanDefinition",
        "id": guidance.id,
        "url": canon.plan_definition,
        "version": guidance.version,
        "name": _name(guidance.id),
        "title": guidance.title,
        "status": publication_status(guidance),
        "date": guidance.changelog[0].date.isoformat(),
        "relatedArtifact": [_citation(s, version) for s in guidance.sources],
        "action": actions,
    }
    if guidance.summary:
        resource["description"] = guidance.summary
    if guidance.review.approved:
        resource["approvalDate"] = guidance.review.approved.isoformat()
    return resource


def export_guidance(guidance: Guidance, fhir: str = "R4", base: str | None = None) -> list[dict[str, Any]]:
    """PlanDefinition, ActivityDefinitions and the consent Questionnaire of one document."""
    version = fhir_version(fhir)
    canon = Canonicals(canonical_base(base), guidance)
    return ([plan_definition(guidance, canon, version)]
            + [activity_definition(guidance, r, canon, version) for r in guidance.regimens]
            + [build_questionnaire(guidance, canon, version)])


def export_library(library: Library, fhir_version: str = "R4", base: str | None = None) -> list[dict[str, Any]]:
    """Every document's definitional resources, in library order."""
    return [resource for guidance in library for resource in export_guidance(guidance, fhir_version, base)]


def export_bundle(library: Library, fhir: str = "R4", base: str | None = None) -> dict[str, Any]:
    """The export as a collection Bundle (entries keyed by canonical URL)."""
    resources = export_library(library, fhir, base)
    bundle = collection(resource_id(library.digest, "export", fhir), resources)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        entry["fullUrl"] = f"{resource['url']}|{resource['version']}" if "url" in resource else entry["fullUrl"]
    return bundle
