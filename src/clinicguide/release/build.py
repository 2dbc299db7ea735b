"""Building a release bundle: a deterministic .tar.gz of the guidance, schemas, FHIR export and manifest.

The same tree always gives the same bytes, so anyone can rebuild a release and compare
digests: entries are sorted, and every field that would carry the build machine or the
time (mtime, owner, mode, the gzip header's timestamp and file name) is fixed.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import re
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ..content import history as guidance_history
from ..content.check import check_paths
from ..content.library import Library, library_of
from ..content.located import Checked
from ..content.schemas import available
from ..errors import ContentError, UsageError
from ..jsonfile import dumps, write_atomic
from ..resources import data_root
from . import manifest, schema_history
from .safetar import TOP
from .tree import read_file, unsafe_entries

FHIR_VERSION: Final = "R4"
#: 1980-01-01T00:00:00Z, the reproducible-builds convention; any fixed value would do.
FIXED_MTIME = 315532800
FILE_MODE = 0o644
DIR_MODE = 0o755

#: The canonical base the published FHIR export uses. Fixed rather than read from the
#: environment, so a build does not depend on the build machine; --canonical-base overrides.
CANONICAL_BASE = "https://clinicguide.org/fhir"

Exporter = Callable[[Library, str], list[dict[str, Any]]]


@dataclass(frozen=True)
class Built:
    """A built bundle: its bytes, its manifest, and the versions missing from the release history."""

    data: bytes
    manifest: dict[str, Any]
    unrecorded: tuple[str, ...]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def summary(self, out: Path, seconds: float) -> str:
        """What ``release build`` says on standard error once the bundle is written to ``out``."""
        record = self.manifest
        guidance = len(record["guidance"])
        text = (f"built {out}: {len(record['files']) + 1} files, {len(self.data)} bytes in {seconds:.2f} s "
                f"({guidance} guidance document{'s' if guidance != 1 else ''}, "
                f"schemas {', '.join(record['schemas']['versions'])}, "
                f"FHIR {record['fhir']['version']}: {record['fhir']['resources']} resources)\n")
        if self.unrecorded:
            text += ("note: not yet in the guidance release history (run `clinicguide release record` before publishing): "
                     + ", ".join(self.unrecorded) + "\n")
        return text


def export_fhir(library: Library, canonical_base: str) -> list[dict[str, Any]]:
    """The library as FHIR resources (a PlanDefinition and a Questionnaire per guidance).

    Each resource is checked against the FHIR models before it is released: a bundle is
    what FHIR-native engines will load, so an invalid resource stops the build.
    """
    from ..fhir.export import export_library  # imported here: only builds need it
    from ..fhir.models import FhirModelError, validate_resource

    resources = export_library(library, fhir_version=FHIR_VERSION, base=canonical_base)
    for resource in resources:
        try:
            validate_resource(resource, FHIR_VERSION)
        except FhirModelError as exc:
            raise UsageError(f"the FHIR export cannot be released: {exc}") from None
    return resources


def build(root: Path | None = None, exporter: Exporter | None = None, canonical_base: str = CANONICAL_BASE) -> Built:
    """Build the bundle for the tree at ``root`` (``schemas/`` and ``guidance/``; default: the packaged data).

    :raises ContentError: if the guidance does not validate or a released schema file changed.
    :raises UsageError: if the tree is incomplete.
    """
    root = root or data_root()
    guidance_root, schema_root = root / "guidance", root / "schemas"
    for folder in (guidance_root, schema_root):
        if not folder.is_dir():
            raise UsageError(f"{folder}: no such folder; a release tree holds guidance/ and schemas/")
    unsafe = unsafe_entries(guidance_root, schema_root)
    if unsafe:
        raise ContentError(unsafe)
    checked = check_paths([guidance_root], schema_root=schema_root)
    problems = [p for c in checked for p in c.problems] + schema_history.frozen_problems(schema_root)
    if problems:
        raise ContentError(problems)
    if not checked:
        raise UsageError(f"{guidance_root}: holds no guidance documents")

    files: dict[str, bytes] = {}
    for entry in checked:
        data = read_file(entry.path)
        if hashlib.sha256(data).hexdigest() != entry.sha256:  # edited between validating and packing
            raise UsageError(f"{entry.display}: changed while the bundle was built; build again")
        files[f"guidance/{entry.path.relative_to(guidance_root).as_posix()}"] = data
    for path in sorted(schema_root.rglob("*.json")):
        rel = path.relative_to(schema_root)
        if path.is_file() and not any(part.startswith(".") for part in rel.parts):
            files[f"schemas/{rel.as_posix()}"] = read_file(path)

    library = library_of(checked)
    resources = (exporter or export_fhir)(library, canonical_base)
    fhir_files, owners = _fhir_files(resources, library)
    files.update(fhir_files)

    record = _manifest(checked, guidance_root, schema_root, files, owners, len(resources))
    record["fhir"]["canonical_base"] = canonical_base
    history = guidance_history.load(schema_root)
    unrecorded = tuple(g["id"] + "|" + g["version"] for g in record["guidance"] if f"{g['id']}|{g['version']}" not in history)
    files[manifest.NAME] = dumps(record)
    return Built(pack(files), record, unrecorded)


_FILE_PART = re.compile(r"[^A-Za-z0-9._-]+")


def _fhir_files(resources: list[dict[str, Any]], library: Library) -> tuple[dict[str, bytes], dict[str, list[str]]]:
    """Each resource as ``fhir/R4/<type>-<name>[-<version>].json``, and which guidance owns which file."""
    files: dict[str, bytes] = {}
    owners: dict[str, list[str]] = {}
    for resource in resources:
        kind = str(resource.get("resourceType", "Resource"))
        url = str(resource.get("url", ""))
        stem = url.rstrip("/").rsplit("/", 1)[-1] if url else str(resource.get("id", ""))
        name = "-".join(_FILE_PART.sub("_", part) for part in (kind, stem, str(resource.get("version", ""))) if part)
        path = f"fhir/{FHIR_VERSION}/{name}.json"
        if path in files:
            raise UsageError(f"the FHIR export gave two resources that would both be stored as {path}")
        files[path] = dumps(resource)
        owner = owner_of(resource, library)
        if owner:
            owners.setdefault(owner, []).append(path)
    return files, owners


def owner_of(resource: dict[str, Any], library: Library) -> str | None:
    """The ``id|version`` of the guidance a resource was exported from, from its canonical URL.

    The export names artefacts ``<base>/<Type>/<guidance id>[-<suffix>]`` with the guidance
    version; the longest matching id wins, so ``laser`` cannot claim ``laser-pores``.
    """
    url, version = resource.get("url"), resource.get("version")
    if not isinstance(url, str) or not isinstance(version, str):
        return None
    stem = url.rstrip("/").rsplit("/", 1)[-1]
    matches = [g for g in library if g.version == version and (stem == g.id or stem.startswith(g.id + "-"))]
    return max(matches, key=lambda g: len(g.id)).ref if matches else None


def _manifest(checked: list[Checked], guidance_root: Path, schema_root: Path, files: dict[str, bytes],
              owners: dict[str, list[str]], resource_count: int) -> dict[str, Any]:
    from ..version import package_version

    documents = []
    for entry in checked:
        data = entry.data or {}
        review = data.get("review") or {}
        ref = f"{data['id']}|{data['version']}"
        documents.append({
            "id": data["id"], "version": data["version"], "status": data["status"], "title": data.get("title", ""),
            "schema": data["schema"], "file": f"guidance/{entry.path.relative_to(guidance_root).as_posix()}",
            "content_sha256": guidance_history.content_sha256(data),
            "review": {"approved": review.get("approved"), "next_review": review.get("next_review"),
                       "reviewers": [{"name": p.get("name"), "role": p.get("role")} for p in review.get("reviewers") or []]},
            "fhir": sorted(owners.get(ref, [])),
        })
        if not {"PlanDefinition", "Questionnaire"} <= {p.split("/")[-1].split("-")[0] for p in owners.get(ref, [])}:
            raise UsageError(f"the FHIR export gave no PlanDefinition or no Questionnaire for {ref}")
    return {
        "format": manifest.FORMAT,
        "package": {"name": "clinicguide", "version": package_version()},
        "schemas": {"versions": list(available(schema_root)), "released": [r.version for r in schema_history.load(schema_root)]},
        "guidance": sorted(documents, key=lambda d: (d["id"], d["version"])),
        "fhir": {"version": FHIR_VERSION, "resources": resource_count},
        "files": [{"path": p, "size": len(b), "sha256": hashlib.sha256(b).hexdigest()} for p, b in sorted(files.items())],
    }


def pack(files: dict[str, bytes]) -> bytes:
    """A deterministic gzip-compressed tar of ``files`` (name -> bytes) under the top folder."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for folder in sorted(_folders(files)):
            tar.addfile(_info(folder, tarfile.DIRTYPE, DIR_MODE, 0))
        for name, data in sorted(files.items()):
            tar.addfile(_info(f"{TOP}/{name}", tarfile.REGTYPE, FILE_MODE, len(data)), io.BytesIO(data))
    out = io.BytesIO()
    # filename="" and mtime=0 keep the build machine's file name and clock out of the gzip header.
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9, mtime=0) as stream:
        stream.write(raw.getvalue())
    return out.getvalue()


def _folders(files: dict[str, bytes]) -> set[str]:
    # Folder entries make `tar -x` create folders with a fixed mode rather than the umask's.
    folders = {TOP}
    for name in files:
        parts = name.split("/")[:-1]
        folders.update(f"{TOP}/" + "/".join(parts[: i + 1]) for i in range(len(parts)))
    return folders


def _info(name: str, kind: bytes, mode: int, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.size = kind, mode, size
    info.mtime, info.uid, info.gid, info.uname, info.gname = FIXED_MTIME, 0, 0, "", ""
    return info


def default_name() -> str:
    from ..version import package_version

    return f"clinicguide-release-{package_version()}.tar.gz"


def write(built: Built, out: Path) -> None:
    """Write the bundle to ``out`` in one step."""
    if out.is_dir():
        raise UsageError(f"{out}: is a folder; give the bundle's file name")
    if not out.parent.is_dir():
        raise UsageError(f"{out.parent}: no such folder")
    write_atomic(out, built.data)
