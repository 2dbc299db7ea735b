"""The ``new`` command: write the skeleton of a new guidance document."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from ..content.schemas import SCHEMA_FILE, available
from ..content.skeleton import KINDS, check_id, skeleton
from ..errors import UsageError
from ..report import emit
from ..resources import schemas_dir


def register(commands: Any) -> None:
    new = commands.add_parser("new", help="write the skeleton of a new guidance document, with TODO markers to fill in")
    new.add_argument("id", metavar="ID", help="the new document's id, e.g. glycolic-acid-peel")
    new.add_argument("--kind", choices=KINDS, required=True, help="what the intervention is")
    new.add_argument("--output", "-o", metavar="FILE", help="where to write it (default: ID.yaml in the current folder)")
    new.set_defaults(run=run_new)


def run_new(args: argparse.Namespace) -> int:
    check_id(args.id)
    out = Path(args.output) if args.output else Path(f"{args.id}.yaml")
    schema = available()[-1]
    schema_file = schemas_dir() / "guidance" / schema / SCHEMA_FILE
    try:
        modeline = Path(os.path.relpath(schema_file, out.resolve().parent)).as_posix()
    except ValueError:  # another drive on Windows
        modeline = schema_file.as_posix()
    text = skeleton(args.id, args.kind, schema, modeline)
    try:
        with out.open("x", encoding="utf-8") as stream:  # never overwrite a document
            stream.write(text)
    except FileExistsError:
        raise UsageError(f"{out}: already exists; choose another name with --output, or remove it first") from None
    except OSError as exc:
        raise UsageError(f"{out}: cannot write: {exc.strerror or exc}") from None
    emit(f"wrote {out}: fill in each TODO, then run: clinicguide validate {out}\n")
    return 0
