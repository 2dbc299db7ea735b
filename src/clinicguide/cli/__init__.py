"""The ``clinicguide`` command line: error handling and exit codes (the parser is in :mod:`.parser`).

Exit codes: 0 ok, 1 content or input problems, 2 usage or environment. Anything a user
can cause ends in a one-line message, never a traceback.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: `clinicguide --version` imports no more than it needs
if TYPE_CHECKING:
    import argparse
    import contextlib
    from collections.abc import Iterator, Sequence


def main(argv: Sequence[str] | None = None) -> int:
    given = sys.argv[1:] if argv is None else list(argv)
    if given == ["--version"]:  # what argparse's version action prints, without building a parser first
        from ..version import version_line

        print(version_line())
        return 0
    from .parser import build_parser

    args = build_parser(given).parse_args(given)
    with _signals_unwind():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    from ..errors import ClinicguideError, ContentError
    from ..escape import printable
    from ..report import error_output, refuse

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


def _signals_unwind() -> contextlib.AbstractContextManager[None]:
    """SIGTERM and SIGHUP end the command as Ctrl-C does: by an exception, so that every
    temporary folder (an unpacked bundle) is removed on the way out, not left behind."""
    import contextlib
    import signal
    import threading

    @contextlib.contextmanager
    def unwinding() -> Iterator[None]:
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

    return unwinding()
