"""Semantic rules that a JSON Schema cannot express.

They run on the raw document next to the schema check and are written defensively
(a wrong type elsewhere is the schema's problem to report, not a crash here).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TypeGuard

from ..errors import Problem
from ..terminology import VERIFIED_CODES
from .criteria_kinds import KINDS
from .located import Checked, Locator
from .schemas import is_schema_version, schema_version_key
from .yamlsafe import JsonPath

# Top-level lists whose entries are clinical items with an id and sources.
ITEM_LISTS = ("indications", "contraindications", "regimens", "risks", "consent", "prerequisites", "aftercare", "monitoring")
DISCLOSURE_REQUIRED = ("moderate", "severe")
# The units of a daily rate, the only ones a per-day maximum can cap.
DAILY_RATES = ("mg/d", "mg/kg/d", "/d")
# Fields of running prose, where a line break or a tab is part of the text; every other text
# (ids, codes, versions, names, units, URLs) is one line.
PROSE_FIELDS = frozenset({"text", "title", "note", "question", "summary", "changes", "evidence_note", "description"})
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Control characters (C0 and C1, DEL) and bidi controls; prose may also hold line breaks and tabs.
_HIDDEN_IN_PROSE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f" + "".join(sorted(_BIDI_CONTROLS)) + "]")
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f" + "".join(sorted(_BIDI_CONTROLS)) + "]")


def _entries(data: Any, key: str) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    values = data.get(key) if isinstance(data, dict) else None
    if isinstance(values, list):
        for index, value in enumerate(values):
            if isinstance(value, dict):
                yield (key, index), value


def items(data: dict[str, Any]) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    """Every item with an id: the top-level lists plus a regimen's ranges, maximums and interval."""
    for key in ITEM_LISTS:
        for path, entry in _entries(data, key):
            yield path, entry
            if key == "regimens":
                for sub in ("ranges", "maximums"):
                    for sub_path, sub_entry in _entries(entry, sub):
                        yield path + sub_path, sub_entry
                if isinstance(entry.get("min_interval"), dict):
                    yield path + ("min_interval",), entry["min_interval"]


def criteria(node: Any, path: JsonPath) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    """Every criterion node under ``node`` (itself included), depth first."""
    if not isinstance(node, dict):
        return
    yield path, node
    for kind in KINDS:
        child = node.get(kind.key)
        if kind.nested == "one" and kind.key in node:
            yield from criteria(child, path + (kind.key,))
        elif kind.nested == "many" and isinstance(child, list):
            for index, item in enumerate(child):
                yield from criteria(item, path + (kind.key, index))


def document_criteria(data: dict[str, Any]) -> Iterator[tuple[JsonPath, dict[str, Any]]]:
    """Criteria of contraindications (and their ``applies_to``) and of monitoring items' ``applies_to``."""
    for path, entry in _entries(data, "contraindications"):
        yield from criteria(entry.get("criterion"), path + ("criterion",))
        yield from criteria(entry.get("applies_to"), path + ("applies_to",))
    for path, entry in _entries(data, "monitoring"):
        yield from criteria(entry.get("applies_to"), path + ("applies_to",))


def _contents(data: dict[str, Any]) -> tuple[list[tuple[JsonPath, str]], list[tuple[JsonPath, dict[str, Any]]]]:
    """Every text, and every mapping with a text ``system`` and ``code``, each with its path, in document order.

    One walk for the rules on texts (CG317, CG319, CG320) and on codes (CG310): appending to two
    lists, texts taken in their container's loop rather than by a call each, as this reads every
    value of every document.
    """
    texts: list[tuple[JsonPath, str]] = []
    codings: list[tuple[JsonPath, dict[str, Any]]] = []
    _collect(data, (), texts, codings)
    return texts, codings


def _collect(node: dict[str, Any] | list[Any], path: JsonPath, texts: list[tuple[JsonPath, str]],
             codings: list[tuple[JsonPath, dict[str, Any]]]) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("system"), str) and isinstance(node.get("code"), str):
            codings.append((path, node))
        children: Iterable[tuple[str | int, Any]] = node.items()
    else:
        children = enumerate(node)
    for key, value in children:
        if isinstance(value, str):
            texts.append((path + (key,), value))
        elif isinstance(value, (dict, list)):
            _collect(value, path + (key,), texts, codings)


def document_problems(data: dict[str, Any], at: Locator, schema_root: Path | None = None) -> list[Problem]:
    """Every semantic problem of one document."""
    found: list[Problem] = []
    texts, codings = _contents(data)  # read once by the rules on texts and codes
    for rule in (_unique_ids, _evidence_ids, _references, _ranges, _comparable_limits, _disclosure, _governance):
        found.extend(rule(data, at))
    found.extend(_codes(codings, at))
    for rule in (_unresolvable_sources, _consent_conditions):
        found.extend(rule(data, at))
    # Every text at once, apart: a rule that finds nothing in it has nothing to find in any one text.
    every_text = " ".join([text for _, text in texts])
    if _HIDDEN.search(every_text):  # _HIDDEN holds every character either rule of CG317 looks for
        found.extend(_control_characters(texts, at))
    found.extend(_fields_in_text(data, texts, at, schema_root))
    if TODO_MARKER in every_text:
        found.extend(_todo_markers(texts, at))
    return found


def _unique_ids(data: dict[str, Any], at: Locator) -> Iterator[Problem]:
    seen: dict[str, JsonPath] = {}
    for path, entry in items(data):
        ident = entry.get("id")
        if isinstance(ident, str):
            if ident in seen:
                yield at(path + ("id",), "CG301", f"id {ident!r} is already used at {_where(at, seen[ident])}"
                         "; give each item its own id")
            seen.setdefault(ident, path + ("id",))
    # One applicability may be written on several items (pregnancy and breastfeeding both apply to
    # patients who can become pregnant): the same id on an identical applies_to is one question.
    shared: dict[str, Any] = {}
    for path, node in document_criteria(data):
        ident = node.get("id")
        if not isinstance(ident, str):
            continue
        applicability = path[-1] == "applies_to"
        if applicability and ident in shared and shared[ident] == node:
            continue
        if ident in seen:
            yield at(path + ("id",), "CG314",
                     f"criterion id {ident!r} is already used at {_where(at, seen[ident])}; give each criterion its own id "
                     "(answers are keyed by it)")
        seen.setdefault(ident, path + ("id",))
        if applicability:
            shared.setdefault(ident, node)


def _evidence_ids(data: dict[str, Any], at: Locator) -> Iterator[Problem]:
    """The tests an ``evidence`` criterion pools are one state: an answer settles the whole, not one test."""
    for path, node in document_criteria(data):
        items = node.get("evidence")
        for index, item in enumerate(items if isinstance(items, list) else ()):
            if isinstance(item, dict) and "id" in item:
                yield at(path + ("evidence", index, "id"), "CG318",
                         "a test inside evidence takes no id; give the evidence criterion the id, so one answer settles it")


def _where(at: Locator, path: JsonPath) -> str:
    return f"line {at.positions.of(path)[0]}"


def _ids(data: Any, key: str) -> set[str]:
    """The text ids of the entries of a top-level list (a wrong type is the schema's to report)."""
    return {e["id"] for _, e in _entries(data, key) if isinstance(e.get("id"), str)}


def _refs(entry: dict[str, Any], key: str) -> Iterator[tuple[int, str]]:
    """``(index, id)`` of the text references in ``entry[key]``."""
    values = entry.get(key)
    for index, ref in enumerate(values if isinstance(values, list) else ()):
        if isinstance(ref, str):
            yield index, ref


def _references(data: dict[str, Any], at: Locator) -> Iterator[Problem]:
    source_ids, risk_ids, indication_ids = _ids(data, "sources"), _ids(data, "risks"), _ids(data, "indications")
    cited: set[str] = set()
    for path, entry in items(data):
        for index, ref in _refs(entry, "sources"):
            cited.add(ref)
            if ref not in source_ids:
                yield at(path + ("sources", index), "CG303", f"source {ref!r} is not in this document's sources list"
                         "; add it there, or correct the id")
    for path, entry in _entries(data, "consent"):
        for index, ref in _refs(entry, "discloses"):
            if ref not in risk_ids:
                yield at(path + ("discloses", index), "CG304", f"risk {ref!r} is not in this document's risks"
                         "; correct the id, or add the risk")
    for path, entry in _entries(data, "regimens"):
        for index, ref in _refs(entry, "indications"):
            if ref not in indication_ids:
                yield at(path + ("indications", index), "CG305", f"indication {ref!r} is not in this document's indications"
                         "; correct the id, or add the indication")
        for max_path, maximum in _entries(entry, "maximums"):
            for index, ref in _refs(maximum, "indications"):
                if ref not in indication_ids:
                    yield at(path + max_path + ("indications", index), "CG305",
                             f"indication {ref!r} is not in this document's indications"
                         "; correct the id, or add the indication")
    for path, source in _entries(data, "sources"):
        if isinstance(source.get("id"), str) and source["id"] not in cited:
            yield at(path + ("id",), "CG311", f"source {source['id']!r} is never cited; cite it or remove it")


def _consent_conditions(data: dict[str, Any], at: Locator) -> Iterator[Problem]:
    """A conditional consent statement names a condition the document has, and shares its question with its peers."""
    indication_ids = _ids(data, "indications")
    applicabilities = {entry["applies_to"]["id"] for _, entry in items(data)
                       if isinstance(entry.get("applies_to"), dict) and isinstance(entry["applies_to"].get("id"), str)}
    questions: dict[str, tuple[str, JsonPath]] = {}
    for path, entry in _entries(data, "consent"):
        condition = entry.get("applies_when")
        if not isinstance(condition, dict):
            continue
        where = path + ("applies_when",)
        for index, ref in _refs(condition, "indications"):
            if ref not in indication_ids:
                yield at(where + ("indications", index), "CG305", f"indication {ref!r} is not in this document's "
                         "indications; correct the id, or add the indication")
        applies_to = condition.get("applies_to")
        if isinstance(applies_to, str) and applies_to not in applicabilities:
            known = ", ".join(sorted(applicabilities)) or "none"
            yield at(where + ("applies_to",), "CG322", f"applicability {applies_to!r} is not declared by any item's "
                     f"applies_to in this document (declared: {known}); use one of those, or use indications")
        indications = condition.get("indications")
        key = applies_to if isinstance(applies_to, str) else (
            "|".join(sorted(map(str, indications))) if isinstance(indications, list) else None)
        question = condition.get("question")
        if key is None or not isinstance(question, str):
            continue
        first = questions.setdefault(key, (question, where))
        if first[0] != question:
            yield at(where + ("question",), "CG322", f"statements with the same condition share one question; "
                     f"write it as at {_where(at, first[1] + ('question',))}")


def _ranges(data: dict[str, Any], at: Locator) -> Iterator[Problem]:
    for path, regimen in _entries(data, "regimens"):
        for range_path, rng in _entries(regimen, "ranges"):
            low, high = rng.get("low"), rng.get("high")
            if _number(low) and _number(high) and low > high:
                yield at(path + range_path + ("low",), "CG306", f"low {low} is greater than high {high}"
                         "; swap them, or correct the one that is wrong")
        for max_path, maximum in _entries(regimen, "maximums"):
            per, period = maximum.get("per"), maximum.get("period")
            if per == "period" and period is None:
                yield at(path + max_path + ("per",), "CG313",
                         "a per-period maximum needs a period, e.g. period: {value: 3, unit: mo}")
            if per in ("session", "day") and period is not None:
                yield at(path + max_path + ("period",), "CG313", f"a per-{per} maximum takes no period; use per: period")
            if per == "day" and maximum.get("unit") not in DAILY_RATES:
                yield at(path + max_path + ("unit",), "CG313",
                         f"a per-day maximum caps a daily rate; give it in {', '.join(DAILY_RATES)}")


def _comparable_limits(data: dict[str, Any], at: Locator) -> Iterator[Problem]:
    """A maximum must be comparable with its parameter's ranges, or no dose could be checked."""
    from ..units import comparable

    range_units: dict[str, set[str]] = {}
    for _, regimen in _entries(data, "regimens"):
        for _, rng in _entries(regimen, "ranges"):
            if isinstance(rng.get("parameter"), str) and isinstance(rng.get("unit"), str):
                range_units.setdefault(rng["parameter"], set()).add(rng["unit"])
    for path, regimen in _entries(data, "regimens"):
        for max_path, maximum in _entries(regimen, "maximums"):
            unit, parameter = maximum.get("unit"), maximum.get("parameter")
            units = range_units.get(parameter, set()) if isinstance(parameter, str) else set()
            if isinstance(unit, str) and (wrong := sorted(u for u in units if not comparable(unit, u))):
                yield at(path + max_path + ("unit",), "CG316",
                         f"maximum in {unit} cannot be compared with the {maximum.get('parameter')} range(s) in "
                         f"{', '.join(wrong)}; give the maximum in a unit of the same kind")


def _number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _disclosure(data: dict[str, Any], at: Locator) -> Iterator[Problem]:
    disclosed = {ref for _, item in _entries(data, "consent") for _, ref in _refs(item, "discloses")}
    for path, risk in _entries(data, "risks"):
        if risk.get("severity") in DISCLOSURE_REQUIRED and isinstance(risk.get("id"), str) and risk["id"] not in disclosed:
            yield at(path + ("id",), "CG307",
                     f"{risk.get('severity')} risk {risk.get('id')!r} is not disclosed by any consent item's discloses list; "
                     "add its id to the discloses list of the consent item that tells the patient about it")


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _governance(data: dict[str, Any], at: Locator) -> Iterator[Problem]:
    version = data.get("version")
    changelog = data.get("changelog")
    if (isinstance(version, str) and isinstance(changelog, list)
            and not any(isinstance(c, dict) and c.get("version") == version for c in changelog)):
        yield at(("changelog",), "CG308", f"the changelog has no entry for version {version}; add one")
    if data.get("status") == "active":
        review = data.get("review")
        if not isinstance(review, dict):
            review = {}
        approved, due = _date(review.get("approved")), _date(review.get("next_review"))
        if not review.get("reviewers"):
            yield at(("review",), "CG309", "an active document needs at least one named reviewer", key=True)
        if approved is None:
            yield at(("review",), "CG309", "an active document needs review.approved (the approval date)", key=True)
        if due is None:
            yield at(("review",), "CG309",
                     "an active document needs review.next_review (the date the next review is due)", key=True)
        elif approved is not None and due <= approved:
            yield at(("review", "next_review"), "CG309", f"next_review {due} must be after approved {approved}")


def _codes(codings: list[tuple[JsonPath, dict[str, Any]]], at: Locator) -> Iterator[Problem]:
    for path, coding in codings:
        key = (coding["system"], coding["code"])
        display = VERIFIED_CODES.get(key)
        if display is None:
            yield at(path + ("code",), "CG310",
                     f"code {coding['code']} ({coding['system']}) is not in the verified code table; carry the criterion as a "
                     "question instead")
        elif coding.get("display") != display:
            yield at(path + ("display",), "CG310", f"display for {coding['code']} must be {display!r}")


class Duplicates:
    """The rule across documents, one document at a time: one id|version may appear only once in a library.

    Only each id|version and the file that first has it are kept, not the documents, so a large
    library is checked in the memory of one document.
    """

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}
        self.problems: list[Problem] = []

    def add(self, entry: Checked) -> None:
        key = entry.ref
        if key is None:
            return
        if key in self.seen:
            self.problems.append(entry.problem_at(("id",), "CG302", f"guidance {key} is also defined in {self.seen[key]}; "
                                                  "remove one copy, or give the newer one a new version"))
        else:
            self.seen[key] = entry.display


def _control_characters(texts: list[tuple[JsonPath, str]], at: Locator) -> Iterator[Problem]:
    """Control and bidi characters: invisible to a reader, yet they change what an id matches or how text shows."""
    for path, text in texts:
        prose = path[-1] in PROSE_FIELDS or (len(path) > 1 and path[-2] in PROSE_FIELDS)  # list indexes are never fields
        found = (_HIDDEN_IN_PROSE if prose else _HIDDEN).search(text)
        if found:
            char, index = found[0], found.start()
            hint = " (line breaks and tabs belong only in prose fields)" if char in "\n\t" else ""
            message = f"text holds the invisible character U+{ord(char):04X} at position {index + 1}; delete it{hint}"
            yield at(path, "CG317", message)


# A field written one level too deep under a plain text (``discloses: []`` indented under a
# consent item's ``text``) is still valid YAML: it becomes part of the text the patient reads.
_FIELD_AT = re.compile(r"(?<![\w-])([a-z][a-z_]*):(?=\s|$)")


def _fields_in_text(data: dict[str, Any], texts: list[tuple[JsonPath, str]], at: Locator,
                    schema_root: Path | None) -> Iterator[Problem]:
    """Prose that holds ``name:`` where ``name`` is a field that the text's item (or an item around it) may have
    but does not: the field slipped into the text (CG319). Words before a colon that no enclosing item takes as
    a field ("a recovery period: redness") are prose."""
    from .schemas import validator

    declared = data.get("schema")
    schema = validator(declared, schema_root) if isinstance(declared, str) else None
    if schema is None:
        return
    for path, text in texts:
        if ":" not in text or not (path and isinstance(path[-1], str) and path[-1] in PROSE_FIELDS):
            continue
        matches = list(_FIELD_AT.finditer(text))
        missing = _missing_fields(schema.schema, data, path[:-1]) if matches else {}
        for match in matches:
            if match[1] in missing:
                yield at(path, "CG319",
                         f"the text holds {match[1] + ':'!r}, a field of {missing[match[1]]}; if it is meant as a field, "
                         f"indent that line like {path[-1]!r}, not under it; otherwise reword the text")
                break


def _missing_fields(root: Any, data: Any, path: JsonPath) -> dict[str, str]:
    """Fields the mappings along ``path`` may hold but do not, each with which mapping it belongs to:
    the text's own item, an item around it, or the document."""
    chain: list[tuple[Any, Any]] = [(root, data)]
    schema, node = root, data
    for part in path:
        schema = _resolve(root, schema)
        key = "items" if isinstance(part, int) else "properties"
        child = schema.get(key) if isinstance(schema, dict) else None
        schema = child if isinstance(part, int) else (child.get(part) if isinstance(child, dict) else None)
        if isinstance(part, int):
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            node = node.get(part) if isinstance(node, dict) else None
        chain.append((schema, node))
    missing: dict[str, str] = {}
    own = True
    for depth in range(len(chain) - 1, -1, -1):
        schema, node = _resolve(root, chain[depth][0]), chain[depth][1]
        properties = schema.get("properties") if isinstance(schema, dict) else None
        if not (isinstance(node, dict) and isinstance(properties, dict)):
            continue
        where = "the document" if depth == 0 else "this item" if own else "the item around it"
        own = False
        for name in properties:
            if name not in node:
                missing.setdefault(name, where)
    return missing


def _resolve(root: Any, schema: Any) -> Any:
    """``schema`` with a local ``$ref`` (``#/$defs/name``) followed."""
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        defs = root.get("$defs") if isinstance(root, dict) else None
        return defs.get(ref.removeprefix("#/$defs/")) if isinstance(defs, dict) else None
    return schema


TODO_MARKER = "TODO"


def _unresolvable_sources(data: dict[str, Any], at: Locator) -> Iterator[Problem]:
    """A source a reader cannot follow (no URL, no identifier) is an error once the document is active.

    In a draft it is a warning, so that the gap stays visible while a reference is looked for.
    Schema 1.0 documents get the warning only: the rule came with schema 1.1, and a released
    document must verify as it did when it was released.
    """
    declared = data.get("schema")
    active = (data.get("status") == "active" and isinstance(declared, str) and is_schema_version(declared)
              and schema_version_key(declared) >= (1, 1))
    for path, source in _entries(data, "sources"):
        if source.get("url") or source.get("identifier"):
            continue
        name = source.get("id") if isinstance(source.get("id"), str) else f"#{path[-1]}"
        found = at(path, "CG321", f"source {name} has neither a url nor an identifier, so a reader cannot follow it; "
                                  "add one (a DOI, PubMed or PMC id, label set id, registry or regulatory number)"
                                  + ("; an active document needs one for every source" if active else ""))
        yield found if active else found.as_warning()


def _todo_markers(texts: list[tuple[JsonPath, str]], at: Locator) -> Iterator[Problem]:
    """A TODO marker (``clinicguide new`` writes them) is content still to be written (CG320)."""
    for path, text in texts:
        if TODO_MARKER in text:
            yield at(path, "CG320", f"TODO marker left in the document: {_shortened(text)!r}; replace it with the "
                                    "real content, cited from the document's sources")


def _shortened(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."
