"""Generated narrative (``text``) for every resource clinicguide emits.

EHRs that show a resource show its narrative, and FHIR asks for one on every domain resource
(dom-6). It is generated from the resource's own elements when a Bundle or a single resource
is handed out, after the plugins' post-processing, so it shows what a plugin added too.
Every value is escaped; the same resource gives the same bytes.
"""

from __future__ import annotations

import html
import marshal
import re
from collections.abc import Iterator
from typing import Any

XHTML = "http://www.w3.org/1999/xhtml"
#: Elements shown first, in this order, when a resource has them (a heading and its status).
_HEADLINE = ("title", "name", "code", "category", "description", "detail", "status", "intent", "decision")
#: The repeating parts listed under the headline, by resource type: (element, what names one).
_LISTS: dict[str, tuple[str, ...]] = {
    "PlanDefinition": ("action",),
    "ActivityDefinition": ("dosage",),
    "Questionnaire": ("item",),
    "QuestionnaireResponse": ("item",),
    "CarePlan": ("activity",),
    "CodeSystem": ("concept",),
    "Provenance": ("entity",),
    "Consent": ("sourceReference",),
}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
#: Text with none of the characters that _escape changes: neither markup nor what XML cannot hold.
_PLAIN = re.compile("[^&<>\"'\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]*")
#: The elements that stay before ``text``.
_BEFORE_TEXT = frozenset({"resourceType", "id", "meta", "implicitRules", "language"})
#: Resource types whose narrative is kept: what they show comes from the guidance, and every
#: plan of a guidance repeats them (R5 care plans contain their activities as resources).
_REPEATING = frozenset({"Questionnaire", "Task", "ServiceRequest", "MedicationRequest", "Provenance"})
_KEPT = 4096  # narratives kept at most (most under a KiB); when full, the store starts again
_rendered: dict[bytes, str] = {}
_LIMIT = 200  # items listed at most; the rest are counted, so a huge resource keeps a bounded narrative


def with_narrative(resource: dict[str, Any]) -> dict[str, Any]:
    """``resource`` with generated narrative on it and on its contained resources (kept if it has one)."""
    for inner in resource.get("contained", []):
        if isinstance(inner, dict):
            with_narrative(inner)
    if "resourceType" in resource and resource["resourceType"] != "Bundle" and "text" not in resource:
        resource["text"] = {"status": "generated", "div": _div(resource)}
        _put_text_first(resource)
    return resource


def _div(resource: dict[str, Any]) -> str:
    """``render(resource)``, kept for the kinds of resource that repeat from plan to plan.

    A consent checklist, the activities of a care plan and the Provenance are the same for
    every plan of a guidance, unless a plugin changes them. Their narrative is kept under
    exactly what :func:`render` reads (the type, the headline and the listed elements), as
    marshal bytes, which differ for any difference (``True`` and ``1`` included). The other
    kinds show the patient's data, which is not kept; so is any value marshal cannot write.
    """
    kind = resource.get("resourceType")
    if kind not in _REPEATING:
        return render(resource)
    try:
        key = marshal.dumps((kind, [resource.get(k) for k in _HEADLINE], [resource.get(k) for k in _LISTS.get(kind, ())]),
                            2)  # version 2 writes no back-references: equal contents, equal bytes
    except ValueError:
        return render(resource)
    div = _rendered.get(key)
    if div is None:
        div = render(resource)
        if len(_rendered) >= _KEPT:
            _rendered.clear()
        _rendered[key] = div
    return div


def bundle_with_narrative(bundle: dict[str, Any]) -> dict[str, Any]:
    """Narrative on every resource of a Bundle's entries."""
    for entry in bundle.get("entry", []):
        if isinstance(entry, dict) and isinstance(entry.get("resource"), dict):
            with_narrative(entry["resource"])
    return bundle


def render(resource: dict[str, Any]) -> str:
    """The XHTML ``div`` for ``resource``: its type and headline, then its main repeating parts."""
    kind = str(resource.get("resourceType", "Resource"))
    rows = [f"<p><b>{_escape(kind)}</b></p>"]
    for key in _HEADLINE:  # the keys are plain names: nothing in them to escape
        if (value := resource.get(key)) is not None and (shown := _shown(value)) is not None:
            rows.append(f"<p>{key}: {_escape(shown)}</p>")
    for key in _LISTS.get(kind, ()):
        items = list(_lines(resource.get(key, []), 0))
        if items:
            listed = "".join(f"<li>{_escape(line)}</li>" for line in items[:_LIMIT])
            more = f"<li>and {len(items) - _LIMIT} more</li>" if len(items) > _LIMIT else ""
            rows.append(f"<p>{key}:</p><ul>{listed}{more}</ul>")
    return f'<div xmlns="{XHTML}">{"".join(rows)}</div>'


def _lines(values: Any, depth: int) -> Iterator[str]:
    """One line per item of a repeating element, nested parts indented by their depth."""
    if not isinstance(values, list):
        values = [values]
    for value in values:
        if not isinstance(value, dict):
            continue
        label = _label(value)
        if label:
            yield ("- " * depth) + label
        for nested in ("action", "item"):
            if isinstance(inner := value.get(nested), list):
                yield from _lines(inner, depth + 1)


def _label(value: dict[str, Any]) -> str:
    """What names one item: its title or text, with its code or link id when it has one."""
    for key in ("title", "text", "display", "description", "detail"):
        if (found := value.get(key)) is not None and (shown := _shown(found)) is not None:
            ident = value.get("linkId") or value.get("code") or value.get("id")
            return f"{ident}: {shown}" if isinstance(ident, str) and ident != shown else shown
    for key in ("code", "reference", "definitionCanonical", "plannedActivityReference", "what", "identifier"):
        if (found := value.get(key)) is not None and (shown := _shown(found)) is not None:
            return shown
    return ""


def _shown(value: Any) -> str | None:
    """A readable form of a primitive, a CodeableConcept, a Coding, a Reference or a list of them."""
    kind = type(value)
    if kind is str:  # the common cases first, by exact type; subclasses take the checks below
        return value  # type: ignore[no-any-return]
    if kind is dict:
        return _shown_element(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, list):
        parts = [p for p in (_shown(v) for v in value) if p]
        return "; ".join(parts) if parts else None
    if isinstance(value, dict):
        return _shown_element(value)
    return None


def _shown_element(value: dict[str, Any]) -> str | None:
    for key in ("text", "display", "reference", "value", "code", "concept", "url"):
        if key in value and (shown := _shown(value[key])) is not None:
            return shown
    if "coding" in value:
        return _shown(value["coding"])
    if "identifier" in value:
        return _shown(value["identifier"])
    return None


def _escape(text: str) -> str:
    if _PLAIN.fullmatch(text):  # nothing to escape or replace, as for most values
        return text
    # Characters XML cannot hold (control characters, lone surrogates) are shown as their code
    # point rather than dropped.
    return html.escape(_NOT_XML.sub(lambda m: f"U+{ord(m.group()):04X}", text), quote=True)


def _put_text_first(resource: dict[str, Any]) -> None:
    """Move ``text`` after resourceType and id, where FHIR's JSON and readers expect it."""
    text = resource.pop("text")
    after = [(k, resource.pop(k)) for k in [k for k in resource if k not in _BEFORE_TEXT]]
    resource["text"] = text
    resource.update(after)
