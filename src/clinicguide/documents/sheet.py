"""What a patient document says, gathered from one guidance document, a procedure date and the site.

The templates only lay this out; every clinical sentence here is the guidance's own text,
with the ids of the sources it cites.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..content.model import AftercareItem, Guidance
from ..content.values import Duration
from ..errors import InputError
from .wording import duration_words, frequency_words, long_date

DocumentKind = Literal["consent", "aftercare"]
KINDS: tuple[DocumentKind, ...] = ("consent", "aftercare")

#: How each consent section is headed on the form, in the form's order.
SECTIONS = {"procedure": "The treatment", "risks": "The risks", "alternatives": "Other choices",
            "pregnancy-prevention": "Pregnancy prevention", "aftercare": "Aftercare", "other": "Other"}
_ZERO = Duration(0, "h")


@dataclass(frozen=True)
class Step:
    """One point of the aftercare timeline: when it starts, and what to do or avoid from then."""

    when: str  # "24 hours after treatment"
    date: str | None  # "Wednesday 2 December 2026", when the procedure date is known
    items: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Sheet:
    """Everything one document shows, ready for the templates."""

    kind: DocumentKind
    title: str
    lang: str
    guidance: Guidance
    digest: str
    patient: str | None
    date: dt.date | None
    contacts: tuple[Mapping[str, str], ...]
    uses: tuple[dict[str, Any], ...] = ()
    risks: tuple[dict[str, Any], ...] = ()
    sections: tuple[tuple[str, tuple[dict[str, Any], ...]], ...] = ()
    timeline: tuple[Step, ...] = ()
    warnings: tuple[dict[str, Any], ...] = ()
    call: tuple[dict[str, Any], ...] = ()
    cited: tuple[dict[str, Any], ...] = field(default=())

    @property
    def long_date(self) -> str | None:
        return long_date(self.date) if self.date else None


def sheet(kind: str, guidance: Guidance, *, date: dt.date | None, patient: str | None, digest: str,
          contacts: Sequence[Mapping[str, str]] = ()) -> Sheet:
    """The content of the ``kind`` document (``consent`` or ``aftercare``) of ``guidance``."""
    common: dict[str, Any] = {"guidance": guidance, "digest": digest, "patient": patient, "date": date,
                              "contacts": tuple(contacts), "lang": "en"}
    if kind == "consent":
        risks = tuple({"id": r.id, "text": r.text, "how_often": frequency_words(r.frequency), "sources": r.sources}
                      for r in guidance.risks)
        sections = tuple((heading, items) for section, heading in SECTIONS.items()
                         if (items := tuple({"id": c.id, "text": c.text, "sources": c.sources,
                                             "condition": c.applies_when.question if c.applies_when else None}
                                            for c in guidance.consent if c.section == section)))
        uses = tuple({"id": i.id, "text": i.text, "sources": i.sources} for i in guidance.indications)
        cited = _cited(guidance, [*guidance.indications, *guidance.risks, *guidance.consent])
        return Sheet("consent", f"Consent form: {guidance.title}", uses=uses, risks=risks, sections=sections, cited=cited,
                     **common)
    if kind == "aftercare":
        care = guidance.aftercare
        return Sheet("aftercare", f"Aftercare: {guidance.title}", cited=_cited(guidance, care),
                     timeline=_timeline([a for a in care if a.category in ("do", "avoid")], date),
                     warnings=tuple(_care(a, date) for a in care if a.category == "watch-for"),
                     call=tuple(_care(a, date) for a in care if a.category == "contact-clinic"), **common)
    raise InputError(f"no patient document {kind!r}; documents: {', '.join(KINDS)}")


def _timeline(items: Iterable[AftercareItem], date: dt.date | None) -> tuple[Step, ...]:
    by_start: dict[Duration, list[AftercareItem]] = {}
    for item in items:
        by_start.setdefault(item.start, []).append(item)
    steps = []
    for start in sorted(by_start, key=lambda d: d.timedelta()):
        when = "The day of treatment" if start.timedelta() == _ZERO.timedelta() else f"{duration_words(start)} after treatment"
        steps.append(Step(when, long_date(start.after(date)) if date else None,
                          tuple(_care(a, date) for a in by_start[start])))
    return tuple(steps)


def _care(item: AftercareItem, date: dt.date | None) -> dict[str, Any]:
    """One aftercare item; ``until`` says for how long, with the end date when the procedure date is known."""
    until = None
    if item.lasts is not None:
        until = f"for {duration_words(item.lasts)}"
        if date is not None:
            until += f", until {long_date(item.lasts.after(item.start.after(date)))}"
    return {"id": item.id, "category": item.category, "text": item.text, "until": until, "sources": item.sources}


def _cited(guidance: Guidance, items: Iterable[Any]) -> tuple[dict[str, Any], ...]:
    """The sources the shown items cite, in the guidance's order of sources."""
    used = {s for item in items for s in item.sources}
    return tuple({"id": s.id, "title": s.title, "publisher": s.publisher, "year": s.year, "url": s.url}
                 for s in guidance.sources if s.id in used)
