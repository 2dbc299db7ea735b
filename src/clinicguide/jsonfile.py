"""Reading and writing JSON: the small records of a release (histories, manifests) and command output.

Also what those records hold besides plain values: SHA-256 digests and relative paths.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from .bounded import Unreadable, read_bounded
from .errors import InputError, ReleaseRecordError, UsageError

MAX_RECORD_BYTES = 8 * 2**20
MAX_INPUT_BYTES = 20_000_000
#: A SHA-256 digest as records write it: 64 lower-case hex digits.
SHA256_PATTERN = "^[0-9a-f]{64}$"
_SHA256 = re.compile(SHA256_PATTERN)


def text(value: Any) -> str:
    """Stable JSON text: sorted keys, two-space indent, trailing newline (diffs stay small).

    Printable characters are written as they are; every other one as a ``\\u`` escape. JSON
    escapes only the C0 controls, so DEL, C1 controls (``\\x9b`` starts a terminal command),
    bidi overrides and line separators would otherwise reach a terminal or log raw.
    """
    return _NOT_ASCII_PRINTABLE.sub(_json_escape, json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)) + "\n"


# Outside strings the JSON text holds only printable ASCII, spaces and the indent's newlines.
_NOT_ASCII_PRINTABLE = re.compile("[^\x20-\x7e\n]")


def _json_escape(match: re.Match[str]) -> str:
    char = match.group()
    if char.isprintable():
        return char
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as JSON writes characters beyond the first plane
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


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


def record_bytes(path: Path) -> bytes:
    """The bytes of the record file at ``path`` (a release history), at most :data:`MAX_RECORD_BYTES`."""
    try:
        return read_bounded(path, MAX_RECORD_BYTES)
    except Unreadable as exc:
        raise ReleaseRecordError(str(path), exc.reason) from None


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
        data = read_bounded(None if stdin else Path(path), MAX_INPUT_BYTES, pipes=True)
        text = data.decode("utf-8-sig")
    except Unreadable as exc:
        if exc.kind == "too-large":
            raise InputError(f"{path}: {what} file is larger than {MAX_INPUT_BYTES} bytes") from None
        if exc.kind == "folder":
            raise UsageError(f"{path}: is a folder; give the {what} file") from None
        if exc.kind == "not-a-file":
            raise UsageError(f"{path}: {exc.reason}; give the {what} file") from None
        raise UsageError(f"{path}: {exc.reason}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: {what} file is not UTF-8 text") from None
    try:
        return loads_unique(text)
    except DuplicateKey as exc:
        raise InputError(f"{path}:{exc.line}:{exc.column}: {what} file has the key {exc.key} twice in one object; "
                         "which one counts is not defined, so give each key once") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}:{exc.colno}: {what} file is not valid JSON ({exc.msg})") from None
    except RecursionError:
        raise InputError(f"{path}: {what} file is nested too deeply") from None
    except ValueError:  # not a JSONDecodeError: a number past Python's limit on digits
        raise InputError(f"{path}: {what} file holds a number with too many digits") from None


def writable_target(path: Path) -> None:
    """Refuse an output ``path`` that exists as anything but a regular file: a pipe, a device,
    a socket or a link would be replaced by a regular file, or written to in another place."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise UsageError(f"{path}: is a folder; give a file name")
    if not stat.S_ISREG(mode):
        kind = "a symbolic link" if stat.S_ISLNK(mode) else "not a regular file (a pipe, device or socket)"
        raise UsageError(f"{path}: is {kind}; give the name of a regular file to write")


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step, so a reader never sees half a file.

    :raises UsageError: if ``path`` exists and is not a regular file (see :func:`writable_target`).
    """
    writable_target(path)
    try:
        import tempfile  # with shutil and random, ~4 ms: only when a record is written

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


class DuplicateKey(ValueError):
    """A JSON object with a key twice: parsers disagree on which value counts (the last, the first, or an error)."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = json.dumps(key[:40] + ("..." if len(key) > 40 else ""))  # quoted and escaped: safe to print
        self.at: int | None = None
        self.line = self.column = 1


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):  # rare: only then find which key it was
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKey(key)
            seen.add(key)
    return found


def loads_unique(text: str) -> Any:
    """``json.loads`` that refuses an object with a key twice (:class:`DuplicateKey`, with its line and column)."""
    try:
        return json.loads(text, object_pairs_hook=_unique_pairs)
    except DuplicateKey as exc:
        exc.at = _duplicate_at(text)
        if exc.at is not None:
            exc.line = text.count("\n", 0, exc.at) + 1
            exc.column = exc.at - (text.rfind("\n", 0, exc.at) + 1) + 1
        raise


def _duplicate_at(text: str) -> int | None:
    """Where the first object with a repeated key starts: parsed again with the pure-Python scanner,
    whose objects can be followed (the C one reports no positions to a hook). Only on the error path."""
    import json.scanner

    # typeshed leaves out the pure-Python scanner and the decoder attributes it reads
    decoder: Any = json.JSONDecoder(object_pairs_hook=_unique_pairs)
    scanner: Any = json.scanner
    parse = decoder.parse_object
    where: list[int] = []

    def parse_object(state: tuple[str, int], *args: Any) -> Any:
        try:
            return parse(state, *args)
        except DuplicateKey:
            if not where:  # the innermost object: the one that holds the key twice
                where.append(state[1] - 1)
            raise

    decoder.parse_object = parse_object
    decoder.scan_once = scanner.py_make_scanner(decoder)
    with contextlib.suppress(DuplicateKey, RecursionError):
        decoder.decode(text)
    return where[0] if where else None
