"""The loaded guidance library: validated, typed, immutable and safe to share between threads."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..errors import ContentError, PluginError, UsageError
from ..resources import guidance_dir
from .builder import guidance_from_data
from .check import Checked, Locator, check_paths, schema_problems
from .model import Guidance
from .yamlsafe import Positions

if TYPE_CHECKING:
    from ..host.manager import Hooks


def version_key(version: str) -> tuple[int, ...]:
    """Sort key of a semantic version such as ``1.2.0``."""
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
        frozen = {k: tuple(sorted(v, key=lambda g: version_key(g.version))) for k, v in sorted(index.items())}
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
            known = ", ".join(self._index) or "none"
            raise UsageError(f"unknown guidance {guidance_id!r}; known: {known}")
        if version is not None:
            for doc in versions:
                if doc.version == version:
                    return doc
            raise UsageError(f"guidance {guidance_id!r} has no version {version!r}; versions: "
                             f"{', '.join(self.versions(guidance_id))}")
        current = [g for g in versions if g.status != "retired"]
        if not current:
            raise UsageError(f"guidance {guidance_id!r} is retired; ask for a version explicitly "
                             f"({', '.join(self.versions(guidance_id))})")
        return current[-1]


def load_library(*paths: str | Path, packaged: bool = True, hooks: Hooks | None = None, plugins: bool = True) -> Library:
    """Load and validate guidance: the packaged documents (unless ``packaged=False``) plus ``paths``.

    Plugins contribute folders (the packaged one is the built-in plugin's) and amend
    documents for the site: those of ``hooks``, or by default the built-in and installed
    (entry-point) plugins, so a site's narrowing cannot be skipped by loading the library
    directly. ``plugins=False`` loads the files as they are, with no plugin.

    :raises ContentError: with every problem found, if any document is invalid.
    :raises UsageError: if a given path does not exist.
    :raises PluginError: if a plugin fails or an amendment would loosen the guidance.
    """
    if hooks is None and plugins:
        from ..host.manager import Hooks

        hooks = Hooks()
    if hooks is None:
        folders = [guidance_dir()] if packaged else []
    else:
        folders = [f for f in hooks.guidance_dirs() if packaged or f.resolve() != guidance_dir().resolve()]
    for path in map(Path, paths):
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        folders.append(path)
    unique = list({folder.resolve(): folder for folder in folders}.values())
    return library_from(unique, hooks)


def library_from(folders: Iterable[Path], hooks: Hooks | None = None) -> Library:
    """Build a library from files and folders, raising :class:`ContentError` on any problem."""
    checked = check_paths(folders)
    problems = [p for c in checked for p in c.problems]
    if problems:
        raise ContentError(problems)
    digest = hashlib.sha256()
    for entry in sorted(checked, key=lambda c: c.sha256):
        digest.update(entry.sha256.encode())
    documents, amendments = [], {}
    for entry in checked:
        assert entry.data is not None  # no problems means every file parsed to a mapping
        data, changes = _amend(entry, hooks) if hooks else (entry.data, [])
        documents.append(guidance_from_data(data, entry.display))
        if changes:
            amendments[f"{data['id']}|{data['version']}"] = tuple(changes)
            digest.update("\n".join(changes).encode())
    return Library(tuple(documents), digest.hexdigest(), MappingProxyType(amendments))


def _amend(entry: Checked, hooks: Hooks) -> tuple[dict[str, Any], list[str]]:
    """Apply every plugin's amendment in turn, validating the result after each."""
    from . import rules
    from .amend import HOOK, apply_amendment

    data = entry.data or {}
    changes: list[str] = []
    for plugin, amendment in hooks.amendments(data["id"], data["version"], data):
        data, made = apply_amendment(data, amendment, plugin)
        at = Locator(f"{entry.display} as amended by {plugin}", Positions())
        found = list(schema_problems(data, at)) + rules.document_problems(data, at)
        if found:
            details = "; ".join(f"{p.code} {p.path}: {p.message}" for p in found)
            raise PluginError(plugin, HOOK, f"the amended {data['id']}|{data['version']} is invalid: {details}")
        changes += [f"{hooks.version_of(plugin)}: {text}" for text in made]
    return data, changes
