"""Typed access to every hook: the one place clinicguide's own code calls plugins.

Each method is named after its hook (``screen`` calls ``clinicguide_screen``) and calls it
through pluggy, which orders the implementations, runs hook wrappers and stops a
first-result hook at the first answer. Each implementation is registered guarded
(:mod:`.guard`), so a failure or a wrong result names its plugin and the hook.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..errors import PluginError
from ..version import package_version
from .checks import AMEND_GUIDANCE, FHIR_BUNDLE
from .guard import collecting
from .manager import PluginInfo, build_manager

if TYPE_CHECKING:  # imported where they are used (a plan, an amendment), not when the library loads
    from ..clinical.findings import Finding
    from ..clinical.patient import PatientRecord
    from ..clinical.proposal import Proposal
    from ..clinical.screening import Screening
    from ..content.amend import Amendment
    from ..content.model import Guidance
    from ..fhir.bundle import BundleContext
    from ..fhir.common import FhirVersion


class Hooks:
    """The plugin manager of one host (one :class:`clinicguide.ClinicGuide`), and a method per hook.

    :param plugins: plugin objects (modules or instances with hookimpls) the host registers.
    :param entry_point_plugins: also load the ``clinicguide`` entry-point group.
    :param blocked: plugin names not to load (default: ``$CLINICGUIDE_DISABLE_PLUGINS``).
    """

    def __init__(self, plugins: Iterable[object] = (), *, entry_point_plugins: bool = True,
                 blocked: Iterable[str] | None = None) -> None:
        self.pm = build_manager(plugins, entry_point_plugins=entry_point_plugins, blocked=blocked)

    # -- the plugins ---------------------------------------------------------------------------

    def plugins(self) -> list[PluginInfo]:
        """Every registered plugin with its distribution, version and hooks, in registration order."""
        return self.pm.plugins()

    @functools.cached_property
    def _agents(self) -> tuple[str, ...]:
        # The plugins are fixed once the manager is built, so they are listed once, not on every plan.
        return (f"clinicguide {package_version()}",) + tuple(p.agent for p in self.plugins() if not p.builtin)

    def agents(self) -> tuple[str, ...]:
        """Provenance agents: clinicguide itself, then every plugin that is not built in."""
        return self._agents

    def agent_of(self, plugin_name: str) -> str:
        """How Provenance names one plugin: ``name (distribution version)``."""
        dist, version = self.pm.origins.get(plugin_name, (plugin_name, "unknown"))
        return f"{plugin_name} ({dist} {version})"

    # -- loading the library -------------------------------------------------------------------

    def guidance_dirs(self) -> list[Path]:
        """Every plugin's guidance folders, in call order."""
        return [Path(folder) for folders in self.pm.hook.clinicguide_guidance_dirs() if folders for folder in folders]

    def amends(self) -> bool:
        """Whether any plugin implements the amendment hook (without one, loading needs no amender)."""
        return bool(self.pm.hook.clinicguide_amend_guidance.get_hookimpls())

    def amend_guidance(self, guidance_id: str, version: str, document: Mapping[str, Any]) -> list[Amendment]:
        """Every plugin's amendment of one document, in call order, each under the plugin that made it.

        An amender for :func:`clinicguide.content.library.load_library`.
        """
        from ..content.amend import Amendment  # only when a plugin amends

        with collecting() as answered:
            self.pm.hook.clinicguide_amend_guidance(guidance_id=guidance_id, version=version, document=document)
        return [Amendment(plugin, self.agent_of(plugin), changes) for plugin, hook, changes in answered
                if hook == AMEND_GUIDANCE and changes is not None]

    # -- deciding ------------------------------------------------------------------------------

    def patient_context(self, reference: str) -> Mapping[str, Any] | None:
        result: Mapping[str, Any] | None = self.pm.hook.clinicguide_patient_context(reference=reference)
        return result

    def screen(self, guidance: Guidance, record: PatientRecord, date: dt.date, answers: Mapping[str, bool],
               proposal: Proposal | None) -> list[Finding]:
        """Every plugin's findings, concatenated in call order.

        Plugins get read-only data: the guidance, record and proposal are frozen, and plain
        answers are passed as a read-only view.
        """
        if isinstance(answers, MutableMapping):
            answers = MappingProxyType(dict(answers))
        found: list[list[Finding] | None] = self.pm.hook.clinicguide_screen(
            guidance=guidance, record=record, date=date, answers=answers, proposal=proposal)
        return [finding for findings in found if findings for finding in findings]

    def site_contacts(self) -> list[dict[str, str]]:
        """Every plugin's contacts, in call order."""
        found: list[list[Mapping[str, str]] | None] = self.pm.hook.clinicguide_site_contacts()
        return [dict(contact) for contacts in found if contacts for contact in contacts]

    # -- FHIR output ---------------------------------------------------------------------------

    def fhir_bundle(self, screening: Screening, record: PatientRecord, context: BundleContext) -> dict[str, Any]:
        bundle: dict[str, Any] | None = self.pm.hook.clinicguide_fhir_bundle(screening=screening, record=record,
                                                                           context=context)
        if bundle is None:
            raise PluginError("clinicguide", FHIR_BUNDLE, "no plugin wrote the Bundle (is the built-in writer blocked?)")
        return bundle

    def process_careplan(self, careplan: dict[str, Any], guidance: Guidance, fhir_version: FhirVersion) -> None:
        self.pm.hook.clinicguide_process_careplan(careplan=careplan, guidance=guidance, fhir_version=fhir_version)

    def process_questionnaire(self, questionnaire: dict[str, Any], guidance: Guidance, fhir_version: FhirVersion) -> None:
        self.pm.hook.clinicguide_process_questionnaire(questionnaire=questionnaire, guidance=guidance,
                                                       fhir_version=fhir_version)

    def process_consent(self, consent: dict[str, Any], guidance: Guidance, fhir_version: FhirVersion) -> None:
        self.pm.hook.clinicguide_process_consent(consent=consent, guidance=guidance, fhir_version=fhir_version)

    def process_bundle(self, bundle: dict[str, Any], guidance: Guidance, fhir_version: FhirVersion) -> None:
        self.pm.hook.clinicguide_process_bundle(bundle=bundle, guidance=guidance, fhir_version=fhir_version)

    def processor(self, guidance: Guidance, fhir_version: FhirVersion) -> Callable[[str, dict[str, Any]], None]:
        """The ``process(kind, resource)`` callback a Bundle writer gets in its BundleContext."""
        hooks = {"careplan": self.process_careplan, "questionnaire": self.process_questionnaire,
                 "consent": self.process_consent, "bundle": self.process_bundle}

        def process(kind: str, resource: dict[str, Any]) -> None:
            if kind not in hooks:
                raise ValueError(f"no post-processing hook for {kind!r}; kinds: {', '.join(hooks)}")
            hooks[kind](resource, guidance, fhir_version)

        return process
