"""The installed distribution's version, looked up once and only when asked for."""

from __future__ import annotations

from functools import cache


@cache
def package_version() -> str:
    """The version of the installed ``clinicguide`` distribution (``0+unknown`` in an uninstalled tree)."""
    from importlib.metadata import PackageNotFoundError, version  # ~30 ms to import: only when asked

    try:
        return version("clinicguide")
    except PackageNotFoundError:
        return "0+unknown"
