"""The host-facing facade: plan, screen, checklist, consent and export on one loaded library.

Hosts build one :class:`ClinicGuide` at start-up and call it per encounter; it holds only
immutable state, so one instance serves many threads.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .clinical.answers import Answers, check_answers, parse_answered_by, parse_answers
from .clinical.dates import check_born_by, parse_date, parse_optional_date
from .clinical.findings import QUESTION_CODES, Decision, Finding
from .clinical.patient import PatientRecord
from .clinical.proposal import Proposal
from .clinical.questions import screening_questions
from .clinical.readers import read_patient
from .clinical.responses import check_signed_by, is_response, read_response
from .clinical.screening import Screening, decide
from .content.library import Library
from .content.model import Guidance
from .errors import InputError, UsageError
from .fhir.bundle import BundleContext
from .fhir.common import Canonicals, FhirVersion, canonical_base, fhir_version, subject_reference, urn
from .fhir.narrative import bundle_with_narrative, with_narrative
from .fhir.questionnaire import build_questionnaire
from .fhir.screening import build_screening_questionnaire
from .host.hooks import Hooks
from .host.library import load_through

# The patient documents (templates, PDF), the consent and the export are imported by the
# methods that make them: a host that only plans does not load them at start-up.


@dataclass(frozen=True)
class PlanResult:
    """A decision with its findings and the FHIR Bundle that carries them."""

    guidance: str  # id|version
    decision: Decision
    findings: tuple[Finding, ...]
    bundle: dict[str, Any]
    fhir_version: FhirVersion
    screening: Screening

    def summary(self) -> dict[str, Any]:
        """The ``screen`` JSON contract: the decision, known findings, open questions and the answers used."""
        known = [_entry(f) for f in self.findings if f.code not in QUESTION_CODES]
        questions = [_entry(f) for f in self.findings if f.code in QUESTION_CODES]
        texts = {q.id: q.text for q in screening_questions(self.screening.guidance)}
        answers = [{"item": item, "answer": "yes" if value else "no", **({"question": texts[item]} if item in texts else {})}
                   for item, value in sorted(self.screening.answers.items())]
        screening = self.screening
        summary: dict[str, Any] = {"guidance": self.guidance, "decision": self.decision, "label": screening.label,
                                   "findings": known, "questions": questions, "answers": answers,
                                   "not_applicable": [{"item": n.item, "decided_by": list(n.evidence)}
                                                      for n in screening.not_applicable]}
        if screening.answers and (screening.answered_by or screening.answered_at):
            summary["answered"] = {k: v for k, v in (("by", screening.answered_by), ("at", screening.answered_at and
                                                     screening.answered_at.isoformat())) if v}
        return summary


@dataclass(frozen=True)
class PatientDocument:
    """A consent form or an aftercare handout, ready to save or send."""

    kind: str  # "consent" or "aftercare"
    guidance: str  # id|version
    title: str
    media_type: str  # "text/html" or "application/pdf"
    content: bytes  # the HTML as UTF-8, or the PDF


def _entry(f: Finding) -> dict[str, Any]:
    entry: dict[str, Any] = {"code": f.code, "severity": f.severity, "outcome": f.outcome, "item": f.item,
                             "message": f.message, "sources": list(f.sources)}
    if f.question:
        entry["question"] = f.question
    if f.evidence:
        entry["evidence"] = list(f.evidence)
    return entry


class ClinicGuide:
    """One loaded library, its plugins, and the settings a host chooses once.

    The guide builds one plugin manager and loads the library through it: the plugins'
    guidance folders, then ``guidance_paths``, with every site amendment applied.

    :param library: a library to use as is, instead (its amendments are those it was loaded with).
    :param plugins: plugin objects (modules or instances with hookimpls) the host registers.
    :param entry_point_plugins: also load the ``clinicguide`` entry-point group (default True).
    :param guidance_paths: more guidance files and folders to load with the packaged ones.
    :param canonical_base_url: base of canonical URLs (default ``$CLINICGUIDE_CANONICAL_BASE``
        or ``https://clinicguide.org/fhir``).
    :param validate_fhir: validate every emitted resource against the fhir.resources models.
    """

    def __init__(self, library: Library | None = None, *, plugins: Iterable[object] = (), entry_point_plugins: bool = True,
                 guidance_paths: Iterable[str | Path] = (), canonical_base_url: str | None = None,
                 validate_fhir: bool = False) -> None:
        paths = tuple(guidance_paths)
        if library is not None and paths:
            raise UsageError("give ClinicGuide a library or guidance_paths to load, not both")
        self.hooks = Hooks(plugins, entry_point_plugins=entry_point_plugins)
        self.library = library if library is not None else load_through(self.hooks, *paths)
        # The library lives as long as the host and never changes: the cyclic garbage collector
        # need not walk it again, and with thousands of documents a full collection during a
        # plan() would otherwise take tens of milliseconds. Frozen objects are still freed
        # when nothing refers to them any more.
        gc.freeze()
        self.base = canonical_base(canonical_base_url)
        self.validate_fhir = validate_fhir

    def _patient_data(self, patient: Any) -> Any:
        """The patient's data: as given, or from the plugin that resolves a reference."""
        if isinstance(patient, str):
            data = self.hooks.patient_context(patient)
            if data is None:
                raise InputError("no plugin supplied the patient for the reference given")
            return data
        return patient

    def _patient(self, patient: Any) -> PatientRecord:
        return read_patient(self._patient_data(patient))

    def screen(self, guidance_id: str, patient: Any, *, proposed: Proposal | Mapping[str, Any] | None = None,
               date: dt.date | str | None = None, answers: Mapping[str, Any] | None = None,
               version: str | None = None, answered_by: str | None = None,
               answered_at: dt.date | str | None = None) -> tuple[Screening, PatientRecord]:
        """The decision and findings without FHIR output (``patient`` may be a reference a plugin resolves)."""
        guidance = self.library.get(guidance_id, version)
        record = self._patient(patient)
        given, by, at = self._answers(guidance, answers)
        parsed = Answers(given, by=parse_answered_by(answered_by) or by,
                         at=parse_optional_date(answered_at, "answered_at") or at)
        check_answers(guidance, parsed)
        when, proposal = parse_date(date), Proposal.coerce(proposed)
        if parsed.at is not None and parsed.at > when:
            raise InputError(f"the answers are dated after the procedure date {when} (answered_at, or the "
                             "QuestionnaireResponse's authored); answers given later cannot inform this decision")
        check_born_by(record, when)
        if proposal is not None:
            proposal.check_before(when)
        findings = self.hooks.screen(guidance, record, when, parsed, proposal)
        return decide(guidance, record, when, parsed, proposal, findings), record

    def _answers(self, guidance: Guidance, answers: Any) -> tuple[dict[str, bool], str | None, dt.date | None]:
        """Answers by id, or from a QuestionnaireResponse to this guidance's screening questionnaire."""
        if not is_response(answers):
            return parse_answers(answers), None, None
        given = read_response(answers)
        expected = Canonicals(self.base, guidance).screening_questionnaire
        if given.questionnaire.partition("|")[0] != expected:
            raise InputError(f"the QuestionnaireResponse must answer the screening questionnaire {expected}")
        return given.answers, given.author, given.authored

    def plan(self, guidance_id: str, patient: Any, *, proposed: Proposal | Mapping[str, Any] | None = None,
             date: dt.date | str | None = None, answers: Mapping[str, Any] | None = None, version: str | None = None,
             fhir_version: str = "R4", answered_by: str | None = None, answered_at: dt.date | str | None = None,
             with_documents: bool = False) -> PlanResult:
        """Screen the patient, check the proposal, and build the FHIR Bundle.

        :param guidance_id: the guidance to apply, e.g. ``"microneedling"``.
        :param patient: a FHIR R4 Bundle (dict), the plain mapping the README documents,
            or a reference string that a ``clinicguide_patient_context`` plugin resolves.
        :param proposed: ``{"dose": "20 mg/d", "params": {"needle-depth": "1 mm"}, "last_treatment": "2026-09-01"}``,
            and optionally ``"regimen"``, ``"indication"`` (an indication id: label status follows it) and
            ``"prior_doses"`` (``[{"date": "2026-10-01", "dose": "100 [USP'U]"}]``; ``[]`` when none was given).
        :param date: the procedure date (default today); all timing is relative to it.
        :param answers: clinician answers keyed by criterion id (``True``/``False`` or ``"yes"``/``"no"``).
            An answer is recorded evidence: "yes" makes a criterion true; "no" rules out only what
            the record leaves unknown, and against a recorded positive gives a ``record-conflict``.
        :param version: a specific guidance version (default the newest in force).
        :param fhir_version: ``"R4"`` (default) or ``"R5"``.
        :param answered_by: who gave the answers (a name or role), quoted where an answer is.
        :param answered_at: when the answers were given (a date or ``YYYY-MM-DD``).
        :param with_documents: add a DocumentReference for the consent form and one for the
            aftercare handout, each with its PDF attached, to the Bundle.
        """
        fhir = fhir_version_of(fhir_version)
        screening, record = self.screen(guidance_id, patient, proposed=proposed, date=date, answers=answers, version=version,
                                        answered_by=answered_by, answered_at=answered_at)
        guidance = screening.guidance
        context = BundleContext(Canonicals(self.base, guidance), fhir, self.library.digest, self.hooks.agents(),
                                self.library.amendments.get(guidance.ref, ()), self.hooks.processor(guidance, fhir))
        bundle = self.hooks.fhir_bundle(screening, record, context)
        if with_documents:
            self._attach_documents(bundle, screening, record, self._patient_data(patient), fhir)
        self.hooks.process_bundle(bundle, guidance, fhir)
        bundle_with_narrative(bundle)
        self._check(bundle, fhir)
        return PlanResult(guidance.ref, screening.decision, screening.findings, bundle, fhir, screening)

    def _attach_documents(self, bundle: dict[str, Any], screening: Screening, record: PatientRecord, patient: Any,
                          fhir: FhirVersion) -> None:
        """Each patient document as a DocumentReference with its PDF, made for the Bundle's CarePlan and in its Provenance."""
        from .documents.patient import patient_name
        from .documents.sheet import KINDS
        from .fhir.documentreference import build_document_reference

        entries = bundle.get("entry", [])
        careplan = next(e["resource"]["id"] for e in entries if e["resource"].get("resourceType") == "CarePlan")
        added = []
        for kind in KINDS:
            made = self._document(kind, screening.guidance, patient_name(patient), screening.date, "pdf")
            added.append(build_document_reference(str(bundle["id"]), kind, made.title, made.content, screening.date,
                                                  subject_reference(record.id), careplan, fhir))
        entries.extend({"fullUrl": urn(r["id"]), "resource": r} for r in added)
        for entry in entries:
            if entry["resource"].get("resourceType") == "Provenance":
                entry["resource"].setdefault("target", []).extend({"reference": urn(r["id"])} for r in added)

    def document(self, kind: str, guidance_id: str, *, patient: Any = None, date: dt.date | str | None = None,
                 format: str = "html", version: str | None = None) -> PatientDocument:
        """A patient document of one guidance: the ``consent`` form or the ``aftercare`` handout.

        :param kind: ``"consent"`` or ``"aftercare"``.
        :param guidance_id: the guidance, e.g. ``"microneedling"``.
        :param patient: whose document it is (the input ``plan`` takes; its name is printed), or None for a blank one.
        :param date: the procedure date; the aftercare timeline is dated from it. None leaves the dates blank.
        :param format: ``"html"`` (accessible, with print styles) or ``"pdf"`` (tagged PDF/UA-1).
        :param version: a specific guidance version (default the newest in force).
        """
        from .documents.patient import patient_name
        from .documents.render import MEDIA_TYPES
        from .documents.sheet import KINDS

        if kind not in KINDS:
            raise UsageError(f"no patient document {kind!r}; documents: {', '.join(KINDS)}")
        if format not in MEDIA_TYPES:
            raise UsageError(f"document format {format!r} is not one of: {', '.join(MEDIA_TYPES)}")
        guidance = self.library.get(guidance_id, version)
        name = None
        if patient is not None:
            data = self._patient_data(patient)
            read_patient(data)  # the same checks as a plan: a malformed patient is refused, not half-read
            name = patient_name(data)
        return self._document(kind, guidance, name, parse_optional_date(date, "the procedure date"), format)

    def _document(self, kind: str, guidance: Guidance, name: str | None, date: dt.date | None, fmt: str) -> PatientDocument:
        from .documents.render import MEDIA_TYPES, render
        from .documents.sheet import sheet

        content = sheet(kind, guidance, date=date, patient=name, digest=self.library.digest,
                        contacts=self.hooks.site_contacts())
        return PatientDocument(kind, guidance.ref, content.title, MEDIA_TYPES[fmt], render(content, fmt))

    def _questionnaire(self, guidance: Guidance, fhir: FhirVersion) -> dict[str, Any]:
        questionnaire = build_questionnaire(guidance, Canonicals(self.base, guidance), fhir)
        self.hooks.process_questionnaire(questionnaire, guidance, fhir)
        return questionnaire

    def checklist(self, guidance_id: str, *, version: str | None = None, fhir_version: str = "R4") -> dict[str, Any]:
        """The consent checklist Questionnaire of one guidance."""
        fhir = fhir_version_of(fhir_version)
        questionnaire = with_narrative(self._questionnaire(self.library.get(guidance_id, version), fhir))
        self._check(questionnaire, fhir)
        return questionnaire

    def consent(self, guidance_id: str, response: Any, *, version: str | None = None, fhir_version: str = "R4",
                patient: Any = None, date: dt.date | str | None = None) -> dict[str, Any]:
        """A FHIR Consent from a completed checklist response; raises ConsentIncomplete if anything is unacknowledged.

        :param patient: the patient consenting (as :meth:`plan` takes it): the response's subject
            must reference them. Give it: without it, whose response it is goes unchecked.
        :param date: the date the consent is recorded (default today); a response authored later is refused.
        """
        from .fhir.consent import build_consent

        fhir = fhir_version_of(fhir_version)
        guidance = self.library.get(guidance_id, version)
        if isinstance(response, Mapping):
            record = self._patient(patient) if patient is not None else None
            if record is not None and not record.id:
                raise InputError("the patient has no id, so the response's subject cannot be matched to it")
            check_signed_by(response, record.id if record else None, parse_date(date))
        consent = build_consent(guidance, Canonicals(self.base, guidance), self._questionnaire(guidance, fhir), response, fhir)
        self.hooks.process_consent(consent, guidance, fhir)
        with_narrative(consent)
        self._check(consent, fhir)
        return consent

    def questions(self, guidance_id: str, *, version: str | None = None, fhir_version: str = "R4") -> dict[str, Any]:
        """The screening Questionnaire of one guidance: every yes/no question the engine may ask."""
        fhir = fhir_version_of(fhir_version)
        guidance = self.library.get(guidance_id, version)
        questionnaire = with_narrative(build_screening_questionnaire(guidance, Canonicals(self.base, guidance), fhir))
        self._check(questionnaire, fhir)
        return questionnaire

    def export(self, fhir_version: str = "R4") -> dict[str, Any]:
        """The library as computable PlanDefinitions, ActivityDefinitions, Questionnaires and the finding CodeSystem."""
        from .fhir.export import export_bundle

        fhir = fhir_version_of(fhir_version)
        bundle = export_bundle(self.library, fhir, self.base)
        self._check(bundle, fhir)
        return bundle

    def _check(self, resource: dict[str, Any], fhir: FhirVersion) -> None:
        if self.validate_fhir:
            from .fhir.models import validate_resource

            validate_resource(resource, fhir)


def fhir_version_of(value: str) -> FhirVersion:
    # An alias: inside plan() and friends the parameter ``fhir_version`` hides the function.
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


def document(kind: str, guidance_id: str, **options: Any) -> PatientDocument:
    """:meth:`ClinicGuide.document` on the packaged library."""
    return default().document(kind, guidance_id, **options)


def questions(guidance_id: str, **options: Any) -> dict[str, Any]:
    """:meth:`ClinicGuide.questions` on the packaged library."""
    return default().questions(guidance_id, **options)
