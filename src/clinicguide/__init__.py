"""clinicguide: sourced guidance and decision support for aesthetic-dermatology clinics."""

from importlib.metadata import PackageNotFoundError, version as _version

from .engine import ClinicGuide, PlanResult, checklist, consent, plan
from .errors import ClinicguideError, ConsentIncomplete, ContentError, InputError, PluginError, Problem, UsageError
from .decision import Finding, Proposal
from .hookspecs import hookimpl
from .library import Library, load_library
from .model import Guidance

try:
    __version__ = _version("clinicguide")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

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
]
