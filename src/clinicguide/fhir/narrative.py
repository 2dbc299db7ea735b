"""Generated narrative (``text``) for every resource clinicguide emits.

EHRs that show a resource show its narrative, and FHIR asks for one on every domain resource
(dom-6). It is generated from the resource's own elements when a Bundle or a single resource
is handed out, after the plugins' post-processing, so it shows what a plugin added too.
Every value is escaped; the same resource gives the same bytes.
"""

from __future__ import annotations

import html
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
_LIMIT = 200  # items listed at most; the rest are counted, so a huge resource keeps a bounded narrative


def with_narrative(resource: dict[str, Any]) -> dict[str, Any]:
    """``resource`` with generated narrative on it and on its contained resources (kept if it has one)."""
    for inner in resource.get("contained", []):
        if isinstance(inner, dict):
            with_narrative(inner)
    if "resourceType" in resource and resource["resourceType"] != "Bundle" and "text" not in resource:
        resource["text"] = {"status": "generated", "div": render(resource)}
        _put_text_first(resource)
    return resource


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
    for key in _HEADLINE:
        if (shown := _shown(resource.get(key))) is not None:
            rows.append(f"<p>{_escape(key)}: {_escape(shown)}</p>")
    for key in _LISTS.get(kind, ()):
        items = list(_lines(resource.get(key, []), 0))
        if items:
            listed = "".join(f"<li>{_escape(line)}</li>" for line in items[:_LIMIT])
            more = f"<li>and {len(items) - _LIMIT} more</li>" if len(items) > _LIMIT else ""
            rows.append(f"<p>{_escape(key)}:</p><ul>{listed}{more}</ul>")
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
            if isinstance(value.get(nested), list):
                yield from _lines(value[nested], depth + 1)


def _label(value: dict[str, Any]) -> str:
    """What names one item: its title or text, with its code or link id when it has one."""
    for key in ("title", "text", "display", "description", "detail"):
        if (shown := _shown(value.get(key))) is not None:
            ident = value.get("linkId") or value.get("code") or value.get("id")
            return f"{ident}: {shown}" if isinstance(ident, str) and ident != shown else shown
    for key in ("code", "reference", "definitionCanonical", "plannedActivityReference", "what", "identifier"):
        if (shown := _shown(value.get(key))) is not None:
            return shown
    return ""


def _shown(value: Any) -> str | None:
    """A readable form of a primitive, a CodeableConcept, a Coding, a Reference or a list of them."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (str, int, float)):
        return str(value)
    if isinstance(value, list):
        parts = [p for p in (_shown(v) for v in value) if p]
        return "; ".join(parts) if parts else None
    if isinstance(value, dict):
        for key in ("text", "display", "reference", "value", "code", "concept", "url"):
            if key in value and (shown := _shown(value[key])) is not None:
                return shown
        if "coding" in value:
            return _shown(value["coding"])
        if "identifier" in value:
            return _shown(value["identifier"])
    return None


def _escape(text: str) -> str:
    # Characters XML cannot hold (control characters, lone surrogates) are shown as their code
    # point rather than dropped.
    return html.escape(_NOT_XML.sub(lambda m: f"U+{ord(m.group()):04X}", text), quote=True)


def _put_text_first(resource: dict[str, Any]) -> None:
    """Move ``text`` after resourceType and id, where FHIR's JSON and readers expect it."""
    items = list(resource.items())
    head = [(k, v) for k, v in items if k in ("resourceType", "id", "meta", "implicitRules", "language")]
    rest = [(k, v) for k, v in items if k not in dict(head) and k != "text"]
    resource.clear()
    resource.update([*head, ("text", dict(items)["text"]), *rest])
