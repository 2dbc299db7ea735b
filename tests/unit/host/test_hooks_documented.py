"""Every hook is documented in docs/plugins.md, with its exact signature, and exercised by a test.

The hooks come from introspecting ``clinicguide.host.hookspecs`` (the HookspecMarker's
attribute), so a new hook, a renamed parameter or a changed type fails here until the
reference and the tests follow.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clinicguide.host import hookspecs

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "plugins.md"
TESTS = Path(__file__).resolve().parent
SPEC_ATTR = f"{hookspecs.PROJECT}_spec"  # what pluggy.HookspecMarker(PROJECT) sets on each hookspec


def hookspec_functions() -> dict[str, Callable[..., Any]]:
    return {name: func for name, func in vars(hookspecs).items() if callable(func) and hasattr(func, SPEC_ATTR)}


HOOKS = hookspec_functions()


def _annotation(value: Any) -> str:
    # hookspecs.py uses ``from __future__ import annotations``, so annotations are source text.
    return value if isinstance(value, str) else inspect.formatannotation(value)


def render_signature(func: Callable[..., Any]) -> str:
    """The one-line signature the reference must show: ``def name(param: type, ...) -> type``."""
    sig = inspect.signature(func)
    params = ", ".join(p.name if p.annotation is p.empty else f"{p.name}: {_annotation(p.annotation)}"
                       for p in sig.parameters.values())
    returns = "" if sig.return_annotation is sig.empty else f" -> {_annotation(sig.return_annotation)}"
    return f"def {func.__name__}({params}){returns}"


def doc_sections() -> dict[str, str]:
    """Each ``### name`` section of the reference, by name."""
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^### +(\S+) *$", text, flags=re.MULTILINE)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_hookspecs_are_found() -> None:
    # Guard against the introspection silently finding nothing (e.g. the marker's attribute renamed).
    assert len(HOOKS) >= 9, sorted(HOOKS)
    assert all(name.startswith("clinicguide_") for name in HOOKS)


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_hook_is_documented_with_its_exact_signature(name: str) -> None:
    sections = doc_sections()
    assert name in sections, f"docs/plugins.md has no '### {name}' section; add one to the hook reference"
    signature = render_signature(HOOKS[name])
    assert signature in sections[name].splitlines(), (
        f"the '### {name}' section of docs/plugins.md does not show the hook's current signature; "
        f"it must contain this line exactly:\n{signature}")
    assert HOOKS[name].__doc__ and HOOKS[name].__doc__.strip(), f"hookspec {name} has no docstring"
    if getattr(HOOKS[name], SPEC_ATTR).get("firstresult"):
        assert "First-result hook" in sections[name], f"{name} is a first-result hook; its section must say 'First-result hook'"


def test_reference_documents_no_hook_that_does_not_exist() -> None:
    stale = sorted(name for name in doc_sections() if name.startswith("clinicguide_") and name not in HOOKS)
    assert not stale, f"docs/plugins.md documents hooks that clinicguide.host.hookspecs does not declare: {', '.join(stale)}"


def _test_sources() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in sorted(TESTS.rglob("test_*.py"))
            if path.resolve() != Path(__file__).resolve()}


@pytest.mark.parametrize("name", sorted(HOOKS))
def test_hook_is_exercised_by_a_test(name: str) -> None:
    # An implementation (``def name(``) in a test module, or a direct call of the hook by name.
    pattern = re.compile(rf"\bdef {name}\(|\.{name}\(")
    users = [path.name for path, text in _test_sources().items() if pattern.search(text)]
    assert users, (f"no test under tests/ implements or calls {name}; add one (e.g. a plugin class with "
                   f"'@hookimpl def {name}(...)' registered through ClinicGuide(plugins=[...]))")


def test_render_signature_detects_a_changed_signature() -> None:
    # The check above is only as good as the rendering: a changed parameter must render differently.
    def clinicguide_guidance_dirs(extra: int) -> list[Path | str] | None: ...

    assert render_signature(clinicguide_guidance_dirs) != render_signature(HOOKS["clinicguide_guidance_dirs"])
    assert render_signature(HOOKS["clinicguide_guidance_dirs"]) == "def clinicguide_guidance_dirs() -> list[Path | str] | None"
