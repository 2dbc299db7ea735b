"""Building the plugin manager, in one fixed order.

1. the built-in plugins (:data:`.builtin.BUILTIN_PLUGINS`): clinicguide's own behaviour;
2. the ``clinicguide`` entry-point group, through pluggy's ``load_setuptools_entrypoints``,
   one entry point at a time in order of name, so the order does not depend on how the
   installation lists its distributions and a plugin that cannot be imported is named;
3. the plugins the host passes, in the order given;

then ``check_pending()``, and the trace if ``CLINICGUIDE_TRACE`` asks for it. Plugins
named in ``CLINICGUIDE_DISABLE_PLUGINS`` are blocked with pluggy's ``set_blocked`` before
anything is registered, so a blocked entry point is not even imported. The built-in
screening (:data:`REQUIRED_PLUGINS`) cannot be blocked: without it every patient would come
out eligible, so asking to block it is refused before anything is decided.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

import pluggy

from ..errors import PluginError, UsageError
from ..version import package_version
from . import hookspecs
from .builtin import BUILTIN_PLUGINS
from .guard import Guarded
from .trace import TRACE_ENV, trace_hook_calls

ENTRY_POINT_GROUP = "clinicguide"
BLOCK_ENV = "CLINICGUIDE_DISABLE_PLUGINS"  # comma-separated plugin names not to load
#: Built-in plugins a host may not block: the contraindication, dose and interval screening.
REQUIRED_PLUGINS = ("clinicguide.screening",)
_BUILTINS = frozenset(id(module) for _, module in BUILTIN_PLUGINS)  # modules: by identity, not by name


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


class Manager(pluggy.PluginManager):
    """pluggy's manager for clinicguide's hooks; it registers every plugin guarded (see :mod:`.guard`).

    ``origins`` holds each registered plugin's (distribution, version), in registration order.
    """

    def __init__(self) -> None:
        super().__init__(hookspecs.PROJECT)
        self.add_hookspecs(hookspecs)
        self.origins: dict[str, tuple[str, str]] = {}

    def register(self, plugin: object, name: str | None = None) -> str | None:
        """Register ``plugin`` guarded; a plugin pluggy refuses is reported by name and hook."""
        name = name or self.get_canonical_name(plugin)
        if self.is_blocked(name):
            return None
        try:
            return super().register(Guarded(self, plugin, name, id(plugin) in _BUILTINS), name)
        except pluggy.PluginValidationError as exc:
            found = re.search(r"for hook '([^']+)'", str(exc))
            reason = " ".join(str(exc).split("\n")[1:]) or str(exc)
            raise PluginError(name, found.group(1) if found else "registration", reason) from None
        except ValueError as exc:  # pluggy refuses a name or a plugin registered twice
            raise PluginError(name, "registration", str(exc).split("\n")[0]) from None

    def plugins(self) -> list[PluginInfo]:
        """Every registered plugin with its distribution, version and hooks, in registration order."""
        found = []
        for name, (dist, version) in self.origins.items():
            plugin = self.get_plugin(name)
            hooks = tuple(sorted(h.name for h in self.get_hookcallers(plugin) or ()))
            found.append(PluginInfo(name, dist, version, isinstance(plugin, Guarded) and plugin.guarded_builtin, hooks))
        return found


def blocked_names(blocked: Iterable[str] | None = None) -> list[str]:
    """The plugin names to block: ``blocked``, or by default those in ``$CLINICGUIDE_DISABLE_PLUGINS``."""
    names = list(blocked) if blocked is not None else [n.strip() for n in os.environ.get(BLOCK_ENV, "").split(",")
                                                        if n.strip()]
    if required := [name for name in REQUIRED_PLUGINS if name in names]:
        where = "blocked" if blocked is not None else f"${BLOCK_ENV}"
        raise UsageError(f"{where} names {', '.join(required)}, the built-in safety screening, which cannot be disabled: "
                         "without it every patient would come out eligible; remove it from the list")
    return names


def build_manager(extra: Iterable[object] = (), *, entry_point_plugins: bool = True,
                  blocked: Iterable[str] | None = None) -> Manager:
    """The manager with every plugin registered, in the order the module docstring gives."""
    pm = Manager()
    for name in blocked_names(blocked):
        pm.set_blocked(name)
    for name, module in BUILTIN_PLUGINS:
        if pm.register(module, name):
            pm.origins[name] = ("clinicguide", package_version())
    if entry_point_plugins:
        _load_entry_points(pm)
    for plugin in extra:
        name = getattr(plugin, "__name__", None) or type(plugin).__name__
        if pm.register(plugin, name):
            pm.origins[name] = (getattr(plugin, "__module__", None) or name, str(getattr(plugin, "__version__", "unknown")))
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(pm.get_name(exc.plugin) or "?", "registration", str(exc)) from None
    if os.environ.get(TRACE_ENV, "") not in ("", "0"):
        trace_hook_calls(pm)
    return pm


def _load_entry_points(pm: Manager) -> None:
    from importlib.metadata import entry_points  # only a host that loads entry-point plugins pays for it

    for name in sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}):
        try:
            loaded = pm.load_setuptools_entrypoints(ENTRY_POINT_GROUP, name)
        except PluginError:
            raise
        except Exception as exc:  # any import-time failure of third-party code
            raise PluginError(name, "load", f"cannot be imported: {type(exc).__name__}: {exc}") from None
        if loaded:
            dist = pm.list_plugin_distinfo()[-1][1]
            pm.origins[name] = (dist.project_name, dist.version)
