"""The skeleton of a new guidance document (``clinicguide new``).

Schema-valid as written, so an editor's schema check is quiet from the start; every text
still to be written holds a TODO marker, which ``validate`` reports (CG320) until it is
replaced. Values the schema restricts (severities, labels, evidence levels) carry a
placeholder choice and a comment saying to check it.
"""

from __future__ import annotations

import datetime as dt
import re

from ..errors import UsageError
from .rules import TODO_MARKER

KINDS = ("procedure", "medication")
_ID = re.compile(r"^[a-z][a-z0-9-]*$")
_MAX_ID = 64

_COMMON = '''\
# yaml-language-server: $schema={schema_path}
# Written by `clinicguide new`. Replace every {todo} (validate reports them as CG320) and check
# each value marked "check", then run `clinicguide validate` until it reports no problems.
# docs/authoring.md explains every field.
schema: "{schema}"
id: {id}
version: 1.0.0
status: draft
kind: {kind}
title: "{todo} the name of the {kind}"
summary: >-
  {todo} one plain paragraph on what the {kind} is and does.
review:
  authors:
    - name: "{todo} your name"
      role: content editor
  required_reviewer: >-
    A board-certified dermatologist must review this document before it may become active.
  reviewers: []
changelog:
  - version: 1.0.0
    date: {today}
    changes: [First version.]
sources:
  - id: S1
    title: "{todo} the title of the source"
    publisher: "{todo} who published it"
    identifier: "{todo} its DOI, PubMed or PMC id, label set id or registry number (or give a url: instead)"
    evidence: consensus  # check: the kind of evidence the source is
indications:
  - id: ind-main
    text: "{todo} what the {kind} is used for, in one sentence."
    label: on-label  # check: on-label or off-label
    sources: [S1]
contraindications:
  - id: ci-main
    severity: absolute  # check: absolute or relative
    text: "{todo} who must not have the {kind}."
    question: "{todo} the question to ask the patient, answered yes or no?"
    sources: [S1]
{regimens}risks:
  - id: risk-main
    text: "{todo} the risk, in words a patient understands."
    severity: moderate  # check: mild, moderate or severe
    frequency: {{category: unknown}}  # check: give the rate the source reports
    sources: [S1]
consent:
  - id: consent-risks
    section: risks
    text: "{todo} a first-person statement the patient acknowledges, such as: I understand the risks."
    discloses: [risk-main]
    sources: [S1]
aftercare:
  - id: ac-main
    category: do  # check: avoid, do, watch-for or contact-clinic
    text: "{todo} what the patient does after the {kind}."
    start: {{value: 0, unit: {start_unit}}}
    sources: [S1]
'''

_REGIMEN_HINT = '''\
# regimens: write one only when a source gives its numbers (see docs/authoring.md), e.g.
#   - id: reg-label
#     title: Licensed dose
#     label: on-label
#     indications: [ind-main]
#     route: oral
#     ranges:
#       - {id: rng-dose, parameter: dose, low: 0.5, high: 1, unit: mg/kg/d, text: ..., sources: [S1]}
#     sources: [S1]
'''


def check_id(guidance_id: str) -> None:
    """Refuse an id the schema would not accept, saying what an id looks like."""
    if not _ID.match(guidance_id) or len(guidance_id) > _MAX_ID:
        raise UsageError(f"{guidance_id!r} is not a guidance id; use lower case letters, digits and hyphens, starting "
                         f"with a letter (at most {_MAX_ID}), e.g. glycolic-acid-peel")


def skeleton(guidance_id: str, kind: str, schema: str, schema_path: str, today: dt.date | None = None) -> str:
    """The text of a new document: ``kind`` is ``procedure`` or ``medication``; ``schema_path`` goes in the modeline."""
    check_id(guidance_id)
    if kind not in KINDS:
        raise UsageError(f"--kind takes {' or '.join(KINDS)}, got {kind!r}")
    return _COMMON.format(schema_path=schema_path, schema=schema, id=guidance_id, kind=kind, todo=TODO_MARKER,
                          today=(today or dt.date.today()).isoformat(),
                          regimens=_REGIMEN_HINT if kind == "medication" else "",
                          start_unit="d" if kind == "medication" else "h")
