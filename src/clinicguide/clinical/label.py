"""Label status: it follows the indication and the regimen a proposal names, never the dose alone.

An indication marked off-label is flagged off-label; so is an off-label regimen that the
proposal names, or that is the only regimen for its indication, whatever the dose and
whether or not it can be checked. Without an indication the status cannot be judged,
unless the proposal is off-label either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from ..content.model import Guidance, Indication, Regimen
from ..errors import InputError, UnknownName
from .findings import Finding
from .proposal import Proposal

LabelStatus = Literal["on-label", "off-label", "not judged"]
OFF_LABEL_CODES = frozenset({"off-label-indication", "off-label-regimen"})


def indication_of(guidance: Guidance, proposal: Proposal) -> Indication | None:
    """The indication the proposal names; an id the guidance does not have is refused."""
    if proposal.indication is None:
        return None
    found = next((i for i in guidance.indications if i.id == proposal.indication), None)
    if found is None:
        raise UnknownName(f"{guidance.ref} has no indication {proposal.indication!r}", [proposal.indication],
                          [i.id for i in guidance.indications])
    return found


def candidate_regimens(guidance: Guidance, proposal: Proposal) -> tuple[tuple[Regimen, ...], bool]:
    """The regimens to check the proposal against, and whether they are the indication's own.

    Without an indication: every regimen (or the one named). With one: the regimens for it;
    an indication with no regimen of its own is checked against every regimen, as the only
    ranges the document gives. A named regimen must be one of them.
    """
    indication = indication_of(guidance, proposal)
    regimens, own = guidance.regimens, False
    if indication is not None:
        # A regimen that names no indications is for every indication.
        for_it = tuple(r for r in guidance.regimens if not r.indications or indication.id in r.indications)
        regimens, own = (for_it, True) if for_it else (guidance.regimens, False)
    if proposal.regimen is None:
        return regimens, own
    chosen = tuple(r for r in regimens if r.id == proposal.regimen)
    if chosen:
        return chosen, True
    if any(r.id == proposal.regimen for r in guidance.regimens):
        known = ", ".join(r.id for r in regimens) or "none"
        raise InputError(f"{guidance.ref}: regimen {proposal.regimen!r} is not for indication {proposal.indication!r}; "
                         f"its regimens: {known}")
    raise UnknownName(f"{guidance.ref} has no regimen {proposal.regimen!r}", [proposal.regimen],
                      [r.id for r in guidance.regimens])


def label_findings(guidance: Guidance, proposal: Proposal, regimens: tuple[Regimen, ...], own: bool) -> list[Finding]:
    """Off-label findings that follow from the indication and the regimen alone."""
    findings = []
    indication = indication_of(guidance, proposal)
    if indication is not None and indication.label == "off-label":
        findings.append(Finding("off-label-indication", "caution", indication.id, guidance.ref,
                                f"'{indication.text.strip()}' is an OFF-LABEL indication", indication.sources,
                                (f"proposed indication {indication.id}",)))
    # The regimen is known when the proposal names it or its indication has only one.
    if len(regimens) == 1 and (own or proposal.regimen is not None) and regimens[0].label == "off-label":
        regimen = regimens[0]
        how = "proposed regimen" if proposal.regimen else f"the only regimen for {proposal.indication}"
        findings.append(Finding("off-label-regimen", "caution", regimen.id, guidance.ref,
                                f"The regimen '{regimen.title}' is OFF-LABEL", regimen.sources, (f"{how} {regimen.id}",)))
    return findings


def label_status(guidance: Guidance, proposal: Proposal | None, findings: Iterable[Finding]) -> LabelStatus:
    """``off-label`` when any finding says so; ``on-label`` when the indication and every regimen
    it can mean are on-label (or the dose lies in an on-label range); else ``not judged``."""
    ref = guidance.ref
    found = [f for f in findings if f.guidance == ref]
    if any(f.code in OFF_LABEL_CODES for f in found):
        return "off-label"
    if proposal is None or proposal.indication is None:
        return "not judged"
    regimens, own = candidate_regimens(guidance, proposal)
    # An indication with no regimen of its own has only its own label to go by.
    if not own or all(r.label == "on-label" for r in regimens) or any(f.code == "dose-within-range" for f in found):
        return "on-label"
    return "not judged"
