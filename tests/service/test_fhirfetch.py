"""Reading the EHR's FHIR server: every page on the same server, bounded in size, never elsewhere."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from cds_ehr import LocalServer

from clinicguide.service.config import ServiceConfig
from clinicguide.service.fhirfetch import FhirServer, search
from clinicguide.service.outcome import PreconditionFailed


class _Pages(LocalServer):
    """A FHIR server whose searches come in pages, and whose answers the test chooses."""

    def __init__(self) -> None:
        self.answers: dict[str, Any] = {}
        self.paths: list[str] = []
        super().__init__(self._respond, "/fhir")

    def _respond(self, path: str, authorization: str | None) -> tuple[int, Any]:
        self.paths.append(path)
        answer = self.answers.get(path.split("?")[0] + ("?page=2" if "page=2" in path else ""))
        return (200, answer) if answer is not None else (404, {"resourceType": "OperationOutcome", "issue": []})


@pytest.fixture
def pages() -> Iterator[_Pages]:
    server = _Pages()
    yield server
    server.close()


def _search(pages: _Pages, query: str, **settings: Any) -> list[Any]:
    config = dataclasses.replace(ServiceConfig(fhir_allow_http=True), **settings)

    async def run() -> list[Any]:
        async with httpx.AsyncClient() as client:
            return list(await search(client, FhirServer(pages.base, "token", config), query))

    return asyncio.run(run())


def _bundle(ids: list[str], next_url: str | None = None) -> dict[str, Any]:
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset",
                              "entry": [{"resource": {"resourceType": "Condition", "id": i}} for i in ids]}
    if next_url:
        bundle["link"] = [{"relation": "next", "url": next_url}]
    return bundle


def test_every_page_of_a_search_is_read(pages: _Pages) -> None:
    pages.answers["/fhir/Condition"] = _bundle(["a", "b"], f"{pages.base}/Condition?page=2")
    pages.answers["/fhir/Condition?page=2"] = _bundle(["c"])
    found = _search(pages, "Condition?patient=p1&code=http://snomed.info/sct|123,http://snomed.info/sct|456")
    assert [r["id"] for r in found] == ["a", "b", "c"]
    codes = "http%3A%2F%2Fsnomed.info%2Fsct%7C123%2Chttp%3A%2F%2Fsnomed.info%2Fsct%7C456"
    assert pages.paths[0] == f"/fhir/Condition?patient=p1&code={codes}"


def test_a_next_page_on_another_server_is_refused(pages: _Pages) -> None:
    pages.answers["/fhir/Condition"] = _bundle(["a"], "https://elsewhere.example.org/fhir/Condition?page=2")
    with pytest.raises(PreconditionFailed, match="another server"):
        _search(pages, "Condition?patient=p1")


def test_an_answer_over_the_size_limit_or_not_json_is_refused(pages: _Pages) -> None:
    pages.answers["/fhir/Condition"] = _bundle([f"c{i}" for i in range(200)])
    with pytest.raises(PreconditionFailed, match="larger than 1000 bytes"):
        _search(pages, "Condition?patient=p1", fhir_max_bytes=1000)
    pages.answers["/fhir/Patient/p1"] = b"<html>not json</html>"
    with pytest.raises(PreconditionFailed, match="not JSON"):
        _search(pages, "Patient/p1")
    with pytest.raises(PreconditionFailed, match="answered 404"):
        _search(pages, "Patient/missing")


def test_pages_without_end_are_cut_off(pages: _Pages) -> None:
    pages.answers["/fhir/Condition"] = _bundle(["a"], f"{pages.base}/Condition?page=2")
    pages.answers["/fhir/Condition?page=2"] = _bundle(["b"], f"{pages.base}/Condition?page=2")
    with pytest.raises(PreconditionFailed, match="more than 20 pages"):
        _search(pages, "Condition?patient=p1")
