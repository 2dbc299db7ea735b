"""pytest fixtures for clinicguide plugin authors.

Installed with clinicguide and registered through the ``pytest11`` entry point, so any
test suite in an environment that has clinicguide can use them without a conftest:

- ``clinicguide_library_factory``: a :class:`~clinicguide.Library` from documents
  written to a temporary folder, loaded through given plugins;
- ``clinicguide_manager``: the typed plugin manager (:class:`clinicguide.host.hooks.Hooks`)
  with given plugins; ``.pm`` is the pluggy manager itself;
- ``clinicguide_guide``: a :class:`~clinicguide.ClinicGuide` with given plugins;
- ``clinicguide_patient``: a plain patient mapping with safe defaults;
- ``clinicguide_installed``: make a plugin discoverable through its entry point, for
  the current process and for subprocesses, without installing it.

By default none of them loads the ``clinicguide`` entry-point group, so a test sees the
built-in plugins and the plugins it names, whatever else is installed; pass
``entry_point_plugins=True`` to test discovery itself. ``packaged_document(id)`` returns
an editable copy of a shipped document to build variants from; ``amending(id, amendment)``
a plugin that amends one document.

This module is imported by pytest at start-up wherever clinicguide is installed, so it
keeps its own imports light and defers the rest to the fixtures.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .content.library import Library
    from .guide import ClinicGuide
    from .host.hooks import Hooks

__all__ = [
    "amending",
    "clinicguide_guide",
    "clinicguide_installed",
    "clinicguide_library_factory",
    "clinicguide_manager",
    "clinicguide_patient",
    "fake_install",
    "packaged_document",
    "write_document",
]


def packaged_document(guidance_id: str) -> dict[str, Any]:
    """An editable deep copy of a shipped guidance document's data, e.g. ``packaged_document("microneedling")``."""
    from .content.yamlsafe import read
    from .resources import guidance_dir

    path = guidance_dir() / f"{guidance_id}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in guidance_dir().glob("*.yaml"))
        raise LookupError(f"no packaged guidance {guidance_id!r}; known: {', '.join(known)}")
    data, _ = read(path)
    return copy.deepcopy(data)


def amending(wanted: str, amendment: Any) -> object:
    """A site plugin named ``Site`` that returns ``amendment`` for the document ``wanted``, None for the others.

    For testing what the safety-monotone rules accept and refuse, e.g.
    ``ClinicGuide(plugins=[amending("microneedling", {"narrow": {...}})])``.
    """
    from .host.hookspecs import hookimpl

    class Site:
        @hookimpl
        def clinicguide_amend_guidance(self, guidance_id: str) -> Any:
            return amendment if guidance_id == wanted else None

    return Site()


def write_document(folder: Path, document: Mapping[str, Any] | str, name: str | None = None) -> Path:
    """Write one document (a mapping, or YAML text as is) into ``folder``; returns the file."""
    import yaml

    class _PlainDumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:  # clinicguide refuses YAML anchors and aliases
            return True

    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(document, str):
        text = document
        stem = name or f"document-{len(list(folder.glob('*.yaml'))) + 1}"
    else:
        text = yaml.dump(_plain(document), Dumper=_PlainDumper, sort_keys=False, allow_unicode=True)
        stem = name or str(document.get("id") or f"document-{len(list(folder.glob('*.yaml'))) + 1}")
    path = folder / (stem if stem.endswith((".yaml", ".yml")) else f"{stem}.yaml")
    path.write_text(text, encoding="utf-8")
    return path


def _plain(value: Any) -> Any:
    """Mappings and sequences of any kind (read-only views included) as dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def fake_install(target: Path, distribution: str, version: str, entry_points: Mapping[str, str],
                 group: str = "clinicguide") -> Path:
    """Write ``<distribution>-<version>.dist-info`` with the given entry points into ``target``.

    With ``target`` (and the plugin's source folder) on ``sys.path`` or ``PYTHONPATH``,
    :func:`importlib.metadata.entry_points` finds the plugin exactly as if pip had
    installed it. ``entry_points`` maps entry-point names to ``module[:attribute]``.
    """
    folder = target / f"{distribution.replace('-', '_')}-{version}.dist-info"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: {version}\n", encoding="utf-8")
    lines = [f"[{group}]"] + [f"{name} = {value}" for name, value in entry_points.items()]
    (folder / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def clinicguide_library_factory(tmp_path: Path) -> Callable[..., Library]:
    """Build a library from documents written to a fresh temporary folder.

    ``make(*documents, packaged=False, plugins=(), entry_point_plugins=False)``: each
    document is a mapping (written as YAML), YAML text, or a path to a file or folder to
    load as it is. Plugins contribute their folders and amend every document, as at a
    site. Invalid content raises :class:`clinicguide.ContentError`; a refused amendment
    :class:`clinicguide.PluginError`.
    """
    from .host.hooks import Hooks
    from .host.library import load_through

    calls = 0

    def make(*documents: Mapping[str, Any] | str | Path, packaged: bool = False, plugins: Iterable[object] = (),
             entry_point_plugins: bool = False, blocked: Iterable[str] | None = None) -> Library:
        nonlocal calls
        calls += 1
        folder = tmp_path / f"clinicguide-guidance-{calls}"
        folder.mkdir()
        paths: list[Path] = [folder]
        for document in documents:
            if isinstance(document, Path):
                paths.append(document)
            else:
                write_document(folder, document)
        hooks = Hooks(plugins, entry_point_plugins=entry_point_plugins, blocked=blocked)
        return load_through(hooks, *paths, packaged=packaged)

    return make


@pytest.fixture
def clinicguide_manager() -> Callable[..., Hooks]:
    """``make(*plugins, entry_point_plugins=False, blocked=None)``: the plugin manager with these plugins.

    Returns the typed facade :class:`clinicguide.host.hooks.Hooks` (call ``.screen(...)``,
    ``.plugins()``, ...); ``.pm`` is the pluggy ``PluginManager``. ``blocked=None``
    honours ``$CLINICGUIDE_DISABLE_PLUGINS`` as the product does.
    """
    from .host.hooks import Hooks

    def make(*plugins: object, entry_point_plugins: bool = False, blocked: Iterable[str] | None = None) -> Hooks:
        return Hooks(plugins, entry_point_plugins=entry_point_plugins, blocked=blocked)

    return make


@pytest.fixture
def clinicguide_guide() -> Callable[..., ClinicGuide]:
    """``make(*plugins, library=None, entry_point_plugins=False, **options)``: a ClinicGuide with these plugins."""
    from .guide import ClinicGuide

    def make(*plugins: object, library: Library | None = None, entry_point_plugins: bool = False, **options: Any) -> ClinicGuide:
        return ClinicGuide(library, plugins=plugins, entry_point_plugins=entry_point_plugins, **options)

    return make


@pytest.fixture
def clinicguide_patient() -> Callable[..., dict[str, Any]]:
    """``make(**fields)``: a plain patient mapping (``id``, ``birthDate``, ``gender`` preset; override or add any field)."""

    def make(**fields: Any) -> dict[str, Any]:
        patient: dict[str, Any] = {"id": "test-patient", "birthDate": "1990-01-01", "gender": "female"}
        patient.update(fields)
        return patient

    return make


@pytest.fixture
def clinicguide_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., dict[str, str]]:
    """``install(distribution, version, entry_points, source=None)``: make a plugin discoverable by entry point.

    Writes the distribution's metadata to a temporary folder and puts it, with the
    plugin's ``source`` folder, on ``sys.path`` for this test. Returns an environment for
    subprocesses (``PYTHONPATH`` set), e.g. to run ``[sys.executable, "-m", "clinicguide", ...]``.
    """
    import importlib
    import sys

    site = tmp_path / "clinicguide-site-packages"
    site.mkdir(exist_ok=True)
    paths = [str(site)]

    def install(distribution: str, version: str, entry_points: Mapping[str, str],
                source: Path | str | None = None) -> dict[str, str]:
        fake_install(site, distribution, version, entry_points)
        if source is not None and str(source) not in paths:
            paths.append(str(source))
        for path in reversed(paths):
            if path not in sys.path:
                monkeypatch.syspath_prepend(path)
        importlib.invalidate_caches()
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(paths + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
        return env

    return install
