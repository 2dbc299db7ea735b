"""Validation of emitted resources against the fhir.resources models.

R4 shapes are checked with the R4B models (the resources clinicguide emits are the same
in R4 and R4B), R5 shapes with the R5 models. Imported lazily: fhir.resources is heavy.
"""

from __future__ import annotations

import importlib
from typing import Any

from .common import FhirVersion


class FhirModelError(ValueError):
    """An emitted resource does not validate against the FHIR model."""


def model_class(resource_type: str, version: FhirVersion) -> Any:
    package = "fhir.resources.R4B" if version == "R4" else "fhir.resources"
    module = importlib.import_module(f"{package}.{resource_type.lower()}")
    return getattr(module, resource_type)


def validate_resource(resource: dict[str, Any], version: FhirVersion) -> None:
    """Raise :class:`FhirModelError` naming the resource if it does not validate."""
    kind = resource.get("resourceType", "?")
    try:
        model_class(kind, version).model_validate(resource)
    except Exception as exc:  # pydantic's ValidationError and friends
        first = str(exc).splitlines()[:6]
        raise FhirModelError(f"{kind}/{resource.get('id', '?')} is not valid FHIR {version}: {' '.join(first)}") from None
