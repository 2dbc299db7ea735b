"""The ``plugins`` command: which plugins are loaded, from which distribution, with which hooks."""

from __future__ import annotations

import argparse
from typing import Any

from .output import dumps, emit


def register(commands: Any) -> None:
    plugins = commands.add_parser("plugins", help="list loaded plugins with their distribution, version and hooks")
    plugins.add_argument("--format", choices=("text", "json"), default="text")
    plugins.set_defaults(run=run_plugins)


def run_plugins(args: argparse.Namespace) -> int:
    from ..host.hooks import Hooks  # here, not at the top: pluggy and importlib.metadata slow every other command's start

    found = Hooks().plugins()
    if args.format == "json":
        emit(dumps([{"name": p.name, "distribution": p.distribution, "version": p.version, "builtin": p.builtin,
                     "hooks": list(p.hooks)} for p in found]))
        return 0
    width = max(len(p.name) for p in found)
    emit("".join(f"{p.name:<{width}}  {p.distribution} {p.version}{'  (built-in)' if p.builtin else ''}\n"
                 f"{'':<{width}}  hooks: {', '.join(p.hooks) or 'none'}\n" for p in found))
    return 0
