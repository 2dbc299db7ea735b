"""The FHIR StructureDefinition invariants, evaluated with fhirpathpy over emitted resources.

The invariants come from the FHIR core definitions (``tests/data/fhir-invariants``, provenance
in its README). For every element present in a resource, the constraints of its element
definition and of its data type's definition are evaluated: each constraint once per path, as
``path.where((constraint).not())``, which gives the elements that break it. Contained resources
and Bundle entries are checked as resources of their own type as well.

fhirpathpy does not implement every function the invariants use. ``hasValue()`` is supplied
here as FHIRPath defines it (one primitive that has a value). The others are not, and the
constraints that use them are not evaluated: :data:`UNSUPPORTED` names the functions and
:data:`ENGINE_GAPS` the few constraints fhirpathpy gets wrong, each with the reason and what
checks the same thing instead. The narrative's XHTML (``div``, which fhirpathpy cannot
navigate, and txt-1, txt-2) is checked by parsing it in the narrative tests. The tests fix the
set of constraints left out, so a new gap fails instead of hiding.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fhirpathpy import compile as fhirpath_compile
from fhirpathpy.models import models

DATA = Path(__file__).resolve().parent / "data" / "fhir-invariants"
#: Functions fhirpathpy does not implement; a constraint using one is not evaluated.
UNSUPPORTED = ("htmlChecks(", "lowBoundary(", "highBoundary(", "comparable(", "resolve(", "conformsTo(", "memberOf(")
#: Constraints fhirpathpy evaluates wrongly, with why and what checks the same thing instead.
_QUE_7 = ("fhirpathpy does not take a FHIR boolean for 'is Boolean' (FHIRPath's System.Boolean); "
          "test_every_exists_condition_has_a_boolean_answer checks it")
ENGINE_GAPS: dict[str, dict[str, str]] = {
    "R4": {
        "que-7": _QUE_7,
        "rng-2": "fhirpathpy cannot compare two Quantities ('low <= high'); test_every_range_is_ordered checks it",
        "dom-3": "R4's dom-3 applies as(canonical) to a collection, which fhirpathpy refuses (FHIRPath's as() takes "
                 "one item; R5's dom-3 is evaluated); test_every_contained_resource_is_referenced checks it",
    },
    "R5": {"que-7": _QUE_7},
}
_PRIMITIVE_TYPES = {"boolean", "integer", "string", "decimal", "uri", "url", "canonical", "base64Binary", "instant",
                    "date", "dateTime", "time", "code", "oid", "id", "markdown", "unsignedInt", "positiveInt", "uuid",
                    "xhtml", "integer64"}


@functools.cache
def definitions(version: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / f"invariants-{version}.json").read_text(encoding="utf-8"))
    return data


def _has_value(inputs: list[Any]) -> list[bool]:
    """FHIRPath hasValue(): the input is one primitive that has a value (JSON null is none)."""
    return [len(inputs) == 1 and inputs[0] is not None and not isinstance(inputs[0], (dict, list))]


_FUNCTIONS = {"hasValue": {"fn": _has_value, "arity": {0: []}}}


@functools.cache
def _compiled(expression: str, version: str) -> Any:
    return fhirpath_compile(expression, models[version.lower()], {"userInvocationTable": _FUNCTIONS})


def _choice(element_path: str, key: str, elements: dict[str, Any]) -> tuple[str, str | None]:
    """The element path and type for JSON ``key`` under ``element_path`` (``valueQuantity`` is value[x], Quantity)."""
    direct = f"{element_path}.{key}"
    if direct in elements:
        return direct, None
    for path, element in elements.items():
        if path.endswith("[x]") and path.rpartition(".")[0] == element_path:
            stem = path.rpartition(".")[2][:-3]
            if key.startswith(stem) and key != stem:
                suffix = key[len(stem):]
                kind = next((t for t in element["types"] if t[0].upper() + t[1:] == suffix), None)
                if kind is not None:
                    return path, kind
    return "", None


def _walk(node: Any, nav: str, definition: str, element_path: str, kind: str | None,
          version: str) -> Iterator[tuple[str, str]]:
    """(navigation path, constraint key) for every element under ``node`` and the constraints that apply to it."""
    defs = definitions(version)["definitions"]
    elements = defs[definition]["elements"]
    element = elements.get(element_path)
    if element is None:
        raise AssertionError(f"{nav}: no element {element_path} in the {definition} definition")
    if "ref" in element:  # a content reference (PlanDefinition.action.action is a PlanDefinition.action)
        element_path = element["ref"]
        element = elements[element_path]
    types = [kind] if kind else element["types"]
    keys = list(element["constraints"])
    if (len(types) == 1 and types[0] in defs and defs[types[0]]["kind"] == "complex-type"
            and types[0] not in ("BackboneElement", "Element")):  # those are parts of the definition itself
        definition, element_path = types[0], types[0]
        keys += defs[definition]["elements"][element_path]["constraints"]
        elements = defs[definition]["elements"]
    if element_path == definition and defs[definition]["kind"] == "resource":
        # A resource's own definition may not repeat what it inherits (R5's DomainResource: dom-1 to dom-6).
        base = defs[definition].get("base")
        while base in defs:
            keys += defs[base]["elements"][base]["constraints"]
            base = defs[base].get("base")
    for key in dict.fromkeys(keys):
        yield nav, key
    values = node if isinstance(node, list) else [node]
    children: dict[str, list[Any]] = {}
    for value in values:
        if isinstance(value, dict):
            for child, inner in value.items():
                if child != "resourceType" and not child.startswith("_"):
                    children.setdefault(child, []).append(inner)
    for child, inner in sorted(children.items()):
        if child in ("contained", "resource") and all(isinstance(i, (dict, list)) for i in inner):
            continue  # a resource of its own, checked as one
        if child == "div" and definition == "Narrative":
            continue  # xhtml: fhirpathpy cannot navigate it (see the module's docstring)
        path, choice_type = _choice(element_path, child, elements)
        if not path:
            raise AssertionError(f"{nav}.{child}: no such element in {definition}")
        if (choice_type or (elements[path]["types"] or [""])[0]) in _PRIMITIVE_TYPES and not elements[path]["constraints"]:
            continue
        flat = [v for i in inner for v in (i if isinstance(i, list) else [i])]
        yield from _walk(flat, f"{nav}.{child}", definition, path, choice_type, version)


@functools.cache
def not_evaluated(version: str) -> frozenset[str]:
    """The constraint keys left out: those using a function fhirpathpy lacks, and the engine's gaps."""
    constraints = definitions(version)["constraints"]
    return frozenset(key for key, c in constraints.items()
                     if key in ENGINE_GAPS[version] or any(f in c["expression"] for f in UNSUPPORTED))


def resources_in(resource: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """``resource``, its contained resources and a Bundle's entries, each checked on its own, with
    the resource that holds it (%rootResource: the container of a contained resource, else itself)."""
    yield resource, resource
    for inner in resource.get("contained", []):
        yield inner, resource
    for entry in resource.get("entry", []) if resource.get("resourceType") == "Bundle" else []:
        if isinstance(entry.get("resource"), dict):
            yield from resources_in(entry["resource"])


def violations(resource: dict[str, Any], version: str, severities: tuple[str, ...] = ("error", "warning")) -> list[str]:
    """Every invariant ``resource`` (and what it holds) breaks: ``Type/id key (severity) at path: human text``."""
    parts = [resource] + [e["resource"] for e in resource.get("entry", []) if isinstance(e.get("resource"), dict)] \
        if resource.get("resourceType") == "Bundle" else [resource]
    # Each resource with what it contains is checked once per process: the same checklist recurs in every plan.
    return [problem for part in parts
            for problem in _violations(json.dumps(part, sort_keys=True), version, severities)]


@functools.cache
def _violations(text: str, version: str, severities: tuple[str, ...]) -> tuple[str, ...]:
    resource = json.loads(text)
    found = []
    constraints = definitions(version)["constraints"]
    holders = [(resource, resource)] + [(inner, resource) for inner in resource.get("contained", [])]
    for item, root in holders:
        kind = item["resourceType"]
        for nav, key in dict.fromkeys(_walk(item, kind, kind, kind, None, version)):
            if key in not_evaluated(version) or constraints[key]["severity"] not in severities:
                continue
            expression = f"{nav}.where(({constraints[key]['expression']}).not())"
            try:
                broken = _compiled(expression, version)(item, {"resource": item, "rootResource": root})
            except Exception as exc:  # an engine gap: reported, never taken for a pass
                found.append(f"{kind}/{item.get('id', '?')} {key} at {nav}: not evaluated ({exc!s:.80})")
                continue
            if broken:
                found.append(f"{kind}/{item.get('id', '?')} {key} ({constraints[key]['severity']}) at {nav}: "
                             f"{constraints[key]['human']}")
    return tuple(found)
