"""The patient's record for one call: from prefetch, else from the EHR's FHIR server, else 412.

A prefetch key the EHR left out, or answered with an OperationOutcome, or a search it paged,
is read from ``fhirServer``; without a server to read the service answers 412, as the
specification says. ``null`` means the EHR has no such data (for the Patient itself that is a
412 too). Every resource must belong to the patient in context.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from .fhirfetch import FhirServer, check_server, search
from .hookrequest import HookRequest
from .outcome import BadRequest, PreconditionFailed
from .prefetch import Template


def _page_of(value: Mapping[str, Any]) -> bool:
    links = value.get("link")
    return isinstance(links, list) and any(isinstance(link, dict) and link.get("relation") == "next" for link in links)


def _prefetched(value: Any, template: Template) -> list[Mapping[str, Any]] | None:
    """The resources of one prefetch value; None when they must be read from the server."""
    if value is None:
        return []
    where = f"prefetch.{template.key}"
    if not isinstance(value, dict) or not isinstance(value.get("resourceType"), str):
        raise BadRequest(f"{where} must be a FHIR resource, a Bundle or null")
    if value["resourceType"] == "OperationOutcome" or (value["resourceType"] == "Bundle" and _page_of(value)):
        return None
    if value["resourceType"] != "Bundle":
        return [value]
    entries = value.get("entry", [])
    if not isinstance(entries, list):
        raise BadRequest(f"{where}.entry must be a list")
    found = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
            raise BadRequest(f"{where}.entry[{i}] has no resource")
        resource = entry["resource"]
        if (entry.get("search") or {}).get("mode") != "outcome" and resource.get("resourceType") != "OperationOutcome":
            found.append(resource)
    return found


def _check(resources: Sequence[Mapping[str, Any]], template: Template, patient_id: str, where: str) -> None:
    for i, resource in enumerate(resources):
        kind = resource.get("resourceType")
        if kind != template.resource_type:
            raise BadRequest(f"{where}[{i}] is a {kind if isinstance(kind, str) else 'resource'}, not a {template.resource_type}")
        if kind == "Patient":
            if resource.get("id") != patient_id:
                raise BadRequest(f"{where} is not the Patient in context.patientId")
            continue
        for key in ("subject", "patient"):
            reference = resource.get(key)
            if isinstance(reference, dict) and isinstance(reference.get("reference"), str) \
                    and reference["reference"].rsplit("/", 2)[-2:] != ["Patient", patient_id]:
                raise BadRequest(f"{where}[{i}].{key} is another patient than context.patientId")


async def gather(call: HookRequest, templates: Sequence[Template], client: httpx.AsyncClient,
                 server: FhirServer | None) -> tuple[dict[str, Any], list[Mapping[str, Any]]]:
    """The patient Bundle the engine reads, and the screening QuestionnaireResponses found."""
    prefetch = call.prefetch or {}
    by_key: dict[str, list[Mapping[str, Any]]] = {}
    missing: list[Template] = []
    for template in templates:
        found = _prefetched(prefetch[template.key], template) if template.key in prefetch else None
        if found is None:
            missing.append(template)
        else:
            by_key[template.key] = found
    if missing:
        if server is None:
            raise PreconditionFailed(f"prefetch lacks {', '.join(t.key for t in missing)} and there is no fhirServer to read")
        check_server(server.base, server.config)
        for template in missing:
            by_key[template.key] = await search(client, server, template.for_patient(call.patient_id))
    for template in templates:
        where = f"prefetch.{template.key}" if template not in missing else f"the FHIR server's {template.resource_type}"
        _check(by_key[template.key], template, call.patient_id, where)
    if not by_key.get("patient"):
        raise PreconditionFailed("the Patient in context is neither prefetched nor on the FHIR server")
    record = [r for t in templates if t.resource_type != "QuestionnaireResponse" for r in by_key[t.key]]
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in _unique(record)]}
    return bundle, list(by_key.get("screeningResponses", []))


def _unique(resources: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Each resource once: the same MedicationRequest can answer two templates."""
    seen: set[str] = set()
    found = []
    for resource in resources:
        key = f"{resource.get('resourceType')}/{resource.get('id')}" if isinstance(resource.get("id"), str) else None
        if key is None or key not in seen:
            found.append(resource)
            if key is not None:
                seen.add(key)
    return found
