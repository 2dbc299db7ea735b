"""The ``clinicguide`` command line: parser assembly, error handling and exit codes.

Exit codes: 0 ok, 1 content or input problems, 2 usage or environment. Anything a user
can cause ends in a one-line message, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..errors import ClinicguideError, ContentError
from . import audit, content, decide, plugins

#: Modules that each add their subcommands with ``register(subparsers)``.
COMMAND_MODULES = (content, decide, audit, plugins)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own usage errors: exit 2, no traceback
        self.print_usage(sys.stderr)
        self.exit(2, f"clinicguide: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = _Parser(prog="clinicguide", description="Sourced guidance and decision support for aesthetic-dermatology clinics.")
    parser.add_argument("--version", action="version", version=f"clinicguide {__version__}")
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
        for found in exc.problems:
            print(found, file=sys.stderr)
        print(f"clinicguide: {len(exc.problems)} problem(s) in the guidance", file=sys.stderr)
        return exc.exit_code
    except ClinicguideError as exc:
        print(f"clinicguide: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # output piped to a pager that quit early
        return 0
    except KeyboardInterrupt:
        return 130
