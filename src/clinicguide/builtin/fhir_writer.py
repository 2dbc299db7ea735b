"""Built-in plugin: the FHIR Bundle writer (CarePlan, Questionnaire, DetectedIssue, Provenance)."""

from __future__ import annotations

from typing import Any

from ..decision import Screening
from ..fhir.bundle import BundleContext, plan_bundle
from ..hookspecs import hookimpl
from ..patient import PatientRecord


@hookimpl
def clinicguide_fhir_bundle(screening: Screening, record: PatientRecord, context: BundleContext) -> dict[str, Any]:
    return plan_bundle(screening, record, context)
