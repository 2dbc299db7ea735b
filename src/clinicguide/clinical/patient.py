"""The patient as the decision logic sees it: facts criteria can test.

Each fact keeps its state in three values' terms: a record can say a condition is present,
possible (unconfirmed), or ruled out; a missing record says nothing. The readers in
:mod:`.readers` build a record from a FHIR Bundle or a plain mapping.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from ..errors import InputError
from ..terminology import BODY_WEIGHT
from ..units import Quantity, convert

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
    code: frozenset[CodeKey]
    value_codes: frozenset[CodeKey]
    value: Quantity | None
    date: dt.date | None
    ref: str
    label: str


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

    def weight_kg(self, on: dt.date) -> tuple[float, ObservationFact] | None:
        """The latest body weight recorded on or before ``on``, in kg."""
        for obs in self.latest(BODY_WEIGHT, on):
            if obs.value is not None:
                try:
                    kg = convert(obs.value, "kg")
                except InputError:
                    raise InputError(f"{obs.ref}: body weight must be in kg, g or [lb_av]") from None
                if kg <= 0:  # no dose can be checked against it, and it is not "no weight" either
                    raise InputError(f"{obs.ref}: body weight must be more than zero")
                return kg, obs
        return None

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
