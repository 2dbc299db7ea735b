"""Safety-monotone site amendments of guidance data.

A site may add items and tighten limits; it may never remove or loosen anything. Each
refusal names the amending site (a plugin's name) and the item. The amended document is
validated again in full, so an added item must meet the same schema and rules as shipped
content.

Amendments come from *amenders*: callables that receive one document (its id, version and
a read-only view of its data) and return the :class:`Amendment` objects to apply to it.
The plugin host supplies one that asks every plugin; this module knows nothing of plugins.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..errors import PluginError
from ..units import TIME_UNITS
from .spans import first_shortfall
from .values import Duration

#: The hook name refusals are reported under, so a site sees the same message however it amends.
HOOK = "clinicguide_amend_guidance"
ADDABLE = ("contraindications", "risks", "consent", "aftercare", "monitoring", "prerequisites", "sources")


@dataclass(frozen=True)
class Amendment:
    """One site's amendment of one document.

    :param source: who asks for it, as refusals name it (a plugin's name).
    :param agent: who asks for it, as the library records it for Provenance, e.g.
        ``"example-site (clinicguide-example-site 0.1.0)"``.
    :param changes: ``{"add": {list name: [items]}, "narrow": {item id: {field: value}}}``,
        checked by :func:`apply_amendment`.
    """

    source: str
    agent: str
    changes: Any


#: ``amender(guidance_id, version, document)``: the amendments to apply to one document, in order.
Amender = Callable[[str, str, Mapping[str, Any]], Iterable[Amendment]]


def read_only(value: Any) -> Any:
    """A deep read-only copy: mappings become MappingProxyType, lists tuples.

    Amenders receive this view, so none can change the loaded data behind the rules below.
    """
    if isinstance(value, Mapping):
        return MappingProxyType({k: read_only(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(read_only(v) for v in value)
    return value


def _refuse(plugin: str, reason: str) -> PluginError:
    return PluginError(plugin, HOOK, reason)


def _all_ids(data: dict[str, Any]) -> set[str]:
    from .rules import items

    return {entry["id"] for _, entry in items(data) if isinstance(entry.get("id"), str)} | {
        s["id"] for s in data.get("sources", []) if isinstance(s, Mapping) and isinstance(s.get("id"), str)}


def _limits(data: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Ranges, maximums and minimum intervals by id, with their kind."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for regimen in data.get("regimens", []):
        for rng in regimen.get("ranges", []):
            found[rng["id"]] = ("range", rng)
        for maximum in regimen.get("maximums", []):
            found[maximum["id"]] = ("maximum", maximum)
        if isinstance(regimen.get("min_interval"), dict):
            found[regimen["min_interval"]["id"]] = ("interval", regimen["min_interval"])
    return found


def _number(plugin: str, item: str, field: str, value: Any) -> float:
    # NaN compares false with everything, so it would pass every "only narrower" test below.
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _refuse(plugin, f"narrowing {item}: {field} must be a finite number")
    try:
        number = float(value)
    except OverflowError:  # an int past float's range (10**400): refused below as not finite
        number = math.inf
    if not math.isfinite(number):
        raise _refuse(plugin, f"narrowing {item}: {field} must be a finite number")
    return number


def _cited(plugin: str, item: str, target: dict[str, Any], change: Mapping[str, Any]) -> None:
    """Add the sources a narrowing cites (the site's own policy) to the item; existing ones stay."""
    added = change.get("sources", [])
    if not isinstance(added, (list, tuple)) or not all(isinstance(s, str) for s in added):
        raise _refuse(plugin, f"narrowing {item}: sources must be a list of source ids")
    target["sources"] = list(dict.fromkeys([*target.get("sources", []), *added]))


def _narrow(plugin: str, item_id: str, kind: str, target: dict[str, Any], change: Any) -> str:
    if not isinstance(change, Mapping):
        raise _refuse(plugin, f"narrowing {item_id}: give the new values as a mapping")
    allowed = {"range": {"low", "high"}, "maximum": {"value"}, "interval": {"value", "unit"}}[kind] | {"text", "sources"}
    if unknown := sorted(set(change) - allowed):
        raise _refuse(plugin, f"narrowing {item_id}: cannot change {', '.join(unknown)} of a {kind}")
    narrow = {"range": _narrow_range, "maximum": _lower_maximum, "interval": _lengthen_interval}[kind]
    before = _values(kind, target)
    result = narrow(plugin, item_id, target, change)
    if "text" in change:
        target["text"] = _stating(plugin, item_id, kind, target, before, change["text"])
    if "sources" in change:
        _cited(plugin, item_id, target, change)
        result += f", citing {', '.join(change['sources'])}"
    return result


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def _values(kind: str, limit: Mapping[str, Any]) -> list[float]:
    return [limit["low"], limit["high"]] if kind == "range" else [limit["value"]]


def _stating(plugin: str, item_id: str, kind: str, target: Mapping[str, Any], before: list[float], text: Any) -> str:
    """A narrowed limit's new text: it must state the new values, and no number but those, the
    values it narrows and a maximum's period.

    The text is what clinicians read and the FHIR export carries: a site that keeps the
    numbers but writes "Up to 3 mm is acceptable" would loosen the guidance in words.
    """
    if not isinstance(text, str) or not text.strip():
        raise _refuse(plugin, f"narrowing {item_id}: text must be a sentence that states the limit")
    values = _values(kind, target)
    period = target.get("period")
    allowed = [*values, *before, *([period["value"]] if isinstance(period, Mapping) else [])]
    stated = [float(n) for n in _NUMBER.findall(text)]
    shown = "-".join(f"{v:g}" for v in values) + f" {target['unit']}"
    if others := [f"{n:g}" for n in stated if not any(math.isclose(n, v) for v in allowed)]:
        raise _refuse(plugin, f"narrowing {item_id}: the text states {', '.join(others)}, which is neither the narrowed "
                              f"limit ({shown}) nor the one it narrows; state the limit's own values")
    if missing := [f"{v:g}" for v in values if not any(math.isclose(n, v) for n in stated)]:
        raise _refuse(plugin, f"narrowing {item_id}: the text must state the narrowed limit ({shown}); "
                              f"it does not state {', '.join(missing)}")
    return text


def _narrow_range(plugin: str, item_id: str, target: dict[str, Any], change: Mapping[str, Any]) -> str:
    low = _number(plugin, item_id, "low", change.get("low", target["low"]))
    high = _number(plugin, item_id, "high", change.get("high", target["high"]))
    if low < target["low"] or high > target["high"]:
        raise _refuse(plugin,
                      f"{item_id}: {low:g}-{high:g} {target['unit']} would widen the range "
                      f"{target['low']:g}-{target['high']:g} {target['unit']}; only narrowing is allowed")
    target["low"], target["high"] = low, high
    return f"narrowed {item_id} to {low:g}-{high:g} {target['unit']}"


def _lower_maximum(plugin: str, item_id: str, target: dict[str, Any], change: Mapping[str, Any]) -> str:
    value = _number(plugin, item_id, "value", change.get("value", target["value"]))
    if value > target["value"]:
        raise _refuse(plugin,
                      f"{item_id}: {value:g} {target['unit']} would raise the maximum {target['value']:g} {target['unit']}; "
                      "only lowering is allowed")
    target["value"] = value
    return f"lowered {item_id} to {value:g} {target['unit']}"


def _lengthen_interval(plugin: str, item_id: str, target: dict[str, Any], change: Mapping[str, Any]) -> str:
    value = _number(plugin, item_id, "value", change.get("value", target["value"]))
    unit = change.get("unit", target["unit"])
    if not isinstance(unit, str) or unit not in TIME_UNITS:
        raise _refuse(plugin, f"narrowing {item_id}: unknown time unit {unit!r}")
    new, old = Duration(value, unit), Duration(target["value"], target["unit"])
    # Compared as the engine counts them, from every start date: 3 mo is 89 days from 1 February.
    if shortfall := first_shortfall(new, old):
        raise _refuse(plugin, f"{item_id}: {new} would shorten the minimum interval {old} ({shortfall}); "
                              "only lengthening is allowed, from every start date")
    target["value"], target["unit"] = value, unit
    return f"lengthened {item_id} to {new}"


def _named_items(values: Any) -> list[str]:
    """Every item id named in a refused removal, however it was written (ids, items, or lists of them)."""
    if isinstance(values, str):
        return [values]
    if isinstance(values, Mapping):
        if isinstance(values.get("id"), str):
            return [values["id"]]
        return [n for key, value in values.items() for n in (_named_items(value) or [str(key)])]
    if isinstance(values, (list, tuple, set)):
        return [n for value in values for n in _named_items(value)]
    return []


def apply_amendment(data: Mapping[str, Any], amendment: Any, plugin: str) -> tuple[dict[str, Any], list[str]]:
    """The amended copy of ``data`` and a description of each change; refuses any loosening."""
    if not isinstance(amendment, Mapping):
        raise _refuse(plugin, f"must return a mapping with 'add' and/or 'narrow', not {type(amendment).__name__}")
    if unknown := sorted(set(amendment) - {"add", "narrow"}):
        if removing := sorted(set(unknown) & {"remove", "delete", "replace"}):
            named = _named_items([amendment[key] for key in removing])
            what = f" {', '.join(named)}" if named else ""
            raise _refuse(plugin, f"refused to {removing[0]}{what} in {data.get('id')}: a site may add items and narrow limits, "
                                  "never remove, replace or loosen guidance")
        raise _refuse(plugin, f"unknown amendment key(s) {', '.join(unknown)}; allowed: add, narrow")
    amended = copy.deepcopy(dict(data))
    changes = _add(plugin, data.get("id"), amended, amendment.get("add") or {})
    narrowing = amendment.get("narrow") or {}
    if not isinstance(narrowing, Mapping):
        raise _refuse(plugin, "'narrow' must map item ids to new values")
    limits = _limits(amended)
    for item_id, change in narrowing.items():
        if item_id not in limits:
            raise _refuse(plugin, f"{data.get('id')} has no range, maximum or interval {item_id!r} to narrow")
        kind, target = limits[item_id]
        changes.append(_narrow(plugin, item_id, kind, target, change))
    return amended, changes


def _add(plugin: str, guidance_id: Any, amended: dict[str, Any], additions: Any) -> list[str]:
    """Add the new items to ``amended``; a description of each addition."""
    if not isinstance(additions, Mapping):
        raise _refuse(plugin, "'add' must map list names to lists of items")
    taken = _all_ids(amended)
    changes: list[str] = []
    for key, new_items in additions.items():
        if key not in ADDABLE:
            raise _refuse(plugin, f"cannot add to {key!r}; addable: {', '.join(ADDABLE)}")
        if not isinstance(new_items, list):
            raise _refuse(plugin, f"'add.{key}' must be a list")
        for item in new_items:
            ident = item.get("id") if isinstance(item, Mapping) else None
            if not isinstance(ident, str):
                raise _refuse(plugin, f"every item added to {key} needs an id")
            if ident in taken:
                raise _refuse(plugin, f"{ident!r} already exists in {guidance_id}; a site may add items but not replace them")
            taken.add(ident)
            amended.setdefault(key, []).append(copy.deepcopy(dict(item)))
            changes.append(f"added {key} {ident}")
    return changes
