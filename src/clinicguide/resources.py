"""Where the packaged schemas and guidance live.

In a wheel they ship inside the package as ``clinicguide/_data``; in a source checkout
(an editable install) they are the repository's top-level ``schemas/`` and ``guidance/``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .errors import UsageError


@cache
def data_root() -> Path:
    """The folder that holds ``schemas/`` and ``guidance/``."""
    # The package folder, as importlib.resources.files("clinicguide") gives it for a package on
    # disk, without importing importlib.resources (~5 ms at every start-up).
    bundled = Path(__file__).parent / "_data"
    for root in (bundled, Path(__file__).resolve().parents[2]):
        if (root / "schemas" / "guidance").is_dir():
            return root
    raise UsageError("the packaged schemas are missing; reinstall clinicguide")


def schemas_dir() -> Path:
    """Root of the frozen schema folders (``guidance/<version>/guidance.schema.json``)."""
    return data_root() / "schemas"


def guidance_dir() -> Path:
    """The shipped guidance documents."""
    return data_root() / "guidance"
