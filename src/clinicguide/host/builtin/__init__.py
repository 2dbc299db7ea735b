"""clinicguide's own behaviour, implemented as ordinary plugins and registered first.

pluggy calls the newest plugin first; the built-ins set their place with pluggy's own
markers instead: the packaged folder and the built-in screening run first
(``tryfirst``), so their folders and findings come before any site's, and the built-in
Bundle writer is asked last (``trylast``), so any plugin's writer can replace it.
"""

from . import fhir_writer, guidance_source, screening

#: (plugin name, module), in registration order. Block one with $CLINICGUIDE_DISABLE_PLUGINS.
BUILTIN_PLUGINS = (
    ("clinicguide.guidance", guidance_source),
    ("clinicguide.screening", screening),
    ("clinicguide.fhir", fhir_writer),
)
