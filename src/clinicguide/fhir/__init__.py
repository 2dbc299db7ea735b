"""FHIR output: the resources a plan emits (R4 by default, R5 on request) and the library export."""
