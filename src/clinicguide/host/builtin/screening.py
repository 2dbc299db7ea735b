"""Built-in plugin: contraindication screening and the dose, parameter and interval checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ..hookspecs import hookimpl

if TYPE_CHECKING:  # imported on the first screening, not when load_library() registers the built-ins
    from ...clinical.findings import Finding
    from ...clinical.patient import PatientRecord
    from ...clinical.proposal import Proposal
    from ...content.model import Guidance


@hookimpl(tryfirst=True)
def clinicguide_screen(guidance: Guidance, record: PatientRecord, date: dt.date, answers: Mapping[str, bool],
                       proposal: Proposal | None) -> list[Finding]:
    from ...clinical.screening import findings_for  # the engine has checked the answers already

    return findings_for(guidance, record, date, answers, proposal)
