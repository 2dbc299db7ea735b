"""The one reader of input bytes: a regular file, a pipe or standard input, never more than a limit.

Every input (guidance, patients, answers, responses, bundles, schemas and release records)
comes through :func:`read_bounded`. Checking a file's size first is not enough: a device
(``/dev/zero``, ``/dev/urandom``) or a pipe reports size 0 and never ends, so the reader
refuses devices and sockets outright and reads at most one byte past the limit from
anything else, whatever it claims to hold.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import BinaryIO

#: What an input that is neither a regular file nor (where allowed) a pipe is, by file type.
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISLNK, "a symbolic link"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISFIFO, "a named pipe"))


class Unreadable(Exception):
    """An input that cannot be read as given; ``reason`` says why, in words fit for a message.

    ``kind`` is ``"missing"``, ``"folder"``, ``"not-a-file"``, ``"too-large"`` or ``"error"``,
    so that each caller can choose its own error class and exit code.
    """

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind, self.reason = kind, reason


def read_bounded(path: Path | None, limit: int, *, pipes: bool = False, links: bool = True) -> bytes:
    """The bytes of ``path`` (standard input for None), at most ``limit`` of them.

    ``pipes``: a named pipe is read like standard input (``--patient <(...)``); without
    it, as where files are found by walking a folder, a pipe is refused, since it might
    never be written to. ``links=False`` refuses a symbolic link in place of the file
    (``release build`` packs the tree's own files, never what a link points at).

    :raises Unreadable: if ``path`` is missing, a folder, a device, a socket (or a pipe
        where not allowed), larger than ``limit``, or cannot be read.
    """
    if path is None:
        try:
            return _limited(sys.stdin.buffer, limit, "standard input")
        except (OSError, AttributeError, ValueError) as exc:  # closed, or not a byte stream
            raise Unreadable("error", f"cannot read standard input: {exc}") from None
    try:
        info = path.stat() if links else path.lstat()
        _check_type(info.st_mode, pipes)
        if stat.S_ISREG(info.st_mode) and info.st_size > limit:
            raise Unreadable("too-large", f"is {info.st_size} bytes; the limit is {limit}")
        # Not blocking on open, where a pipe is not wanted: the name may have been pointed at
        # one since it was looked at. The open file's type is then checked again.
        flags = os.O_RDONLY | (0 if pipes else os.O_NONBLOCK) | (0 if links else getattr(os, "O_NOFOLLOW", 0))
        fd = os.open(path, flags | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as stream:
            _check_type(os.fstat(fd).st_mode, pipes)
            return _limited(stream, limit, "file")
    except FileNotFoundError:
        raise Unreadable("missing", "no such file") from None
    except OSError as exc:
        raise Unreadable("error", f"cannot read: {exc.strerror or exc}") from None


def _check_type(mode: int, pipes: bool) -> None:
    if stat.S_ISREG(mode) or (pipes and stat.S_ISFIFO(mode)):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "of another kind")
    raise Unreadable("folder" if stat.S_ISDIR(mode) else "not-a-file", f"is {kind}, not a file")


def _limited(stream: BinaryIO, limit: int, what: str) -> bytes:
    data = stream.read(limit + 1)  # one byte past the limit tells "too large" from "just fits"
    if len(data) > limit:
        raise Unreadable("too-large", f"{what} is larger than the limit of {limit} bytes")
    return data
