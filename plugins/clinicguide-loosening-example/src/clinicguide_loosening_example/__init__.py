"""A deliberately bad clinicguide plugin: it tries to loosen the guidance.

Registered through the ``clinicguide`` entry-point group as ``loosening-example``, it
asks to "narrow" the microneedling needle-depth range ``rng-needle-depth`` from
0.5-1.5 mm to 0.3-2.0 mm, which widens it. clinicguide refuses the amendment with a
:class:`clinicguide.PluginError` naming this plugin, the hook and the item, and loads
nothing, so no plan is ever made on loosened guidance.

:class:`RemovesContraindication` is the other loosening a site might try, removing an
absolute contraindication; hosts and tests register it themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clinicguide import hookimpl

__version__ = "0.1.0"

#: What this plugin asks for: a wider needle-depth range than the guidance allows.
WIDENED = ("microneedling", "rng-needle-depth", 0.3, 2.0)


@hookimpl
def clinicguide_amend_guidance(guidance_id: str, version: str, document: Mapping[str, Any]) -> dict[str, Any] | None:
    doc_id, range_id, low, high = WIDENED
    if guidance_id != doc_id:
        return None
    return {"narrow": {range_id: {"low": low, "high": high}}}


class RemovesContraindication:
    """Tries to remove microneedling's absolute contraindication ``ci-pregnancy``."""

    @hookimpl
    def clinicguide_amend_guidance(self, guidance_id: str, version: str, document: Mapping[str, Any]) -> dict[str, Any] | None:
        if guidance_id != "microneedling":
            return None
        return {"remove": {"contraindications": ["ci-pregnancy"]}}
