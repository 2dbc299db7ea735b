"""Opening a release to compare: a bundle, a release tree (guidance/ and schemas/) or a guidance folder."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..content.builder import guidance_from_data
from ..content.check import check_paths
from ..content.library import version_key
from ..content.model import Guidance
from ..errors import ContentError, Problem, ReleaseRecordError, UsageError
from .findings import BundleRefused, finding
from .safetar import materialise, read_bundle


@dataclass(frozen=True)
class Release:
    """The newest version of each guidance document in one release, by id."""

    label: str
    documents: dict[str, Guidance]


@contextmanager
def _tree(path: Path) -> Iterator[tuple[Path, Path | None, str]]:
    """(guidance folder, schema root or None for the packaged schemas, display prefix)."""
    if path.is_file():
        files = read_bundle(path)
        with tempfile.TemporaryDirectory(prefix="clinicguide-diff-") as temp:
            root = Path(temp)
            materialise(files, root)
            (root / "guidance").mkdir(exist_ok=True)
            # A bundle is validated with its own schemas only, never the installed ones.
            (root / "schemas").mkdir(exist_ok=True)
            yield root / "guidance", root / "schemas", str(root)
        return
    if not path.is_dir():
        raise UsageError(f"{path}: no such file or folder")
    if (path / "guidance").is_dir():
        schemas = path / "schemas"
        yield path / "guidance", schemas if schemas.is_dir() else None, ""
    else:
        yield path, None, ""


def load_release(path: Path) -> Release:
    """The documents of the release at ``path``, validated against its schemas.

    CG315 (changed without a version bump) is not an obstacle here: showing such a change
    is one reason to run a diff.

    :raises ContentError: if a document does not validate.
    :raises BundleRefused: if a bundle is unsafe or malformed.
    """
    with _tree(path) as (guidance, schema_root, temp):
        try:
            checked = check_paths([guidance], schema_root=schema_root)
        except ReleaseRecordError as exc:
            if not temp:
                raise
            raise BundleRefused(str(path), [finding("CG404", Path(exc.file).relative_to(temp).as_posix(), exc.reason)]) from None
        except Exception as exc:  # a bundle's own schema may be hostile; never a traceback
            if not temp:
                raise
            reason = f"a schema in the bundle cannot be used ({type(exc).__name__}); run `clinicguide release verify` on it"
            raise BundleRefused(str(path), [finding("CG404", "schemas", reason)]) from None
        problems = [_shown(p, temp, path) for c in checked for p in c.problems if p.code != "CG315"]
        if problems:
            raise ContentError(problems)
        newest: dict[str, Guidance] = {}
        for entry in checked:
            if entry.data is None:
                continue
            doc = guidance_from_data(entry.data, entry.display)
            if doc.id not in newest or version_key(doc.version) > version_key(newest[doc.id].version):
                newest[doc.id] = doc
    return Release(str(path), dict(sorted(newest.items())))


def _shown(problem: Problem, temp: str, bundle: Path) -> Problem:
    """A problem inside a bundle, named ``bundle!guidance/file.yaml`` rather than by a temporary path."""
    if temp and problem.file.startswith(temp):
        name = Path(problem.file).relative_to(temp).as_posix()
        return Problem(f"{bundle}!{name}", problem.line, problem.column, problem.code, problem.message, problem.path)
    return problem
