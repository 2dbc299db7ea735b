"""The command line imports only what the command given needs.

The parser is built with the named command's module alone, so the table that says which
module registers which command must match what the modules register, and a command must
still be found, helped and refused as before.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from importlib import import_module

import pytest

from clinicguide.cli.parser import COMMAND_MODULES, COMMANDS, build_parser


def _registered(module: str) -> set[str]:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers()
    import_module(f"clinicguide.cli.{module}").register(commands)
    return set(commands.choices)


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_the_command_table_names_what_each_module_registers(module: str) -> None:
    assert _registered(module) == {name for name, owner in COMMANDS.items() if owner == module}


def test_the_overall_help_and_unknown_commands_see_every_command() -> None:
    for given in ([], ["--help"], ["--help", "plan"], ["valdate"]):
        assert set(_choices(build_parser(given))) == set(COMMANDS), given


def test_a_named_command_builds_only_its_module() -> None:
    assert set(_choices(build_parser(["plan", "microneedling"]))) == {n for n, m in COMMANDS.items() if m == "decide"}


def _choices(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


_PROBE = r"""
import json, sys
from clinicguide.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.startswith(("clinicguide", "argparse", "importlib.metadata", "yaml")))))
"""


def _modules_after(*argv: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_version_builds_no_parser_and_imports_nothing_else() -> None:
    loaded = _modules_after("--version")
    assert loaded == {"clinicguide", "clinicguide.cli", "clinicguide.version"}, loaded


def test_validate_imports_neither_the_engine_nor_the_release_modules() -> None:
    loaded = _modules_after("validate", "--codes")
    assert "clinicguide.cli.content" in loaded
    assert not loaded & {"clinicguide.cli.decide", "clinicguide.cli.audit", "clinicguide.guide", "importlib.metadata"}, loaded
