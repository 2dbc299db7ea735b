"""What several commands share: the guidance source options and each command's help text."""

from __future__ import annotations

import argparse

#: The exit codes, as every command's help ends with them (README.md has the same table).
EXIT_CODES = "exit codes: 0 ok, 1 content or input problems, 2 usage (bad option, unknown id or name, missing file)"


def source_options(parser: argparse.ArgumentParser) -> None:
    """Where guidance comes from, the same for every command that reads it."""
    parser.add_argument("--guidance", action="append", default=[], metavar="PATH",
                        help="also load guidance from this file or folder (repeatable), e.g. a clinic's own documents")


def describe(parser: argparse.ArgumentParser, description: str, *examples: str) -> None:
    """Give a command's help its description, examples and the exit codes."""
    parser.description = description
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    shown = "\n".join(f"  {example}" for example in examples)
    parser.epilog = f"example{'s' if len(examples) > 1 else ''}:\n{shown}\n\n{EXIT_CODES}"
