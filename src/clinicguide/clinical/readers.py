"""Reading a patient from a FHIR R4 Bundle or the plain mapping into a :class:`PatientRecord`.

Error messages name where a problem is but never echo a patient's values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, TypeGuard

from ..errors import InputError
from ..terminology import BODY_WEIGHT
from ..units import Quantity, parse_quantity, quantity
from .dates import fhir_date, present_date
from .patient import CodeKey, DoseFact, Fact, MedicationFact, ObservationFact, PatientRecord, State
from .read_doses import administration_dose, statement_dose

CLINICAL_PRESENT = ("active", "recurrence", "relapse")
CLINICAL_PAST = ("inactive", "remission", "resolved")
VERIFICATION = ("confirmed", "unconfirmed", "provisional", "differential", "presumed", "refuted", "entered-in-error")
MEDICATION_STATUS = ("active", "completed", "stopped", "not-taken", "unknown")

Facts = dict[str, list[Any]]


def read_patient(data: Any) -> PatientRecord:
    """A :class:`PatientRecord` from a FHIR R4 Bundle, a plain mapping, or a record as is."""
    if isinstance(data, PatientRecord):
        return data
    if not _is_mapping(data):
        raise InputError("the patient must be a FHIR Bundle (JSON object) or a mapping")
    kind = data.get("resourceType")
    if kind == "Bundle":
        return from_bundle(data)
    if kind is not None:
        raise InputError(f"the patient must be a FHIR Bundle, not a {kind if isinstance(kind, str) else 'non-text resourceType'}")
    return from_mapping(data)


def _is_mapping(value: Any) -> TypeGuard[Mapping[str, Any]]:
    # A JSON object is a dict: checked first, as the Mapping check is many times slower.
    return type(value) is dict or isinstance(value, Mapping)


def _facts() -> Facts:
    return {"conditions": [], "allergies": [], "medications": [], "observations": [], "doses": []}


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
    # Any other status (R5's "unknown", a local code, a typo) says nothing; taking it for
    # past would rule an active contraindication out.
    return "possible"


def _record(ident: Any, birth: Any, sex: Any, facts: Facts, where: str) -> PatientRecord:
    if ident is not None and not isinstance(ident, str):
        raise InputError(f"{where}.id must be text")
    if sex is not None and sex not in ("female", "male", "other", "unknown"):
        raise InputError(f"{where}.gender must be female, male, other or unknown")
    born = None
    if birth is not None:
        born = (present_date(birth, f"{where}.birthDate"), present_date(birth, f"{where}.birthDate", end=True))
    return PatientRecord(
        id=ident, birth_date=born, sex=None if sex == "unknown" else sex,
        **{key: tuple(values) for key, values in facts.items()},
    )


# -- FHIR -----------------------------------------------------------------------------------

def from_bundle(bundle: Mapping[str, Any]) -> PatientRecord:
    """Read a FHIR R4 Bundle holding one Patient and their clinical records."""
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise InputError("Bundle.entry must be a list")
    patient: Mapping[str, Any] | None = None
    facts = _facts()
    for index, entry in enumerate(entries):
        where = f"Bundle.entry[{index}]"
        resource = entry.get("resource") if _is_mapping(entry) else None
        if not _is_mapping(resource) or not isinstance(resource.get("resourceType"), str):
            raise InputError(f"{where} has no resource with a resourceType")
        kind = resource["resourceType"]
        where = f"{where} ({kind})"
        if kind == "Patient":
            if patient is not None:
                raise InputError(f"{where}: the Bundle holds more than one Patient")
            patient = resource
        else:
            ref = f"{kind}/{resource['id']}" if isinstance(resource.get("id"), str) else where
            _add_resource(facts, resource, kind, ref, where)
    if patient is None:
        raise InputError("the Bundle holds no Patient resource")
    return _record(patient.get("id"), patient.get("birthDate"), patient.get("gender"), facts, "Patient")


def _add_resource(facts: Facts, resource: Mapping[str, Any], kind: str, ref: str, where: str) -> None:
    """Add the fact one clinical resource states, if any."""
    if kind in ("Condition", "AllergyIntolerance"):
        codes, label = _codes(resource.get("code"), f"{where}.code")
        state = _fact_state(_status(resource, "clinicalStatus", where), _status(resource, "verificationStatus", where))
        if state is not None:
            facts["conditions" if kind == "Condition" else "allergies"].append(
                Fact(codes, state, ref, label, *_condition_dates(resource, where)))
    elif kind in ("MedicationStatement", "MedicationRequest"):
        if (fact := _medication(resource, ref, where)) is not None:
            facts["medications"].append(fact)
            if kind == "MedicationStatement" and (dose := statement_dose(resource, fact.codes, ref, where)) is not None:
                facts["doses"].append(dose)
    elif kind == "MedicationAdministration":
        codes, _ = _codes(resource.get("medicationCodeableConcept"), f"{where}.medicationCodeableConcept")
        if (dose := administration_dose(resource, codes, ref, where)) is not None:
            facts["doses"].append(dose)
    elif kind == "Observation" and (obs := _observation(resource, ref, where)) is not None:
        facts["observations"].append(obs)
    # Other resource types carry nothing the guidance tests; they are left alone.


def _condition_dates(resource: Mapping[str, Any], where: str) -> tuple[dt.date | None, dt.date | None, dt.date | None]:
    """A Condition's (or AllergyIntolerance's) onset, recorded and abatement dates.

    Onset and abatement may be a dateTime or a Period (its start, its end); other forms (an
    age, a text) carry no date. A partial abatement date gives its last day, so that the
    positive evidence lasts as long as the record allows.
    """
    onset_period = _mapping(resource.get("onsetPeriod"), f"{where}.onsetPeriod")
    abatement_period = _mapping(resource.get("abatementPeriod"), f"{where}.abatementPeriod")
    onset = fhir_date(resource.get("onsetDateTime") or onset_period.get("start"), f"{where}.onset")
    recorded = fhir_date(resource.get("recordedDate"), f"{where}.recordedDate")
    abated = fhir_date(resource.get("abatementDateTime") or abatement_period.get("end"), f"{where}.abatement", end=True)
    return onset, recorded, abated


def _codes(concept: Any, where: str) -> tuple[frozenset[CodeKey], str]:
    if concept is None:
        return frozenset(), ""
    if not _is_mapping(concept):
        raise InputError(f"{where} must be a CodeableConcept")
    codings = concept.get("coding", [])
    if not isinstance(codings, list) or not all(_is_mapping(c) for c in codings):
        raise InputError(f"{where}.coding must be a list of Codings")
    keys = frozenset((str(c.get("system", "")), str(c.get("code", ""))) for c in codings if c.get("code"))
    label = next((c["display"] for c in codings if isinstance(c.get("display"), str)), concept.get("text") or "")
    return keys, str(label)


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    """An optional FHIR element that must be an object (a Period, a dispense request)."""
    if value is None:
        return {}
    if not _is_mapping(value):
        raise InputError(f"{where} must be a JSON object")
    return value


def _status(resource: Mapping[str, Any], key: str, where: str) -> str | None:
    concept = resource.get(key)
    if concept is None:
        return None
    codes, _ = _codes(concept, f"{where}.{key}")
    return next((code for _, code in sorted(codes)), None)


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
        asserted = fhir_date(resource.get("dateAsserted"), f"{where}.dateAsserted")
    else:
        request = _mapping(resource.get("dispenseRequest"), f"{where}.dispenseRequest")
        bounds = _mapping(request.get("validityPeriod"), f"{where}.dispenseRequest.validityPeriod")
        start = fhir_date(bounds.get("start") or resource.get("authoredOn"), f"{where}.authoredOn")
        stop = fhir_date(bounds.get("end"), f"{where}.dispenseRequest.validityPeriod.end", end=True)
        asserted = fhir_date(resource.get("authoredOn"), f"{where}.authoredOn")
    kind = status if status in ("active", "completed", "stopped", "not-taken") else "unknown"
    return MedicationFact(codes, kind, start, stop, ref, label, asserted)


def _observation(resource: Mapping[str, Any], ref: str, where: str) -> ObservationFact | None:
    if resource.get("status") in ("entered-in-error", "cancelled"):
        return None
    codes, label = _codes(resource.get("code"), f"{where}.code")
    value_codes, _ = _codes(resource.get("valueCodeableConcept"), f"{where}.valueCodeableConcept")
    value = None
    if (raw := resource.get("valueQuantity")) is not None:
        if not _is_mapping(raw):
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


# -- plain mapping ----------------------------------------------------------------------------

_MAPPING_KEYS = {"id", "birthDate", "gender", "weight", "conditions", "allergies", "medications", "observations", "doses"}


def from_mapping(data: Mapping[str, Any]) -> PatientRecord:
    """Read the plain form for hosts without FHIR (documented in the README)."""
    _only(data, _MAPPING_KEYS, "patient")
    facts = _facts()
    for key in ("conditions", "allergies"):
        facts[key] += _mapping_facts(data, key)
    facts["medications"] += _mapping_medications(data)
    facts["observations"] += _mapping_observations(data)
    facts["doses"] += _mapping_doses(data)
    if "weight" in data:
        # The host states the patient's weight now; a dated weight goes in observations.
        weight = _mapping_quantity(data["weight"], "patient.weight")
        facts["observations"].append(ObservationFact(frozenset({BODY_WEIGHT}), frozenset(), weight, None,
                                                     "patient.weight", "Body weight", current=True))
    return _record(data.get("id"), data.get("birthDate"), data.get("gender"), facts, "patient")


def _mapping_facts(data: Mapping[str, Any], key: str) -> list[Fact]:
    facts = []
    for index, item in enumerate(_list(data, key)):
        where = f"patient.{key}[{index}]"
        _only(item, {"code", "status", "verification", "id", "onset", "recorded", "abatement"}, where)
        status, verification = item.get("status", "active"), item.get("verification", "confirmed")
        # Refuse values the documented form does not have rather than guess what they mean.
        if status not in CLINICAL_PRESENT + CLINICAL_PAST:
            raise InputError(f"{where}.status must be one of {', '.join(CLINICAL_PRESENT + CLINICAL_PAST)}")
        if verification not in VERIFICATION:
            raise InputError(f"{where}.verification must be one of {', '.join(VERIFICATION)}")
        state = _fact_state(status, verification)
        if state is not None:
            facts.append(Fact(frozenset({_code(item.get("code"), f"{where}.code")}), state, str(item.get("id") or where), "",
                              fhir_date(item.get("onset"), f"{where}.onset"),
                              fhir_date(item.get("recorded"), f"{where}.recorded"),
                              fhir_date(item.get("abatement"), f"{where}.abatement", end=True)))
    return facts


def _mapping_medications(data: Mapping[str, Any]) -> list[MedicationFact]:
    facts = []
    for index, item in enumerate(_list(data, "medications")):
        where = f"patient.medications[{index}]"
        _only(item, {"code", "status", "start", "end", "asserted", "id"}, where)
        status = item.get("status", "active")
        if status not in MEDICATION_STATUS:
            raise InputError(f"{where}.status must be active, completed, stopped, not-taken or unknown")
        facts.append(MedicationFact(
            frozenset({_code(item.get("code"), f"{where}.code")}), status,
            fhir_date(item.get("start"), f"{where}.start"), fhir_date(item.get("end"), f"{where}.end", end=True),
            str(item.get("id") or where), "", fhir_date(item.get("asserted"), f"{where}.asserted")))
    return facts


def _mapping_observations(data: Mapping[str, Any]) -> list[ObservationFact]:
    facts = []
    for index, item in enumerate(_list(data, "observations")):
        where = f"patient.observations[{index}]"
        _only(item, {"code", "valueCode", "value", "date", "id"}, where)
        value_codes = frozenset({_code(item["valueCode"], f"{where}.valueCode")}) if "valueCode" in item else frozenset()
        value = _mapping_quantity(item["value"], f"{where}.value") if "value" in item else None
        facts.append(ObservationFact(
            frozenset({_code(item.get("code"), f"{where}.code")}), value_codes, value,
            fhir_date(item.get("date"), f"{where}.date"), str(item.get("id") or where), ""))
    return facts


def _mapping_doses(data: Mapping[str, Any]) -> list[DoseFact]:
    doses = []
    for index, item in enumerate(_list(data, "doses")):
        where = f"patient.doses[{index}]"
        _only(item, {"code", "date", "dose", "id"}, where)
        when = fhir_date(item.get("date"), f"{where}.date")
        if when is None:
            raise InputError(f"{where}.date is required: when the dose was given")
        doses.append(DoseFact(frozenset({_code(item.get("code"), f"{where}.code")}), when,
                              _mapping_quantity(item.get("dose"), f"{where}.dose"), str(item.get("id") or where)))
    return doses


def _code(text: Any, where: str) -> CodeKey:
    if not isinstance(text, str) or "|" not in text:
        raise InputError(f"{where} must be 'system|code', e.g. 'http://snomed.info/sct|77386006'")
    system, code = text.rsplit("|", 1)
    return system, code


def _list(data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    values = data.get(key, [])
    if not isinstance(values, list) or not all(_is_mapping(v) for v in values):
        raise InputError(f"patient.{key} must be a list of mappings")
    return values


def _only(item: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(str(key) for key in set(item) - allowed)  # str: a host's mapping may have keys that are not text
    if unknown:
        raise InputError(f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")


def _mapping_quantity(value: Any, where: str) -> Quantity:
    if not isinstance(value, str):
        raise InputError(f"{where} must be a quantity such as '60 kg'")
    try:
        return parse_quantity(value)
    except InputError:
        raise InputError(f"{where} must be a quantity with a UCUM unit, such as '60 kg'") from None
