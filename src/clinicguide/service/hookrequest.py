"""A CDS Hooks service call read and checked: the hook, its context, prefetch and FHIR access.

Each check follows the specification (``hook``, ``hookInstance`` and ``context`` required;
``fhirServer`` required with ``fhirAuthorization``, which carries a Bearer token) and the
order-select and order-sign hook definitions (``patientId``, ``userId``, ``draftOrders``, and
for order-select the ``selections`` that name entries of ``draftOrders``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .outcome import BadRequest
from .urls import is_http_url

_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_MAX_INSTANCE = 256


@dataclass(frozen=True)
class HookRequest:
    hook: str
    hook_instance: str
    patient_id: str
    draft_orders: tuple[Mapping[str, Any], ...]  # the draft resources, in the Bundle's order
    selections: tuple[str, ...] | None  # order-select: the newly selected orders (Type/id)
    prefetch: Mapping[str, Any] | None
    fhir_server: str | None
    access_token: str | None

    def orders(self) -> list[tuple[int, Mapping[str, Any]]]:
        """The orders to decide on, with their index in ``draftOrders``: the selected ones for order-select."""
        indexed = list(enumerate(self.draft_orders))
        if self.selections is None:
            return indexed
        return [(i, r) for i, r in indexed if f"{r.get('resourceType')}/{r.get('id')}" in self.selections]


def read_hook_request(body: Any, hook: str) -> HookRequest:
    """Check a call's JSON body against the specification and the hook's context; BadRequest says what is wrong."""
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    if body.get("hook") != hook:
        raise BadRequest(f"hook must be {hook!r} for this service")
    instance = body.get("hookInstance")
    if not isinstance(instance, str) or not instance or len(instance) > _MAX_INSTANCE or not instance.isprintable():
        raise BadRequest("hookInstance must be a non-empty text (a UUID)")
    context = body.get("context")
    if not isinstance(context, dict):
        raise BadRequest("context must be a JSON object")
    patient = context.get("patientId")
    if not isinstance(patient, str) or not _FHIR_ID.match(patient):
        raise BadRequest("context.patientId must be a FHIR id")
    if not isinstance(context.get("userId"), str) or not context["userId"]:
        raise BadRequest("context.userId must be a text such as 'Practitioner/123'")
    orders = _draft_orders(context.get("draftOrders"))
    selections = _selections(context.get("selections"), orders) if hook == "order-select" else None
    server, token = _fhir_access(body)
    prefetch = body.get("prefetch")
    if prefetch is not None and not isinstance(prefetch, dict):
        raise BadRequest("prefetch must be a JSON object")
    return HookRequest(hook, instance, patient, orders, selections, prefetch, server, token)


def _draft_orders(bundle: Any) -> tuple[Mapping[str, Any], ...]:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise BadRequest("context.draftOrders must be a FHIR Bundle")
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise BadRequest("context.draftOrders.entry must be a list")
    orders = []
    for i, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise BadRequest(f"context.draftOrders.entry[{i}] has no resource with a resourceType")
        if "id" in resource and (not isinstance(resource["id"], str) or not _FHIR_ID.match(resource["id"])):
            raise BadRequest(f"context.draftOrders.entry[{i}].resource.id must be a FHIR id")
        orders.append(resource)
    return tuple(orders)


def _selections(value: Any, orders: tuple[Mapping[str, Any], ...]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise BadRequest("context.selections must be a list of order references such as 'MedicationRequest/123'")
    present = {f"{r.get('resourceType')}/{r.get('id')}" for r in orders if "id" in r}
    for i, selected in enumerate(value):
        if selected not in present:
            raise BadRequest(f"context.selections[{i}] names no order in context.draftOrders")
    return tuple(value)


def _fhir_access(body: Mapping[str, Any]) -> tuple[str | None, str | None]:
    server = body.get("fhirServer")
    if server is not None and not is_http_url(server):
        raise BadRequest("fhirServer must be an http(s) URL")
    authorization = body.get("fhirAuthorization")
    if authorization is None:
        return server, None
    if server is None:
        raise BadRequest("fhirServer is required with fhirAuthorization")
    if not isinstance(authorization, dict):
        raise BadRequest("fhirAuthorization must be a JSON object")
    token = authorization.get("access_token")
    if not isinstance(token, str) or not token or not token.isprintable():
        raise BadRequest("fhirAuthorization.access_token must be a non-empty text")
    if authorization.get("token_type") != "Bearer":
        raise BadRequest("fhirAuthorization.token_type must be 'Bearer'")
    for key, kind in (("expires_in", int), ("scope", str), ("subject", str)):
        if not isinstance(authorization.get(key), kind) or isinstance(authorization.get(key), bool):
            raise BadRequest(f"fhirAuthorization.{key} must be {'an integer' if kind is int else 'a text'}")
    return server, token
