"""A FHIR Consent from a patient's QuestionnaireResponse to the consent checklist.

The Consent is active only when every required statement is acknowledged (true);
otherwise :class:`ConsentIncomplete` lists what is missing. Response errors name the
place, never the patient's values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..clinical.dates import fhir_date
from ..clinical.responses import answers_by_link
from ..content.model import Guidance
from ..errors import ConsentIncomplete, InputError
from .common import Canonicals, FhirVersion, codeable, resource_id
from .questionnaire import all_link_ids, condition_ids, required_items

_SCOPE = {"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "treatment", "display": "Treatment"}


def _check_response(response: Any, checklist: dict[str, Any], expected: str) -> None:
    """Raise unless ``response`` is a completed response to the checklist ``expected`` that acknowledges every item."""
    if not isinstance(response, Mapping) or response.get("resourceType") != "QuestionnaireResponse":
        raise InputError("the response must be a FHIR QuestionnaireResponse")
    if response.get("questionnaire") != expected:
        raise InputError(f"the response answers {response.get('questionnaire')!r}, not the checklist {expected}")
    if response.get("status") != "completed":
        raise InputError("the response status must be 'completed' before consent can be recorded")
    found: dict[str, list[Any]] = {}
    found.update(answers_by_link(response.get("item", []), "QuestionnaireResponse.item"))
    unknown = sorted(set(found) - all_link_ids(checklist))
    if unknown:
        # The link ids are the response's, so each is quoted with its control characters escaped.
        raise InputError(f"the response has items the checklist does not: {', '.join(map(repr, unknown))}")
    # ``is True``, not ==: a JSON 1 equals True in Python, but it is no acknowledgement. A question
    # that statements depend on ("Can you become pregnant?") needs one yes or no; a statement, a yes.
    conditions = condition_ids(checklist)

    def settled(item: dict[str, Any]) -> bool:
        values = [a.get("valueBoolean") for a in found.get(item["linkId"], [])]
        if item["linkId"] in conditions:
            return len(values) == 1 and isinstance(values[0], bool)
        return len(values) == 1 and values[0] is True

    missing = [f"{item['linkId']} ({item['text']})" for item in required_items(checklist, found) if not settled(item)]
    if missing:
        raise ConsentIncomplete(missing)


def _source(response: Mapping[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The reference to the response: by id, else by identifier, else to a contained copy of it
    (a form filler may export the response with neither)."""
    if isinstance(response.get("id"), str):
        return {"reference": f"QuestionnaireResponse/{response['id']}"}, []
    identifier = response.get("identifier")
    if isinstance(identifier, list):  # R5 allows several; the first names it
        identifier = identifier[0] if identifier else None
    if isinstance(identifier, Mapping) and isinstance(identifier.get("value"), str):
        return {"type": "QuestionnaireResponse", "identifier": dict(identifier)}, []
    if "contained" in response or "security" in (response.get("meta") or {}):
        # A contained resource may hold no resources and no security labels of its own.
        raise InputError("a QuestionnaireResponse with contained resources or security labels needs an id or identifier")
    copy = {**response, "id": "response"}
    # A contained resource has no version of its own (dom-4); the rest of its meta is kept.
    meta = {key: value for key, value in (response.get("meta") or {}).items() if key not in ("versionId", "lastUpdated")}
    if meta:
        copy["meta"] = meta
    else:
        copy.pop("meta", None)
    return {"reference": "#response"}, [copy]


def build_consent(guidance: Guidance, canon: Canonicals, checklist: dict[str, Any], response: Any,
                  version: FhirVersion) -> dict[str, Any]:
    """An active Consent for a complete response; raises for anything less."""
    expected = canon.versioned(canon.questionnaire)
    _check_response(response, checklist, expected)
    authored = response.get("authored")
    date = fhir_date(authored, "QuestionnaireResponse.authored") if authored else None
    subject = response.get("subject")
    if not isinstance(subject, Mapping) or not isinstance(subject.get("reference"), str):
        raise InputError("QuestionnaireResponse.subject must reference the patient")
    source, contained = _source(response)
    seed = resource_id(expected, subject["reference"], authored or "", version)
    category = [codeable(f"Informed consent to treatment: {guidance.title}")]
    consent: dict[str, Any] = {"resourceType": "Consent", "id": seed, "status": "active", "category": category}
    if contained:
        consent["contained"] = contained
    if version == "R4":
        consent.update({"scope": {"coding": [_SCOPE]}, "patient": dict(subject),
                        "policyRule": {"text": f"Informed consent per the checklist {expected}"}, "policy": [{"uri": expected}],
                        "sourceReference": source, "provision": {"type": "permit"}})
        if authored:
            consent["dateTime"] = authored
    else:
        consent.update({"subject": dict(subject), "decision": "permit", "policyBasis": {"url": expected},
                        "sourceReference": [source]})
        if date:
            consent["date"] = date.isoformat()
    return consent
