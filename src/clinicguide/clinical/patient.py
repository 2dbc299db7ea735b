"""The patient as the decision logic sees it: facts criteria can test.

Each fact keeps its state in three values' terms: a record can say a condition is present,
possible (unconfirmed), or ruled out; a missing record says nothing. The readers in
:mod:`.readers` build a record from a FHIR Bundle or a plain mapping.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from ..units import Quantity

CodeKey = tuple[str, str]
State = Literal["present", "possible", "past", "ruled-out"]


@dataclass(frozen=True, slots=True)
class Fact:
    """A condition or allergy record: its codes, its state, where it came from, and its dates.

    ``onset`` is when the condition began, ``recorded`` when it was recorded, ``abated`` when
    it ended; each None when the record does not say.
    """

    codes: frozenset[CodeKey]
    state: State
    ref: str
    label: str
    onset: dt.date | None = None
    recorded: dt.date | None = None
    abated: dt.date | None = None


@dataclass(frozen=True, slots=True)
class MedicationFact:
    """A medication record: the course's start and end, and when the statement was made (``asserted``)."""

    codes: frozenset[CodeKey]
    status: str  # active | completed | stopped | not-taken | unknown
    start: dt.date | None
    end: dt.date | None
    ref: str
    label: str
    asserted: dt.date | None = None


@dataclass(frozen=True, slots=True)
class ObservationFact:
    """An observation. ``current``: the host states it as the value on the procedure date
    (the plain mapping's ``weight``), so it needs no date; any other undated one is of unknown age."""

    code: frozenset[CodeKey]
    value_codes: frozenset[CodeKey]
    value: Quantity | None
    date: dt.date | None
    ref: str
    label: str
    current: bool = False


@dataclass(frozen=True, slots=True)
class DoseFact:
    """A dose recorded as given (a MedicationAdministration, or a MedicationStatement with a dosage)."""

    codes: frozenset[CodeKey]
    date: dt.date
    dose: Quantity
    ref: str


@dataclass(frozen=True, slots=True)
class PatientRecord:
    """Everything the decision logic reads about one patient."""

    id: str | None = None
    birth_date: tuple[dt.date, dt.date] | None = None  # earliest and latest possible (partial dates)
    sex: str | None = None
    conditions: tuple[Fact, ...] = ()
    allergies: tuple[Fact, ...] = ()
    medications: tuple[MedicationFact, ...] = ()
    observations: tuple[ObservationFact, ...] = ()
    doses: tuple[DoseFact, ...] = ()

    def latest(self, code: CodeKey, on: dt.date) -> list[ObservationFact]:
        """Observations with ``code`` dated on or before ``on``, newest first (undated last)."""
        found = [o for o in self.observations if code in o.code and (o.date is None or o.date <= on)]
        return sorted(found, key=lambda o: (o.date is not None, o.date or dt.date.min), reverse=True)


def age_range(record: PatientRecord, on: dt.date) -> tuple[int, int] | None:
    """The youngest and oldest age in whole years the patient can be on ``on``."""
    if record.birth_date is None:
        return None
    def years(born: dt.date) -> int:
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    earliest, latest = record.birth_date
    return years(latest), years(earliest)
