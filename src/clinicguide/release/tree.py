"""What a release tree may hold: folders and regular files, nothing that points elsewhere.

``release build`` packs the tree it is given. A symbolic link (``schemas/x.json ->
/etc/passwd``, or a linked folder) would pack a file from outside the tree, and a
device or pipe would block or never end; each is refused, located, before anything is read.
Files are then read without following links (:func:`read_file`), so a link put in place
after the check is refused too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from ..bounded import Unreadable, read_bounded
from ..content.yamlsafe import MAX_FILE_BYTES
from ..errors import ContentError, Problem, whole_file

#: Larger than any guidance document or schema file; the per-member limit of a bundle.
MAX_TREE_FILE_BYTES = max(MAX_FILE_BYTES, 8 * 2**20)


def unsafe_entries(*folders: Path) -> list[Problem]:
    """Every symbolic link, device, pipe or socket in or below ``folders`` (CG405), the folders themselves included."""
    found: list[Problem] = []
    for folder in folders:
        found.extend(_entry(folder))
        if folder.is_symlink() or not folder.is_dir():
            continue
        for root, dirs, files in os.walk(folder, followlinks=False):
            dirs.sort()
            for name in sorted(dirs + files):
                found.extend(_entry(Path(root, name)))
    return found


def _entry(path: Path) -> list[Problem]:
    try:
        mode = path.lstat().st_mode
    except OSError as exc:
        return [whole_file("CG405", str(path), f"cannot be examined: {exc.strerror or exc}")]
    if stat.S_ISLNK(mode):
        return [whole_file("CG405", str(path), f"is a symbolic link (to {str(path.readlink())!r}); a release packs the tree's "
                                               "own files only: copy the file in, or remove the link")]
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return []
    return [whole_file("CG405", str(path), "is not a regular file or folder (a device, pipe or socket); remove it")]


def read_file(path: Path) -> bytes:
    """The bytes of a file of the tree, never through a link.

    :raises ContentError: (CG405) if the file is a link or not a regular file, or cannot be read.
    """
    try:
        return read_bounded(path, MAX_TREE_FILE_BYTES, links=False)
    except Unreadable as exc:
        raise ContentError([whole_file("CG405", str(path), exc.reason)]) from None
