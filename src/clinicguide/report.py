"""Reporters: how results and located problems are written, as text, JSON or GitHub annotations.

The one place an output format is chosen. A command picks a :class:`Reporter` with
:func:`reporter` and hands it what it found; the reporter writes it to standard output
(or a file) and any refusal to standard error. Problems are written one per line as
``file:line:col: CODE message`` (``file: CODE message`` for a whole file), the form
editors and CI logs turn into links.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .codes import PROBLEM_CODES
from .errors import Problem, UsageError
from .escape import printable, printable_lines
from .jsonfile import text, writable_target

if TYPE_CHECKING:  # annotations only: the model and the plugin manager are imported by the commands that need them
    from .content.model import Guidance
    from .host.manager import PluginInfo

#: The formats every command with a ``--format`` option offers.
FORMATS = ("text", "json")
#: ``validate`` also writes problems as GitHub workflow annotations.
PROBLEM_FORMATS = (*FORMATS, "github")


# -- plumbing ---------------------------------------------------------------------------

def emit(text: str, output: str | None = None) -> None:
    """Print ``text``, or write it to ``output`` (``-`` means standard output).

    Every character but the line breaks that is not printable is escaped here, the last
    line of defence for text from inputs that a format forgot to escape field by field.
    """
    text = printable_lines(text)
    if output in (None, "-"):
        sys.stdout.write(text)
        return
    writable_target(Path(output))
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{output}: cannot write: {exc.strerror or exc}") from None


def emit_json(value: Any, output: str | None = None) -> None:
    """Write ``value`` as stable JSON (sorted keys, two-space indent)."""
    emit(text(value), output)


def display_path(path: str | Path) -> str:
    """``path`` relative to the working folder, as a person running the command would type it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def shown(problems: Iterable[Problem]) -> list[Problem]:
    """``problems`` with their files named relative to the working folder."""
    return [dataclasses.replace(p, file=display_path(p.file)) for p in problems]


def problem_lines(problems: Iterable[Problem], prefix: str = "") -> str:
    """One ``file:line:col: CODE message`` line per problem, each after ``prefix``."""
    return "".join(f"{prefix}{p}\n" for p in problems)


def refuse(problems: Sequence[Problem], summary: str, prefix: str = "") -> None:
    """Write why a command could not do its work to standard error: every problem, then ``clinicguide: summary``."""
    error_output(problem_lines(problems, prefix) + f"clinicguide: {summary}\n")


def error_output(text: str) -> None:
    """Write ``text`` to standard error, every non-printable character but the line breaks escaped."""
    sys.stderr.write(printable_lines(text))


# -- reporters --------------------------------------------------------------------------

class Reporter:
    """Plain text, for people: the default format."""

    def result(self, *, json: Callable[[], Any], text: Callable[[], str], output: str | None = None) -> None:
        """A command's result: its text, or (for JSON) its JSON data. Only the one written is computed."""
        emit(text(), output)

    def checked(self, files: int, problems: Sequence[Problem]) -> int:
        """What ``validate`` found in ``files`` files; the exit code (1 if there are errors; warnings pass)."""
        files_word = "file" if files == 1 else "files"
        errors = _errors(problems)
        summary = f"{errors} problem(s)" if errors else "no problems"
        if warned := len(problems) - errors:
            summary += f", {warned} warning(s)"
        emit(problem_lines(problems) + f"{files} {files_word} checked: {summary}\n")
        return 1 if errors else 0

    def nothing_found(self, paths: Sequence[str]) -> int:
        """``validate`` found no guidance file where it was pointed: say so, and fail (exit 1)."""
        error_output(f"clinicguide: {_nothing(paths)}\n")
        return 1

    def verdict(self, problems: Sequence[Problem], *, json: Callable[[], Any], text: Callable[[], str], failed: str) -> int:
        """A check that passes with no problems: its result if so, else the problems and ``failed`` on standard error."""
        if problems:
            refuse(problems, failed)
            return 1
        emit(text())
        return 0


class JsonReporter(Reporter):
    """JSON, for programs: everything on standard output, problems included."""

    def result(self, *, json: Callable[[], Any], text: Callable[[], str], output: str | None = None) -> None:
        emit_json(json(), output)

    def checked(self, files: int, problems: Sequence[Problem]) -> int:
        errors = _errors(problems)
        emit_json({"files": files, "ok": not errors, "problems": [p.as_json() for p in problems]})
        return 1 if errors else 0

    def nothing_found(self, paths: Sequence[str]) -> int:
        emit_json({"files": 0, "ok": False, "problems": [], "error": _nothing(paths)})
        return 1

    def verdict(self, problems: Sequence[Problem], *, json: Callable[[], Any], text: Callable[[], str], failed: str) -> int:
        emit_json(json())
        return 1 if problems else 0


class GithubReporter(Reporter):
    """GitHub workflow annotations: one ``::error`` (or ``::warning``) line per problem, shown on the file in a pull request."""

    def checked(self, files: int, problems: Sequence[Problem]) -> int:
        emit("".join(f"::{p.severity} file={_property(p.file)},line={p.line},col={p.column},title={_property(p.code)}::"
                     f"{_escape(p.message)}\n" for p in problems))
        return 1 if _errors(problems) else 0

    def nothing_found(self, paths: Sequence[str]) -> int:
        emit(f"::error title={_property('nothing to check')}::{_escape(_nothing(paths))}\n")
        return 1


def _errors(problems: Sequence[Problem]) -> int:
    return sum(not p.is_warning for p in problems)


def _nothing(paths: Sequence[str]) -> str:
    return (f"nothing to check: no guidance files (*.yaml, *.yml) found in {', '.join(paths)}; "
            "give the folder or files that hold the guidance")


def _escape(text: str) -> str:
    """A workflow command's data: ``%``, carriage returns and line feeds percent-encoded (as @actions/core's
    ``escapeData``), and any other non-printable character escaped, so one problem stays one command."""
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _property(text: str) -> str:
    """A workflow command's property value: as :func:`_escape`, and ``:`` and ``,`` too (@actions/core's
    ``escapeProperty``), which would otherwise end the value and start a property of the attacker's choosing."""
    return _escape(text).replace(":", "%3A").replace(",", "%2C")


_REPORTERS: dict[str, Reporter] = {"text": Reporter(), "json": JsonReporter(), "github": GithubReporter()}


def reporter(fmt: str) -> Reporter:
    """The reporter for a ``--format`` value (one of :data:`PROBLEM_FORMATS`)."""
    return _REPORTERS[fmt]


# -- codes, guidance and plugins --------------------------------------------------------

def codes_text() -> str:
    """Every problem code with its one-line summary (``validate --codes``)."""
    return "".join(f"{code}  {text}\n" for code, text in PROBLEM_CODES.items())


def guidance_rows(library: Iterable[Guidance]) -> list[dict[str, str]]:
    """``list``'s rows: id, version, status, kind and title of each document."""
    return [{"id": g.id, "version": g.version, "status": g.status, "kind": g.kind, "title": g.title} for g in library]


def _one_line(row: dict[str, Any]) -> dict[str, Any]:
    """A row of a text table with each text escaped to one printable line (a site's document may be anyone's)."""
    return {k: printable(v) if isinstance(v, str) else v for k, v in row.items()}


def guidance_table(rows: Sequence[dict[str, str]]) -> str:
    """``list``'s rows as aligned columns under a header."""
    rows = [_one_line(r) for r in rows]
    widths = {k: max([len(k)] + [len(r[k]) for r in rows]) for k in ("id", "version", "status")}
    header = f"{'ID':<{widths['id']}}  {'VERSION':<{widths['version']}}  {'STATUS':<{widths['status']}}  TITLE\n"
    return header + "".join(f"{r['id']:<{widths['id']}}  {r['version']:<{widths['version']}}  "
                            f"{r['status']:<{widths['status']}}  {r['title']}\n" for r in rows)


def guidance_json(value: Any) -> Any:
    """A document (or any part of it) as JSON data, leaving out fields that are empty or not given."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: guidance_json(getattr(value, f.name)) for f in dataclasses.fields(value)
                if getattr(value, f.name) not in (None, ())}
    if isinstance(value, tuple):
        return [guidance_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def source_rows(docs: Iterable[Guidance]) -> list[dict[str, Any]]:
    """``sources``' rows: each source of each document, its evidence, where to find it, and what cites it."""
    rows = []
    for doc in docs:
        cited: dict[str, list[str]] = {}
        for field in dataclasses.fields(doc):
            if field.name != "sources":  # the document's own list of sources cites nothing
                _citations(getattr(doc, field.name), cited)
        for source in doc.sources:
            rows.append({"guidance": doc.ref, "id": source.id, "title": source.title, "publisher": source.publisher,
                         "year": source.year, "evidence": source.evidence, "url": source.url,
                         "identifier": source.identifier, "note": source.note, "cited_by": cited.get(source.id, [])})
    return rows


def _citations(value: Any, found: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """The ids of the items that cite each source, in document order."""
    found = {} if found is None else found
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        ident, sources = getattr(value, "id", None), getattr(value, "sources", None)
        if isinstance(ident, str) and isinstance(sources, tuple):
            for source in sources:
                found.setdefault(source, []).append(ident)
        for field in dataclasses.fields(value):
            _citations(getattr(value, field.name), found)
    elif isinstance(value, tuple):
        for part in value:
            _citations(part, found)
    return found


def sources_text(rows: Sequence[dict[str, Any]]) -> str:
    """``sources``' rows, one block a source: what it is, where to find it, what cites it."""
    out = []
    for row in map(_one_line, rows):
        row["cited_by"] = [printable(c) for c in row["cited_by"]]
        where = row["url"] or row["identifier"] or "no URL or identifier recorded"
        year = f", {row['year']}" if row["year"] else ""
        out.append(f"{row['guidance']}  {row['id']}  [{row['evidence']}]  {row['title']} ({row['publisher']}{year})\n"
                   f"    {where}\n    cited by: {', '.join(row['cited_by']) or 'nothing'}\n")
    return "".join(out)


def guidance_text(doc: Guidance) -> str:
    """A readable plain-text rendering of one document, sources cited in brackets."""
    out = [f"{doc.title}", f"{doc.ref}  status: {doc.status}  kind: {doc.kind}  schema {doc.schema}"]
    if doc.summary:
        out += ["", doc.summary]
    review = doc.review
    reviewers = ", ".join(f"{p.name} ({p.role})" for p in review.reviewers) or f"none yet - {review.required_reviewer}"
    out += ["", f"Reviewed by: {reviewers}"]
    if review.approved:
        out.append(f"Approved {review.approved}; next review due {review.next_review}")
    out += ["", "Indications"] + [f"  - {i.text} ({i.label}){_cite(i.sources)}" for i in doc.indications]
    out += ["", "Contraindications"] + [f"  - [{c.severity}] {c.text}{_cite(c.sources)}\n      ask: {c.question}"
                                        for c in doc.contraindications]
    for regimen in doc.regimens:
        out += ["", f"Regimen: {regimen.title} ({regimen.label}, {regimen.route}){_cite(regimen.sources)}"]
        out += [f"  {r.parameter}: {r.low:g}-{r.high:g} {r.unit}{_cite(r.sources)}" for r in regimen.ranges]
        out += [f"  maximum {m.parameter}: {m.value:g} {m.unit} per {m.period if m.per == 'period' else m.per}"
                f"{' for ' + ', '.join(m.indications) if m.indications else ''}{_cite(m.sources)}" for m in regimen.maximums]
        if interval := regimen.min_interval:
            kind = "advisory interval" if interval.advisory else "minimum interval"
            out.append(f"  {kind}: {interval.duration}{_cite(interval.sources)}")
    return "\n".join(out + _care_lines(doc)) + "\n"


def _care_lines(doc: Guidance) -> list[str]:
    """The risks, consent, preparation, aftercare, monitoring and sources of :func:`guidance_text`."""
    out = ["", "Risks"] + [f"  - [{r.severity}, "
                           f"{r.frequency.category}{f', {r.frequency.percent:g}%' if r.frequency.percent is not None else ''}] "
                           f"{r.text}{_cite(r.sources)}" for r in doc.risks]
    out += ["", "Consent"] + [f"  - ({c.section}) {c.text}{_cite(c.sources)}"
                              + (f"\n      only after a yes to: {c.applies_when.question}" if c.applies_when else "")
                              for c in doc.consent]
    if doc.prerequisites:
        out += ["", "Before treatment"] + [f"  - {p.text}{_cite(p.sources)}" for p in doc.prerequisites]
    out += ["", "Aftercare"] + [f"  - [{a.category}] from {a.start}{f' for {a.lasts}' if a.lasts else ''}: "
                                f"{a.text}{_cite(a.sources)}" for a in doc.aftercare]
    if doc.monitoring:
        out += ["", "Monitoring"] + [f"  - [{m.kind}] {m.text} ({m.timing}){_cite(m.sources)}" for m in doc.monitoring]
    out += ["", "Sources"] + [f"  [{s.id}] {s.title}. {s.publisher}{f', {s.year}' if s.year else ''}. "
                              f"({s.evidence}){f' {s.url}' if s.url else ''}" for s in doc.sources]
    return out


def _cite(ids: tuple[str, ...]) -> str:
    return " [" + ", ".join(ids) + "]"


def plugins_json(plugins: Iterable[PluginInfo]) -> list[dict[str, Any]]:
    """``plugins``' JSON form: name, distribution, version, whether built in, and the hooks of each."""
    return [{"name": p.name, "distribution": p.distribution, "version": p.version, "builtin": p.builtin,
             "hooks": list(p.hooks)} for p in plugins]


def plugins_text(plugins: Sequence[PluginInfo]) -> str:
    """Each plugin with its distribution and version, and the hooks it implements below."""
    rows = [_one_line({"name": p.name, "distribution": p.distribution, "version": p.version}) for p in plugins]
    width = max(len(r["name"]) for r in rows)
    return "".join(f"{r['name']:<{width}}  {r['distribution']} {r['version']}{'  (built-in)' if p.builtin else ''}\n"
                   f"{'':<{width}}  hooks: {', '.join(p.hooks) or 'none'}\n" for r, p in zip(rows, plugins, strict=True))
