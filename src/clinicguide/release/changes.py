"""What a diff finds: one clinical change, the changes to one guidance, and how both are written.

Also the comparisons every section shares: items matched by id, and fields compared as they are.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..escape import printable

#: How a change bears on safety: ``loosening`` and ``unclear`` both need clinical sign-off.
LOOSENING, UNCLEAR, OTHER = "loosening", "unclear", "other"


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


def items(section: str, old: Sequence[Any], new: Sequence[Any], compare: Any, *, prefix: str = "",
          added: Any = None, removed: Any = None) -> Iterator[Change]:
    """Match items by id: additions, removals, then each kept item's own changes, in document order."""
    before = {item.id: item for item in old}
    after = {item.id: item for item in new}
    for ident, item in before.items():
        name = prefix + ident
        if ident not in after:
            safety, message = removed(item) if removed else (OTHER, f"removed: {label(item)}")
            yield Change(section, name, "removed", message, label(item), None, safety)
        else:
            yield from compare(section, name, item, after[ident])
    for ident, item in after.items():
        if ident not in before:
            safety, message = added(item) if added else (OTHER, f"added: {label(item)}")
            yield Change(section, prefix + ident, "added", message, None, label(item), safety)


def label(item: Any) -> str:
    for attribute in ("text", "title", "parameter"):
        value = getattr(item, attribute, None)
        if isinstance(value, str):
            return value
    return str(getattr(item, "id", item))


def fields(section: str, name: str, old: Any, new: Any, names: Iterable[str]) -> Iterator[Change]:
    """Plain changes of fields whose direction does not bear on safety (wording, citations)."""
    for attribute in names:
        before, after = getattr(old, attribute), getattr(new, attribute)
        if before != after:
            yield Change(section, name, "changed", f"{attribute} changed", plain(before), plain(after))


def plain(value: Any) -> Any:
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)

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
    """The changes, one a line. Every field comes from the releases (a bundle is anyone's), so each is
    escaped: a text holding a line break or a terminal escape cannot forge or hide a line."""
    lines = [f"clinical changes from {printable(old)} to {printable(new)}"]
    for d in diffs:
        d = dataclasses.replace(d, id=printable(d.id), old_version=d.old_version and printable(d.old_version),
                                new_version=d.new_version and printable(d.new_version))
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
            lines.append(f"  {change.section}{printable(item)}: {printable(change.message)}{mark}")
    total = summary(diffs)
    lines.append(f"\n{total['guidance']} guidance compared: {total['changes']} change(s), {total['loosenings']} loosening(s), "
                 f"{total['needs_signoff']} needing clinical sign-off")
    return "\n".join(lines) + "\n"
