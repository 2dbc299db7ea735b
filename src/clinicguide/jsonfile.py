"""Reading and writing the small JSON records of a release (histories, manifests)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .errors import ReleaseRecordError, UsageError

MAX_RECORD_BYTES = 8 * 2**20


def dumps(value: Any) -> bytes:
    """Stable JSON bytes: sorted keys, two-space indent, UTF-8, trailing newline (diffs stay small)."""
    return (json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


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


def read(path: Path) -> Any:
    """Parse the JSON file at ``path``."""
    try:
        return loads(path.read_bytes(), str(path))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from None


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
