"""Commands for content: ``validate``, ``list``, ``show``, ``sources``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..content.check import STDIN, check_stream
from ..errors import Problem, UsageError
from ..report import (
    FORMATS,
    PROBLEM_FORMATS,
    codes_text,
    display_path,
    emit,
    guidance_json,
    guidance_rows,
    guidance_table,
    guidance_text,
    reporter,
    shown,
    source_rows,
    sources_text,
)
from ..resources import guidance_dir
from .common import source_options

# list and show import the library (and with it the plugin machinery) when they run, so
# that validate, which content repositories run on every commit, starts without it.


def register(commands: Any) -> None:
    validate = commands.add_parser("validate", help="check guidance files against their schema and the content rules")
    validate.add_argument("paths", nargs="*", metavar="PATH",
                          help="files or folders (default: the packaged guidance); '-' reads one document from standard input")
    validate.add_argument("--format", choices=PROBLEM_FORMATS, default="text",
                          help="report format (github: workflow annotations)")
    validate.add_argument("--codes", action="store_true", help="list every problem code and exit")
    validate.set_defaults(run=run_validate)

    listing = commands.add_parser("list", help="list the guidance documents")
    listing.add_argument("--format", choices=FORMATS, default="text")
    source_options(listing)
    listing.set_defaults(run=run_list)

    show = commands.add_parser("show", help="print one guidance document readably")
    show.add_argument("id", metavar="ID")
    # --doc-version, not --version: that is the program's own. The old spelling still works after ID.
    show.add_argument("--doc-version", "--version", dest="doc_version", metavar="V",
                      help="a specific version of the document (default: newest in force)")
    show.add_argument("--format", choices=FORMATS, default="text")
    source_options(show)
    show.set_defaults(run=run_show)

    sources = commands.add_parser("sources", help="list each source, its evidence, where to find it and what cites it")
    sources.add_argument("id", metavar="ID", nargs="?", help="one guidance document (default: every document)")
    sources.add_argument("--doc-version", dest="doc_version", metavar="V",
                         help="a specific version of the document (default: newest in force)")
    sources.add_argument("--format", choices=FORMATS, default="text")
    source_options(sources)
    sources.set_defaults(run=run_sources)


def run_validate(args: argparse.Namespace) -> int:
    if args.codes:
        emit(codes_text())
        return 0
    paths = [STDIN if p == "-" else Path(p) for p in args.paths] or [guidance_dir()]
    for path in paths:
        if path != STDIN and not path.exists():
            raise UsageError(f"{path}: no such file or folder")
    from ..content.readability import reading_level_warnings

    files, problems = 0, list[Problem]()
    for entry in check_stream(paths):  # each file's problems kept, not its data
        files += 1
        problems += [*entry.problems, *entry.warnings, *reading_level_warnings(entry)]
    if not files:  # an empty folder, or one of other files: a wrong path must not pass as "no problems"
        return reporter(args.format).nothing_found([display_path(p) for p in paths])
    return reporter(args.format).checked(files, shown(sorted(problems)))


def run_list(args: argparse.Namespace) -> int:
    from ..host.library import load_library  # with the site's plugins, as plans see the guidance

    rows = guidance_rows(load_library(*args.guidance))
    reporter(args.format).result(json=lambda: rows, text=lambda: guidance_table(rows))
    return 0


def run_show(args: argparse.Namespace) -> int:
    from ..host.library import load_library  # with the site's plugins, as plans see the guidance

    doc = load_library(*args.guidance).get(args.id, args.doc_version)
    reporter(args.format).result(json=lambda: guidance_json(doc), text=lambda: guidance_text(doc))
    return 0


def run_sources(args: argparse.Namespace) -> int:
    from ..host.library import load_library  # with the site's plugins, as plans see the guidance

    library = load_library(*args.guidance)
    docs = [library.get(args.id, args.doc_version)] if args.id else [library.get(i) for i in library.ids()]
    rows = source_rows(docs)
    reporter(args.format).result(json=lambda: rows, text=lambda: sources_text(rows))
    return 0
