"""Commands for releases and audit: ``release build|verify|record`` and ``diff``."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import BundleRefused, ContentError, UsageError
from ..jsonfile import writable_target
from ..report import FORMATS, emit, error_output, refuse, reporter, shown
from ..resources import data_root

# The release modules are imported by the commands that use them: they bring in jsonschema
# and the whole library (~60 ms), which every other command (validate, on every commit in
# a content repository) would otherwise pay when the parser is built.


class _Later:
    """A default shown in ``--help`` as ``%(default)s`` but looked up only when used or shown."""

    def __init__(self, get: Callable[[], str]) -> None:
        self.get = get

    def __str__(self) -> str:
        return self.get()


def _build() -> Any:
    from ..release import build

    return build


def register(commands: Any) -> None:
    release = commands.add_parser("release", help="build, verify and record guidance releases")
    actions = release.add_subparsers(dest="release_command", metavar="ACTION", parser_class=type(release))
    actions.required = True

    build = actions.add_parser("build", help="write a deterministic release bundle (.tar.gz) and print its SHA-256")
    build.add_argument("--root", metavar="DIR", help="release tree holding guidance/ and schemas/ (default: the packaged data)")
    build.add_argument("--out", metavar="PATH", default=_Later(lambda: _build().default_name()),
                       help="bundle file to write (default: ./%(default)s)")
    build.add_argument("--canonical-base", metavar="URL", default=_Later(lambda: _build().CANONICAL_BASE),
                       help="canonical base URL of the FHIR export (default: %(default)s)")
    build.set_defaults(run=run_build)

    check = actions.add_parser("verify", help="check a bundle from nothing but the bundle: hashes, schemas, cross-references")
    check.add_argument("bundle", metavar="BUNDLE")
    check.add_argument("--format", choices=FORMATS, default="text")
    check.set_defaults(run=run_verify)

    record = actions.add_parser("record", help="record the current guidance versions (or a schema version) as released")
    record.add_argument("--root", metavar="DIR", help="release tree holding guidance/ and schemas/ (default: the packaged data)")
    record.add_argument("--schema", metavar="VERSION", help="freeze this schema version instead (e.g. 1.1)")
    record.set_defaults(run=run_record)

    compare = commands.add_parser("diff", help="clinical changes between two releases (bundles or folders)")
    compare.add_argument("old", metavar="OLD", help="the earlier release: a bundle, a release tree or a guidance folder")
    compare.add_argument("new", metavar="NEW", help="the later release, likewise")
    compare.add_argument("--format", choices=FORMATS, default="text")
    compare.add_argument("--fail-on-loosening", action="store_true",
                         help="exit 1 if any change needs clinical sign-off (loosenings and changes whose direction is unclear)")
    compare.set_defaults(run=run_diff)


def _root(value: str | None) -> Path:
    root = Path(value) if value else data_root()
    if not root.is_dir():
        raise UsageError(f"{root}: no such folder")
    return root


@contextmanager
def _problems_shown_relative() -> Iterator[None]:
    """Problems in a release tree named relative to the working folder, as the tree was given."""
    try:
        yield
    except ContentError as exc:
        raise ContentError(shown(exc.problems)) from None


def run_build(args: argparse.Namespace) -> int:
    build = _build()
    started = time.perf_counter()
    out = Path(args.out) if isinstance(args.out, str) and args.out else Path(build.default_name())
    writable_target(out)  # before the work, not after it
    with _problems_shown_relative():
        built = build.build(_root(args.root), canonical_base=str(args.canonical_base))
    build.write(built, out)
    error_output(built.summary(out, time.perf_counter() - started))
    emit(f"{built.sha256}  {out}\n")  # the form `sha256sum -c` reads
    return 0


def run_verify(args: argparse.Namespace) -> int:
    from ..release import verify

    result = verify.verify(Path(args.bundle))
    return reporter(args.format).verdict(
        result.problems, json=result.as_json, text=result.as_text,
        failed=f"{args.bundle}: verification failed: {len(result.problems)} problem(s)")


def run_record(args: argparse.Namespace) -> int:
    if args.root is None and data_root().name == "_data":
        # The packaged data of an installed wheel: a record written there would be lost on upgrade.
        raise UsageError("release record writes the release history of a source tree; run it in a checkout or give --root")
    from ..release import record

    root, today = _root(args.root), dt.date.today()
    if args.schema:
        emit(record.record_schema(root, args.schema, today))
        return 0
    with _problems_shown_relative():
        emit(record.record_guidance(root, today))
    return 0


def run_diff(args: argparse.Namespace) -> int:
    from ..release import changes, diff
    from ..release.source import load_release

    try:
        old, new = load_release(Path(args.old)), load_release(Path(args.new))
    except BundleRefused as exc:
        refuse(exc.problems, f"{exc.bundle}: bundle refused: {len(exc.problems)} problem(s)", prefix=f"{exc.bundle}: ")
        return exc.exit_code
    diffs = diff.diff_releases(old.documents, new.documents)
    reporter(args.format).result(json=lambda: changes.as_json(args.old, args.new, diffs),
                                        text=lambda: changes.as_text(args.old, args.new, diffs))
    return 1 if args.fail_on_loosening and changes.summary(diffs)["needs_signoff"] else 0
