"""The loaded guidance library: validated, typed, immutable and safe to share between threads."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..errors import ContentError, PluginError, Problem, UnknownName, UsageError, did_you_mean
from ..resources import guidance_dir
from . import rules
from .builder import guidance_from_data
from .check import check_each, guidance_files, schema_problems
from .located import Checked, Locator
from .model import Guidance
from .yamlsafe import Positions, YamlProblem, read

if TYPE_CHECKING:  # amendments are applied only when a plugin amends (see _amend)
    from .amend import Amender


def semver_key(version: str) -> tuple[int, ...]:
    """Sort key of a guidance version, which is semantic: ``1.2.0`` (schema versions are not: ``schemas.schema_version_key``)."""
    return tuple(int(part) for part in version.split("."))


@dataclass(frozen=True)
class Library:
    """Every loaded guidance document, by id and version."""

    documents: tuple[Guidance, ...]
    digest: str = ""  # SHA-256 over the source files and site amendments; cited by Provenance
    amendments: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))  # by id|version
    _index: Mapping[str, tuple[Guidance, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        index: dict[str, list[Guidance]] = {}
        for doc in self.documents:
            index.setdefault(doc.id, []).append(doc)
        frozen = {k: tuple(sorted(v, key=lambda g: semver_key(g.version))) for k, v in sorted(index.items())}
        object.__setattr__(self, "_index", MappingProxyType(frozen))

    def __iter__(self) -> Iterator[Guidance]:
        for versions in self._index.values():
            yield from versions

    def __len__(self) -> int:
        return len(self.documents)

    def __contains__(self, guidance_id: object) -> bool:
        return guidance_id in self._index

    def ids(self) -> tuple[str, ...]:
        return tuple(self._index)

    def versions(self, guidance_id: str) -> tuple[str, ...]:
        return tuple(g.version for g in self._index.get(guidance_id, ()))

    def get(self, guidance_id: str, version: str | None = None) -> Guidance:
        """One document: the given version, or the newest version that is not retired."""
        if not isinstance(guidance_id, str) or not isinstance(version, (str, type(None))):
            raise UsageError("a guidance id and a version are text, such as get('microneedling', '1.0.0')")
        versions = self._index.get(guidance_id)
        if not versions:
            raise UnknownName(f"unknown guidance {guidance_id!r}", [guidance_id], self._index)
        if version is not None:
            for doc in versions:
                if doc.version == version:
                    return doc
            known = self.versions(guidance_id)
            raise UsageError(f"guidance {guidance_id!r} has no version {version!r}; versions: {', '.join(known)}"
                             f"{did_you_mean(version, known)}")
        current = [g for g in versions if g.status != "retired"]
        if not current:
            raise UsageError(f"guidance {guidance_id!r} is retired; ask for a version explicitly "
                             f"({', '.join(self.versions(guidance_id))})")
        return current[-1]


def load_library(*paths: str | Path, packaged: bool = True, amenders: Iterable[Amender] = (),
                 reserve_packaged: bool = False) -> Library:
    """Load and validate guidance: the packaged documents (unless ``packaged=False``) plus ``paths``.

    This is the content layer's loader and knows nothing of plugins: it applies exactly the
    ``amenders`` it is given (none by default), each document's amendments in order.
    :func:`clinicguide.load_library` and :class:`clinicguide.ClinicGuide` load through the
    plugins instead, so a site's folders and amendments apply.

    With ``reserve_packaged``, a document outside the packaged folder whose id is a packaged
    guidance id is refused (CG323), whether or not the packaged folder is loaded: a site
    changes packaged guidance only through ``amenders``, which may only tighten it.

    :raises ContentError: with every problem found, if any document is invalid.
    :raises UsageError: if a given path does not exist.
    :raises PluginError: if an amendment would loosen the guidance or leaves it invalid.
    """
    folders = [guidance_dir()] if packaged else []
    for path in map(Path, paths):
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        folders.append(path)
    unique = list({folder.resolve(): folder for folder in folders}.values())
    return library_from(unique, tuple(amenders), reserve_packaged=reserve_packaged)


def library_from(folders: Iterable[Path], amenders: Sequence[Amender] = (), *, reserve_packaged: bool = False) -> Library:
    """Build a library from files and folders, raising :class:`ContentError` on any problem.

    Each document is checked, built into the model and amended as it is read, and its data
    and positions are then let go: loading holds the built library and one document's data,
    not every document's. A problem anywhere stops the building (the files are still all
    checked, so every problem is reported), and is reported before any amendment's refusal.
    """
    duplicates = rules.Duplicates()
    # The packaged ids are read only if a document from elsewhere comes: loading the packaged
    # folder alone, as a host without site guidance does, would otherwise parse every file twice.
    reserved = functools.cache(_packaged_ids) if reserve_packaged else None
    problems: list[Problem] = []
    refused: PluginError | None = None
    documents, amendments, digests = [], {}, []
    for entry in check_each(folders):
        duplicates.add(entry)
        digests.append(entry.sha256)
        problems += entry.problems
        if reserved is not None:
            problems += shadowing_problems(entry, reserved)
        if problems or refused is not None:
            continue
        try:
            document, changes = _document(entry, amenders)
        except PluginError as exc:
            refused = exc
            continue
        documents.append(document)
        if changes:
            amendments[document.ref] = tuple(changes)
    problems += duplicates.problems
    if problems:
        raise ContentError(problems)
    if refused is not None:
        raise refused
    return Library(tuple(documents), library_digest(digests, amendments), MappingProxyType(amendments))


def _packaged_ids() -> dict[str, str]:
    """Packaged guidance id -> the packaged file that holds it."""
    packaged = guidance_dir().resolve()
    files = tuple((str(p), p.stat().st_mtime_ns) for p in guidance_files([packaged]) if p.is_file())
    return dict(_ids_in(files))


@functools.lru_cache(maxsize=4)
def _ids_in(files: tuple[tuple[str, int], ...]) -> tuple[tuple[str, str], ...]:
    """The ids of the packaged files (by name and modification time, so an edited file is read again)."""
    found = []
    for name, _ in files:
        try:
            data, _positions = read(Path(name))
        except YamlProblem:
            continue  # an unreadable packaged file reserves nothing; loading it reports it
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            found.append((data["id"], name))
    return tuple(found)


def shadowing_problems(entry: Checked, reserved: Callable[[], dict[str, str]]) -> list[Problem]:
    """CG323 if ``entry`` lies outside the packaged folder and has a packaged guidance id (``reserved()``).

    Such a document would stand beside the packaged one, and as a newer version replace it
    for every plan, with whatever it leaves out: a site may add and tighten, never replace.
    """
    ident = entry.data.get("id") if entry.data is not None else None
    if not isinstance(ident, str) or entry.path.resolve().is_relative_to(guidance_dir().resolve()):
        return []
    packaged = reserved().get(ident)
    if packaged is None:
        return []
    return [entry.problem_at(("id",), "CG323",
                             f"{ident!r} is packaged guidance ({packaged}); a site may not ship its own "
                             "version of it: amend it (clinicguide_amend_guidance: add items, narrow limits) "
                             "or give this document an id of its own")]


def library_of(checked: Sequence[Checked], amenders: Sequence[Amender] = ()) -> Library:
    """The library of documents that have been checked and have no problems, amended by ``amenders``."""
    documents, amendments = [], {}
    for entry in checked:
        document, changes = _document(entry, amenders)
        documents.append(document)
        if changes:
            amendments[document.ref] = tuple(changes)
    digest = library_digest([entry.sha256 for entry in checked], amendments)
    return Library(tuple(documents), digest, MappingProxyType(amendments))


def _document(entry: Checked, amenders: Sequence[Amender]) -> tuple[Guidance, list[str]]:
    assert entry.data is not None  # no problems means the file parsed to a mapping
    data, changes = _amend(entry, amenders) if amenders else (entry.data, [])
    return guidance_from_data(data, entry.display), changes


def library_digest(file_digests: Iterable[str], amendments: Mapping[str, tuple[str, ...]]) -> str:
    """The digest a Library cites in Provenance: SHA-256 over its files' digests, then each document's amendments.

    The files count by content, not by name or order, so the same documents give the same
    digest wherever they were loaded from.
    """
    digest = hashlib.sha256()
    for sha256 in sorted(file_digests):
        digest.update(sha256.encode())
    for changes in amendments.values():
        digest.update("\n".join(changes).encode())
    return digest.hexdigest()


def _amend(entry: Checked, amenders: Sequence[Amender]) -> tuple[dict[str, Any], list[str]]:
    """Apply every amendment in turn, validating the result after each.

    Every amender sees the document as loaded (a read-only view), so what one site asks
    for does not depend on what another asked for first.
    """
    from .amend import HOOK, apply_amendment, read_only

    data = entry.data or {}
    view = read_only(data)
    proposed = [amendment for amender in amenders for amendment in amender(data["id"], data["version"], view)]
    changes: list[str] = []
    for amendment in proposed:
        data, made = apply_amendment(data, amendment.changes, amendment.source)
        at = Locator(f"{entry.display} as amended by {amendment.source}", Positions())
        found = [p for p in (*schema_problems(data, at), *rules.document_problems(data, at)) if not p.is_warning]
        if found:
            details = "; ".join(f"{p.code} {p.path}: {p.message}" for p in found)
            raise PluginError(amendment.source, HOOK, f"the amended {data['id']}|{data['version']} is invalid: {details}")
        changes += [f"{amendment.agent}: {text}" for text in made]
    return data, changes
