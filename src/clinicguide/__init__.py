"""clinicguide: sourced guidance and decision support for aesthetic-dermatology clinics."""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs ~10 ms; type checkers treat the name as true

# The public names are loaded on first use (PEP 562), not at import: hosts and the CLI
# import clinicguide at start-up, and the decision engine pulls in jsonschema, PyYAML,
# pluggy and importlib.metadata (about 120 ms). `from clinicguide import X` and
# `clinicguide.X` work as eager imports would; each name is imported once and then cached here.
_LAZY: dict[str, str] = {
    "ClinicGuide": "guide",
    "PlanResult": "guide",
    "checklist": "guide",
    "questions": "guide",
    "consent": "guide",
    "plan": "guide",
    "ClinicguideError": "errors",
    "ConsentIncomplete": "errors",
    "ContentError": "errors",
    "InputError": "errors",
    "PluginError": "errors",
    "Problem": "errors",
    "UsageError": "errors",
    "Finding": "clinical.findings",
    "Proposal": "clinical.proposal",
    "hookimpl": "host.hookspecs",
    "Library": "content.library",
    "load_library": "host.library",
    "Guidance": "content.model",
}

if TYPE_CHECKING:  # what type checkers and IDEs see: the same names, imported eagerly
    from .clinical.findings import Finding
    from .clinical.proposal import Proposal
    from .content.library import Library
    from .content.model import Guidance
    from .errors import ClinicguideError, ConsentIncomplete, ContentError, InputError, PluginError, Problem, UsageError
    from .guide import ClinicGuide, PlanResult, checklist, consent, plan, questions
    from .host.hookspecs import hookimpl
    from .host.library import load_library

    __version__: str


def __getattr__(name: str) -> object:
    if name == "__version__":
        from .version import package_version

        value: object = package_version()
    elif name in _LAZY:
        value = getattr(import_module(f".{_LAZY[name]}", __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "ClinicGuide",
    "ClinicguideError",
    "ConsentIncomplete",
    "ContentError",
    "Finding",
    "Guidance",
    "InputError",
    "Library",
    "PlanResult",
    "PluginError",
    "Problem",
    "Proposal",
    "UsageError",
    "__version__",
    "checklist",
    "consent",
    "hookimpl",
    "load_library",
    "plan",
    "questions",
]
