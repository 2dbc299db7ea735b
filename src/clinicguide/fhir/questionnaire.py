"""The consent checklist: a Questionnaire with one required boolean item per consent item."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..clinical.memo import PerObject
from ..content.model import ConsentItem, Guidance
from ..content.plain_words import risk_label
from .common import Canonicals, FhirVersion, copied, publication_status, resource_id

CONDITIONS_GROUP, CONDITIONS_HEADING = "section-conditions", "About you and your treatment"
# Reading order of the checklist's groups, with their headings.
SECTIONS: dict[str, str] = {
    "procedure": "About the treatment",
    "risks": "Risks",
    "alternatives": "Alternatives and what not to do instead",
    "pregnancy-prevention": "Pregnancy prevention",
    "aftercare": "Aftercare",
    "other": "Other",
}


def _item(guidance: Guidance, consent: ConsentItem, shown: set[str]) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": consent.id, "text": consent.text, "type": "boolean", "required": True}
    if consent.applies_when is not None:
        item["enableWhen"] = [{"question": consent.applies_when.key, "operator": "=", "answerBoolean": True}]
    # Each risk once, under the first statement that discloses it: a checklist that repeats a
    # risk under every statement about it reads as several risks.
    risks = [risk_id for risk_id in consent.discloses if risk_id not in shown]
    shown.update(risks)
    if risks:
        item["item"] = [{"linkId": f"{consent.id}.{risk_id}", "text": risk_label(guidance.risk(risk_id)), "type": "display"}
                        for risk_id in risks]
    return item


def _conditions(guidance: Guidance) -> list[dict[str, Any]]:
    """The yes/no questions that conditional statements depend on, each once, in document order."""
    asked: dict[str, dict[str, Any]] = {}
    for consent in guidance.consent:
        condition = consent.applies_when
        if condition is not None and condition.key not in asked:
            asked[condition.key] = {"linkId": condition.key, "text": condition.question, "type": "boolean", "required": True}
    return list(asked.values())


def build_questionnaire(guidance: Guidance, canon: Canonicals, version: FhirVersion) -> dict[str, Any]:
    """The checklist for ``guidance``: the same shape in R4 and R5.

    A statement that applies only to some patients (``applies_when``) is enabled by the patient's
    yes to its question, asked first; it is required only when enabled.

    It depends on the guidance, the canonical base and the FHIR version alone, so it is built
    once for them and every call gets its own copy, free to change.
    """
    if canon.guidance is not guidance:
        return _checklist(guidance, canon, version)
    checklist: dict[str, Any] = copied(_checklists(guidance, canon.base, version))
    return checklist


def _checklist_of(guidance: Guidance, base: str, version: FhirVersion) -> dict[str, Any]:
    return _checklist(guidance, Canonicals(base, guidance), version)


#: A few KiB each (the texts are the guidance's own strings): bounded for a library of thousands.
_checklists: PerObject[Guidance, dict[str, Any]] = PerObject(_checklist_of, limit=256)


def _checklist(guidance: Guidance, canon: Canonicals, version: FhirVersion) -> dict[str, Any]:
    groups = []
    if conditions := _conditions(guidance):
        groups.append({"linkId": CONDITIONS_GROUP, "text": CONDITIONS_HEADING, "type": "group", "item": conditions})
    shown: set[str] = set()
    for section, heading in SECTIONS.items():
        members = [c for c in guidance.consent if c.section == section]
        if members:
            groups.append({"linkId": f"section-{section}", "text": heading, "type": "group",
                           "item": [_item(guidance, c, shown) for c in members]})
    questionnaire = questionnaire_header(guidance, canon, canon.questionnaire, version, "Consent",
                                         f"Consent checklist: {guidance.title}",
                                         "Each statement that applies must be acknowledged before treatment.")
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



def required_items(questionnaire: dict[str, Any], answered: Mapping[str, list[Any]]) -> list[dict[str, Any]]:
    """Every required item of a checklist that is enabled by the ``answered`` items, in reading order.

    A disabled item, and everything under it, needs no answer (the FHIR rule for ``enableWhen``).
    """
    found: list[dict[str, Any]] = []

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            if not _enabled(item, answered):
                continue
            if item.get("required"):
                found.append(item)
            walk(item.get("item", []))
    walk(questionnaire.get("item", []))
    return found


def _enabled(item: dict[str, Any], answered: Mapping[str, list[Any]]) -> bool:
    """Whether ``item`` is enabled: it has no condition, or each (the checklist writes only ``=`` on a boolean) holds."""
    return all([a.get("valueBoolean") is when["answerBoolean"] for a in answered.get(when["question"], [])] == [True]
               for when in item.get("enableWhen", []))


def condition_ids(questionnaire: dict[str, Any]) -> set[str]:
    """The linkIds of the questions that other items' ``enableWhen`` depend on (answered yes or no)."""
    ids: set[str] = set()

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            ids.update(when["question"] for when in item.get("enableWhen", []))
            walk(item.get("item", []))
    walk(questionnaire.get("item", []))
    return ids


def all_link_ids(questionnaire: dict[str, Any]) -> set[str]:
    ids: set[str] = set()
    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            ids.add(item["linkId"])
            walk(item.get("item", []))
    walk(questionnaire.get("item", []))
    return ids
