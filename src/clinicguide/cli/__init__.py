"""The ``clinicguide`` command line: parser assembly, error handling and exit codes.

Exit codes: 0 ok, 1 content or input problems, 2 usage or environment. Anything a user
can cause ends in a one-line message, never a traceback.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

from ..errors import ClinicguideError, ContentError, did_you_mean
from ..escape import printable
from ..report import error_output, refuse
from . import audit, content, decide, documents, new, plugins, serve
from .common import EXIT_CODES, describe

#: Modules that each add their subcommands with ``register(subparsers)``.
COMMAND_MODULES = (content, decide, documents, new, audit, plugins, serve)

# Options whose value is NAME=VALUE, one word: a space instead of '=' leaves the value over.
_PAIR_OPTIONS = ("--param", "--answer")
_INVALID_CHOICE = re.compile(r"invalid choice: '(?P<value>[^']*)' \(choose from (?P<choices>.*)\)")


class _Parser(argparse.ArgumentParser):
    """argparse with whole option names only, and errors that show the usage of the command at fault."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False  # --dat is not --date
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:  # argparse's own usage errors: exit 2, no traceback
        choice = _INVALID_CHOICE.search(message)
        if choice:
            message += did_you_mean(choice["value"], re.findall(r"'([^']*)'", choice["choices"]))
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {printable(message)}\n")

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None) -> tuple[argparse.Namespace, list[str]]:
        given = list(sys.argv[1:] if args is None else args)
        if self._subparsers is not None:
            self._unknown_leading_option(given)
        parsed, extras = super().parse_known_args(given, namespace)
        if extras and self._defaults.get("run") is not None:  # a command: its own usage, not the program's
            self.error(self._unrecognized(given, extras))
        return parsed, extras

    def _unknown_leading_option(self, given: list[str]) -> None:
        """An unknown option before the command (--verison) is named, not reported as a missing command."""
        for arg in given:
            if not arg.startswith("-") or arg == "-":
                return
            name = arg.partition("=")[0]
            if name not in self._option_string_actions:
                self.error(f"unknown option {name!r}{did_you_mean(name, self._option_string_actions)}")

    def _unrecognized(self, given: list[str], extras: list[str]) -> str:
        first = extras[0]
        if first.startswith("-") and first != "-":
            name = first.partition("=")[0]
            return f"unknown option {name!r}{did_you_mean(name, self._option_string_actions)}"
        index = given.index(first) if first in given else -1
        if index >= 2 and given[index - 2] in _PAIR_OPTIONS and "=" not in given[index - 1]:
            option, name = given[index - 2], given[index - 1]
            return f"{option} takes NAME=VALUE as one word: write {option} {name}={first}"
        return f"unexpected argument {first!r}" + (f" (and {len(extras) - 1} more)" if len(extras) > 1 else "")


class _Version(argparse.Action):
    """``--version``, as argparse's own action prints it, but looked up only when asked for.

    The version comes from importlib.metadata, whose import (~30 ms) every command would
    otherwise pay when the parser is built.
    """

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, default: str = argparse.SUPPRESS,
                 help: str = "show program's version number and exit") -> None:
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        from ..version import package_version

        formatter = parser._get_formatter()
        formatter.add_text(f"clinicguide {package_version()}")
        parser._print_message(formatter.format_help(), sys.stdout)
        parser.exit()


_PATIENT = "--patient examples/patients/maria-lopez.json"
#: Each command's description and examples, shown by ``clinicguide COMMAND --help``.
HELP: dict[str, tuple[str, tuple[str, ...]]] = {
    "validate": (("Check guidance files against the schema they declare and the content rules. Every problem is "
                 "printed as file:line:col: CODE message; PATH '-' reads one document from standard input."),
                 ("clinicguide validate guidance/ my-site/", "clinicguide validate - < draft.yaml",
                  "clinicguide validate --codes")),
    "list": ("List the guidance documents: the packaged ones, the plugins' and those given with --guidance.",
             ("clinicguide list --guidance my-site/",)),
    "show": ("Print one guidance document readably, with its sources.",
             ("clinicguide show microneedling", "clinicguide show my-peel --guidance my-site/ --doc-version 1.0.0")),
    "sources": (("List each source with its evidence level, its URL or identifier, and the items that cite it, "
                 "so an auditor can spot-check the guidance."),
                ("clinicguide sources isotretinoin-oral", "clinicguide sources --format json")),
    "new": (("Write the skeleton of a new guidance document, ID.yaml, with TODO markers that validate reports "
            "until they are filled in."), (("clinicguide new glycolic-peel --kind procedure && clinicguide validate "
                                          "glycolic-peel.yaml"),)),
    "plan": (("Decide whether the patient can have the intervention and print the FHIR Bundle (CarePlan, "
             "Questionnaires, DetectedIssues, Provenance). FILE '-' reads standard input."),
             (f"clinicguide plan microneedling {_PATIENT} --param needle-depth=1.0mm --last-treatment never",)),
    "screen": (("Decide as plan does and print a short JSON summary: the decision, the findings, the open "
               "questions and the answers used. FILE '-' reads standard input."),
               (f"clinicguide screen microneedling {_PATIENT} --answer ci-pregnancy=no --date 2026-12-01",)),
    "document": (("Write a patient document: the consent form (the treatment, its risks in plain words, tick boxes, "
                  "signatures) or the aftercare handout (a dated timeline, warning signs, the site's contacts), as "
                  "accessible HTML or tagged PDF."),
                 ("clinicguide document aftercare microneedling --date 2026-12-01 --format pdf --output aftercare.pdf",
                  f"clinicguide document consent microneedling {_PATIENT} --output consent.html")),
    "questions": ("Print the screening Questionnaire: every question the engine may ask for this guidance.",
                  ("clinicguide questions microneedling --fhir R5",)),
    "checklist": ("Print the consent checklist Questionnaire of a guidance document.",
                  ("clinicguide checklist microneedling",)),
    "consent": (("Turn a completed consent checklist (a QuestionnaireResponse) into a FHIR Consent; exit 1 lists "
                "the items not acknowledged. FILE '-' reads standard input."),
                ("clinicguide consent microneedling --response examples/responses/microneedling-complete.json",)),
    "export": ("Export the library as FHIR PlanDefinition, ActivityDefinition, Questionnaire and CodeSystem resources.",
               ("clinicguide export --fhir R5 --output export.json",)),
    "plugins": ("List the loaded plugins with their distribution, version and hooks.", ("clinicguide plugins",)),
    "release": ("Build, verify and record guidance releases.", ("clinicguide release verify bundle.tar.gz",)),
    "release build": ("Write a deterministic release bundle (.tar.gz) and print its SHA-256.",
                      ("clinicguide release build --out bundle.tar.gz",)),
    "release verify": ("Check a bundle from nothing but the bundle: hashes, schemas, cross-references.",
                       ("clinicguide release verify bundle.tar.gz",)),
    "release record": ("Record the current guidance versions (or a schema version) as released.",
                       ("clinicguide release record", "clinicguide release record --schema 1.1")),
    "diff": (("Clinical changes between two releases (bundles, release trees or guidance folders); loosenings "
             "are marked for sign-off."), ("clinicguide diff old.tar.gz new.tar.gz --fail-on-loosening",)),
    **serve.HELP,
}


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _describe_all(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    for name, command in _subcommands(parser).items():
        description, examples = HELP.get(prefix + name, (command.description or "", ()))
        describe(command, description, *examples)
        _describe_all(command, f"{prefix}{name} ")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="clinicguide", description="Sourced guidance and decision support for aesthetic-dermatology clinics.",
                     epilog=f"Run 'clinicguide COMMAND --help' for a command's options and an example.\n{EXIT_CODES}")
    parser.add_argument("--version", action=_Version)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    for module in COMMAND_MODULES:
        module.register(commands)
    _describe_all(parser)
    return parser


@contextmanager
def _signals_unwind() -> Iterator[None]:
    """SIGTERM and SIGHUP end the command as Ctrl-C does: by an exception, so that every
    temporary folder (an unpacked bundle) is removed on the way out, not left behind."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers; a host calling main() elsewhere keeps its own
        return

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    names = [name for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    before = {name: signal.signal(getattr(signal, name), stop) for name in names}
    try:
        yield
    finally:
        for name, handler in before.items():
            signal.signal(getattr(signal, name), handler)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with _signals_unwind():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        return int(args.run(args))
    except ContentError as exc:
        refuse(exc.problems, f"{len(exc.problems)} problem(s) in the guidance")
        return exc.exit_code
    except ClinicguideError as exc:
        error_output(f"clinicguide: error: {printable(str(exc))}\n")
        return exc.exit_code
    except BrokenPipeError:  # output piped to a pager that quit early
        return 0
    except KeyboardInterrupt:
        return 130
