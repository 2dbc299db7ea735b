"""Commands for decisions and FHIR output: ``plan``, ``screen``, ``questions``, ``checklist``, ``consent``, ``export``."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import TYPE_CHECKING, Any

from ..errors import InputError, UsageError
from ..jsonfile import read_input
from ..report import emit, emit_json
from .common import source_options

if TYPE_CHECKING:  # imported where used: every command builds this parser, and the engine costs ~50 ms to import
    from ..guide import ClinicGuide, PlanResult

def _pairs(values: list[str] | None, option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values or []:
        key, sep, rest = value.partition("=")
        if not sep or not key or not rest:
            raise UsageError(f"{option} takes NAME=VALUE as one word, e.g. {option} {key or 'NAME'}={rest or 'VALUE'}; "
                             f"got {value!r}")
        pairs[key] = rest
    return pairs


def _engine(args: argparse.Namespace) -> ClinicGuide:
    from ..guide import ClinicGuide

    return ClinicGuide(guidance_paths=args.guidance, canonical_base_url=args.canonical_base, validate_fhir=args.validate_fhir)


def _common(parser: argparse.ArgumentParser) -> None:
    source_options(parser)
    parser.add_argument("--canonical-base", metavar="URL",
                        help="canonical base URL (default $CLINICGUIDE_CANONICAL_BASE or https://clinicguide.org/fhir)")
    parser.add_argument("--validate-fhir", action="store_true", help="validate output against the fhir.resources models")
    parser.add_argument("--fhir", default="R4", metavar="R4|R5", help="FHIR version of the output (default R4)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")


def _patient_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", metavar="ID", help="guidance id, e.g. microneedling")
    parser.add_argument("--patient", required=True, metavar="FILE",
                        help="FHIR R4 Bundle (or plain patient mapping) as JSON; - reads standard input")
    parser.add_argument("--doc-version", "--version", dest="doc_version", metavar="V",
                        help="guidance version (default: newest in force)")
    parser.add_argument("--dose", metavar="QTY", help="proposed dose with a UCUM unit, e.g. '20 mg/d'")
    parser.add_argument("--param", action="append", metavar="NAME=QTY",
                        help="a proposed parameter, e.g. needle-depth=1.0mm (repeatable)")
    parser.add_argument("--regimen", metavar="ID", help="check the proposal against this regimen only")
    parser.add_argument("--indication", metavar="ID", help="the indication treated: label status and ranges follow it")
    parser.add_argument("--prior-dose", action="append", metavar="DATE=QTY|none",
                        help="a dose already given, e.g. 2026-10-01=100[USP'U] (repeatable); 'none' if none was given")
    parser.add_argument("--last-treatment", metavar="DATE|never", help="date of the last treatment, or 'never'")
    parser.add_argument("--answer", action="append", metavar="CRITERION=yes|no", help="a clinician's answer (repeatable)")
    parser.add_argument("--answers", metavar="FILE",
                        help="clinician answers: a JSON object {criterion: yes|no}, or a QuestionnaireResponse "
                             "to the screening questionnaire (see the questions command); - reads standard input")
    parser.add_argument("--answered-by", metavar="NAME", help="who gave the answers; conflict findings quote it")
    parser.add_argument("--answered-at", metavar="YYYY-MM-DD", help="when the answers were given")
    parser.add_argument("--date", metavar="YYYY-MM-DD", help="procedure date (default today)")
    _common(parser)


def register(commands: Any) -> None:
    plan = commands.add_parser("plan", help="decide for a patient and print the FHIR Bundle")
    _patient_options(plan)
    plan.add_argument("--format", choices=("json", "text"), default="json",
                      help="json: the FHIR Bundle (default); text: the decision, findings, questions and dated care plan")
    plan.add_argument("--bundle", metavar="FILE", help="also write the FHIR Bundle to FILE (with --format text)")
    plan.add_argument("--with-documents", action="store_true",
                      help="add the consent form and the aftercare handout to the Bundle, as DocumentReferences with PDFs")
    plan.set_defaults(run=run_plan)
    screen = commands.add_parser("screen", help="decide for a patient and print a JSON summary")
    _patient_options(screen)
    screen.add_argument("--format", choices=("json", "text"), default="json",
                        help="json: the summary for scripts (default); text: the same for people")
    screen.set_defaults(run=run_screen)

    checklist = commands.add_parser("checklist", help="print the consent checklist Questionnaire")
    checklist.add_argument("id", metavar="ID")
    checklist.add_argument("--doc-version", "--version", dest="doc_version", metavar="V", help="guidance version")
    _common(checklist)
    checklist.set_defaults(run=run_checklist)

    questions = commands.add_parser("questions", help="print the screening Questionnaire: every question the engine may ask")
    questions.add_argument("id", metavar="ID")
    questions.add_argument("--doc-version", "--version", dest="doc_version", metavar="V", help="guidance version")
    _common(questions)
    questions.set_defaults(run=run_questions)

    consent = commands.add_parser("consent", help="turn a completed checklist response into a FHIR Consent")
    consent.add_argument("id", metavar="ID")
    consent.add_argument("--response", required=True, metavar="FILE", help="QuestionnaireResponse JSON; - reads standard input")
    consent.add_argument("--patient", metavar="FILE",
                         help="the patient consenting (FHIR Bundle or plain mapping): the response's subject must be them")
    consent.add_argument("--date", metavar="YYYY-MM-DD", help="date the consent is recorded (default today)")
    consent.add_argument("--doc-version", "--version", dest="doc_version", metavar="V", help="guidance version")
    _common(consent)
    consent.set_defaults(run=run_consent)

    export = commands.add_parser("export", help="export the library as PlanDefinition/ActivityDefinition/Questionnaire")
    _common(export)
    export.set_defaults(run=run_export)


def _usage_checked(args: argparse.Namespace) -> None:
    """Dates on the command line are options: a malformed one is a usage error (exit 2)."""
    for option, value in (("--date", args.date), ("--last-treatment", args.last_treatment), ("--answered-at", args.answered_at)):
        if value is None or (option == "--last-treatment" and value == "never"):
            continue
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            never = " or never" if option == "--last-treatment" else ""
            raise UsageError(f"{option} takes a date as YYYY-MM-DD{never}, got {value!r}") from None
    last, date = args.last_treatment, dt.date.fromisoformat(args.date) if args.date else dt.date.today()
    if last not in (None, "never") and dt.date.fromisoformat(last) > date:
        raise UsageError(f"--last-treatment {last} is after the procedure date {date}; give the date of the last "
                         "treatment already done, or 'never'")
    if [args.patient, args.answers].count("-") > 1:
        raise UsageError("only one of --patient and --answers can be read from standard input ('-')")


def _prior_doses(values: list[str] | None) -> list[dict[str, str]] | None:
    """``--prior-dose DATE=QTY`` (repeatable) or ``--prior-dose none``; None when not given."""
    if values is None:
        return None
    if "none" in values:
        if len(values) > 1:
            raise UsageError("--prior-dose none says no dose was given; do not combine it with doses")
        return []
    doses = []
    for value in values:  # not _pairs: two doses may share a date
        when, _, qty = value.partition("=")
        try:
            dt.date.fromisoformat(when)
        except ValueError:
            raise UsageError(f"--prior-dose takes DATE=QTY (the date as YYYY-MM-DD) or none, got {value!r}") from None
        if not qty:
            raise UsageError(f"--prior-dose takes DATE=QTY, got {value!r}")
        doses.append({"date": when, "dose": qty})
    return doses


def _plan(args: argparse.Namespace) -> PlanResult:
    _usage_checked(args)
    answers: dict[str, Any] = {}
    if args.answers:
        loaded = read_input(args.answers, "answers")
        if not isinstance(loaded, dict):
            raise InputError(f"{args.answers}: answers must be a JSON object of criterion: yes|no, or a QuestionnaireResponse")
        answers.update(loaded)
    if answers.get("resourceType") == "QuestionnaireResponse" and args.answer:
        raise UsageError("give the answers as a QuestionnaireResponse or with --answer, not both")
    answers.update(_pairs(args.answer, "--answer"))
    proposed = {"dose": args.dose, "params": _pairs(args.param, "--param"), "last_treatment": args.last_treatment,
                "regimen": args.regimen, "indication": args.indication, "prior_doses": _prior_doses(args.prior_dose)}
    stated = any(value is not None and value != {} for value in proposed.values())
    return _engine(args).plan(args.id, read_input(args.patient, "patient"), proposed=proposed if stated else None,
                              date=args.date, answers=answers, version=args.doc_version, fhir_version=args.fhir,
                              answered_by=args.answered_by, answered_at=args.answered_at,
                              with_documents=getattr(args, "with_documents", False))


def _readable(result: PlanResult, output: str | None) -> None:
    from ..decision_text import decision_text, terminal_style

    width, colour = terminal_style(sys.stdout) if output in (None, "-") else (80, False)
    emit(decision_text(result, width=width, colour=colour), output)


def run_plan(args: argparse.Namespace) -> int:
    if args.bundle and args.format != "text":
        raise UsageError("--bundle writes the Bundle beside the readable text: use it with --format text")
    if args.bundle and args.bundle in ("-", args.output):
        raise UsageError("--bundle needs a file of its own, not standard output or the --output file")
    result = _plan(args)
    if args.format == "text":
        if args.bundle:
            emit_json(result.bundle, args.bundle)
        _readable(result, args.output)
    else:
        emit_json(result.bundle, args.output)
    return 0


def run_screen(args: argparse.Namespace) -> int:
    result = _plan(args)
    if args.format == "text":
        _readable(result, args.output)
    else:
        emit_json(result.summary(), args.output)
    return 0


def run_questions(args: argparse.Namespace) -> int:
    emit_json(_engine(args).questions(args.id, version=args.doc_version, fhir_version=args.fhir), args.output)
    return 0


def run_checklist(args: argparse.Namespace) -> int:
    emit_json(_engine(args).checklist(args.id, version=args.doc_version, fhir_version=args.fhir), args.output)
    return 0


def run_consent(args: argparse.Namespace) -> int:
    if args.date is not None:
        try:
            dt.date.fromisoformat(args.date)
        except ValueError:
            raise UsageError(f"--date takes a date as YYYY-MM-DD, got {args.date!r}") from None
    if args.response == "-" and args.patient == "-":
        raise UsageError("only one of --patient and --response can be read from standard input ('-')")
    response = read_input(args.response, "response")
    patient = read_input(args.patient, "patient") if args.patient else None
    emit_json(_engine(args).consent(args.id, response, version=args.doc_version, fhir_version=args.fhir,
                                    patient=patient, date=args.date), args.output)
    return 0


def run_export(args: argparse.Namespace) -> int:
    emit_json(_engine(args).export(args.fhir), args.output)
    return 0
