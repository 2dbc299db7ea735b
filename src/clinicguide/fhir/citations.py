"""What definitional resources share: sources as citations, UCUM quantities, computable names."""

from __future__ import annotations

from typing import Any

from ..content.model import Guidance, Source
from ..terminology import UCUM
from .common import FhirVersion


def citation(source: Source, version: FhirVersion) -> dict[str, Any]:
    """A source as a RelatedArtifact citation (R4 ``url``, R5 ``document.url``)."""
    year = f", {source.year}" if source.year else ""
    text = f"[{source.id}] {source.title}. {source.publisher}{year}. Evidence: {source.evidence}."
    artifact: dict[str, Any] = {"type": "citation", "label": source.id, "display": source.title, "citation": text}
    if source.url:
        if version == "R4":
            artifact["url"] = source.url
        else:
            artifact["document"] = {"url": source.url}
    return artifact


def citations(guidance: Guidance, ids: tuple[str, ...], version: FhirVersion) -> list[dict[str, Any]]:
    return [citation(guidance.source(i), version) for i in ids]


def quantity(value: float, unit: str) -> dict[str, Any]:
    """A UCUM Quantity (units in guidance are UCUM codes)."""
    return {"value": value, "unit": unit, "system": UCUM, "code": unit}


def computable_name(text: str) -> str:
    """A FHIR ``name`` (pdf-0, adf-0, que-0: starts with a capital, letters and digits only)."""
    return "".join(part.capitalize() for part in text.replace("_", "-").replace(".", "-").split("-") if part)
