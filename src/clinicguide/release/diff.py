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

from collections.abc import Iterator

from ..clinical.weights import DEFAULT_WEIGHT_MAX_AGE
from ..content.model import (
    AftercareItem,
    ConsentCondition,
    ConsentItem,
    Contraindication,
    Guidance,
    Indication,
    MonitoringItem,
    Person,
    Prerequisite,
    Risk,
    Source,
)
from ..content.spans import never_shorter
from ..content.values import Duration
from .changes import LOOSENING, OTHER, UNCLEAR, Change, GuidanceDiff, fields, items, plain
from .diff_regimens import regimens, relabelled

_SEVERITY = {"mild": 0, "moderate": 1, "severe": 2}


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
    yield from items("sources", old.sources, new.sources, _source)
    yield from items("indications", old.indications, new.indications, _indication,
                     added=lambda i: (LOOSENING, f"added: {i.text} ({i.label}); widens who may be treated"))
    yield from items("contraindications", old.contraindications, new.contraindications, _contraindication,
                     added=lambda c: (OTHER, f"added ({c.severity}): {c.text}"),
                     removed=lambda c: (LOOSENING, f"removed ({c.severity}): {c.text}"))
    yield from regimens(old.regimens, new.regimens)
    yield from _weight_age(old, new)
    yield from items("risks", old.risks, new.risks, _risk,
                     added=lambda r: (OTHER, f"added ({r.severity}): {r.text}"),
                     removed=lambda r: (LOOSENING, f"removed ({r.severity}): {r.text}"))
    yield from items("consent", old.consent, new.consent, _consent,
                     removed=lambda c: (LOOSENING, f"removed: {c.text}"))
    yield from items("prerequisites", old.prerequisites, new.prerequisites, _text_only,
                     removed=lambda p: (LOOSENING, f"removed: {p.text}"))
    yield from items("aftercare", old.aftercare, new.aftercare, _aftercare,
                     added=lambda a: (OTHER, f"added ({a.category}, {_window(a)}): {a.text}"),
                     removed=lambda a: (LOOSENING, f"removed ({a.category}, {_window(a)}): {a.text}"))
    yield from items("monitoring", old.monitoring, new.monitoring, _monitoring,
                     removed=lambda m: (LOOSENING, f"removed ({m.kind}, {m.timing}): {m.text}"))


def _weight_age(old: Guidance, new: Guidance) -> Iterator[Change]:
    """An older weight allowed for mg/kg dosing is a loosening (None: the engine's default of 30 days)."""
    if old.weight_max_age == new.weight_max_age:
        return
    before, after = old.weight_max_age or DEFAULT_WEIGHT_MAX_AGE, new.weight_max_age or DEFAULT_WEIGHT_MAX_AGE
    longer = not never_shorter(before, after)
    yield Change("regimens", "weight_max_age", "lengthened" if longer else "shortened",
                 f"weight used for dosing may be up to {after} old (was {before})", str(before), str(after),
                 LOOSENING if longer else OTHER)


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
    yield from fields(section, name, old, new, ("title", "publisher", "year", "url", "identifier", "evidence"))


def _indication(section: str, name: str, old: Indication, new: Indication) -> Iterator[Change]:
    if old.label != new.label:
        yield relabelled(section, name, old.label, new.label)
    if old.code != new.code:
        yield Change(section, name, "changed", "code changed", plain(old.code), plain(new.code), UNCLEAR)
    yield from fields(section, name, old, new, ("text", "sources"))


def _contraindication(section: str, name: str, old: Contraindication, new: Contraindication) -> Iterator[Change]:
    if old.severity != new.severity:
        loosened = old.severity == "absolute"
        yield Change(section, name, "relaxed" if loosened else "tightened",
                     f"severity {old.severity} -> {new.severity}: {new.text}",
                     old.severity, new.severity, LOOSENING if loosened else OTHER)
    if old.criterion != new.criterion:
        yield Change(section, name, "changed", "criterion changed; it may now match fewer patients - compare by hand",
                     plain(old.criterion), plain(new.criterion), UNCLEAR)
    if old.applies_to != new.applies_to:
        yield Change(section, name, "changed", "applies_to changed; it may now apply to fewer patients - compare by hand",
                     plain(old.applies_to), plain(new.applies_to), UNCLEAR)
    yield from fields(section, name, old, new, ("text", "question", "applies_question", "sources"))


def _risk(section: str, name: str, old: Risk, new: Risk) -> Iterator[Change]:
    if old.severity != new.severity:
        lowered = _SEVERITY[new.severity] < _SEVERITY[old.severity]
        yield Change(section, name, "lowered" if lowered else "raised", f"severity {old.severity} -> {new.severity}: {new.text}",
                     old.severity, new.severity, LOOSENING if lowered else OTHER)
    if old.frequency != new.frequency:
        yield Change(section, name, "changed", f"frequency {_frequency(old)} -> {_frequency(new)}",
                     _frequency(old), _frequency(new))
    yield from fields(section, name, old, new, ("text", "onset", "duration", "sources"))


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
    yield from _consent_condition(section, name, old.applies_when, new.applies_when)
    yield from fields(section, name, old, new, ("section", "text", "sources"))


def _consent_condition(section: str, name: str, old: ConsentCondition | None,
                       new: ConsentCondition | None) -> Iterator[Change]:
    """A statement made conditional is no longer acknowledged by every patient: a loosening."""
    if old == new:
        return
    if old is None and new is not None:
        yield Change(section, name, "narrowed", f"now applies only after a yes to {new.question!r}", None,
                     _condition(new), LOOSENING)
    elif new is None and old is not None:
        yield Change(section, name, "widened", "now applies to every patient", _condition(old), None)
    elif old is not None and new is not None and (old.applies_to, old.indications) != (new.applies_to, new.indications):
        yield Change(section, name, "changed", "applies under another condition - compare by hand", _condition(old),
                     _condition(new), UNCLEAR)
    elif old is not None and new is not None:
        yield Change(section, name, "changed", "condition question changed", old.question, new.question)


def _condition(condition: ConsentCondition) -> dict[str, object]:
    return {"applies_to": condition.applies_to, "indications": list(condition.indications),
            "question": condition.question}


def _text_only(section: str, name: str, old: Prerequisite, new: Prerequisite) -> Iterator[Change]:
    yield from fields(section, name, old, new, ("text", "sources"))


def _window(item: AftercareItem) -> str:
    return f"from {item.start}" + (f" for {item.lasts}" if item.lasts else ", no end given")


def _aftercare(section: str, name: str, old: AftercareItem, new: AftercareItem) -> Iterator[Change]:
    if old.category != new.category:
        yield Change(section, name, "changed", f"category {old.category} -> {new.category}", old.category, new.category, UNCLEAR)
    if old.lasts != new.lasts:
        shorter = new.lasts is not None and (old.lasts is None or not never_shorter(new.lasts, old.lasts))
        yield Change(section, name, "shortened" if shorter else "lengthened", f"window {_window(old)} -> {_window(new)}",
                     _duration(old.lasts), _duration(new.lasts), LOOSENING if shorter else OTHER)
    if old.start != new.start:
        yield _aftercare_start(section, name, old, new)
    yield from fields(section, name, old, new, ("text", "sources"))


def _aftercare_start(section: str, name: str, old: AftercareItem, new: AftercareItem) -> Change:
    """A window that starts later drops its first part; one that starts earlier may also end earlier."""
    message = f"starts {old.start} -> {new.start}"
    if not never_shorter(old.start, new.start):  # the new start is later from some procedure date
        return Change(section, name, "shortened", f"{message}: the care starts later, so its first part is dropped",
                      str(old.start), str(new.start), LOOSENING)
    if old.lasts is None or new.lasts is None:
        return Change(section, name, "changed", message, str(old.start), str(new.start))  # open-ended: no end to lose
    units = {old.start.unit, old.lasts.unit, new.start.unit, new.lasts.unit}
    if len(units) == 1 and not units & {"mo", "a"}:
        if new.start.value + new.lasts.value < old.start.value + old.lasts.value:
            return Change(section, name, "shortened", f"{message}: the window now ends earlier", str(old.start),
                          str(new.start), LOOSENING)
        return Change(section, name, "changed", message, str(old.start), str(new.start))
    return Change(section, name, "changed", f"{message}; compare where the window ends by hand", str(old.start),
                  str(new.start), UNCLEAR)


def _duration(value: Duration | None) -> str | None:
    return str(value) if value is not None else None


def _monitoring(section: str, name: str, old: MonitoringItem, new: MonitoringItem) -> Iterator[Change]:
    if old.every != new.every:
        rarer = old.every is not None and (new.every is None or not never_shorter(old.every, new.every))
        yield Change(section, name, "less frequent" if rarer else "more frequent",
                     f"repeat every {old.every or '-'} -> {new.every or '-'}",
                     _duration(old.every), _duration(new.every), LOOSENING if rarer else OTHER)
    if old.at != new.at:
        dropped = [str(d) for d in old.at if d not in new.at]
        yield Change(section, name, "changed", f"times {[str(d) for d in old.at]} -> {[str(d) for d in new.at]}",
                     [str(d) for d in old.at], [str(d) for d in new.at], LOOSENING if dropped else OTHER)
    if old.applies_to != new.applies_to:
        yield Change(section, name, "changed", "applies_to criterion changed - compare by hand", plain(old.applies_to),
                     plain(new.applies_to), UNCLEAR)
    yield from fields(section, name, old, new, ("kind", "text", "timing", "code", "sources"))
