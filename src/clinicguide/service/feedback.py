"""Feedback on cards (``POST /cds-services/{id}/feedback``), checked as the specification says.

Each item names a card's uuid, an outcome (``accepted``, with the accepted suggestions, or
``overridden``, with an optional override reason) and an RFC 3339 UTC timestamp. The free-text
``userComment`` is not stored: it could hold patient data.
"""

from __future__ import annotations

import re
from typing import Any

from .outcome import BadRequest
from .store import FeedbackRow, ReportRow

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]00:00)$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
MAX_ITEMS = 1000


def read_feedback(body: Any) -> list[FeedbackRow]:
    if not isinstance(body, dict) or not isinstance(body.get("feedback"), list):
        raise BadRequest("the feedback body must be an object with a feedback list")
    items = body["feedback"]
    if len(items) > MAX_ITEMS:
        raise BadRequest(f"at most {MAX_ITEMS} feedback items in one request")
    return [_item(item, f"feedback[{i}]") for i, item in enumerate(items)]


def _text(value: Any, where: str, *, limit: int = 500) -> str:
    if not isinstance(value, str) or not value or len(value) > limit or not value.isprintable():
        raise BadRequest(f"{where} must be a non-empty text")
    return value


def _item(item: Any, where: str) -> FeedbackRow:
    if not isinstance(item, dict):
        raise BadRequest(f"{where} must be an object")
    card = _text(item.get("card"), f"{where}.card")
    if not _UUID.match(card):
        raise BadRequest(f"{where}.card must be the uuid of a card")
    outcome = item.get("outcome")
    if outcome not in ("accepted", "overridden"):
        raise BadRequest(f"{where}.outcome must be 'accepted' or 'overridden'")
    stamp = item.get("outcomeTimestamp")
    if not isinstance(stamp, str) or not _TIMESTAMP.match(stamp):
        raise BadRequest(f"{where}.outcomeTimestamp must be an RFC 3339 time in UTC, e.g. 2026-12-01T10:05:31Z")
    accepted = item.get("acceptedSuggestions")
    if outcome == "accepted":
        if not isinstance(accepted, list) or not accepted:
            raise BadRequest(f"{where}.acceptedSuggestions is required for an accepted outcome")
        for j, suggestion in enumerate(accepted):
            if not isinstance(suggestion, dict):
                raise BadRequest(f"{where}.acceptedSuggestions[{j}] must be an object with an id")
            _text(suggestion.get("id"), f"{where}.acceptedSuggestions[{j}].id")
    elif accepted is not None:
        raise BadRequest(f"{where}.acceptedSuggestions belongs to an accepted outcome only")
    system = code = display = None
    override = item.get("overrideReason")
    if override is not None:
        if outcome != "overridden" or not isinstance(override, dict):
            raise BadRequest(f"{where}.overrideReason must be an object, on an overridden outcome")
        reason = override.get("reason")
        if reason is not None:
            if not isinstance(reason, dict):
                raise BadRequest(f"{where}.overrideReason.reason must be a Coding")
            code = _text(reason.get("code"), f"{where}.overrideReason.reason.code")
            system = _text(reason.get("system"), f"{where}.overrideReason.reason.system") if "system" in reason else None
            display = _text(reason.get("display"), f"{where}.overrideReason.reason.display") if "display" in reason else None
        if "userComment" in override and not isinstance(override["userComment"], str):
            raise BadRequest(f"{where}.overrideReason.userComment must be a text")
    return FeedbackRow(card.lower(), outcome, system, code, display, len(accepted or []), stamp)


def report_text(rows: list[ReportRow]) -> str:
    if not rows:
        return "no feedback stored\n"
    width = max(len(r.guidance) for r in rows)
    lines = [f"{'guidance':<{width}}  {'outcome':<10}  {'count':>5}  override reason"]
    lines += [f"{r.guidance:<{width}}  {r.outcome:<10}  {r.count:>5}  {r.reason or '-'}" for r in rows]
    return "\n".join(lines) + "\n"


def report_json(rows: list[ReportRow]) -> list[dict[str, Any]]:
    return [{"guidance": r.guidance, "outcome": r.outcome, "reason": r.reason or None, "count": r.count} for r in rows]
