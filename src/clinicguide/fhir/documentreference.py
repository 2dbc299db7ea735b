"""DocumentReference: a patient document (consent form, aftercare handout) attached as a PDF to a plan's Bundle."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Any

from .common import FhirVersion, codeable, resource_id, urn


def build_document_reference(seed: str, kind: str, title: str, pdf: bytes, date: dt.date, subject: dict[str, str],
                             careplan_id: str, version: FhirVersion) -> dict[str, Any]:
    """A current DocumentReference whose one content is the PDF itself, made for the CarePlan ``careplan_id``.

    The type is text only: the verified code table holds no document-type code. R4 puts the
    CarePlan in ``context.related``; R5's ``context`` takes only encounters and appointments,
    so there the CarePlan is what the document is ``basedOn``.
    """
    made = f"{date.isoformat()}T00:00:00Z"
    attachment: dict[str, Any] = {
        "contentType": "application/pdf", "language": "en", "data": base64.b64encode(pdf).decode(),
        "size": len(pdf) if version == "R4" else str(len(pdf)),  # R5's size is an integer64, a string in JSON
        "hash": base64.b64encode(hashlib.sha1(pdf).digest()).decode(),  # FHIR's Attachment.hash is SHA-1
        "title": title, "creation": made,
    }
    reference: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": resource_id(seed, "DocumentReference", kind),
        "status": "current",
        "type": codeable(title.partition(":")[0]),
        "subject": subject,
        "date": made,
        "description": title,
        "content": [{"attachment": attachment}],
    }
    related = {"reference": urn(careplan_id)}
    if version == "R4":
        reference["context"] = {"related": [related]}
    else:
        reference["basedOn"] = [related]
    return reference
