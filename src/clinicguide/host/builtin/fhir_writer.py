"""Built-in plugin: the FHIR Bundle writer (CarePlan, Questionnaire, DetectedIssue, Provenance)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..hookspecs import hookimpl

if TYPE_CHECKING:  # imported on the first plan, not when load_library() registers the built-ins (~15 ms)
    from ...clinical.patient import PatientRecord
    from ...clinical.screening import Screening
    from ...fhir.bundle import BundleContext


@hookimpl(trylast=True)
def clinicguide_fhir_bundle(screening: Screening, record: PatientRecord, context: BundleContext) -> dict[str, Any]:
    from ...fhir.bundle import plan_bundle

    return plan_bundle(screening, record, context)
