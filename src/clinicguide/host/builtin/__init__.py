"""clinicguide's own behaviour, implemented as ordinary plugins and registered first."""

from . import fhir_writer, guidance_source, screening

#: (plugin name, module), in registration order. Block one with $CLINICGUIDE_DISABLE_PLUGINS.
BUILTIN_PLUGINS = (
    ("clinicguide.guidance", guidance_source),
    ("clinicguide.screening", screening),
    ("clinicguide.fhir", fhir_writer),
)
