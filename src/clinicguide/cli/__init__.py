"""The ``clinicguide`` command line: error handling and exit codes (the parser is in :mod:`.parser`).

Exit codes: 0 ok, 1 content or input problems, 2 usage or environment. Anything a user
can cause ends in a one-line message, never a traceback.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: `clinicguide --version` imports no more than it needs
if TYPE_CHECKING:
    from collections.abc import Sequence

def main(argv: Sequence[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else list(argv)
    if given == ["--version"]:  # what argparse's version action prints, without building a parser first
        from ..version import version_line

        print(version_line())
        return 0
    from .parser import build_parser

    args = build_parser(given).parse_args(given)
    from ..errors import ClinicguideError, ContentError
    from ..report import refuse

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
