"""Reading the EHR's FHIR server when prefetch is missing: bounded in time, size and pages.

httpx, with a timeout per request, a cap on the bytes of each response, no redirects, and
``next`` pages followed only while they stay on the same server. The access token goes in
the Authorization header and nowhere else: never into a log or an error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from .config import ServiceConfig
from .outcome import PreconditionFailed
from .urls import is_loopback

MAX_PAGES = 20


@dataclass(frozen=True)
class FhirServer:
    """The EHR's FHIR server for one call, with the token the EHR gave for it."""

    base: str
    token: str | None
    config: ServiceConfig


def check_server(base: str, config: ServiceConfig) -> None:
    """Refuse a fhirServer this service may not call: plain http off this machine, or off the allow-list."""
    if not base.startswith("https://") and not (config.fhir_allow_http and is_loopback(base)):
        raise PreconditionFailed("fhirServer must be an https URL")
    if config.fhir_servers and not any(base == s or base.startswith(s + "/") for s in config.fhir_servers):
        raise PreconditionFailed("fhirServer is not one this service is configured to read")


async def search(client: httpx.AsyncClient, server: FhirServer, query: str) -> list[Mapping[str, Any]]:
    """The resources a read (``Patient/1``) or search (``Condition?patient=1``) returns, every page of it."""
    base = server.base.rstrip("/")
    path, _, params = query.partition("?")
    query_string = urlencode(parse_qsl(params, keep_blank_values=True))
    url: str | None = f"{base}/{path}" + (f"?{query_string}" if query_string else "")
    resources: list[Mapping[str, Any]] = []
    for _ in range(MAX_PAGES):
        if url is None:
            return resources
        found = await _get(client, server, url)
        if found.get("resourceType") != "Bundle":
            return [found]
        resources.extend(_entries(found))
        url = _next(found, base)
    raise PreconditionFailed(f"the FHIR server's answer to {path} runs to more than {MAX_PAGES} pages")


def _entries(bundle: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise PreconditionFailed("the FHIR server returned a Bundle whose entry is not a list")
    found = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("resource"), dict):
            raise PreconditionFailed("the FHIR server returned a Bundle entry without a resource")
        if (entry.get("search") or {}).get("mode") != "outcome" and entry["resource"].get("resourceType") != "OperationOutcome":
            found.append(entry["resource"])
    return found


def _next(bundle: Mapping[str, Any], base: str) -> str | None:
    for link in bundle.get("link", []) if isinstance(bundle.get("link"), list) else []:
        if isinstance(link, dict) and link.get("relation") == "next" and isinstance(link.get("url"), str):
            url: str = link["url"]
            if not url.startswith(base + "/") and not url.startswith(base + "?"):
                raise PreconditionFailed("the FHIR server's next page is on another server")
            return url
    return None


async def _get(client: httpx.AsyncClient, server: FhirServer, url: str) -> Mapping[str, Any]:
    headers = {"Accept": "application/fhir+json"}
    if server.token:
        headers["Authorization"] = f"Bearer {server.token}"
    limit = server.config.fhir_max_bytes
    what = urlsplit(url).path.rsplit("/", 1)[-1] or "the FHIR server"
    try:
        async with client.stream("GET", url, headers=headers, follow_redirects=False,
                                 timeout=server.config.fhir_timeout) as response:
            if response.status_code != 200:
                raise PreconditionFailed(f"the FHIR server answered {response.status_code} for {what}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > limit:
                    raise PreconditionFailed(f"the FHIR server's answer for {what} is larger than {limit} bytes")
    except httpx.HTTPError as exc:
        raise PreconditionFailed(f"the FHIR server could not be read ({exc.__class__.__name__})") from None
    try:
        found = json.loads(bytes(body))
    except (ValueError, RecursionError):
        raise PreconditionFailed(f"the FHIR server's answer for {what} is not JSON") from None
    if not isinstance(found, dict) or not isinstance(found.get("resourceType"), str):
        raise PreconditionFailed(f"the FHIR server's answer for {what} is not a FHIR resource")
    return found
