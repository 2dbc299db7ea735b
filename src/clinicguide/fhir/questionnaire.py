"""The consent checklist: a Questionnaire with one required boolean item per consent item."""

from __future__ import annotations

from typing import Any

from ..content.model import ConsentItem, Guidance
from .common import Canonicals, FhirVersion, publication_status, resource_id

# Reading order of the checklist's groups, with their headings.
SECTIONS: dict[str, str] = {
    "procedure": "About the treatment",
    "risks": "Risks",
    "alternatives": "Alternatives and what not to do instead",
    "pregnancy-prevention": "Pregnancy prevention",
    "aftercare": "Aftercare",
    "other": "Other",
}


def _risk_line(guidance: Guidance, risk_id: str) -> str:
    risk = guidance.risk(risk_id)
    how_often = risk.frequency.text or risk.frequency.category.replace("-", " ")
    return f"Risk ({risk.severity}, {how_often}): {risk.text}"


def _item(guidance: Guidance, consent: ConsentItem) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": consent.id, "text": consent.text, "type": "boolean", "required": True}
    if consent.discloses:
        item["item"] = [
            {"linkId": f"{consent.id}.{risk_id}", "text": _risk_line(guidance, risk_id), "type": "display"}
            for risk_id in consent.discloses
        ]
    return item


def build_questionnaire(guidance: Guidance, canon: Canonicals, version: FhirVersion) -> dict[str, Any]:
    """The checklist for ``guidance``: the same shape in R4 and R5."""
    groups = []
    for section, heading in SECTIONS.items():
        members = [c for c in guidance.consent if c.section == section]
        if members:
            groups.append({"linkId": f"section-{section}", "text": heading, "type": "group",
                           "item": [_item(guidance, c) for c in members]})
    questionnaire = questionnaire_header(guidance, canon, canon.questionnaire, version, "Consent",
                                         f"Consent checklist: {guidance.title}",
                                         "Each statement must be acknowledged before treatment.")
    questionnaire["item"] = groups
    return questionnaire


def questionnaire_header(guidance: Guidance, canon: Canonicals, url: str, version: FhirVersion, kind: str,
                         title: str, purpose: str) -> dict[str, Any]:
    """The identifying part of a Questionnaire derived from ``guidance``, without its items."""
    return {
        "resourceType": "Questionnaire",
        "id": resource_id(url, guidance.version, version),
        "url": url,
        "version": guidance.version,
        "name": "".join(part.capitalize() for part in guidance.id.split("-")) + kind,
        "title": title,
        "status": publication_status(guidance),
        "subjectType": ["Patient"],
        "date": guidance.changelog[0].date.isoformat(),
        "description": f"{purpose} Derived from {canon.versioned(canon.plan_definition)}",
    }



def required_items(questionnaire: dict[str, Any]) -> list[dict[str, Any]]:
    """Every required item of a checklist, in reading order."""
    found: list[dict[str, Any]] = []
    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            if item.get("required"):
                found.append(item)
            walk(item.get("item", []))
    walk(questionnaire.get("item", []))
    return found


def all_link_ids(questionnaire: dict[str, Any]) -> set[str]:
    ids: set[str] = set()
    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            ids.add(item["linkId"])
            walk(item.get("item", []))
    walk(questionnaire.get("item", []))
    return ids
