"""The host-facing facade: plan, screen, checklist, consent and export on one loaded library.

Hosts build one :class:`ClinicGuide` at start-up and call it per encounter; it holds only
immutable state, so one instance serves many threads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .decision import Decision, Finding, Proposal, Screening, screen
from .errors import InputError
from .fhir.bundle import plan_bundle
from .fhir.common import Canonicals, FhirVersion, canonical_base, fhir_version
from .fhir.consent import build_consent
from .fhir.export import export_bundle
from .fhir.questionnaire import build_questionnaire
from .library import Library, load_library
from .patient import PatientRecord, read_patient

_YES = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}


@dataclass(frozen=True)
class PlanResult:
    """A decision with its findings and the FHIR Bundle that carries them."""

    guidance: str  # id|version
    decision: Decision
    findings: tuple[Finding, ...]
    bundle: dict[str, Any]
    fhir_version: FhirVersion

    def summary(self) -> dict[str, Any]:
        """The ``screen`` JSON contract: guidance, decision, and each finding's code, severity, item, message, question."""
        findings = []
        for f in self.findings:
            entry: dict[str, Any] = {"code": f.code, "severity": f.severity, "outcome": f.outcome, "item": f.item,
                                     "message": f.message, "sources": list(f.sources)}
            if f.question:
                entry["question"] = f.question
            if f.evidence:
                entry["evidence"] = list(f.evidence)
            findings.append(entry)
        return {"guidance": self.guidance, "decision": self.decision, "findings": findings}


def parse_answers(answers: Mapping[str, Any] | None) -> dict[str, bool]:
    """Answers keyed by criterion id; values true/false or yes/no."""
    parsed: dict[str, bool] = {}
    for key, value in (answers or {}).items():
        if isinstance(value, bool):
            parsed[str(key)] = value
        elif isinstance(value, str) and value.lower() in _YES:
            parsed[str(key)] = _YES[value.lower()]
        else:
            raise InputError(f"answer to {key!r} must be yes or no")
    return parsed


def parse_date(value: dt.date | str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InputError(f"date {value!r} is not YYYY-MM-DD") from None


class ClinicGuide:
    """One loaded library and the settings a host chooses once."""

    def __init__(self, library: Library | None = None, *, canonical_base_url: str | None = None,
                 validate_fhir: bool = False) -> None:
        self.library = library if library is not None else load_library()
        self.base = canonical_base(canonical_base_url)
        self.validate_fhir = validate_fhir
        from . import __version__

        self.agents: tuple[str, ...] = (f"clinicguide {__version__}",)

    def screen(self, guidance_id: str, patient: Any, *, proposed: Proposal | Mapping[str, Any] | None = None,
               date: dt.date | str | None = None, answers: Mapping[str, Any] | None = None,
               version: str | None = None) -> tuple[Screening, PatientRecord]:
        """The decision and findings without FHIR output."""
        guidance = self.library.get(guidance_id, version)
        record = read_patient(patient)
        screening = screen(guidance, record, date=parse_date(date), answers=parse_answers(answers),
                           proposal=Proposal.coerce(proposed))
        return screening, record

    def plan(self, guidance_id: str, patient: Any, *, proposed: Proposal | Mapping[str, Any] | None = None,
             date: dt.date | str | None = None, answers: Mapping[str, Any] | None = None, version: str | None = None,
             fhir_version: str = "R4") -> PlanResult:
        """Screen the patient, check the proposal, and build the FHIR Bundle.

        :param guidance_id: the guidance to apply, e.g. ``"microneedling"``.
        :param patient: a FHIR R4 Bundle (dict) or the plain mapping the README documents.
        :param proposed: ``{"dose": "20 mg/d", "params": {"needle-depth": "1 mm"}, "last_treatment": "2026-09-01"}``.
        :param date: the procedure date (default today); all timing is relative to it.
        :param answers: clinician answers keyed by criterion id (``True``/``False`` or ``"yes"``/``"no"``).
        :param version: a specific guidance version (default the newest in force).
        :param fhir_version: ``"R4"`` (default) or ``"R5"``.
        """
        fhir = _fhir(fhir_version)
        screening, record = self.screen(guidance_id, patient, proposed=proposed, date=date, answers=answers, version=version)
        canon = Canonicals(self.base, screening.guidance)
        bundle = plan_bundle(screening, record, canon, fhir, digest=self.library.digest, agents=self.agents)
        self._check(bundle, fhir)
        return PlanResult(screening.guidance.ref, screening.decision, screening.findings, bundle, fhir)

    def checklist(self, guidance_id: str, *, version: str | None = None, fhir_version: str = "R4") -> dict[str, Any]:
        """The consent checklist Questionnaire of one guidance."""
        fhir = _fhir(fhir_version)
        guidance = self.library.get(guidance_id, version)
        questionnaire = build_questionnaire(guidance, Canonicals(self.base, guidance), fhir)
        self._check(questionnaire, fhir)
        return questionnaire

    def consent(self, guidance_id: str, response: Any, *, version: str | None = None, fhir_version: str = "R4") -> dict[str, Any]:
        """A FHIR Consent from a completed checklist response; raises ConsentIncomplete if anything is unacknowledged."""
        fhir = _fhir(fhir_version)
        guidance = self.library.get(guidance_id, version)
        canon = Canonicals(self.base, guidance)
        consent = build_consent(guidance, canon, build_questionnaire(guidance, canon, fhir), response, fhir)
        self._check(consent, fhir)
        return consent

    def export(self, fhir_version: str = "R4") -> dict[str, Any]:
        """The library as PlanDefinition, ActivityDefinition and Questionnaire resources in a Bundle."""
        fhir = _fhir(fhir_version)
        bundle = export_bundle(self.library, fhir, self.base)
        self._check(bundle, fhir)
        return bundle

    def _check(self, resource: dict[str, Any], fhir: FhirVersion) -> None:
        if self.validate_fhir:
            from .fhir.models import validate_resource

            validate_resource(resource, fhir)


def _fhir(value: str) -> FhirVersion:
    return fhir_version(value)


_default: ClinicGuide | None = None


def default() -> ClinicGuide:
    """A shared instance on the packaged library, created on first use."""
    global _default
    if _default is None:
        _default = ClinicGuide()
    return _default


def plan(guidance_id: str, patient: Any, **options: Any) -> PlanResult:
    """:meth:`ClinicGuide.plan` on the packaged library."""
    return default().plan(guidance_id, patient, **options)


def checklist(guidance_id: str, **options: Any) -> dict[str, Any]:
    """:meth:`ClinicGuide.checklist` on the packaged library."""
    return default().checklist(guidance_id, **options)


def consent(guidance_id: str, response: Any, **options: Any) -> dict[str, Any]:
    """:meth:`ClinicGuide.consent` on the packaged library."""
    return default().consent(guidance_id, response, **options)
