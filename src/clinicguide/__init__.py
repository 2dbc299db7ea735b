"""clinicguide: sourced guidance and decision support for aesthetic-dermatology clinics."""

from importlib.metadata import PackageNotFoundError, version as _version

from .errors import ClinicguideError, ConsentIncomplete, ContentError, InputError, PluginError, Problem, UsageError
from .library import Library, load_library
from .model import Guidance

try:
    __version__ = _version("clinicguide")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "ClinicguideError",
    "ConsentIncomplete",
    "ContentError",
    "Guidance",
    "InputError",
    "Library",
    "PluginError",
    "Problem",
    "UsageError",
    "__version__",
    "load_library",
]
