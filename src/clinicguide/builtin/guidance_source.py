"""Built-in plugin: the packaged guidance folder."""

from __future__ import annotations

from pathlib import Path

from ..hookspecs import hookimpl
from ..resources import guidance_dir


@hookimpl
def clinicguide_guidance_dirs() -> list[Path]:
    return [guidance_dir()]
