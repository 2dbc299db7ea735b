"""Recording a release: a release tree's guidance versions, or one schema version, as released.

Each function does the recording and returns what ``clinicguide release record`` says about it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..content import history as guidance_history
from ..content.check import check_paths
from ..errors import ContentError
from ..report import display_path
from . import schema_history


def record_schema(root: Path, version: str, today: dt.date) -> str:
    """Freeze schema ``version`` of the tree at ``root``.

    :raises UsageError: if the version folder is missing, or is not newer than every release.
    :raises ReleaseRecordError: if the record is malformed.
    """
    schema_root = root / "schemas"
    if schema_history.record(schema_root, version, today):
        return f"recorded schema {version} as released in {display_path(schema_root / schema_history.RELEASES_FILE)}\n"
    return f"schema {version} was already recorded, unchanged\n"


def record_guidance(root: Path, today: dt.date) -> str:
    """Record every guidance ``id|version`` of the tree at ``root`` that is not yet in its release history.

    :raises ContentError: if a document does not validate (a changed release, CG315, included).
    """
    from ..version import package_version

    schema_root = root / "schemas"
    checked = check_paths([root / "guidance"], schema_root=schema_root)
    problems = [p for c in checked for p in c.problems]
    if problems:
        raise ContentError(problems)
    added = guidance_history.record(checked, schema_root, today, package_version())
    history = display_path(guidance_history.history_path(schema_root))
    summary = f"{len(added)} version(s) added to {history}\n" if added else f"nothing new to record in {history}\n"
    return "".join(f"recorded {key}\n" for key in added) + summary
