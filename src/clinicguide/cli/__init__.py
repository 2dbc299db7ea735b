"""The ``clinicguide`` command line: parser assembly, error handling and exit codes.

Exit codes: 0 ok, 1 content or input problems, 2 usage or environment. Anything a user
can cause ends in a one-line message, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from ..errors import ClinicguideError, ContentError
from ..report import refuse
from . import audit, content, decide, plugins

#: Modules that each add their subcommands with ``register(subparsers)``.
COMMAND_MODULES = (content, decide, audit, plugins)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's own usage errors: exit 2, no traceback
        self.print_usage(sys.stderr)
        self.exit(2, f"clinicguide: error: {message}\n")


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


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="clinicguide", description="Sourced guidance and decision support for aesthetic-dermatology clinics.")
    parser.add_argument("--version", action=_Version)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    for module in COMMAND_MODULES:
        module.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args))
    except ContentError as exc:
        refuse(exc.problems, f"{len(exc.problems)} problem(s) in the guidance")
        return exc.exit_code
    except ClinicguideError as exc:
        print(f"clinicguide: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # output piped to a pager that quit early
        return 0
    except KeyboardInterrupt:
        return 130
