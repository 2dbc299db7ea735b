"""The clinical changes to regimens: their ranges, maximums and minimum intervals.

A range widened, a maximum raised, removed or limited to fewer indications, or an interval
shortened, removed or made advisory is a loosening; a changed unit or parameter cannot be
compared by value and needs sign-off.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..content.model import Interval, Maximum, Range, Regimen
from ..content.spans import first_shortfall, never_shorter
from .changes import LOOSENING, OTHER, UNCLEAR, Change, fields, items


def regimens(old: Sequence[Regimen], new: Sequence[Regimen]) -> Iterator[Change]:
    yield from items("regimens", old, new, _regimen,
                     added=lambda r: (LOOSENING, f"added ({r.label}, {r.route}): {r.title}"),
                     removed=lambda r: (LOOSENING, (f"removed: {r.title}; its ranges, maximums and minimum interval no "
                                                    "longer bound a dose, and its medication codes no longer find a "
                                                    "running course or earlier doses")))


def _regimen(section: str, name: str, old: Regimen, new: Regimen) -> Iterator[Change]:
    if old.label != new.label:
        yield relabelled(section, name, old.label, new.label)
    if old.route != new.route:
        yield Change(section, name, "changed", f"route {old.route} -> {new.route}", old.route, new.route, UNCLEAR)
    gained = [i for i in new.indications if i not in old.indications]
    if gained:
        yield Change(section, name, "widened", f"now also for {', '.join(gained)}", list(old.indications),
                     list(new.indications), LOOSENING)
    elif old.indications != new.indications:
        yield Change(section, name, "changed", "indications changed", list(old.indications), list(new.indications))
    yield from fields(section, name, old, new, ("title", "product", "frequency", "duration", "sources"))
    if old.codes != new.codes:  # fewer codes find fewer running courses and earlier doses in a record
        yield Change(section, name, "changed", "medication codes changed", [str(c.key) for c in old.codes],
                     [str(c.key) for c in new.codes], UNCLEAR)
    part = f"{name}/"
    yield from items("ranges", old.ranges, new.ranges, _range, prefix=part,
                     added=lambda r: (OTHER, f"added: {r.parameter} {r.low:g}-{r.high:g} {r.unit}"),
                     removed=lambda r: (LOOSENING, (f"removed: {r.parameter} {r.low:g}-{r.high:g} {r.unit}; "
                                                    "the parameter is no longer bounded")))
    yield from items("maximums", old.maximums, new.maximums, _maximum, prefix=part,
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
    yield from limit_text(section, name, old, new)


def relabelled(section: str, name: str, old: str, new: str) -> Change:
    """Off-label to on-label drops the off-label finding a proposal got: a loosening."""
    return Change(section, name, "relabelled", f"label {old} -> {new}", old, new,
                  LOOSENING if (old, new) == ("off-label", "on-label") else OTHER)


def limit_text(section: str, name: str, old: Range | Maximum | Interval, new: Range | Maximum | Interval) -> Iterator[Change]:
    """A limit's text is what clinicians read (and the FHIR export carries): a new wording must state the limit."""
    if old.text != new.text:
        yield Change(section, name, "changed", "text of a limit changed; check it states the limit's values",
                     old.text, new.text, UNCLEAR)
    yield from fields(section, name, old, new, ("sources",))


def _range_text(rng: Range) -> str:
    return f"{rng.parameter} {rng.low:g}-{rng.high:g} {rng.unit}"


def _maximum_text(maximum: Maximum) -> str:
    per = str(maximum.period) if maximum.per == "period" else maximum.per
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
            shorter = not never_shorter(new.period, old.period)
            # The same amount allowed within a shorter period allows more in total.
            yield Change(section, name, "shortened" if shorter else "lengthened",
                         f"{new.parameter} maximum period {old.period} -> {new.period}",
                         str(old.period), str(new.period), LOOSENING if shorter else OTHER)
    yield from _maximum_indications(section, name, old, new)
    yield from limit_text(section, name, old, new)


def _maximum_indications(section: str, name: str, old: Maximum, new: Maximum) -> Iterator[Change]:
    """A maximum for fewer indications (none listed: every one) holds for fewer patients."""
    if old.indications == new.indications:
        return
    before, after = set(old.indications), set(new.indications)
    wider = not after or (bool(before) and after >= before)
    yield Change(section, name, "widened" if wider else "narrowed",
                 f"maximum now for {', '.join(new.indications) or 'every indication'}",
                 list(old.indications), list(new.indications), OTHER if wider else LOOSENING)


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
        # As the engine counts them, from every start date: 90 d -> 3 mo is shorter from 1 February.
        if shortfall := first_shortfall(new.duration, old.duration):
            yield Change("intervals", name, "shortened",
                         f"minimum interval shortened {old.duration} -> {new.duration} ({shortfall})",
                         str(old.duration), str(new.duration), LOOSENING)
        elif old.duration != new.duration:
            yield Change("intervals", name, "lengthened", f"minimum interval lengthened {old.duration} -> {new.duration}",
                         str(old.duration), str(new.duration))
        if old.advisory != new.advisory:
            # An advisory interval only gives notes: making one advisory drops its caution.
            yield Change("intervals", name, "relaxed" if new.advisory else "tightened",
                         f"interval {'now' if new.advisory else 'no longer'} advisory", old.advisory, new.advisory,
                         LOOSENING if new.advisory else OTHER)
        yield from limit_text("intervals", name, old, new)
