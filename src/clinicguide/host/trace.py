"""``CLINICGUIDE_TRACE``: one line on standard error per hook call, through pluggy's hook-call monitoring."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pluggy

from ..escape import printable

TRACE_ENV = "CLINICGUIDE_TRACE"  # "1": trace; unset, empty or "0": do not


def trace_hook_calls(pm: pluggy.PluginManager) -> Callable[[], None]:
    """Write ``clinicguide trace: HOOK -> PLUGIN, PLUGIN (TIME ms)`` for every hook call; returns the undo.

    The plugins are listed in the order pluggy calls them (a first-result hook stops at
    the first answer). A line carries hook and plugin names only, never an argument, so
    no patient data.
    """
    import threading  # only when tracing

    local = threading.local()  # hook calls nest (the Bundle writer runs the process hooks), per thread

    def before(hook_name: str, hook_impls: Sequence[pluggy.HookImpl], kwargs: Mapping[str, Any]) -> None:
        local.__dict__.setdefault("started", []).append(time.perf_counter())

    def after(outcome: pluggy.Result[Any], hook_name: str, hook_impls: Sequence[pluggy.HookImpl],
              kwargs: Mapping[str, Any]) -> None:
        took = (time.perf_counter() - local.started.pop()) * 1000
        # pluggy calls the list from its end: wrappers, then tryfirst, the newest, ..., trylast.
        plugins = ", ".join(impl.plugin_name for impl in reversed(hook_impls)) or "no plugin"
        print(f"clinicguide trace: {hook_name} -> {printable(plugins)} ({took:.2f} ms)", file=sys.stderr)

    return pm.add_hookcall_monitoring(before, after)
