"""Fixtures shared by the test modules."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "tests" / "unit" / "content" / "examples"


@pytest.fixture
def minimal_text() -> str:
    """The text of the minimal valid example document (id ``example-minimal``, version 1.0.0)."""
    return (EXAMPLES / "valid" / "minimal.yaml").read_text(encoding="utf-8")


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """``write(name, text_or_bytes)`` creates a file under ``tmp_path`` and returns its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``cli(*args, cwd=None, env=None)`` runs the real command as a subprocess.

    It asserts the one thing every invocation must honour: no traceback on stderr.
    """

    def _run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "clinicguide", *args],
            cwd=cwd or REPO,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=120,
        )
        assert "Traceback" not in result.stderr, result.stderr
        return result

    return _run
