"""Every hook a clinicguide plugin can implement.

Plugins import only :data:`clinicguide.hookimpl`. clinicguide calls each hook through the
method of the same name of :class:`clinicguide.host.hooks.Hooks`; pluggy orders the
implementations (the newest plugin first, then by ``tryfirst``/``trylast``) and runs
new-style wrappers (``wrapper=True``). A failure or a wrong result is reported with the
plugin's name and the hook's name.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from ..clinical.findings import Finding
    from ..clinical.patient import PatientRecord
    from ..clinical.proposal import Proposal
    from ..clinical.screening import Screening
    from ..content.model import Guidance
    from ..fhir.bundle import BundleContext

PROJECT = "clinicguide"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def clinicguide_guidance_dirs() -> list[Path | str] | None:
    """Contribute folders of guidance YAML to the library.

    Called once, when the library is loaded. Every folder is validated like the packaged
    guidance; a problem in it stops loading with located messages.

    :return: a list of folders (``Path`` or ``str``), or None. Results of all plugins are
        combined, built-in plugins first.
    """


@hookspec
def clinicguide_amend_guidance(guidance_id: str, version: str, document: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Amend one guidance document for a site, safety-monotonically.

    Called once per document while the library loads, before the document is validated
    a second time and frozen. Amendments may only add or tighten: ``add`` new items
    (contraindications, risks, consent, aftercare, monitoring, prerequisites, sources) and
    ``narrow`` ranges (raise low / lower high), maximums (lower value) and minimum
    intervals (lengthen). Any removal or loosening is refused with an error naming the
    plugin and the item. Every amendment is recorded in the output's Provenance.

    :param guidance_id: the document's id.
    :param version: the document's version.
    :param document: a read-only view of the document's data as loaded.
    :return: None, or ``{"add": {list name: [items]}, "narrow": {item id: {field: value}}}``.
        Every plugin's amendment applies, in call order; a wrapper may not change them.
    """


@hookspec
def clinicguide_screen(guidance: Guidance, record: PatientRecord, date: dt.date, answers: Mapping[str, bool],
                       proposal: Proposal | None) -> list[Finding] | None:
    """Add screening findings for one patient and one guidance.

    Called on every ``plan()``/``screen()``. The built-in plugin screens contraindications
    and checks the proposal; a site plugin can add its own rules.

    :param guidance: the (amended) guidance document.
    :param record: the patient's data.
    :param date: the procedure date.
    :param answers: clinician answers keyed by criterion id; a mapping of id to bool (an
        ``Answers`` whose ``by`` and ``at`` say who answered and when, where the host said).
        An answer never erases a record: a "no" against a recorded positive is a conflict.
    :param proposal: the proposal (dose, parameters, last treatment date, regimen, indication,
        doses already given), or None.
    :return: a list of :class:`clinicguide.Finding`, or None. Lists of all plugins
        are concatenated, the built-in screening's first; the decision is the worst outcome
        among them. A wrapper may add findings but not drop one.
    """


@hookspec(firstresult=True)
def clinicguide_patient_context(reference: str) -> Mapping[str, Any] | None:
    """Supply a patient's data when the host passes a reference instead of the data.

    Called when ``plan()``/``screen()`` receives a string such as ``"Patient/123"``.

    :param reference: the host's reference to the patient.
    :return: a FHIR R4 Bundle or the plain patient mapping, or None if this plugin does
        not know the patient. The first non-None result wins.
    """


@hookspec
def clinicguide_site_contacts() -> list[Mapping[str, str]] | None:
    """Give the site's contact details, printed on the patient documents.

    Called each time a consent form or an aftercare handout is made.

    :return: a list of contacts, or None. Each contact is a mapping of text: ``name``
        (required, e.g. "Reception" or "After-hours line"), and at least one of ``phone``,
        ``email`` and ``address``; optionally ``hours`` (when it answers) and ``use``
        (what it is for, e.g. "if you are worried outside opening hours"). Lists of all
        plugins are concatenated, in call order.
    """


@hookspec(firstresult=True)
def clinicguide_fhir_bundle(screening: Screening, record: PatientRecord, context: BundleContext) -> dict[str, Any] | None:
    """Write the FHIR Bundle for a decision.

    Called on every ``plan()``. The built-in writer produces CarePlan, Questionnaire,
    DetectedIssue and Provenance in a collection Bundle; a plugin registered later is asked
    first and may replace it.

    :param screening: the decision with its findings.
    :param record: the patient's data.
    :param context: FHIR version, canonical URLs, digest, agents and amendments, and the
        ``process`` callback that runs the post-processing hooks on a resource.
    :return: the Bundle as a dict, or None to leave it to the next writer. First result wins.
    """


@hookspec
def clinicguide_process_careplan(careplan: dict[str, Any], guidance: Guidance, fhir_version: str) -> None:
    """Adjust the CarePlan in place (add a contact, a note, an extension).

    Called once per ``plan()``, before the Bundle is assembled.

    :param careplan: the CarePlan resource; change it in place.
    :param guidance: the guidance it was made from.
    :param fhir_version: ``"R4"`` or ``"R5"``.
    :return: None (any other return value is an error). All plugins run, in call order.
    """


@hookspec
def clinicguide_process_questionnaire(questionnaire: dict[str, Any], guidance: Guidance, fhir_version: str) -> None:
    """Adjust the consent checklist Questionnaire in place.

    Called whenever a checklist is built (``plan()`` and ``checklist()``, and when a
    consent response is checked against it).

    :param questionnaire: the Questionnaire resource; change it in place.
    :param guidance: the guidance it was made from.
    :param fhir_version: ``"R4"`` or ``"R5"``.
    :return: None. All plugins run, in call order.
    """


@hookspec
def clinicguide_process_consent(consent: dict[str, Any], guidance: Guidance, fhir_version: str) -> None:
    """Adjust a Consent in place after it was built from a complete response.

    :param consent: the Consent resource; change it in place.
    :param guidance: the guidance whose checklist was answered.
    :param fhir_version: ``"R4"`` or ``"R5"``.
    :return: None. All plugins run, in call order.
    """


@hookspec
def clinicguide_process_bundle(bundle: dict[str, Any], guidance: Guidance, fhir_version: str) -> None:
    """Adjust the finished plan Bundle in place.

    Called once per ``plan()``, last.

    :param bundle: the collection Bundle; change it in place.
    :param guidance: the guidance the plan was made from.
    :param fhir_version: ``"R4"`` or ``"R5"``.
    :return: None. All plugins run, in call order.
    """
