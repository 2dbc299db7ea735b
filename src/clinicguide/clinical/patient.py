"""Patient data, read from a FHIR R4 Bundle or a plain mapping, as facts criteria can test.

Each fact keeps its state in three values' terms: a record can say a condition is present,
possible (unconfirmed), or ruled out; a missing record says nothing. Error messages name
where a problem is but never echo a patient's values.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ..errors import InputError
from ..terminology import BODY_WEIGHT
from ..units import Quantity, convert, quantity

CodeKey = tuple[str, str]
State = Literal["present", "possible", "past", "ruled-out"]

# A FHIR date or dateTime, matched whole: a prefix match read "1991-3-14" as the year 1991
# and took "1991-03-14T25:99" for a date, silently dropping what did not fit.
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2})"
                   r"(?:T(?:[01]\d|2[0-3]):[0-5]\d(?::(?:[0-5]\d|60)(?:\.\d{1,9})?)?(?:Z|[+-](?:0\d|1[0-4]):[0-5]\d)?)?)?)?")


@dataclass(frozen=True, slots=True)
class Fact:
    """A condition or allergy record: its codes, its state, and where it came from."""

    codes: frozenset[CodeKey]
    state: State
    ref: str
    label: str


@dataclass(frozen=True, slots=True)
class MedicationFact:
    codes: frozenset[CodeKey]
    status: str  # active | completed | stopped | not-taken | unknown
    start: dt.date | None
    end: dt.date | None
    ref: str
    label: str


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
    condition_refs: tuple[tuple[str, frozenset[CodeKey]], ...] = ()

    def weight_kg(self, on: dt.date) -> tuple[float, ObservationFact] | None:
        """The latest body weight recorded on or before ``on``, in kg."""
        for obs in self.latest(BODY_WEIGHT, on):
            if obs.value is not None:
                try:
                    kg = convert(obs.value, "kg")
                except InputError:
                    raise InputError(f"{obs.ref}: body weight must be in kg, g or [lb_av]") from None
                if kg <= 0:  # a zero weight reached the dose check as "no weight" and failed with a wrong message
                    raise InputError(f"{obs.ref}: body weight must be more than zero")
                return kg, obs
        return None

    def latest(self, code: CodeKey, on: dt.date) -> list[ObservationFact]:
        """Observations with ``code`` dated on or before ``on``, newest first (undated last)."""
        found = [o for o in self.observations if code in o.code and (o.date is None or o.date <= on)]
        return sorted(found, key=lambda o: (o.date is not None, o.date or dt.date.min), reverse=True)


# -- dates -------------------------------------------------------------------------------

def fhir_date(value: Any, where: str, *, end: bool = False) -> dt.date | None:
    """A FHIR date or dateTime as a date; partial dates give their first (or last) day."""
    if value is None:
        return None
    return _present_date(value, where, end=end)


def _present_date(value: Any, where: str, *, end: bool = False) -> dt.date:
    """``fhir_date`` of a value that is there."""
    match = _DATE.fullmatch(value) if isinstance(value, str) else None
    try:
        if not match:
            raise ValueError
        year, month, day = int(match[1]), match[2], match[3]
        if day:
            return dt.date(year, int(month), int(day))
        if month:
            # The month's last day from the calendar: going to the next month's first day
            # overflowed for December 9999 and refused a valid date.
            last = calendar.monthrange(year, int(month))[1] if 1 <= int(month) <= 12 else 0
            return dt.date(year, int(month), last if end else 1)
        return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
    except ValueError:
        raise InputError(f"{where} is not a valid FHIR date") from None


# -- FHIR -----------------------------------------------------------------------------------

def _codes(concept: Any, where: str) -> tuple[frozenset[CodeKey], str]:
    if concept is None:
        return frozenset(), ""
    if not isinstance(concept, Mapping):
        raise InputError(f"{where} must be a CodeableConcept")
    codings = concept.get("coding", [])
    if not isinstance(codings, list) or not all(isinstance(c, Mapping) for c in codings):
        raise InputError(f"{where}.coding must be a list of Codings")
    keys = frozenset((str(c.get("system", "")), str(c.get("code", ""))) for c in codings if c.get("code"))
    label = next((c["display"] for c in codings if isinstance(c.get("display"), str)), concept.get("text") or "")
    return keys, str(label)


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    """An optional FHIR element that must be an object (a Period, a dispense request)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):  # was an AttributeError (a traceback) on e.g. a list
        raise InputError(f"{where} must be a JSON object")
    return value


def _status(resource: Mapping[str, Any], key: str, where: str) -> str | None:
    concept = resource.get(key)
    if concept is None:
        return None
    codes, _ = _codes(concept, f"{where}.{key}")
    return next((code for _, code in sorted(codes)), None)


CLINICAL_PRESENT = ("active", "recurrence", "relapse")
CLINICAL_PAST = ("inactive", "remission", "resolved")
VERIFICATION = ("confirmed", "unconfirmed", "provisional", "differential", "presumed", "refuted", "entered-in-error")


def _fact_state(clinical: Any, verification: Any) -> State | None:
    """A condition/allergy record's state; None for records to ignore (entered in error)."""
    if verification == "entered-in-error":
        return None
    if verification == "refuted":
        return "ruled-out"
    if verification in ("unconfirmed", "provisional", "differential", "presumed") or clinical is None:
        return "possible"
    if clinical in CLINICAL_PRESENT:
        return "present"
    if clinical in CLINICAL_PAST:
        return "past"
    # Any other status (R5's "unknown", a local code, a typo) says nothing: it used to count
    # as past, which ruled an active contraindication out.
    return "possible"


def _medication(resource: Mapping[str, Any], ref: str, where: str) -> MedicationFact | None:
    status = resource.get("status")
    if status in ("entered-in-error", "cancelled", "draft"):
        return None
    codes, label = _codes(resource.get("medicationCodeableConcept"), f"{where}.medicationCodeableConcept")
    if resource.get("resourceType") == "MedicationStatement":
        period = _mapping(resource.get("effectivePeriod"), f"{where}.effectivePeriod")
        start = fhir_date(period.get("start") or resource.get("effectiveDateTime"), f"{where}.effective")
        stop = fhir_date(period.get("end"), f"{where}.effectivePeriod.end", end=True)
        if resource.get("effectiveDateTime") and not period:
            stop = start if status in ("completed", "stopped") else None
    else:
        request = _mapping(resource.get("dispenseRequest"), f"{where}.dispenseRequest")
        bounds = _mapping(request.get("validityPeriod"), f"{where}.dispenseRequest.validityPeriod")
        start = fhir_date(bounds.get("start") or resource.get("authoredOn"), f"{where}.authoredOn")
        stop = fhir_date(bounds.get("end"), f"{where}.dispenseRequest.validityPeriod.end", end=True)
    kind = status if status in ("active", "completed", "stopped", "not-taken") else "unknown"
    return MedicationFact(codes, kind, start, stop, ref, label)


def _observation(resource: Mapping[str, Any], ref: str, where: str) -> ObservationFact | None:
    if resource.get("status") in ("entered-in-error", "cancelled"):
        return None
    codes, label = _codes(resource.get("code"), f"{where}.code")
    value_codes, _ = _codes(resource.get("valueCodeableConcept"), f"{where}.valueCodeableConcept")
    value = None
    if (raw := resource.get("valueQuantity")) is not None:
        if not isinstance(raw, Mapping):
            raise InputError(f"{where}.valueQuantity must be a Quantity")
        value = _quantity(raw.get("value"), raw.get("code") or raw.get("unit"), f"{where}.valueQuantity")
    period = _mapping(resource.get("effectivePeriod"), f"{where}.effectivePeriod")
    when = resource.get("effectiveDateTime") or period.get("start") or resource.get("issued")
    return ObservationFact(codes, value_codes, value, fhir_date(when, f"{where}.effective"), ref, label)


def _quantity(value: Any, unit: Any, where: str) -> Quantity:
    if not isinstance(unit, str):
        raise InputError(f"{where} needs a UCUM unit")
    try:
        return quantity(value, unit)
    except InputError:  # the message would echo the value; name only the place
        raise InputError(f"{where} is not a finite, non-negative quantity in a known UCUM unit") from None


def from_bundle(bundle: Mapping[str, Any]) -> PatientRecord:
    """Read a FHIR R4 Bundle holding one Patient and their clinical records."""
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise InputError("Bundle.entry must be a list")
    patient: Mapping[str, Any] | None = None
    facts: dict[str, list[Any]] = {"conditions": [], "allergies": [], "medications": [], "observations": [], "condition_refs": []}
    for index, entry in enumerate(entries):
        where = f"Bundle.entry[{index}]"
        resource = entry.get("resource") if isinstance(entry, Mapping) else None
        if not isinstance(resource, Mapping) or not isinstance(resource.get("resourceType"), str):
            raise InputError(f"{where} has no resource with a resourceType")
        kind = resource["resourceType"]
        where = f"{where} ({kind})"
        ref = f"{kind}/{resource['id']}" if isinstance(resource.get("id"), str) else where
        if kind == "Patient":
            if patient is not None:
                raise InputError(f"{where}: the Bundle holds more than one Patient")
            patient = resource
        elif kind in ("Condition", "AllergyIntolerance"):
            codes, label = _codes(resource.get("code"), f"{where}.code")
            state = _fact_state(_status(resource, "clinicalStatus", where), _status(resource, "verificationStatus", where))
            if state is not None:
                target = "conditions" if kind == "Condition" else "allergies"
                facts[target].append(Fact(codes, state, ref, label))
                if kind == "Condition" and state == "present":
                    facts["condition_refs"].append((ref, codes))
        elif kind in ("MedicationStatement", "MedicationRequest"):
            if (fact := _medication(resource, ref, where)) is not None:
                facts["medications"].append(fact)
        elif kind == "Observation" and (obs := _observation(resource, ref, where)) is not None:
            facts["observations"].append(obs)
        # Other resource types carry nothing the guidance tests; they are left alone.
    if patient is None:
        raise InputError("the Bundle holds no Patient resource")
    return _record(patient.get("id"), patient.get("birthDate"), patient.get("gender"), facts, "Patient")


def _record(ident: Any, birth: Any, sex: Any, facts: Mapping[str, list[Any]], where: str) -> PatientRecord:
    if ident is not None and not isinstance(ident, str):
        raise InputError(f"{where}.id must be text")
    if sex is not None and sex not in ("female", "male", "other", "unknown"):
        raise InputError(f"{where}.gender must be female, male, other or unknown")
    born = None
    if birth is not None:
        born = (_present_date(birth, f"{where}.birthDate"), _present_date(birth, f"{where}.birthDate", end=True))
    return PatientRecord(
        id=ident, birth_date=born, sex=None if sex == "unknown" else sex,
        **{key: tuple(values) for key, values in facts.items()},
    )


# -- plain mapping ----------------------------------------------------------------------------

_MAPPING_KEYS = {"id", "birthDate", "gender", "weight", "conditions", "allergies", "medications", "observations"}


def _code(text: Any, where: str) -> CodeKey:
    if not isinstance(text, str) or "|" not in text:
        raise InputError(f"{where} must be 'system|code', e.g. 'http://snomed.info/sct|77386006'")
    system, code = text.rsplit("|", 1)
    return system, code


def _list(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    values = data.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, Mapping) for v in values):
        raise InputError(f"patient.{key} must be a list of mappings")
    return values


def _only(item: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(str(key) for key in set(item) - allowed)  # str: a host's int key made join() raise TypeError
    if unknown:
        raise InputError(f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")


def from_mapping(data: Mapping[str, Any]) -> PatientRecord:
    """Read the plain form for hosts without FHIR (documented in the README)."""
    _only(data, _MAPPING_KEYS, "patient")
    facts: dict[str, list[Any]] = {"conditions": [], "allergies": [], "medications": [], "observations": [], "condition_refs": []}
    for key in ("conditions", "allergies"):
        for index, item in enumerate(_list(data, key)):
            where = f"patient.{key}[{index}]"
            _only(item, {"code", "status", "verification", "id"}, where)
            status, verification = item.get("status", "active"), item.get("verification", "confirmed")
            # Refuse values the documented form does not have rather than guess what they mean.
            if status not in CLINICAL_PRESENT + CLINICAL_PAST:
                raise InputError(f"{where}.status must be one of {', '.join(CLINICAL_PRESENT + CLINICAL_PAST)}")
            if verification not in VERIFICATION:
                raise InputError(f"{where}.verification must be one of {', '.join(VERIFICATION)}")
            state = _fact_state(status, verification)
            if state is not None:
                codes = frozenset({_code(item.get("code"), f"{where}.code")})
                ref = str(item.get("id") or where)
                facts[key].append(Fact(codes, state, ref, ""))
                if key == "conditions" and state == "present":
                    facts["condition_refs"].append((ref, codes))
    for index, item in enumerate(_list(data, "medications")):
        where = f"patient.medications[{index}]"
        _only(item, {"code", "status", "start", "end", "id"}, where)
        status = item.get("status", "active")
        if status not in ("active", "completed", "stopped", "not-taken", "unknown"):
            raise InputError(f"{where}.status must be active, completed, stopped, not-taken or unknown")
        facts["medications"].append(MedicationFact(
            frozenset({_code(item.get("code"), f"{where}.code")}), status,
            fhir_date(item.get("start"), f"{where}.start"), fhir_date(item.get("end"), f"{where}.end", end=True),
            str(item.get("id") or where), ""))
    for index, item in enumerate(_list(data, "observations")):
        where = f"patient.observations[{index}]"
        _only(item, {"code", "valueCode", "value", "date", "id"}, where)
        value_codes = frozenset({_code(item["valueCode"], f"{where}.valueCode")}) if "valueCode" in item else frozenset()
        value = _mapping_quantity(item["value"], f"{where}.value") if "value" in item else None
        facts["observations"].append(ObservationFact(
            frozenset({_code(item.get("code"), f"{where}.code")}), value_codes, value,
            fhir_date(item.get("date"), f"{where}.date"), str(item.get("id") or where), ""))
    if "weight" in data:
        weight = _mapping_quantity(data["weight"], "patient.weight")
        facts["observations"].append(ObservationFact(frozenset({BODY_WEIGHT}), frozenset(), weight, None,
                                                     "patient.weight", "Body weight"))
    return _record(data.get("id"), data.get("birthDate"), data.get("gender"), facts, "patient")


def _mapping_quantity(value: Any, where: str) -> Quantity:
    from ..units import parse_quantity

    if not isinstance(value, str):
        raise InputError(f"{where} must be a quantity such as '60 kg'")
    try:
        return parse_quantity(value)
    except InputError:
        raise InputError(f"{where} must be a quantity with a UCUM unit, such as '60 kg'") from None


def read_patient(data: Any) -> PatientRecord:
    """A :class:`PatientRecord` from a FHIR R4 Bundle, a plain mapping, or a record as is."""
    if isinstance(data, PatientRecord):
        return data
    if not isinstance(data, Mapping):
        raise InputError("the patient must be a FHIR Bundle (JSON object) or a mapping")
    kind = data.get("resourceType")
    if kind == "Bundle":
        return from_bundle(data)
    if kind is not None:
        raise InputError(f"the patient must be a FHIR Bundle, not a {kind if isinstance(kind, str) else 'non-text resourceType'}")
    return from_mapping(data)


def age_range(record: PatientRecord, on: dt.date) -> tuple[int, int] | None:
    """The youngest and oldest age in whole years the patient can be on ``on``."""
    if record.birth_date is None:
        return None
    def years(born: dt.date) -> int:
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    earliest, latest = record.birth_date
    return years(latest), years(earliest)

