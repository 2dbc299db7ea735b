"""One hook call: orders matched to guidance, the patient's record gathered, cards decided."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

import httpx

from ..clinical.screening import Screening
from ..errors import ClinicguideError
from ..fhir.common import Canonicals
from ..guide import ClinicGuide
from .cards import build_card
from .config import ServiceConfig
from .fhirfetch import FhirServer
from .hookrequest import HookRequest
from .orders import MatchedOrder, OrderIndex
from .outcome import BadRequest
from .patientdata import gather
from .prefetch import Template, templates


class Decider:
    """What every call of every hook shares: the guide, the order index, the prefetch templates."""

    def __init__(self, guide: ClinicGuide, config: ServiceConfig) -> None:
        self.guide = guide
        self.config = config
        self.index = OrderIndex(guide.library, guide.base)
        self.templates: tuple[Template, ...] = templates(guide.library, guide.base)
        # With only clinicguide's own plugins, a decision is bounded by the request's size and
        # takes well under a millisecond: it runs on the event loop, since a hop to a thread
        # makes the call wait its turn for the interpreter lock, which at concurrency 16 put
        # tens of milliseconds on the slowest calls. A plugin from elsewhere may hang: then
        # every decision runs in the pool, where the request's time limit still answers.
        self.on_event_loop = all(plugin.builtin for plugin in guide.hooks.plugins())

    async def cards(self, service_id: str, call: HookRequest, client: httpx.AsyncClient, executor: Executor,
                    today: Callable[[], dt.date]) -> list[tuple[dict[str, Any], str]]:
        """The cards for a call, each with the guidance ``id|version`` it comes from."""
        matched = list(self.index.match(call, today()))
        if not matched:
            return []  # nothing to decide: no patient data is read
        server = FhirServer(call.fhir_server, call.access_token, self.config) if call.fhir_server else None
        bundle, responses = await gather(call, self.templates, client, server)
        if self.on_event_loop:
            return self._decide(service_id, call, matched, bundle, responses)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(executor, self._decide, service_id, call, matched, bundle, responses)

    def _decide(self, service_id: str, call: HookRequest, matched: Sequence[MatchedOrder], bundle: Mapping[str, Any],
                responses: Sequence[Mapping[str, Any]]) -> list[tuple[dict[str, Any], str]]:
        cards = []
        for order in matched:
            screening = self._screen(order, bundle, responses)
            cards.append((build_card(service_id, call.hook_instance, call.patient_id, order, screening, self.guide.base,
                                     self.config.base), order.guidance.ref))
        return cards

    def _screen(self, order: MatchedOrder, bundle: Mapping[str, Any], responses: Sequence[Mapping[str, Any]]) -> Screening:
        guidance = order.guidance
        answers = _newest_response(responses, Canonicals(self.guide.base, guidance).screening_questionnaire)
        try:
            screening, _ = self.guide.screen(guidance.id, bundle, proposed=order.proposed(), date=order.date,
                                             answers=answers, version=guidance.version)
        except ClinicguideError as exc:
            raise BadRequest(f"{order.reference} ({guidance.ref}): {exc}") from None
        return screening


def _newest_response(responses: Sequence[Mapping[str, Any]], questionnaire: str) -> Mapping[str, Any] | None:
    """The latest completed answers to this screening questionnaire, if the EHR holds any."""
    answering = [r for r in responses if isinstance(r.get("questionnaire"), str)
                 and r["questionnaire"].partition("|")[0] == questionnaire and r.get("status") in ("completed", "amended")]
    if not answering:
        return None
    return max(answering, key=lambda r: (str(r.get("authored", "")), str(r.get("id", ""))))
