"""The patient's name as a document prints it, from the same input a plan reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Longer than any real name; a longer value is cut, so a hostile file cannot flood the form.
MAX_NAME = 200


def patient_name(data: Any) -> str | None:
    """The name in a FHIR Bundle's (or a Patient resource's) ``name``: its ``text``, else given and family names.

    The plain patient mapping has no name; its documents leave the name to be written in.
    """
    if not isinstance(data, Mapping):
        return None
    if data.get("resourceType") == "Bundle":
        entries = data.get("entry")
        for entry in entries if isinstance(entries, list) else []:
            resource = entry.get("resource") if isinstance(entry, Mapping) else None
            if isinstance(resource, Mapping) and resource.get("resourceType") == "Patient":
                return _fhir_name(resource.get("name"))
        return None
    return _fhir_name(data.get("name")) if data.get("resourceType") == "Patient" else None


def _fhir_name(names: Any) -> str | None:
    if not isinstance(names, list):
        return None
    for name in names:
        if not isinstance(name, Mapping):
            continue
        if isinstance(name.get("text"), str):
            return _clean(name["text"])
        given = name.get("given")
        parts = [g for g in given if isinstance(g, str)] if isinstance(given, list) else []
        if isinstance(name.get("family"), str):
            parts.append(name["family"])
        if parts:
            return _clean(" ".join(parts))
    return None


def _clean(text: str) -> str | None:
    """One line of printable text: control characters (escape sequences among them) dropped."""
    cleaned = " ".join("".join(c for c in text if c.isprintable() or c.isspace()).split())[:MAX_NAME]
    return cleaned or None
