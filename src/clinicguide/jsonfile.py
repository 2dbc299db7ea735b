"""Reading and writing JSON: the small records of a release (histories, manifests) and command output.

Also what those records hold besides plain values: SHA-256 digests and relative paths.
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from .errors import InputError, ReleaseRecordError, UsageError

MAX_RECORD_BYTES = 8 * 2**20
MAX_INPUT_BYTES = 20_000_000
#: A SHA-256 digest as records write it: 64 lower-case hex digits.
SHA256_PATTERN = "^[0-9a-f]{64}$"
_SHA256 = re.compile(SHA256_PATTERN)


def text(value: Any) -> str:
    """Stable JSON text: sorted keys, two-space indent, characters as they are, trailing newline (diffs stay small)."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def dumps(value: Any) -> bytes:
    """:func:`text` as UTF-8 bytes, as records are written."""
    return text(value).encode("utf-8")


def is_sha256(value: Any) -> bool:
    """Whether ``value`` is a SHA-256 digest in the records' form (lower-case hex)."""
    return isinstance(value, str) and _SHA256.fullmatch(value) is not None


def is_plain_relative_path(path: Any) -> bool:
    """A plain relative POSIX path: no leading slash, no '..', '.', empty parts, backslashes or
    unprintable characters (records name files that end up in terminal output)."""
    if not isinstance(path, str) or not path or path.startswith("/") or "\\" in path or not path.isprintable():
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


def loads(data: bytes, name: str) -> Any:
    """Parse JSON bytes, naming the file when they are not JSON."""
    if len(data) > MAX_RECORD_BYTES:
        raise ReleaseRecordError(name, f"is {len(data)} bytes; the limit is {MAX_RECORD_BYTES}")
    try:
        return json.loads(data.decode("utf-8"), parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise ReleaseRecordError(name, "is not UTF-8 text") from None
    except (json.JSONDecodeError, ValueError) as exc:
        raise ReleaseRecordError(name, f"is not valid JSON ({exc})") from None
    except RecursionError:
        raise ReleaseRecordError(name, "is nested too deeply") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def read_input(path: str, what: str) -> Any:
    """A JSON input file (a patient, answers, a response), or standard input for ``-``, at most
    :data:`MAX_INPUT_BYTES`; errors name the file and the line, never its content."""
    stdin = path == "-"
    if stdin:
        path = "<stdin>"
    try:
        if stdin:
            data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        else:
            with Path(path).open("rb") as stream:  # at most one byte past the limit, even if the file grows
                data = stream.read(MAX_INPUT_BYTES + 1)
        if len(data) > MAX_INPUT_BYTES:
            raise InputError(f"{path}: {what} file is larger than {MAX_INPUT_BYTES} bytes")
        text = data.decode("utf-8-sig")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"{path}: is a folder; give the {what} file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: {what} file is not UTF-8 text") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}:{exc.colno}: {what} file is not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise InputError(f"{path}: {what} file is nested too deeply") from None
    except ValueError:  # not a JSONDecodeError: a number past Python's limit on digits
        raise InputError(f"{path}: {what} file holds a number with too many digits") from None


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step, so a reader never sees half a file."""
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        temp = Path(name)
        try:
            temp.chmod(0o644)  # mkstemp makes it private; a release file is for everyone to read
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            temp.replace(path)
        except BaseException:
            temp.unlink()
            raise
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None
