"""Writing command output: to stdout or a file, as text or JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..errors import UsageError


def dumps(value: Any) -> str:
    """Stable JSON: sorted keys, two-space indent, UTF-8 text, trailing newline."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def emit(text: str, output: str | None = None) -> None:
    """Print ``text``, or write it to ``output`` (``-`` means stdout)."""
    if output in (None, "-"):
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{output}: cannot write: {exc.strerror or exc}") from None
