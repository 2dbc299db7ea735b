"""Whether any installed distribution may declare an entry point in a group, without importlib.metadata.

Reading entry points through importlib.metadata costs a host about 15 ms at every start-up
(it imports email, zipfile and csv, and parses every distribution's ``entry_points.txt``),
and most hosts have no clinicguide plugin installed. :func:`may_declare` answers "could
there be one?" by the same search importlib.metadata makes, and never answers no when
importlib.metadata would find one: what it cannot read as importlib.metadata would (a zip
or egg on ``sys.path``, a distribution finder other than the standard one, a file that is
not UTF-8) counts as yes, and the caller then asks importlib.metadata itself. A site
plugin that narrows guidance is therefore never skipped.
"""

from __future__ import annotations

import os
import sys
from importlib.machinery import PathFinder
from pathlib import Path

#: The folders importlib.metadata reads a distribution's metadata from (its ``Lookup``).
METADATA_SUFFIXES = (".dist-info", ".egg-info")
ENTRY_POINTS_FILE = "entry_points.txt"


def may_declare(group: str) -> bool:
    """False only if no distribution that importlib.metadata would find declares an entry point in ``group``."""
    for finder in sys.meta_path:
        if getattr(finder, "find_distributions", None) is not None and finder is not PathFinder:
            return True  # another finder may list distributions from anywhere
    return any(_entry_may_declare(entry, group) for entry in sys.path)


def _entry_may_declare(entry: object, group: str) -> bool:
    if not isinstance(entry, str):
        return True  # importlib.metadata's own handling decides
    root = entry or "."
    if Path(root).name.lower().endswith(".egg"):
        return True  # an egg holds its metadata in EGG-INFO
    try:
        # Names only: site-packages holds hundreds of entries, and a Path for each costs more than the rest.
        with os.scandir(root) as listing:
            children = [child.name for child in listing]
    except OSError:
        return Path(root).exists()  # a file on sys.path may be a zip of distributions; a missing entry holds none
    return any(_declares(Path(root, child, ENTRY_POINTS_FILE), group)
               for child in children if child.lower().endswith(METADATA_SUFFIXES))


def _declares(path: Path, group: str) -> bool:
    try:
        # Text mode, as pathlib's read_text that importlib.metadata uses: the same newlines.
        with path.open(encoding="utf-8") as stream:
            text = stream.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
        return False  # importlib.metadata reads no entry points from this distribution either
    except (OSError, ValueError):
        return True  # unreadable or not UTF-8: importlib.metadata decides (and reports) it
    # importlib.metadata's ``Sectioned.read``: a stripped line in brackets names the group of the lines after it.
    return any(line.startswith("[") and line.endswith("]") and line.strip("[]") == group
               for line in map(str.strip, text.splitlines()))
