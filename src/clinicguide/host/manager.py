"""Building the plugin manager and calling hooks through typed methods.

The manager is built in one fixed order: built-in plugins, then the ``clinicguide``
entry-point group, then any plugins the host passes, then ``check_pending()``. Core code
never calls ``pm.hook`` directly: :class:`Hooks` calls each implementation in turn so a
failure names its plugin and hook, and checks what each returns.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pluggy

from ..errors import ClinicguideError, PluginError
from . import hookspecs
from .builtin import BUILTIN_PLUGINS

ENTRY_POINT_GROUP = "clinicguide"
_BUILTIN_NAMES = frozenset(name for name, _ in BUILTIN_PLUGINS)
BLOCK_ENV = "CLINICGUIDE_DISABLE_PLUGINS"  # comma-separated plugin names not to load
TRACE_ENV = "CLINICGUIDE_TRACE"  # "1": log each hook call (hook and plugin names only) to stderr


@dataclass(frozen=True)
class PluginInfo:
    """What ``clinicguide plugins`` lists, and Provenance records, for one plugin."""

    name: str
    distribution: str
    version: str
    builtin: bool
    hooks: tuple[str, ...]

    @property
    def agent(self) -> str:
        return f"{self.name} ({self.distribution} {self.version})"


def _clinicguide_version() -> str:
    from ..version import package_version

    return package_version()


def _register(pm: pluggy.PluginManager, plugin: object, name: str) -> str | None:
    """Register one plugin; a hookimpl that does not match its hookspec is reported by plugin and hook."""
    try:
        return pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        found = re.search(r"for hook '([^']+)'", str(exc))
        reason = " ".join(str(exc).split("\n")[1:]) or str(exc)
        raise PluginError(name, found.group(1) if found else "registration", reason) from None


def plugin_manager(extra: Iterable[object] = (), *, entry_point_plugins: bool = True,
                   blocked: Iterable[str] | None = None) -> tuple[pluggy.PluginManager, dict[str, tuple[str, str]]]:
    """The manager with every plugin registered, and each plugin's (distribution, version)."""
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    names = blocked if blocked is not None else [n.strip() for n in os.environ.get(BLOCK_ENV, "").split(",") if n.strip()]
    for name in names:
        pm.set_blocked(name)
    origins: dict[str, tuple[str, str]] = {}
    for name, module in BUILTIN_PLUGINS:
        if _register(pm, module, name):
            origins[name] = ("clinicguide", _clinicguide_version())
    if entry_point_plugins:
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if pm.is_blocked(ep.name) or pm.has_plugin(ep.name):
                continue
            try:
                plugin = ep.load()
            except Exception as exc:  # any import-time failure of third-party code
                raise PluginError(ep.name, "load", f"cannot be imported: {type(exc).__name__}: {exc}") from None
            _register(pm, plugin, ep.name)
            dist = ep.dist
            origins[ep.name] = (dist.name, dist.version) if dist else (ep.value, "unknown")
    for plugin in extra:
        name = getattr(plugin, "__name__", None) or type(plugin).__name__
        if _register(pm, plugin, name):
            origins[name] = (getattr(plugin, "__module__", None) or name, str(getattr(plugin, "__version__", "unknown")))
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(pm.get_name(exc.plugin) or "?", "registration", str(exc)) from None
    return pm, origins


def _frozen(value: Any) -> Any:
    """A deep read-only copy: mappings become MappingProxyType, lists tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: _frozen(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    return value


def _not_json(resource: Any) -> str | None:
    """Why ``resource`` cannot be written as JSON, or None.

    A plugin's set, object or NaN inside a resource made the command line fail with a
    traceback (or print invalid JSON: NaN); checked only after third-party plugins.
    """
    try:
        json.dumps(resource, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        return str(exc)
    return None


def _redacted(text: str, kwargs: Mapping[str, Any]) -> str:
    """A plugin's error text without the identifiers of the patient the hook was given.

    Plugin errors reach the host's error output, and a lookup that fails typically says
    ``KeyError: 'Patient/123'``; the patient's reference, id and birth date are replaced.
    """
    private: set[str] = set()
    reference = kwargs.get("reference")
    if isinstance(reference, str):
        private.update((reference, reference.rsplit("/", 1)[-1]))
    record = kwargs.get("record")
    ident = getattr(record, "id", None)
    if isinstance(ident, str):
        private.add(ident)
    for born in getattr(record, "birth_date", None) or ():
        private.add(born.isoformat())
    for value in sorted(filter(None, private), key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(value)}(?![\w-])", "<patient>", text)
    return text


class Hooks:
    """Typed access to every hook; the only place that calls plugin code."""

    def __init__(self, extra: Iterable[object] = (), *, entry_point_plugins: bool = True,
                 blocked: Iterable[str] | None = None) -> None:
        try:
            self.pm, self._origins = plugin_manager(extra, entry_point_plugins=entry_point_plugins, blocked=blocked)
        except ValueError as exc:  # pluggy refuses e.g. a plugin registered twice, or a bad hookimpl
            raise PluginError("?", "registration", str(exc)) from None
        self.trace = os.environ.get(TRACE_ENV, "") not in ("", "0")

    # -- introspection -----------------------------------------------------------------

    def plugins(self) -> list[PluginInfo]:
        """Every registered plugin with its distribution, version and hooks, in registration order."""
        found = []
        for name, (dist, version) in self._origins.items():
            plugin = self.pm.get_plugin(name)
            hooks = tuple(sorted(h.name for h in self.pm.get_hookcallers(plugin) or ()))
            found.append(PluginInfo(name, dist, version, name in _BUILTIN_NAMES, hooks))
        return found

    @functools.cached_property
    def _agents(self) -> tuple[str, ...]:
        # The plugin set is fixed once the manager is built, so Provenance's agents are
        # worked out once, not on every plan().
        return (f"clinicguide {_clinicguide_version()}",) + tuple(p.agent for p in self.plugins() if not p.builtin)

    def agents(self) -> tuple[str, ...]:
        """Provenance agents: clinicguide itself, then every non-built-in plugin."""
        return self._agents

    def version_of(self, plugin_name: str) -> str:
        dist, version = self._origins.get(plugin_name, (plugin_name, "unknown"))
        return f"{plugin_name} ({dist} {version})"

    # -- calling ------------------------------------------------------------------------

    def _each(self, name: str, kwargs: Mapping[str, Any], *, first: bool = False) -> Iterable[tuple[str, Any]]:
        """Call every implementation of hook ``name``; yield (plugin name, result).

        List hooks run in registration order (built-ins first); first-result hooks run
        newest first, so a later plugin can stand in for a built-in one.
        """
        impls = getattr(self.pm.hook, name).get_hookimpls()
        for impl in (reversed(impls) if first else impls):
            started = time.perf_counter()
            try:
                result = impl.function(**{arg: kwargs[arg] for arg in impl.argnames})
            except ClinicguideError as exc:
                # Built-in plugins raise the user's own input errors (bad answers, units) as they are.
                if isinstance(exc, PluginError) or impl.plugin_name in _BUILTIN_NAMES:
                    raise
                raise PluginError(impl.plugin_name, name, _redacted(str(exc), kwargs)) from exc
            except Exception as exc:  # third-party code: report it by name, never as a bare traceback
                raise PluginError(impl.plugin_name, name, f"raised {type(exc).__name__}: {_redacted(str(exc), kwargs)}") from exc
            if self.trace:
                took = (time.perf_counter() - started) * 1000
                print(f"clinicguide trace: {name} -> {impl.plugin_name} ({took:.2f} ms)", file=sys.stderr)
            yield impl.plugin_name, result

    def guidance_dirs(self) -> list[Path]:
        folders: list[Path] = []
        for plugin, result in self._each("clinicguide_guidance_dirs", {}):
            if result is None:
                continue
            if not isinstance(result, (list, tuple)) or not all(isinstance(p, (str, Path)) for p in result):
                raise PluginError(plugin, "clinicguide_guidance_dirs", "must return a list of folders (str or Path)")
            for folder in map(Path, result):
                if not folder.is_dir():
                    raise PluginError(plugin, "clinicguide_guidance_dirs", f"{folder} is not a folder")
                folders.append(folder)
        return folders

    def amendments(self, guidance_id: str, version: str, document: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
        # A deep read-only view: a plugin must not change the loaded data behind the amendment rules.
        view = _frozen(document)
        return [(plugin, result) for plugin, result in
                self._each("clinicguide_amend_guidance", {"guidance_id": guidance_id, "version": version, "document": view})
                if result is not None]

    def screen(self, guidance: Any, record: Any, date: dt.date, answers: Mapping[str, bool], proposal: Any) -> list[Any]:
        from ..clinical.findings import FINDING_CODES, Finding

        findings: list[Any] = []
        kwargs = {"guidance": guidance, "record": record, "date": date, "answers": answers, "proposal": proposal}
        for plugin, result in self._each("clinicguide_screen", kwargs):
            if result is None:
                continue
            if not isinstance(result, (list, tuple)) or not all(isinstance(f, Finding) for f in result):
                raise PluginError(plugin, "clinicguide_screen", "must return a list of clinicguide.Finding")
            # The FHIR DetectedIssue names the code's meaning; an unknown code failed there, unnamed.
            if unknown := sorted({f.code for f in result} - set(FINDING_CODES)):
                raise PluginError(plugin, "clinicguide_screen",
                                  f"finding code {', '.join(map(repr, unknown))} is not one of: {', '.join(FINDING_CODES)}")
            findings.extend(result)
        return findings

    def patient_context(self, reference: str) -> Mapping[str, Any] | None:
        for plugin, result in self._each("clinicguide_patient_context", {"reference": reference}, first=True):
            if result is None:
                continue
            if not isinstance(result, Mapping):
                raise PluginError(plugin, "clinicguide_patient_context", "must return a FHIR Bundle or patient mapping (a dict)")
            return result
        return None

    def fhir_bundle(self, screening: Any, record: Any, context: Any) -> dict[str, Any]:
        for plugin, result in self._each("clinicguide_fhir_bundle",
                                         {"screening": screening, "record": record, "context": context}, first=True):
            if result is None:
                continue
            if not isinstance(result, dict) or result.get("resourceType") != "Bundle":
                raise PluginError(plugin, "clinicguide_fhir_bundle", "must return a FHIR Bundle as a dict")
            if plugin not in _BUILTIN_NAMES and (problem := _not_json(result)):
                raise PluginError(plugin, "clinicguide_fhir_bundle",
                                  f"returned a Bundle that cannot be written as JSON: {problem}")
            return result
        raise PluginError("clinicguide", "clinicguide_fhir_bundle",
                          "no plugin wrote the Bundle (is the built-in writer blocked?)")

    def process(self, kind: str, resource: dict[str, Any], guidance: Any, fhir_version: str) -> None:
        """Run ``clinicguide_process_<kind>`` on ``resource`` in place."""
        name = f"clinicguide_process_{kind}"  # each hook names its resource argument after the kind
        for plugin, result in self._each(name, {kind: resource, "guidance": guidance, "fhir_version": fhir_version}):
            if result is not None:
                raise PluginError(plugin, name, "must change the resource in place and return None")
            if plugin not in _BUILTIN_NAMES and (problem := _not_json(resource)):
                raise PluginError(plugin, name, f"left the {kind} unable to be written as JSON: {problem}")

    def processor(self, guidance: Any, fhir_version: str) -> Callable[[str, dict[str, Any]], None]:
        return lambda kind, resource: self.process(kind, resource, guidance, fhir_version)
