"""Verifying a release bundle from nothing but the bundle.

Every check uses the bundle's own files: its manifest for the hashes, its schemas for
validation (never the installed package's), its schema release record for the frozen
schema files, and its guidance release history for CG315. The bundle is read in memory;
only the guidance and schemas are written, to a temporary folder, for the validator,
and the folder is removed however verification ends. The bundle's schemas are checked
before they are used (:mod:`.bundle_schemas`): nothing they reference is fetched or read,
and their patterns run in linear time.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..content import history as guidance_history
from ..content.check import check_paths
from ..content.located import Checked
from ..content.schemas import available
from ..errors import BundleRefused, Problem, ReleaseRecordError, whole_file
from ..escape import printable
from . import manifest, schema_history
from .bundle_schemas import unusable_schemas
from .safetar import as_member, materialise, read_bundle_bytes, read_raw


@dataclass
class Report:
    """The outcome of verifying one bundle."""

    bundle: str
    sha256: str = ""
    problems: list[Problem] = field(default_factory=list)
    manifest: dict[str, Any] | None = None
    files: int = 0
    unrecorded: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        record = self.manifest or {}
        return {
            "bundle": self.bundle, "sha256": self.sha256, "ok": self.ok, "files": self.files,
            "problems": [p.as_json(path=False) for p in sorted(set(self.problems))],
            "package": record.get("package"), "schemas": record.get("schemas"),
            "guidance": [{k: g[k] for k in ("id", "version", "status", "schema", "review")} for g in record.get("guidance", [])],
            "not_in_release_history": self.unrecorded,
        }

    def as_text(self) -> str:
        """The summary of a bundle that verified: what was checked, and each document's review.

        Names, ids and versions come from the bundle, so each is escaped: a reviewer's name
        with a terminal escape or a line break cannot hide or forge a line.
        """
        record = _printable(self.manifest or {})
        lines = [f"{printable(self.bundle)}: verified",
                 f"  sha256 {self.sha256}",
                 f"  {self.files} files match the manifest (size and SHA-256); no file missing, none extra",
                 f"  package: {record['package']['name']} {record['package']['version']}",
                 (f"  schemas: {', '.join(record['schemas']['versions'])} (released and unchanged: "
                  f"{', '.join(record['schemas']['released']) or 'none'})"),
                 (f"  guidance: {len(record['guidance'])} documents, each valid against the schema version it declares, "
                  "cross-references resolved")]
        for g in record["guidance"]:
            review = g["review"]
            reviewers = ", ".join(f"{p.get('name')} ({p.get('role')})" for p in review["reviewers"]) or "no reviewer yet"
            dates = (f"approved {review['approved']}, next review {review['next_review']}" if review["approved"]
                     else "not approved")
            lines.append(f"    {g['id']} {g['version']} [{g['status']}] schema {g['schema']}: {reviewers}; {dates}")
        lines.append(f"  FHIR {record['fhir']['version']}: {record['fhir']['resources']} resources, a PlanDefinition and a "
                     "Questionnaire per guidance")
        if self.unrecorded:
            lines.append(f"  note: not in the bundle's guidance release history: {printable(', '.join(self.unrecorded))}")
        return "\n".join(lines) + "\n"


def _printable(value: Any) -> Any:
    """``value`` (a record read from a bundle) with every text in it escaped for printing."""
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, list):
        return [_printable(v) for v in value]
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    return value


def verify(path: Path) -> Report:
    """Verify the bundle at ``path``; every problem found is in the report's problems.

    :raises UsageError: if ``path`` is not a readable file.
    """
    report = Report(str(path))
    raw_bundle = read_raw(path)  # read once: the digest and the checks see the same bytes
    report.sha256 = hashlib.sha256(raw_bundle).hexdigest()
    try:
        files = read_bundle_bytes(raw_bundle, str(path))
    except BundleRefused as exc:
        report.problems.extend(exc.problems)
        return report
    raw = files.pop(manifest.NAME, None)
    if raw is None:
        report.problems.append(whole_file("CG401", manifest.NAME, "the bundle has no manifest; nothing can be verified"))
        return report
    record, refused = manifest.parse(raw)
    if record is None:
        report.problems.extend(refused)
        return report
    report.manifest, report.files = record, len(record["files"])
    report.problems.extend(_hashes(record, files))
    with tempfile.TemporaryDirectory(prefix="clinicguide-verify-") as temp:
        _check_contents(report, record, files, Path(temp))
    report.problems = sorted(set(report.problems))
    return report


def _check_contents(report: Report, record: dict[str, Any], files: dict[str, bytes], root: Path) -> None:
    """The checks that need the guidance and schemas on disk (written below ``root``): schemas, documents, cross-references."""
    materialise(files, root)
    schema_root = root / "schemas"
    schema_root.mkdir(exist_ok=True)
    (root / "guidance").mkdir(exist_ok=True)
    report.problems.extend(as_member(p, root) for p in schema_history.frozen_problems(schema_root))
    report.problems.extend(unusable_schemas(schema_root, root))
    checked, found = _validate(root)
    report.problems.extend(found)
    report.problems.extend(_cross_references(record, checked, files, root))
    try:
        history = guidance_history.load(schema_root)
    except ReleaseRecordError:
        history = {}  # already reported by _validate
    report.unrecorded = sorted(f"{g['id']}|{g['version']}" for g in record["guidance"]
                               if f"{g['id']}|{g['version']}" not in history)


def _hashes(record: dict[str, Any], files: dict[str, bytes]) -> list[Problem]:
    found: list[Problem] = []
    listed = {entry["path"]: entry for entry in record["files"]}
    for path, entry in sorted(listed.items()):
        data = files.get(path)
        if data is None:
            found.append(whole_file("CG401", path, "listed in the manifest but missing from the bundle"))
            continue
        digest = hashlib.sha256(data).hexdigest()
        if len(data) != entry["size"] or digest != entry["sha256"]:
            found.append(whole_file("CG403", path,
                                 f"altered: {len(data)} bytes, sha256 {digest}; the manifest says {entry['size']} bytes, sha256 "
                                 f"{entry['sha256']}"))
    for path in sorted(set(files) - set(listed)):
        found.append(whole_file("CG402", path, "in the bundle but not in the manifest"))
    return found


def _validate(root: Path) -> tuple[list[Checked], list[Problem]]:
    history = guidance_history.history_path(root / "schemas")
    found: list[Problem] = []
    try:
        try:
            checked = check_paths([root / "guidance"], schema_root=root / "schemas")
        except ReleaseRecordError as exc:
            # Report the malformed history, then validate everything else without it.
            found.append(whole_file("CG404", history.relative_to(root).as_posix(), exc.reason))
            history.unlink()
            checked = check_paths([root / "guidance"], schema_root=root / "schemas")
    except Exception as exc:  # a hostile schema (remote $ref, odd keywords) must not end in a traceback
        return [], [*found,
                    whole_file("CG404", "schemas",
                            f"a schema in the bundle cannot be used to validate ({type(exc).__name__}: {str(exc)[:200]})")]
    return checked, found + [as_member(p, root) for c in checked for p in c.problems]


def _cross_references(record: dict[str, Any], checked: list[Checked], files: dict[str, bytes], root: Path) -> list[Problem]:
    """The manifest's account of the release against the documents, schemas and FHIR files themselves."""
    found: list[Problem] = []
    versions = list(available(root / "schemas"))
    if sorted(record["schemas"]["versions"]) != sorted(versions):
        found.append(whole_file("CG404", manifest.NAME,
                             f"lists schema versions {record['schemas']['versions']}, but the bundle holds {versions}"))
    try:
        released = [r.version for r in schema_history.load(root / "schemas")]
    except ReleaseRecordError:
        released = record["schemas"]["released"]  # the malformed record is reported on its own
    if record["schemas"]["released"] != released:
        found.append(whole_file("CG404", manifest.NAME,
                             f"lists released schema versions {record['schemas']['released']}, but the bundle's releases.json "
                             f"has {released}"))
    documents = {c.path.relative_to(root).as_posix(): c for c in checked}
    listed: set[str] = set()
    for entry in record["guidance"]:
        listed.add(entry["file"])
        document = documents.get(entry["file"])
        if document is None:
            if entry["file"] in files:
                continue
            found.append(whole_file("CG401", entry["file"],
                                 f"the manifest lists {entry['id']}|{entry['version']} in this file, which the bundle lacks"))
            continue
        found.extend(_guidance_entry(entry, document))
        found.extend(_fhir(entry, files))
    for name in sorted(set(documents) - listed):
        found.append(whole_file("CG404", name, "a guidance document the manifest does not describe"))
    return found


def _guidance_entry(entry: dict[str, Any], document: Checked) -> list[Problem]:
    data = document.data
    if data is None:
        return []  # unreadable; the validator reported it
    review = data.get("review")
    if not isinstance(review, dict):
        review = {}
    reviewers = review.get("reviewers")
    if not isinstance(reviewers, list):
        reviewers = []
    # Everything the verified summary prints must come from the documents, not the manifest's word.
    actual = {
        "id": data.get("id"), "version": data.get("version"), "status": data.get("status"), "schema": data.get("schema"),
        "title": data.get("title"), "content_sha256": guidance_history.content_sha256(data),
        "approved": review.get("approved"), "next_review": review.get("next_review"),
        "reviewers": [{"name": p.get("name"), "role": p.get("role")} for p in reviewers if isinstance(p, dict)],
    }
    claimed = {**{k: entry.get(k) for k in ("id", "version", "status", "schema", "title", "content_sha256")},
               **{k: entry["review"].get(k) for k in ("approved", "next_review", "reviewers")}}
    return [whole_file("CG404", entry["file"], f"the manifest says {key} {claimed[key]!r}, the document says {actual[key]!r}")
            for key in actual if actual[key] != claimed[key]]


def _fhir(entry: dict[str, Any], files: dict[str, bytes]) -> list[Problem]:
    found: list[Problem] = []
    kinds: set[str] = set()
    for path in entry["fhir"]:
        data = files.get(path)
        if data is None:
            found.append(whole_file("CG401", path, f"the FHIR export of {entry['id']}|{entry['version']} is missing"))
            continue
        try:
            resource = json.loads(data)
        except (ValueError, RecursionError):
            found.append(whole_file("CG404", path, "is not valid JSON"))
            continue
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            found.append(whole_file("CG404", path, "is not a FHIR resource (no resourceType)"))
            continue
        kinds.add(resource["resourceType"])
        if resource.get("version") != entry["version"]:
            found.append(whole_file("CG404", path,
                                 f"has version {resource.get('version')!r}, but the guidance is {entry['version']}"))
    for kind in ("PlanDefinition", "Questionnaire"):
        if kind not in kinds:
            found.append(whole_file("CG404", entry["file"],
                                    f"the bundle holds no FHIR {kind} for {entry['id']}|{entry['version']}"))
    return found
