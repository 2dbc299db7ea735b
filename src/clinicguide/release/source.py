"""Opening a release to compare: a bundle, a release tree (guidance/ and schemas/) or a guidance folder."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..content.builder import guidance_from_data
from ..content.check import check_paths
from ..content.library import semver_key
from ..content.located import Checked
from ..content.model import Guidance
from ..errors import BundleRefused, ContentError, ReleaseRecordError, UsageError, whole_file
from .bundle_schemas import unusable_schemas
from .safetar import as_member, materialise, read_bundle


@dataclass(frozen=True)
class Release:
    """The newest version of each guidance document in one release, by id."""

    documents: dict[str, Guidance]


@contextmanager
def _tree(path: Path) -> Iterator[tuple[Path, Path | None, Path | None]]:
    """(guidance folder, schema root or None for the packaged schemas, the folder a bundle was written to or None)."""
    if path.exists() and not path.is_dir():  # a file, or a device or pipe that read_bundle names
        files = read_bundle(path)
        with tempfile.TemporaryDirectory(prefix="clinicguide-diff-") as temp:
            root = Path(temp)
            materialise(files, root)
            (root / "guidance").mkdir(exist_ok=True)
            # A bundle is validated with its own schemas only, never the installed ones,
            # and only with those confined to the bundle and safe to run.
            (root / "schemas").mkdir(exist_ok=True)
            unusable = unusable_schemas(root / "schemas", root)
            if unusable:
                raise BundleRefused(str(path), unusable)
            yield root / "guidance", root / "schemas", root
        return
    if not path.is_dir():
        raise UsageError(f"{path}: no such file or folder")
    if (path / "guidance").is_dir():
        schemas = path / "schemas"
        yield path / "guidance", schemas if schemas.is_dir() else None, None
    else:
        yield path, None, None


def load_release(path: Path) -> Release:
    """The documents of the release at ``path``, validated against its schemas.

    CG315 (changed without a version bump) is not an obstacle here: showing such a change
    is one reason to run a diff.

    :raises ContentError: if a document does not validate.
    :raises BundleRefused: if a bundle is unsafe or malformed.
    """
    with _tree(path) as (guidance, schema_root, bundle_root):
        checked = _checked(path, guidance, schema_root, bundle_root)
        newest: dict[str, Guidance] = {}
        for entry in checked:
            if entry.data is None:
                continue
            doc = guidance_from_data(entry.data, entry.display)
            if doc.id not in newest or semver_key(doc.version) > semver_key(newest[doc.id].version):
                newest[doc.id] = doc
    return Release(dict(sorted(newest.items())))


def _checked(path: Path, guidance: Path, schema_root: Path | None, bundle_root: Path | None) -> list[Checked]:
    """The documents, checked; problems in a bundle are named ``bundle!guidance/file.yaml``."""
    try:
        checked = check_paths([guidance], schema_root=schema_root)
    except ReleaseRecordError as exc:
        if bundle_root is None:
            raise
        raise BundleRefused(str(path), [as_member(whole_file("CG404", exc.file, exc.reason), bundle_root)]) from None
    except Exception as exc:  # a bundle's own schema may be hostile; never a traceback
        if bundle_root is None:
            raise
        reason = f"a schema in the bundle cannot be used ({type(exc).__name__}); run `clinicguide release verify` on it"
        raise BundleRefused(str(path), [whole_file("CG404", "schemas", reason)]) from None
    problems = [p if bundle_root is None else as_member(p, bundle_root, f"{path}!")
                for c in checked for p in c.problems if p.code != "CG315"]
    if problems:
        raise ContentError(problems)
    return checked
