"""Loading the guidance library through the plugins: their folders, then their amendments."""

from __future__ import annotations

from pathlib import Path

from ..content import library as content
from ..resources import guidance_dir
from .hooks import Hooks


def load_through(hooks: Hooks, *paths: str | Path, packaged: bool = True) -> content.Library:
    """The library as ``hooks``' plugins make it: their guidance folders, then ``paths``; their amendments.

    The packaged folder is the built-in ``clinicguide.guidance`` plugin's; ``packaged=False``
    leaves it out. A plugin's folder or a path that holds a document with a packaged id is
    refused (CG323): a site changes packaged guidance only through amendments.
    """
    packaged_dir = guidance_dir().resolve()
    folders = [f for f in hooks.guidance_dirs() if packaged or f.resolve() != packaged_dir]
    return content.load_library(*folders, *paths, packaged=False, amenders=(hooks.amend_guidance,),
                                reserve_packaged=True)


def load_library(*paths: str | Path, packaged: bool = True, plugins: bool = True) -> content.Library:
    """Load and validate guidance: the packaged documents (unless ``packaged=False``) plus ``paths``.

    With the installed plugins (the built-in ones and the ``clinicguide`` entry-point group,
    less any in ``$CLINICGUIDE_DISABLE_PLUGINS``): their folders are added and their
    amendments applied, so a site's narrowing applies however the library is loaded. This
    builds a plugin manager for the one load; :class:`clinicguide.ClinicGuide` loads the
    library through its own. ``plugins=False`` reads the files as they are.

    :raises ContentError: with every problem found, if any document is invalid.
    :raises UsageError: if a given path does not exist.
    :raises PluginError: if a plugin fails or an amendment would loosen the guidance.
    """
    if not plugins:
        return content.load_library(*paths, packaged=packaged)
    return load_through(Hooks(), *paths, packaged=packaged)
