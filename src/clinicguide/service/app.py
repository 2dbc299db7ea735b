"""The ASGI application: routes, authentication, limits, logs and metrics around the decider.

``create_app(config)`` builds it; ``from_environment()`` is the factory for uvicorn or gunicorn
(``uvicorn --factory clinicguide.service.app:from_environment``), reading the configuration file
named by ``$CLINICGUIDE_SERVICE_CONFIG``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import json
import logging
import os
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..errors import ClinicguideError
from ..escape import printable
from ..guide import ClinicGuide
from .accesslog import access
from .accesslog import configure as configure_logging
from .auth import Authenticator, Caller
from .body import read_json
from .calls import Decider
from .cardlog import CardLog
from .config import ServiceConfig, load_config
from .discovery import BY_ID, discovery
from .feedback import read_feedback
from .hookrequest import read_hook_request
from .keys import read_jwks
from .metrics import Metrics
from .outcome import ServiceError, operation_outcome
from .store import IssuedCard, Store, StoreBusy, open_store

CONFIG_ENV = "CLINICGUIDE_SERVICE_CONFIG"
OVERRIDES_ENV = "CLINICGUIDE_SERVICE_OVERRIDES"  # set by `clinicguide serve` for its worker processes
_log = logging.getLogger("clinicguide.service")
#: Decisions are pure Python and hold the GIL: more threads would not decide more at once, only
#: make each call wait its turn longer (under load, each thread switch costs the waiting call up
#: to the interpreter's switch interval). The pool is there so that the event loop, and with it
#: the time limit, keeps running while a decision (or a plugin in it) takes its time.
DECISION_THREADS = 2
Handler = Callable[[Request], Awaitable[tuple[Response, Caller | None, int | None]]]


def _fhir_json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=headers)


class Service:
    """The state one application holds: immutable guidance, the store, one HTTP client, one thread pool."""

    def __init__(self, config: ServiceConfig, guide: ClinicGuide | None, store: Store | None) -> None:
        self.config = config
        for issuer in config.issuers:  # a bad key file stops the service at start, not at the first call
            if issuer.jwks_file is not None:
                read_jwks(issuer.jwks_file)
        self.guide = guide or ClinicGuide(guidance_paths=config.guidance, canonical_base_url=config.canonical_base)
        self.decider = Decider(self.guide, config)
        self.discovery = discovery(self.decider.templates)
        self.store = store or open_store(config.database)
        self.cards = CardLog(self.store)
        self.metrics = Metrics()
        self.executor = ThreadPoolExecutor(max_workers=DECISION_THREADS, thread_name_prefix="clinicguide-decide")
        # Blank documents depend only on the URL, and a PDF takes seconds to render: the last
        # few are kept, so a link followed by every clinician renders once.
        self.documents = functools.lru_cache(maxsize=32)(self.guide.document)
        self._client: httpx.AsyncClient | None = None
        self._auth: Authenticator | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(limits=httpx.Limits(max_connections=32), trust_env=False)
        return self._client

    @property
    def auth(self) -> Authenticator:
        if self._auth is None:
            self._auth = Authenticator(self.config, self.store, self.client)
        return self._auth

    async def close(self) -> None:
        await self.cards.close()
        if self._client is not None:
            await self._client.aclose()
        self.executor.shutdown(wait=False, cancel_futures=True)

    async def caller(self, request: Request, path: str, *extra: str) -> Caller | None:
        """Check the JWT for ``path``; the audience is the public URL of the endpoint called."""
        if self.config.insecure_dev:
            return None
        audiences = [self.config.base + path] + [self.config.base + p for p in extra]
        return await self.auth.check(request.headers.get("authorization"), audiences)

    def endpoint(self, name: str, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        """``handler`` bounded in time, its errors answered with an OperationOutcome, logged and counted."""

        async def run(request: Request) -> Response:
            started = time.perf_counter()
            caller: Caller | None = None
            cards: int | None = None
            try:
                response, caller, cards = await asyncio.wait_for(handler(request), self.config.request_timeout)
            except ServiceError as exc:
                response = _fhir_json(operation_outcome(exc.status, exc.message), exc.status, exc.headers)
            except StoreBusy:
                response = _fhir_json(operation_outcome(503, "the database is busy; try again"), 503, {"Retry-After": "1"})
            except asyncio.TimeoutError:
                response = _fhir_json(operation_outcome(503, f"no answer within {self.config.request_timeout:g} s"), 503)
            except Exception as exc:  # a bug: logged by type and place only, never with the request's data
                place = traceback.extract_tb(exc.__traceback__)[-1]
                _log.error("internal error %s at %s:%s", exc.__class__.__name__, place.filename, place.lineno)
                response = _fhir_json(operation_outcome(500, "internal error"), 500)
            elapsed = time.perf_counter() - started
            self.metrics.requests.labels(name, str(response.status_code)).inc()
            self.metrics.latency.labels(name).observe(elapsed)
            access(request.method, name, response.status_code, elapsed, iss=caller.iss if caller else None,
                   tenant=caller.tenant if caller else None, cards=cards)
            return response

        return run

    # -- the endpoints -------------------------------------------------------------------------

    async def list_services(self, request: Request) -> tuple[Response, Caller | None, int | None]:
        caller = await self.caller(request, "/cds-services")
        return _fhir_json(self.discovery), caller, None

    async def call(self, request: Request) -> tuple[Response, Caller | None, int | None]:
        service_id = request.path_params["service"]
        service = BY_ID.get(service_id)
        caller = await self.caller(request, f"/cds-services/{service_id}")
        if service is None:
            raise ServiceError(404, "no such CDS service")
        call = read_hook_request(await read_json(request, self.config.max_request_bytes), service.hook)
        decided = await self.decider.cards(service.id, call, self.client, self.executor, _today)
        cards = [card for card, _ in decided]
        for card in cards:
            self.metrics.cards.labels(card["indicator"]).inc()
        today = _today()
        self.cards.add(IssuedCard(card["uuid"], service.id, guidance, card["indicator"], today) for card, guidance in decided)
        return _fhir_json({"cards": cards}), caller, len(cards)

    async def feedback(self, request: Request) -> tuple[Response, Caller | None, int | None]:
        service_id = request.path_params["service"]
        caller = await self.caller(request, f"/cds-services/{service_id}/feedback", f"/cds-services/{service_id}")
        if service_id not in BY_ID:
            raise ServiceError(404, "no such CDS service")
        rows = read_feedback(await read_json(request, self.config.max_request_bytes))
        with contextlib.suppress(Exception):  # the cards it is about, stored first; a failure is logged by the card log
            await self.cards.flush()
        await asyncio.to_thread(self.store.record_feedback, service_id, rows, dt.datetime.now(dt.timezone.utc))
        return Response(status_code=200), caller, None

    async def questionnaire(self, request: Request) -> tuple[Response, Caller | None, int | None]:
        try:
            found = self.guide.questions(request.path_params["guidance"], version=request.path_params["version"])
        except ClinicguideError:
            raise ServiceError(404, "no such guidance version") from None
        return _fhir_json(found), None, None

    async def document(self, request: Request) -> tuple[Response, Caller | None, int | None]:
        """A blank patient document (no patient data travels in a URL), dated from ``?date=``; HTML or PDF."""
        params = request.query_params
        if request.path_params["kind"] not in ("consent", "aftercare"):
            raise ServiceError(404, "no such document; documents: consent, aftercare")
        unknown = sorted(set(params) - {"date", "format"})
        if unknown:
            raise ServiceError(400, f"unknown query parameter(s): {', '.join(map(repr, unknown))}")
        guidance, version = request.path_params["guidance"], request.path_params["version"]
        try:
            self.guide.library.get(guidance, version)
        except ClinicguideError:
            raise ServiceError(404, "no such guidance version") from None
        try:
            found = await asyncio.to_thread(self.documents, request.path_params["kind"], guidance, version=version,
                                            date=params.get("date"), format=params.get("format", "html"))
        except ClinicguideError as exc:
            raise ServiceError(400, printable(str(exc))) from None
        return Response(found.content, media_type=found.media_type), None, None

    async def health(self, request: Request) -> tuple[Response, Caller | None, int | None]:
        return _fhir_json({"status": "ok", "guidance": len(self.guide.library)}), None, None

    async def render_metrics(self, request: Request) -> tuple[Response, Caller | None, int | None]:
        return Response(self.metrics.render(), media_type=self.metrics.content_type), None, None


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    message = {404: "no such endpoint", 405: "method not allowed here"}.get(status, "request refused")
    return _fhir_json(operation_outcome(status, message), status)


def create_app(config: ServiceConfig | None = None, *, guide: ClinicGuide | None = None,
               store: Store | None = None) -> Starlette:
    """The CDS Hooks application for ``config`` (the defaults when None)."""
    service = Service(config or ServiceConfig(), guide, store)
    routes = [
        Route("/cds-services", service.endpoint("discovery", service.list_services), methods=["GET"]),
        Route("/cds-services/{service}", service.endpoint("call", service.call), methods=["POST"]),
        Route("/cds-services/{service}/feedback", service.endpoint("feedback", service.feedback), methods=["POST"]),
        Route("/guidance/{guidance}/{version}/screening-questionnaire",
              service.endpoint("questionnaire", service.questionnaire), methods=["GET"]),
        Route("/guidance/{guidance}/{version}/documents/{kind}", service.endpoint("document", service.document),
              methods=["GET"]),
        Route("/healthz", service.endpoint("healthz", service.health), methods=["GET"]),
        Route("/metrics", service.endpoint("metrics", service.render_metrics), methods=["GET"]),
    ]
    middleware = []
    if service.config.cors_origins:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(service.config.cors_origins),
                                     allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type"]))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        service.cards.start()
        yield
        await service.close()

    app = Starlette(routes=routes, middleware=middleware, exception_handlers={HTTPException: _http_error},
                    lifespan=lifespan)
    app.state.service = service
    return app


def from_environment() -> Starlette:
    """The application factory for ASGI servers: ``$CLINICGUIDE_SERVICE_CONFIG`` names the configuration file."""
    configure_logging()
    overrides = json.loads(os.environ.get(OVERRIDES_ENV, "{}"))
    # Authentication cannot be turned off from the environment: --insecure-dev runs one worker in-process.
    return create_app(load_config(os.environ.get(CONFIG_ENV) or None, **overrides))
