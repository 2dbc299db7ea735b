"""Provenance: what produced an output - the guidance id|version, the library digest, the plugins."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from .common import Canonicals


def build_provenance(ident: str, targets: Sequence[str], recorded: dt.date, canon: Canonicals, digest: str,
                     agents: Sequence[str], amendments: Sequence[str] = ()) -> dict[str, Any]:
    """``agents`` are ``name version`` strings (clinicguide first, then plugins)."""
    entities: list[dict[str, Any]] = [
        {"role": "source",
         "what": {"identifier": {"system": "urn:ietf:rfc:3986", "value": canon.versioned(canon.plan_definition)},
                  "display": f"guidance {canon.guidance.ref}"}},
    ]
    if digest:
        entities.append({"role": "source", "what": {"identifier": {"system": canon.digest_system, "value": f"sha256:{digest}"},
                                                    "display": "guidance library digest"}})
    entities += [{"role": "source", "what": {"display": f"amendment: {text}"}} for text in amendments]
    return {
        "resourceType": "Provenance",
        "id": ident,
        "target": [{"reference": t} for t in targets],
        "recorded": f"{recorded.isoformat()}T00:00:00Z",
        "agent": [{"who": {"display": name}} for name in agents],
        "entity": entities,
    }
