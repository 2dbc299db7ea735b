"""Built-in plugin: contraindication screening and the dose, parameter and interval checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ..decision import Finding, Proposal, screen
from ..hookspecs import hookimpl
from ..model import Guidance
from ..patient import PatientRecord


@hookimpl
def clinicguide_screen(guidance: Guidance, record: PatientRecord, date: dt.date, answers: Mapping[str, bool],
                       proposal: Proposal | None) -> list[Finding]:
    return list(screen(guidance, record, date=date, answers=answers, proposal=proposal).findings)
