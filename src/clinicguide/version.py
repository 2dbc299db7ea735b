"""The package version: the one place it is written (pyproject.toml reads it from here)."""

from __future__ import annotations

__version__ = "0.1.0"


def package_version() -> str:
    """The version of clinicguide, as its distribution is published."""
    return __version__


def version_line() -> str:
    """What ``clinicguide --version`` prints."""
    return f"clinicguide {__version__}"
