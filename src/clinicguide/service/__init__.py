"""The CDS Hooks 2.0 service: an ASGI application that answers EHRs with cards.

``create_app(config)`` builds it (:mod:`.app`); ``clinicguide serve`` runs it under uvicorn.
The modules each hold one part: the configuration, the request's reading and checks, the
patient data from prefetch or the EHR's FHIR server, orders matched to guidance, the cards,
the JWT check, feedback storage, limits, logs and metrics.
"""
