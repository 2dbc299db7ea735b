"""The services this server offers (``GET /cds-services``): order-select and order-sign.

appointment-book is not offered: its context carries Appointments, which name no medication,
canonical or procedure parameters to match guidance by.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .prefetch import Template


@dataclass(frozen=True)
class Service:
    id: str
    hook: str
    title: str
    description: str


SERVICES = (
    Service("clinicguide-order-select", "order-select", "clinicguide: guidance for the selected orders",
            "Checks each newly selected medication or procedure order against the sourced clinicguide guidance it "
            "matches (by medication code or instantiatesCanonical): contraindications, doses and parameters. Returns one "
            "card per guidance per order, with the known findings, the open questions and their sources."),
    Service("clinicguide-order-sign", "order-sign", "clinicguide: guidance before signing",
            "Checks every draft medication or procedure order against the sourced clinicguide guidance it matches (by "
            "medication code or instantiatesCanonical) before it is signed: contraindications, doses and parameters. "
            "Returns one card per guidance per order, with the known findings, the open questions and their sources."),
)
BY_ID = {service.id: service for service in SERVICES}


def discovery(templates: Sequence[Template]) -> dict[str, Any]:
    prefetch = {t.key: t.query for t in templates}
    return {"services": [{"hook": s.hook, "title": s.title, "description": s.description, "id": s.id, "prefetch": prefetch,
                          "usageRequirements": "Draft orders are matched by medication code or by instantiatesCanonical "
                                               "naming a clinicguide PlanDefinition or ActivityDefinition."}
                         for s in SERVICES]}
