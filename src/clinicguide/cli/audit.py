"""Commands for releases and audit: ``release build|verify|record`` and ``diff``."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ContentError, Problem, UsageError
from ..resources import data_root
from .output import dumps, emit

# The release modules are imported by the commands that use them: they bring in jsonschema
# and the whole library (~60 ms), which every other command (validate, on every commit in
# a content repository) would otherwise pay when the parser is built.
if TYPE_CHECKING:
    from ..release import verify


class _Later:
    """A default shown in ``--help`` as ``%(default)s`` but looked up only when used or shown."""

    def __init__(self, get: Callable[[], str]) -> None:
        self.get = get

    def __str__(self) -> str:
        return self.get()


def _bundle() -> Any:
    from ..release import bundle

    return bundle


def register(commands: Any) -> None:
    release = commands.add_parser("release", help="build, verify and record guidance releases")
    actions = release.add_subparsers(dest="release_command", metavar="ACTION", parser_class=type(release))
    actions.required = True

    build = actions.add_parser("build", help="write a deterministic release bundle (.tar.gz) and print its SHA-256")
    build.add_argument("--root", metavar="DIR", help="release tree holding guidance/ and schemas/ (default: the packaged data)")
    build.add_argument("--out", metavar="PATH", default=_Later(lambda: _bundle().default_name()),
                       help="bundle file to write (default: ./%(default)s)")
    build.add_argument("--canonical-base", metavar="URL", default=_Later(lambda: _bundle().CANONICAL_BASE),
                       help="canonical base URL of the FHIR export (default: %(default)s)")
    build.set_defaults(run=run_build)

    check = actions.add_parser("verify", help="check a bundle from nothing but the bundle: hashes, schemas, cross-references")
    check.add_argument("bundle", metavar="BUNDLE")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.set_defaults(run=run_verify)

    record = actions.add_parser("record", help="record the current guidance versions (or a schema version) as released")
    record.add_argument("--root", metavar="DIR", help="release tree holding guidance/ and schemas/ (default: the packaged data)")
    record.add_argument("--schema", metavar="VERSION", help="freeze this schema version instead (e.g. 1.1)")
    record.set_defaults(run=run_record)

    compare = commands.add_parser("diff", help="clinical changes between two releases (bundles or folders)")
    compare.add_argument("old", metavar="OLD", help="the earlier release: a bundle, a release tree or a guidance folder")
    compare.add_argument("new", metavar="NEW", help="the later release, likewise")
    compare.add_argument("--format", choices=("text", "json"), default="text")
    compare.add_argument("--fail-on-loosening", action="store_true",
                         help="exit 1 if any change needs clinical sign-off (loosenings and changes whose direction is unclear)")
    compare.set_defaults(run=run_diff)


def _display(path: str) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path


def _root(value: str | None) -> Path:
    root = Path(value) if value else data_root()
    if not root.is_dir():
        raise UsageError(f"{root}: no such folder")
    return root


def _shown(problems: list[Problem]) -> list[Problem]:
    return [Problem(_display(p.file), p.line, p.column, p.code, p.message, p.path) for p in problems]


def run_build(args: argparse.Namespace) -> int:
    bundle = _bundle()
    started = time.perf_counter()
    try:
        built = bundle.build(_root(args.root), canonical_base=str(args.canonical_base))
    except ContentError as exc:
        raise ContentError(_shown(list(exc.problems))) from None
    out = Path(args.out) if isinstance(args.out, str) and args.out else Path(bundle.default_name())
    bundle.write(built, out)
    record = built.manifest
    guidance = len(record["guidance"])
    print(f"built {out}: {len(record['files']) + 1} files, {len(built.data)} bytes in {time.perf_counter() - started:.2f} s "
          f"({guidance} guidance document{'s' if guidance != 1 else ''}, schemas {', '.join(record['schemas']['versions'])}, "
          f"FHIR {record['fhir']['version']}: {record['fhir']['resources']} resources)", file=sys.stderr)
    if built.unrecorded:
        print("note: not yet in the guidance release history (run `clinicguide release record` before publishing): "
              + ", ".join(built.unrecorded), file=sys.stderr)
    emit(f"{built.sha256}  {out}\n")  # the form `sha256sum -c` reads
    return 0


def run_verify(args: argparse.Namespace) -> int:
    from ..release import verify

    report = verify.verify(Path(args.bundle))
    if args.format == "json":
        emit(dumps(report.as_json()))
        return 0 if report.ok else 1
    if not report.ok:
        for found in report.findings:
            print(found, file=sys.stderr)
        print(f"clinicguide: {args.bundle}: verification failed: {len(report.findings)} problem(s)", file=sys.stderr)
        return 1
    emit(_verified_text(report))
    return 0


def _verified_text(report: verify.Report) -> str:
    record = report.manifest or {}
    lines = [f"{report.bundle}: verified",
             f"  sha256 {report.sha256}",
             f"  {report.files} files match the manifest (size and SHA-256); no file missing, none extra",
             f"  package: {record['package']['name']} {record['package']['version']}",
             (f"  schemas: {', '.join(record['schemas']['versions'])} (released and unchanged: "
              f"{', '.join(record['schemas']['released']) or 'none'})"),
             (f"  guidance: {len(record['guidance'])} documents, each valid against the schema version it declares, "
              "cross-references resolved")]
    for g in record["guidance"]:
        review = g["review"]
        reviewers = ", ".join(f"{p.get('name')} ({p.get('role')})" for p in review["reviewers"]) or "no reviewer yet"
        dates = f"approved {review['approved']}, next review {review['next_review']}" if review["approved"] else "not approved"
        lines.append(f"    {g['id']} {g['version']} [{g['status']}] schema {g['schema']}: {reviewers}; {dates}")
    lines.append(f"  FHIR {record['fhir']['version']}: {record['fhir']['resources']} resources, a PlanDefinition and a "
                 "Questionnaire per guidance")
    if report.unrecorded:
        lines.append(f"  note: not in the bundle's guidance release history: {', '.join(report.unrecorded)}")
    return "\n".join(lines) + "\n"


def run_record(args: argparse.Namespace) -> int:
    if args.root is None and data_root().name == "_data":
        # The packaged data of an installed wheel: a record written there would be lost on upgrade.
        raise UsageError("release record writes the release history of a source tree; run it in a checkout or give --root")
    from ..content import history as guidance_history
    from ..content.check import check_paths
    from ..release import schema_history

    root = _root(args.root)
    schema_root = root / "schemas"
    today = dt.date.today()
    if args.schema:
        if schema_history.record(schema_root, args.schema, today):
            emit(f"recorded schema {args.schema} as released in {_display(str(schema_root / schema_history.RELEASES_FILE))}\n")
        else:
            emit(f"schema {args.schema} was already recorded, unchanged\n")
        return 0
    from ..version import package_version

    checked = check_paths([root / "guidance"], schema_root=schema_root)
    problems = [p for c in checked for p in c.problems]
    if problems:
        raise ContentError(_shown(problems))
    added = guidance_history.record(checked, schema_root, today, package_version())
    history = _display(str(guidance_history.history_path(schema_root)))
    summary = f"{len(added)} version(s) added to {history}\n" if added else f"nothing new to record in {history}\n"
    emit("".join(f"recorded {key}\n" for key in added) + summary)
    return 0


def run_diff(args: argparse.Namespace) -> int:
    from ..release import diff
    from ..release.findings import BundleRefused
    from ..release.source import load_release

    try:
        old, new = load_release(Path(args.old)), load_release(Path(args.new))
    except BundleRefused as exc:
        for found in exc.findings:
            print(f"{exc.bundle}: {found}", file=sys.stderr)
        print(f"clinicguide: {exc.bundle}: bundle refused: {len(exc.findings)} problem(s)", file=sys.stderr)
        return exc.exit_code
    diffs = diff.diff_releases(old.documents, new.documents)
    if args.format == "json":
        emit(dumps(diff.as_json(args.old, args.new, diffs)))
    else:
        emit(diff.as_text(args.old, args.new, diffs))
    if args.fail_on_loosening and diff.summary(diffs)["needs_signoff"]:
        return 1
    return 0
