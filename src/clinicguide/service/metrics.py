"""Prometheus metrics: requests by endpoint and status, a latency histogram, cards by indicator.

With several worker processes, set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder before the
service starts; each worker then writes its figures there and ``/metrics`` adds them up.
"""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("clinicguide_requests", "HTTP requests by endpoint and status", ("endpoint", "status"),
                                registry=self.registry)
        self.latency = Histogram("clinicguide_request_seconds", "Request latency by endpoint", ("endpoint",),
                                 buckets=_BUCKETS, registry=self.registry)
        self.cards = Counter("clinicguide_cards", "Cards returned, by indicator", ("indicator",), registry=self.registry)

    def render(self) -> bytes:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            return generate_latest(registry)
        return generate_latest(self.registry)
