"""The clinical changes between two releases, with every loosening marked for clinical sign-off.

Items are matched by id (ids are stable across versions). A change is a *loosening* when
it lets more patients be treated, or treated harder, or with less warning or care: a
range widened, a maximum raised or removed, an interval shortened or removed, a
contraindication removed or made relative, a risk removed or made less severe, a consent
item removed or disclosing less, aftercare, monitoring or a prerequisite removed or cut
short, an indication or regimen added. When the direction cannot be told by comparing
values (a criterion rewritten, a unit changed), the change needs sign-off all the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..content.model import (
    AftercareItem,
    ConsentItem,
    Contraindication,
    Guidance,
    Indication,
    Interval,
    Maximum,
    MonitoringItem,
    Person,
    Prerequisite,
    Range,
    Regimen,
    Risk,
    Source,
)
from ..content.values import Duration

#: How a change bears on safety: ``loosening`` and ``unclear`` both need clinical sign-off.
LOOSENING, UNCLEAR, OTHER = "loosening", "unclear", "other"
_SEVERITY = {"mild": 0, "moderate": 1, "severe": 2}


@dataclass(frozen=True)
class Change:
    """One clinical change in one guidance document."""

    section: str  # contraindications, ranges, ...
    item: str  # the item's id; regimen parts as regimen/part
    kind: str  # added, removed, widened, raised, shortened, changed, ...
    message: str
    old: Any = None
    new: Any = None
    safety: str = OTHER

    @property
    def needs_signoff(self) -> bool:
        return self.safety in (LOOSENING, UNCLEAR)

    def as_json(self) -> dict[str, Any]:
        return {"section": self.section, "item": self.item, "kind": self.kind, "message": self.message,
                "old": self.old, "new": self.new, "loosening": self.safety == LOOSENING, "needs_signoff": self.needs_signoff}


@dataclass(frozen=True)
class GuidanceDiff:
    """The changes to one guidance id between the two releases."""

    id: str
    old_version: str | None
    new_version: str | None
    changes: tuple[Change, ...] = field(default_factory=tuple)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "old_version": self.old_version, "new_version": self.new_version,
                "changes": [c.as_json() for c in self.changes]}


def diff_releases(old: dict[str, Guidance], new: dict[str, Guidance]) -> list[GuidanceDiff]:
    """Per guidance id (sorted), the changes from ``old`` to ``new``."""
    result = []
    for ident in sorted(set(old) | set(new)):
        before, after = old.get(ident), new.get(ident)
        if before is None and after is not None:
            changes: tuple[Change, ...] = (Change("guidance", ident, "added",
                                                  f"new guidance {after.ref} ({after.status})", None, after.version),)
        elif after is None and before is not None:
            changes = (Change("guidance", ident, "removed",
                              f"guidance {before.ref} is no longer in the release; hosts can no longer screen against it",
                              before.version, None, UNCLEAR),)
        else:
            assert before is not None and after is not None
            changes = tuple(diff_guidance(before, after))
        result.append(GuidanceDiff(ident, before.version if before else None, after.version if after else None, changes))
    return result


def diff_guidance(old: Guidance, new: Guidance) -> Iterator[Change]:
    """Every clinical change between two versions of one document."""
    if old.status != new.status:
        yield Change("status", "", "changed", f"status {old.status} -> {new.status}", old.status, new.status)
    yield from _review(old, new)
    yield from _items("sources", old.sources, new.sources, _source)
    yield from _items("indications", old.indications, new.indications, _indication,
                      added=lambda i: (LOOSENING, f"added: {i.text} ({i.label}); widens who may be treated"))
    yield from _items("contraindications", old.contraindications, new.contraindications, _contraindication,
                      added=lambda c: (OTHER, f"added ({c.severity}): {c.text}"),
                      removed=lambda c: (LOOSENING, f"removed ({c.severity}): {c.text}"))
    yield from _regimens(old.regimens, new.regimens)
    yield from _items("risks", old.risks, new.risks, _risk,
                      added=lambda r: (OTHER, f"added ({r.severity}): {r.text}"),
                      removed=lambda r: (LOOSENING, f"removed ({r.severity}): {r.text}"))
    yield from _items("consent", old.consent, new.consent, _consent,
                      removed=lambda c: (LOOSENING, f"removed: {c.text}"))
    yield from _items("prerequisites", old.prerequisites, new.prerequisites, _text_only,
                      removed=lambda p: (LOOSENING, f"removed: {p.text}"))
    yield from _items("aftercare", old.aftercare, new.aftercare, _aftercare,
                      added=lambda a: (OTHER, f"added ({a.category}, {_window(a)}): {a.text}"),
                      removed=lambda a: (LOOSENING, f"removed ({a.category}, {_window(a)}): {a.text}"))
    yield from _items("monitoring", old.monitoring, new.monitoring, _monitoring,
                      removed=lambda m: (LOOSENING, f"removed ({m.kind}, {m.timing}): {m.text}"))


def _items(section: str, old: Sequence[Any], new: Sequence[Any], compare: Any, *, prefix: str = "",
           added: Any = None, removed: Any = None) -> Iterator[Change]:
    """Match items by id: additions, removals, then each kept item's own changes, in document order."""
    before = {item.id: item for item in old}
    after = {item.id: item for item in new}
    for ident, item in before.items():
        name = prefix + ident
        if ident not in after:
            safety, message = removed(item) if removed else (OTHER, f"removed: {_label(item)}")
            yield Change(section, name, "removed", message, _label(item), None, safety)
        else:
            yield from compare(section, name, item, after[ident])
    for ident, item in after.items():
        if ident not in before:
            safety, message = added(item) if added else (OTHER, f"added: {_label(item)}")
            yield Change(section, prefix + ident, "added", message, None, _label(item), safety)


def _label(item: Any) -> str:
    for attribute in ("text", "title", "parameter"):
        value = getattr(item, attribute, None)
        if isinstance(value, str):
            return value
    return str(getattr(item, "id", item))


def _fields(section: str, name: str, old: Any, new: Any, names: Iterable[str]) -> Iterator[Change]:
    """Plain changes of fields whose direction does not bear on safety (wording, citations)."""
    for attribute in names:
        before, after = getattr(old, attribute), getattr(new, attribute)
        if before != after:
            yield Change(section, name, "changed", f"{attribute} changed", _plain(before), _plain(after))


def _plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _review(old: Guidance, new: Guidance) -> Iterator[Change]:
    before, after = old.review, new.review

    def names(people: tuple[Person, ...]) -> list[str]:
        return [f"{p.name} ({p.role})" for p in people]

    if names(before.reviewers) != names(after.reviewers):
        yield Change("review", "reviewers", "changed", "reviewers changed", names(before.reviewers), names(after.reviewers))
    for attribute in ("approved", "next_review"):
        b, a = getattr(before, attribute), getattr(after, attribute)
        if b != a:
            yield Change("review", attribute, "changed", f"{attribute.replace('_', ' ')} {b or '-'} -> {a or '-'}",
                         b.isoformat() if b else None, a.isoformat() if a else None)


def _source(section: str, name: str, old: Source, new: Source) -> Iterator[Change]:
    yield from _fields(section, name, old, new, ("title", "publisher", "year", "url", "identifier", "evidence"))


def _indication(section: str, name: str, old: Indication, new: Indication) -> Iterator[Change]:
    if old.label != new.label:
        yield Change(section, name, "relabelled", f"label {old.label} -> {new.label}", old.label, new.label)
    if old.code != new.code:
        yield Change(section, name, "changed", "code changed", _plain(old.code), _plain(new.code), UNCLEAR)
    yield from _fields(section, name, old, new, ("text", "sources"))


def _contraindication(section: str, name: str, old: Contraindication, new: Contraindication) -> Iterator[Change]:
    if old.severity != new.severity:
        loosened = old.severity == "absolute"
        yield Change(section, name, "relaxed" if loosened else "tightened",
                     f"severity {old.severity} -> {new.severity}: {new.text}",
                     old.severity, new.severity, LOOSENING if loosened else OTHER)
    if old.criterion != new.criterion:
        yield Change(section, name, "changed", "criterion changed; it may now match fewer patients - compare by hand",
                     _plain(old.criterion), _plain(new.criterion), UNCLEAR)
    yield from _fields(section, name, old, new, ("text", "question", "sources"))


def _regimens(old: Sequence[Regimen], new: Sequence[Regimen]) -> Iterator[Change]:
    yield from _items("regimens", old, new, _regimen,
                      added=lambda r: (LOOSENING, f"added ({r.label}, {r.route}): {r.title}"),
                      removed=lambda r: (OTHER, f"removed: {r.title}"))


def _regimen(section: str, name: str, old: Regimen, new: Regimen) -> Iterator[Change]:
    if old.label != new.label:
        yield Change(section, name, "relabelled", f"label {old.label} -> {new.label}", old.label, new.label)
    if old.route != new.route:
        yield Change(section, name, "changed", f"route {old.route} -> {new.route}", old.route, new.route, UNCLEAR)
    gained = [i for i in new.indications if i not in old.indications]
    if gained:
        yield Change(section, name, "widened", f"now also for {', '.join(gained)}", list(old.indications),
                     list(new.indications), LOOSENING)
    elif old.indications != new.indications:
        yield Change(section, name, "changed", "indications changed", list(old.indications), list(new.indications))
    yield from _fields(section, name, old, new, ("title", "product", "frequency", "duration", "sources"))
    part = f"{name}/"
    yield from _items("ranges", old.ranges, new.ranges, _range, prefix=part,
                      added=lambda r: (OTHER, f"added: {r.parameter} {r.low:g}-{r.high:g} {r.unit}"),
                      removed=lambda r: (LOOSENING, (f"removed: {r.parameter} {r.low:g}-{r.high:g} {r.unit}; "
                                                     "the parameter is no longer bounded")))
    yield from _items("maximums", old.maximums, new.maximums, _maximum, prefix=part,
                      added=lambda m: (OTHER, f"added: {_maximum_text(m)}"),
                      removed=lambda m: (LOOSENING, f"removed: {_maximum_text(m)}"))
    yield from _interval(f"{name}/min_interval", old.min_interval, new.min_interval)


def _range(section: str, name: str, old: Range, new: Range) -> Iterator[Change]:
    if (old.parameter, old.unit) != (new.parameter, new.unit):
        yield Change(section, name, "changed",
                     f"{old.parameter} {old.low:g}-{old.high:g} {old.unit} -> {new.parameter} {new.low:g}-{new.high:g} "
                     f"{new.unit}; "
                     "the unit or parameter changed, so compare by hand", _range_text(old), _range_text(new), UNCLEAR)
    else:
        if new.low < old.low:
            yield Change(section, name, "widened",
                         f"{new.parameter} low lowered {old.low:g} -> {new.low:g} {new.unit}", old.low, new.low, LOOSENING)
        elif new.low > old.low:
            yield Change(section, name, "narrowed",
                         f"{new.parameter} low raised {old.low:g} -> {new.low:g} {new.unit}", old.low, new.low)
        if new.high > old.high:
            yield Change(section, name, "widened", f"{new.parameter} high raised {old.high:g} -> {new.high:g} {new.unit}",
                         old.high, new.high, LOOSENING)
        elif new.high < old.high:
            yield Change(section, name, "narrowed",
                         f"{new.parameter} high lowered {old.high:g} -> {new.high:g} {new.unit}", old.high, new.high)
    yield from _fields(section, name, old, new, ("text", "sources"))


def _range_text(rng: Range) -> str:
    return f"{rng.parameter} {rng.low:g}-{rng.high:g} {rng.unit}"


def _maximum_text(maximum: Maximum) -> str:
    per = "session" if maximum.per == "session" else str(maximum.period)
    return f"{maximum.parameter} at most {maximum.value:g} {maximum.unit} per {per}"


def _maximum(section: str, name: str, old: Maximum, new: Maximum) -> Iterator[Change]:
    if (old.parameter, old.unit, old.per) != (new.parameter, new.unit, new.per):
        yield Change(section, name, "changed", f"{_maximum_text(old)} -> {_maximum_text(new)}; compare by hand",
                     _maximum_text(old), _maximum_text(new), UNCLEAR)
    else:
        if new.value > old.value:
            yield Change(section, name, "raised", f"{new.parameter} maximum raised {old.value:g} -> {new.value:g} {new.unit}",
                         old.value, new.value, LOOSENING)
        elif new.value < old.value:
            yield Change(section, name, "lowered",
                         f"{new.parameter} maximum lowered {old.value:g} -> {new.value:g} {new.unit}", old.value, new.value)
        if old.period and new.period and old.period != new.period:
            shorter = new.period.timedelta() < old.period.timedelta()
            # The same amount allowed within a shorter period allows more in total.
            yield Change(section, name, "shortened" if shorter else "lengthened",
                         f"{new.parameter} maximum period {old.period} -> {new.period}",
                         str(old.period), str(new.period), LOOSENING if shorter else OTHER)
    yield from _fields(section, name, old, new, ("text", "sources"))


def _interval(name: str, old: Interval | None, new: Interval | None) -> Iterator[Change]:
    if old is None and new is None:
        return
    if new is None:
        assert old is not None
        yield Change("intervals", name, "removed", f"minimum interval of {old.duration} removed",
                     str(old.duration), None, LOOSENING)
    elif old is None:
        yield Change("intervals", name, "added", f"minimum interval of {new.duration} added", None, str(new.duration))
    else:
        a, b = old.duration.timedelta(), new.duration.timedelta()
        if b < a:
            yield Change("intervals", name, "shortened", f"minimum interval shortened {old.duration} -> {new.duration}",
                         str(old.duration), str(new.duration), LOOSENING)
        elif b > a:
            yield Change("intervals", name, "lengthened", f"minimum interval lengthened {old.duration} -> {new.duration}",
                         str(old.duration), str(new.duration))
        yield from _fields("intervals", name, old, new, ("text", "sources"))


def _risk(section: str, name: str, old: Risk, new: Risk) -> Iterator[Change]:
    if old.severity != new.severity:
        lowered = _SEVERITY[new.severity] < _SEVERITY[old.severity]
        yield Change(section, name, "lowered" if lowered else "raised", f"severity {old.severity} -> {new.severity}: {new.text}",
                     old.severity, new.severity, LOOSENING if lowered else OTHER)
    if old.frequency != new.frequency:
        yield Change(section, name, "changed", f"frequency {_frequency(old)} -> {_frequency(new)}",
                     _frequency(old), _frequency(new))
    yield from _fields(section, name, old, new, ("text", "onset", "duration", "sources"))


def _frequency(risk: Risk) -> str:
    f = risk.frequency
    return f.category + (f" {f.percent:g}%" if f.percent is not None else "") + (f" ({f.text})" if f.text else "")


def _consent(section: str, name: str, old: ConsentItem, new: ConsentItem) -> Iterator[Change]:
    dropped = [r for r in old.discloses if r not in new.discloses]
    if dropped:
        yield Change(section, name, "narrowed", f"no longer discloses {', '.join(dropped)}", list(old.discloses),
                     list(new.discloses), LOOSENING)
    elif old.discloses != new.discloses:
        yield Change(section, name, "widened", "discloses more risks", list(old.discloses), list(new.discloses))
    yield from _fields(section, name, old, new, ("section", "text", "sources"))


def _text_only(section: str, name: str, old: Prerequisite, new: Prerequisite) -> Iterator[Change]:
    yield from _fields(section, name, old, new, ("text", "sources"))


def _window(item: AftercareItem) -> str:
    return f"from {item.start}" + (f" for {item.lasts}" if item.lasts else ", no end given")


def _aftercare(section: str, name: str, old: AftercareItem, new: AftercareItem) -> Iterator[Change]:
    if old.category != new.category:
        yield Change(section, name, "changed", f"category {old.category} -> {new.category}", old.category, new.category, UNCLEAR)
    if old.lasts != new.lasts:
        shorter = new.lasts is not None and (old.lasts is None or new.lasts.timedelta() < old.lasts.timedelta())
        yield Change(section, name, "shortened" if shorter else "lengthened", f"window {_window(old)} -> {_window(new)}",
                     _duration(old.lasts), _duration(new.lasts), LOOSENING if shorter else OTHER)
    if old.start != new.start:
        yield Change(section, name, "changed", f"starts {old.start} -> {new.start}", str(old.start), str(new.start))
    yield from _fields(section, name, old, new, ("text", "sources"))


def _duration(value: Duration | None) -> str | None:
    return str(value) if value is not None else None


def _monitoring(section: str, name: str, old: MonitoringItem, new: MonitoringItem) -> Iterator[Change]:
    if old.every != new.every:
        rarer = old.every is not None and (new.every is None or new.every.timedelta() > old.every.timedelta())
        yield Change(section, name, "less frequent" if rarer else "more frequent",
                     f"repeat every {old.every or '-'} -> {new.every or '-'}",
                     _duration(old.every), _duration(new.every), LOOSENING if rarer else OTHER)
    if old.at != new.at:
        dropped = [str(d) for d in old.at if d not in new.at]
        yield Change(section, name, "changed", f"times {[str(d) for d in old.at]} -> {[str(d) for d in new.at]}",
                     [str(d) for d in old.at], [str(d) for d in new.at], LOOSENING if dropped else OTHER)
    if old.applies_to != new.applies_to:
        yield Change(section, name, "changed", "applies_to criterion changed - compare by hand", _plain(old.applies_to),
                     _plain(new.applies_to), UNCLEAR)
    yield from _fields(section, name, old, new, ("kind", "text", "timing", "code", "sources"))


# -- reporting ------------------------------------------------------------------------

def summary(diffs: Sequence[GuidanceDiff]) -> dict[str, int]:
    changes = [c for d in diffs for c in d.changes]
    return {"guidance": len(diffs), "changes": len(changes),
            "loosenings": sum(c.safety == LOOSENING for c in changes),
            "needs_signoff": sum(c.needs_signoff for c in changes)}


def as_json(old: str, new: str, diffs: Sequence[GuidanceDiff]) -> dict[str, Any]:
    return {"old": old, "new": new, "guidance": [d.as_json() for d in diffs], "summary": summary(diffs)}


_MARK = {LOOSENING: "! LOOSENING - needs clinical sign-off", UNCLEAR: "? needs clinical sign-off", OTHER: ""}


def as_text(old: str, new: str, diffs: Sequence[GuidanceDiff]) -> str:
    lines = [f"clinical changes from {old} to {new}"]
    for d in diffs:
        versions = f"{d.old_version or '(absent)'} -> {d.new_version or '(absent)'}"
        if not d.changes:
            lines.append(f"\n{d.id} {versions}: no clinical changes")
            continue
        flagged = sum(c.needs_signoff for c in d.changes)
        # Once released, a change without a bump is CG315; say so here, where it is seen first.
        unbumped = " (version not bumped)" if d.old_version == d.new_version else ""
        lines.append(f"\n{d.id} {versions}{unbumped}: {len(d.changes)} change(s), {flagged} needing clinical sign-off")
        for change in d.changes:
            item = f" {change.item}" if change.item and change.section != "guidance" else ""
            mark = f"  [{_MARK[change.safety]}]" if change.needs_signoff else ""
            lines.append(f"  {change.section}{item}: {change.message}{mark}")
    total = summary(diffs)
    lines.append(f"\n{total['guidance']} guidance compared: {total['changes']} change(s), {total['loosenings']} loosening(s), "
                 f"{total['needs_signoff']} needing clinical sign-off")
    return "\n".join(lines) + "\n"
