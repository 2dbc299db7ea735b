"""The ``plugins`` command: which plugins are loaded, from which distribution, with which hooks."""

from __future__ import annotations

import argparse
from typing import Any

from ..report import FORMATS, plugins_json, plugins_text, reporter


def register(commands: Any) -> None:
    plugins = commands.add_parser("plugins", help="list loaded plugins with their distribution, version and hooks")
    plugins.add_argument("--format", choices=FORMATS, default="text")
    plugins.set_defaults(run=run_plugins)


def run_plugins(args: argparse.Namespace) -> int:
    from ..host.hooks import Hooks  # here, not at the top: pluggy and importlib.metadata slow every other command's start

    found = Hooks().plugins()
    reporter(args.format).result(json=lambda: plugins_json(found), text=lambda: plugins_text(found))
    return 0
