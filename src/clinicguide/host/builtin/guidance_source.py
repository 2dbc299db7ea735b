"""Built-in plugin: the packaged guidance folder."""

from __future__ import annotations

from pathlib import Path

from ...resources import guidance_dir
from ..hookspecs import hookimpl


@hookimpl(tryfirst=True)
def clinicguide_guidance_dirs() -> list[Path]:
    return [guidance_dir()]
