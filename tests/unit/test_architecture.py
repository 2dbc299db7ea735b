"""The package's layers: each imports only from the layers below it, and no import forms a cycle.

Every import counts, lazy ones inside functions and those under ``TYPE_CHECKING`` included: a
lazy import is still a dependency, only a later one.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = "clinicguide"

#: Lowest first. A module may import from its own layer and from any layer before it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("base", ("clinicguide.errors", "clinicguide.codes", "clinicguide.resources", "clinicguide.canonical",
              "clinicguide.terminology", "clinicguide.units", "clinicguide.version", "clinicguide.jsonfile",
              "clinicguide.escape", "clinicguide.bounded")),
    ("content", ("clinicguide.content",)),
    ("clinical", ("clinicguide.clinical",)),
    ("fhir", ("clinicguide.fhir",)),
    ("host", ("clinicguide.host",)),
    ("documents", ("clinicguide.documents",)),
    ("guide", ("clinicguide.guide",)),
    ("report", ("clinicguide.report", "clinicguide.testing", "clinicguide.decision_text")),
    ("release", ("clinicguide.release",)),
    ("service", ("clinicguide.service",)),
    ("cli", ("clinicguide.cli", "clinicguide.__main__", "clinicguide")),
)


def modules() -> dict[str, Path]:
    found = {}
    for path in (SRC / PACKAGE).rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = modules()


def layer_of(module: str) -> int:
    best, rank = -1, -1
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, rank = len(prefix), index
    assert rank >= 0, f"{module} belongs to no layer: add it to LAYERS"
    return rank


def resolve(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports(module: str) -> Iterator[tuple[str, int]]:
    """The package modules ``module`` imports, with the line of each import."""
    path = MODULES[module]
    is_package = path.name == "__init__.py"
    base = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            prefix = node.module or ""
            if node.level:
                anchor = base[: len(base) - (node.level - 1)]
                prefix = ".".join(anchor + ([node.module] if node.module else []))
            names = [f"{prefix}.{alias.name}" for alias in node.names] + [prefix]
        targets = {resolve(n) for n in names if n == PACKAGE or n.startswith(PACKAGE + ".")}
        # ``from .pkg import mod`` runs the package's ``__init__`` too: it counts as a dependency
        for target in sorted(t for t in targets if t and t != module):
            yield target, node.lineno


def test_every_module_has_a_layer() -> None:
    for module in MODULES:
        layer_of(module)


def test_no_module_imports_from_a_higher_layer() -> None:
    upward = []
    for module in MODULES:
        for target, line in imports(module):
            if layer_of(target) > layer_of(module) and not (module.startswith(target + ".") or target == PACKAGE):
                upward.append(f"{MODULES[module].relative_to(SRC)}:{line}: {module} ({LAYERS[layer_of(module)][0]}) "
                              f"imports {target} ({LAYERS[layer_of(target)][0]})")
    assert upward == []


def test_there_is_no_import_cycle() -> None:
    graph = {m: {t for t, _ in imports(m)} for m in MODULES}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append(" -> ".join([*trail[trail.index(target):], target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_the_package_root_is_imported_only_by_the_command_line(module: str) -> None:
    """The root re-exports everything; a module that imports it depends on every layer."""
    if layer_of(module) == len(LAYERS) - 1:
        return
    assert PACKAGE not in {t for t, _ in imports(module)}
