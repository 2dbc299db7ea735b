"""Commands for content: ``validate``, ``list``, ``show``."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..codes import PROBLEM_CODES
from ..content.check import check_paths
from ..errors import Problem, UsageError
from ..resources import guidance_dir
from .output import dumps, emit

if TYPE_CHECKING:
    from ..content.model import Guidance

# list and show import the library (and with it the plugin machinery) when they run, so
# that validate, which content repositories run on every commit, starts without it.


def register(commands: Any) -> None:
    validate = commands.add_parser("validate", help="check guidance files against their schema and the content rules")
    validate.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: the packaged guidance)")
    validate.add_argument("--format", choices=("text", "json", "github"), default="text",
                          help="report format (github: workflow annotations)")
    validate.add_argument("--codes", action="store_true", help="list every problem code and exit")
    validate.set_defaults(run=run_validate)

    listing = commands.add_parser("list", help="list the guidance documents")
    listing.add_argument("--format", choices=("text", "json"), default="text")
    listing.set_defaults(run=run_list)

    show = commands.add_parser("show", help="print one guidance document readably")
    show.add_argument("id", metavar="ID")
    show.add_argument("--version", dest="doc_version", metavar="V", help="a specific version (default: newest in force)")
    show.add_argument("--format", choices=("text", "json"), default="text")
    show.set_defaults(run=run_show)


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def run_validate(args: argparse.Namespace) -> int:
    if args.codes:
        emit("".join(f"{code}  {text}\n" for code, text in PROBLEM_CODES.items()))
        return 0
    paths = [Path(p) for p in args.paths] or [guidance_dir()]
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
    checked = check_paths(paths)
    problems = [p for c in checked for p in c.problems]
    problems = [Problem(_display(Path(p.file)), p.line, p.column, p.code, p.message, p.path) for p in problems]
    emit(_report(args.format, len(checked), problems))
    return 1 if problems else 0


def _report(fmt: str, files: int, problems: list[Problem]) -> str:
    if fmt == "json":
        return dumps({"files": files, "ok": not problems, "problems": [
            {"file": p.file, "line": p.line, "column": p.column, "code": p.code,
             "message": p.message, "path": p.path} for p in problems]})
    if fmt == "github":
        def escape(text: str) -> str:
            return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return "".join(f"::error file={p.file},line={p.line},col={p.column},title={p.code}::{escape(p.message)}\n"
                       for p in problems)
    lines = [f"{p}\n" for p in problems]
    files_word = "file" if files == 1 else "files"
    summary = f"{len(problems)} problem(s)" if problems else "no problems"
    lines.append(f"{files} {files_word} checked: {summary}\n")
    return "".join(lines)


def run_list(args: argparse.Namespace) -> int:
    from ..host.library import load_library  # with the site's plugins, as plans see the guidance

    library = load_library()
    rows = [{"id": g.id, "version": g.version, "status": g.status, "kind": g.kind, "title": g.title} for g in library]
    if args.format == "json":
        emit(dumps(rows))
        return 0
    widths = {k: max([len(k)] + [len(r[k]) for r in rows]) for k in ("id", "version", "status")}
    header = f"{'ID':<{widths['id']}}  {'VERSION':<{widths['version']}}  {'STATUS':<{widths['status']}}  TITLE\n"
    emit(header + "".join(f"{r['id']:<{widths['id']}}  {r['version']:<{widths['version']}}  {r['status']:<{widths['status']}}  "
                          f"{r['title']}\n" for r in rows))
    return 0


def run_show(args: argparse.Namespace) -> int:
    from ..host.library import load_library  # with the site's plugins, as plans see the guidance

    doc = load_library().get(args.id, args.doc_version)
    if args.format == "json":
        emit(dumps(_as_json(doc)))
        return 0
    emit(render(doc))
    return 0


def _as_json(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        return {f.name: _as_json(getattr(value, f.name)) for f in dataclasses.fields(value)
                if getattr(value, f.name) not in (None, ())}
    if isinstance(value, tuple):
        return [_as_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def render(doc: Guidance) -> str:
    """A readable plain-text rendering of one document, sources cited in brackets."""
    def cite(ids: tuple[str, ...]) -> str:
        return " [" + ", ".join(ids) + "]"

    out = [f"{doc.title}", f"{doc.ref}  status: {doc.status}  kind: {doc.kind}  schema {doc.schema}"]
    if doc.summary:
        out += ["", doc.summary]
    review = doc.review
    reviewers = ", ".join(f"{p.name} ({p.role})" for p in review.reviewers) or f"none yet - {review.required_reviewer}"
    out += ["", f"Reviewed by: {reviewers}"]
    if review.approved:
        out.append(f"Approved {review.approved}; next review due {review.next_review}")
    out += ["", "Indications"] + [f"  - {i.text} ({i.label}){cite(i.sources)}" for i in doc.indications]
    out += ["", "Contraindications"] + [f"  - [{c.severity}] {c.text}{cite(c.sources)}\n      ask: {c.question}"
                                        for c in doc.contraindications]
    for regimen in doc.regimens:
        out += ["", f"Regimen: {regimen.title} ({regimen.label}, {regimen.route}){cite(regimen.sources)}"]
        out += [f"  {r.parameter}: {r.low:g}-{r.high:g} {r.unit}{cite(r.sources)}" for r in regimen.ranges]
        out += [f"  maximum {m.parameter}: {m.value:g} {m.unit} per {m.per if m.per == 'session' else m.period}{cite(m.sources)}"
                for m in regimen.maximums]
        if regimen.min_interval:
            out.append(f"  minimum interval: {regimen.min_interval.duration}{cite(regimen.min_interval.sources)}")
    out += ["", "Risks"] + [f"  - [{r.severity}, "
                            f"{r.frequency.category}{f', {r.frequency.percent:g}%' if r.frequency.percent is not None else ''}] "
                            f"{r.text}{cite(r.sources)}" for r in doc.risks]
    out += ["", "Consent"] + [f"  - ({c.section}) {c.text}{cite(c.sources)}" for c in doc.consent]
    if doc.prerequisites:
        out += ["", "Before treatment"] + [f"  - {p.text}{cite(p.sources)}" for p in doc.prerequisites]
    out += ["", "Aftercare"] + [f"  - [{a.category}] from {a.start}{f' for {a.lasts}' if a.lasts else ''}: "
                                f"{a.text}{cite(a.sources)}" for a in doc.aftercare]
    if doc.monitoring:
        out += ["", "Monitoring"] + [f"  - [{m.kind}] {m.text} ({m.timing}){cite(m.sources)}" for m in doc.monitoring]
    out += ["", "Sources"] + [f"  [{s.id}] {s.title}. {s.publisher}{f', {s.year}' if s.year else ''}. "
                              f"({s.evidence}){f' {s.url}' if s.url else ''}" for s in doc.sources]
    return "\n".join(out) + "\n"
