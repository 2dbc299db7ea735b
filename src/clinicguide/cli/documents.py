"""``clinicguide document consent|aftercare ID``: a patient document as accessible HTML or tagged PDF."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..jsonfile import read_input
from .common import source_options


def register(commands: Any) -> None:
    document = commands.add_parser("document", help="write a patient's consent form or aftercare handout (HTML or PDF)")
    document.add_argument("kind", choices=("consent", "aftercare"), metavar="consent|aftercare",
                          help="consent: the consent form; aftercare: the aftercare handout")
    document.add_argument("id", metavar="ID", help="guidance id, e.g. microneedling")
    document.add_argument("--patient", metavar="FILE",
                          help="whose document: a FHIR R4 Bundle or plain patient mapping (JSON); - reads standard input")
    document.add_argument("--date", metavar="YYYY-MM-DD", help="the procedure date; the aftercare timeline is dated from it")
    document.add_argument("--format", choices=("html", "pdf"), default="html", help="html (default) or pdf (tagged PDF/UA-1)")
    document.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")
    document.add_argument("--doc-version", dest="doc_version", metavar="V", help="guidance version (default: newest in force)")
    source_options(document)
    document.set_defaults(run=run_document)


def run_document(args: argparse.Namespace) -> int:
    from ..guide import ClinicGuide

    if args.date is not None:
        try:
            dt.date.fromisoformat(args.date)
        except ValueError:
            raise UsageError(f"--date takes a date as YYYY-MM-DD, got {args.date!r}") from None
    if args.format == "pdf" and args.output in (None, "-") and sys.stdout.isatty():
        raise UsageError("a PDF is not for the terminal: give --output FILE, or redirect standard output")
    patient = read_input(args.patient, "patient") if args.patient else None
    made = ClinicGuide(guidance_paths=args.guidance).document(args.kind, args.id, patient=patient, date=args.date,
                                                              format=args.format, version=args.doc_version)
    if args.output in (None, "-"):
        sys.stdout.buffer.write(made.content)
        sys.stdout.flush()
        return 0
    try:
        Path(args.output).write_bytes(made.content)
    except OSError as exc:
        raise UsageError(f"{args.output}: cannot write: {exc.strerror or exc}") from None
    return 0
