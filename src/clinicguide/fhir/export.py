"""Export of guidance as FHIR definitional resources for clinical-reasoning engines.

Per guidance: the computable PlanDefinition (:mod:`.plandefinition`), an ActivityDefinition
per regimen (:mod:`.activity`), the consent checklist and the screening questionnaire; once
per export, the CodeSystem of finding codes. Each entry's fullUrl is the RESTful URL of the
resource at the canonical base (``{base}/{type}/{id}``): it agrees with the resource's id and
carries no version. Ids derive from each canonical URL and version, so several versions of
one guidance sit side by side; the CodeSystem's id is the end of its canonical URL. Ids and
order are stable, so exports are reproducible.
"""

from __future__ import annotations

from typing import Any

from ..content.library import Library
from ..content.model import Guidance
from ..version import package_version
from .activity import activity_definition
from .codesystem import finding_codesystem
from .common import Canonicals, canonical_base, fhir_version, finding_system, resource_id
from .narrative import with_narrative
from .plandefinition import plan_definition
from .questionnaire import build_questionnaire
from .screening import build_screening_questionnaire


def export_guidance(guidance: Guidance, fhir: str = "R4", base: str | None = None) -> list[dict[str, Any]]:
    """PlanDefinition, ActivityDefinitions, consent checklist and screening questionnaire of one document."""
    version = fhir_version(fhir)
    canon = Canonicals(canonical_base(base), guidance)
    resources = ([plan_definition(guidance, canon, version)]
                 + [activity_definition(guidance, r, canon, version) for r in guidance.regimens]
                 + [build_questionnaire(guidance, canon, version), build_screening_questionnaire(guidance, canon, version)])
    return [with_narrative(r) for r in resources]


def export_library(library: Library, fhir_version: str = "R4", base: str | None = None) -> list[dict[str, Any]]:
    """Every document's definitional resources, in library order, then the finding CodeSystem."""
    resources = [resource for guidance in library for resource in export_guidance(guidance, fhir_version, base)]
    return [*resources, with_narrative(finding_codesystem(finding_system(canonical_base(base)), package_version()))]


def export_bundle(library: Library, fhir: str = "R4", base: str | None = None) -> dict[str, Any]:
    """The export as a collection Bundle; each entry's fullUrl is the resource's URL at the canonical base."""
    root = canonical_base(base)
    resources = export_library(library, fhir, base)
    return {
        "resourceType": "Bundle",
        "id": resource_id(library.digest, "export", fhir),
        "type": "collection",
        "entry": [{"fullUrl": f"{root}/{r['resourceType']}/{r['id']}", "resource": r} for r in resources],
    }
