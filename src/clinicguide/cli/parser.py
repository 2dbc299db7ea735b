"""The command line's parser: whole option names, usage errors that name the command at fault, each command's help."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from importlib import import_module
from typing import Any, NoReturn

from ..version import version_line
from .common import EXIT_CODES, describe

# Only the module of the command given is imported: each brings in what its commands use
# (the engine, the release modules), which no other command should pay for at start-up.
#: Modules that each add their subcommands with ``register(subparsers)``, in the order the help lists them.
COMMAND_MODULES = ("content", "decide", "documents", "new", "audit", "plugins", "serve")
#: The module that registers each command.
COMMANDS = {"validate": "content", "list": "content", "show": "content", "sources": "content", "plan": "decide",
            "screen": "decide", "checklist": "decide", "questions": "decide", "consent": "decide", "export": "decide",
            "new": "new", "release": "audit", "diff": "audit", "plugins": "plugins", "serve": "serve",
            "feedback": "serve", "jwks": "serve", "document": "documents"}

# Options whose value is NAME=VALUE, one word: a space instead of '=' leaves the value over.
_PAIR_OPTIONS = ("--param", "--answer")
_INVALID_CHOICE = re.compile(r"invalid choice: '(?P<value>[^']*)' \(choose from (?P<choices>.*)\)")


class _Parser(argparse.ArgumentParser):
    """argparse with whole option names only, and errors that show the usage of the command at fault."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False  # --dat is not --date
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:  # argparse's own usage errors: exit 2, no traceback
        from ..errors import did_you_mean
        from ..escape import printable

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
        from ..errors import did_you_mean

        for arg in given:
            if not arg.startswith("-") or arg == "-":
                return
            name = arg.partition("=")[0]
            if name not in self._option_string_actions:
                self.error(f"unknown option {name!r}{did_you_mean(name, self._option_string_actions)}")

    def _unrecognized(self, given: list[str], extras: list[str]) -> str:
        from ..errors import did_you_mean

        first = extras[0]
        if first.startswith("-") and first != "-":
            name = first.partition("=")[0]
            return f"unknown option {name!r}{did_you_mean(name, self._option_string_actions)}"
        index = given.index(first) if first in given else -1
        if index >= 2 and given[index - 2] in _PAIR_OPTIONS and "=" not in given[index - 1]:
            option, name = given[index - 2], given[index - 1]
            return f"{option} takes NAME=VALUE as one word: write {option} {name}={first}"
        return f"unexpected argument {first!r}" + (f" (and {len(extras) - 1} more)" if len(extras) > 1 else "")


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
    "questions": ("Print the screening Questionnaire: every question the engine may ask for this guidance.",
                  ("clinicguide questions microneedling --fhir R5",)),
    "checklist": ("Print the consent checklist Questionnaire of a guidance document.",
                  ("clinicguide checklist microneedling",)),
    "consent": (("Turn a completed consent checklist (a QuestionnaireResponse) into a FHIR Consent; exit 1 lists "
                "the items not acknowledged. FILE '-' reads standard input."),
                ("clinicguide consent microneedling --response examples/responses/microneedling-complete.json",)),
    "export": ("Export the library as FHIR PlanDefinition, ActivityDefinition, Questionnaire and CodeSystem resources.",
               ("clinicguide export --fhir R5 --output export.json",)),
    "document": (("Write a patient document: the consent form (the treatment, its risks in plain words, tick boxes, "
                  "signatures) or the aftercare handout (a dated timeline, warning signs, the site's contacts), as "
                  "accessible HTML or tagged PDF."),
                 ("clinicguide document aftercare microneedling --date 2026-12-01 --format pdf --output aftercare.pdf",
                  f"clinicguide document consent microneedling {_PATIENT} --output consent.html")),
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
}


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _describe_all(parser: argparse.ArgumentParser, helps: dict[str, tuple[str, tuple[str, ...]]], prefix: str = "") -> None:
    for name, command in _subcommands(parser).items():
        description, examples = helps.get(prefix + name, (command.description or "", ()))
        describe(command, description, *examples)
        _describe_all(command, helps, f"{prefix}{name} ")


def _modules_for(given: Sequence[str] | None) -> Sequence[str]:
    """The command modules a command line needs: the named command's, or all (for the overall help or an unknown command)."""
    for arg in given or ():
        if arg in ("-h", "--help"):
            break
        if not arg.startswith("-"):
            return (COMMANDS[arg],) if arg in COMMANDS else COMMAND_MODULES
    return COMMAND_MODULES


def build_parser(given: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for the command line ``given``: with only its command's module, or every command when none is given."""
    parser = _Parser(prog="clinicguide", description="Sourced guidance and decision support for aesthetic-dermatology clinics.",
                     epilog=f"Run 'clinicguide COMMAND --help' for a command's options and an example.\n{EXIT_CODES}")
    parser.add_argument("--version", action="version", version=version_line())
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    helps = dict(HELP)
    for name in _modules_for(given):
        module = import_module(f"{__package__}.{name}")
        module.register(commands)
        helps.update(getattr(module, "HELP", {}))  # a module may describe its own commands
    _describe_all(parser, helps)
    return parser


