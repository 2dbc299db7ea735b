"""What each hook's implementations must return, and what a wrapper may do to a hook's result.

Every check raises a :class:`PluginError` naming the plugin and the hook, so a wrong
value is reported where it came from rather than failing later in clinicguide's own code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import PluginError
from . import hookspecs

GUIDANCE_DIRS = "clinicguide_guidance_dirs"
AMEND_GUIDANCE = "clinicguide_amend_guidance"
SCREEN = "clinicguide_screen"
PATIENT_CONTEXT = "clinicguide_patient_context"
FHIR_BUNDLE = "clinicguide_fhir_bundle"
SITE_CONTACTS = "clinicguide_site_contacts"
#: The fields of a site contact; ``name`` and one way to reach it are required.
CONTACT_FIELDS = ("name", "phone", "email", "address", "hours", "use")
#: Each post-processing hook, with the name of the resource argument it changes in place.
PROCESSED = {
    "clinicguide_process_careplan": "careplan",
    "clinicguide_process_questionnaire": "questionnaire",
    "clinicguide_process_consent": "consent",
    "clinicguide_process_bundle": "bundle",
}

#: Hooks whose failure a wrapper may not turn into a result: a screening that failed may have
#: missed a contraindication, and an amendment that failed may have been a site's narrowing.
NO_HIDDEN_FAILURE = frozenset({SCREEN, AMEND_GUIDANCE})

#: Hooks whose result is the first implementation's answer, not a list of every answer.
FIRST_RESULT = frozenset(name for name, spec in vars(hookspecs).items()
                         if getattr(spec, f"{hookspecs.PROJECT}_spec", {}).get("firstresult"))


@dataclass(frozen=True)
class Impl:
    """One plugin's implementation of one hook, as errors name it."""

    plugin: str
    hook: str
    builtin: bool  # clinicguide's own: its input errors pass through as they are, its output is trusted JSON

    def error(self, reason: str) -> PluginError:
        return PluginError(self.plugin, self.hook, reason)


#: ``check(impl, result, arguments)``: raises if ``result`` is not what the hook may return.
Check = Callable[[Impl, object, Mapping[str, object]], None]


def _not_json(value: object) -> str | None:
    """Why ``value`` cannot be written as JSON (a set, an object, NaN), or None."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        return str(exc)
    return None


def _folders(impl: Impl, result: object, arguments: Mapping[str, object]) -> None:
    if result is None:
        return
    if not isinstance(result, (list, tuple)) or not all(isinstance(p, (str, Path)) for p in result):
        raise impl.error("must return a list of folders (str or Path)")
    for folder in map(Path, result):
        if not folder.is_dir():
            raise impl.error(f"{folder} is not a folder")


def _findings(impl: Impl, result: object, arguments: Mapping[str, object]) -> None:
    from ..clinical.findings import FINDING_CODES, Finding

    if result is None:
        return
    if not isinstance(result, (list, tuple)) or not all(isinstance(f, Finding) for f in result):
        raise impl.error("must return a list of clinicguide.Finding")
    # The FHIR DetectedIssue names each code's meaning, so an unknown code has none to name.
    if unknown := sorted({f.code for f in result} - set(FINDING_CODES)):
        raise impl.error(f"finding code {', '.join(map(repr, unknown))} is not one of: {', '.join(FINDING_CODES)}")


def _patient(impl: Impl, result: object, arguments: Mapping[str, object]) -> None:
    if result is not None and not isinstance(result, Mapping):
        raise impl.error("must return a FHIR Bundle or patient mapping (a dict)")


def _bundle(impl: Impl, result: object, arguments: Mapping[str, object]) -> None:
    if result is None:
        return
    if not isinstance(result, dict) or result.get("resourceType") != "Bundle":
        raise impl.error("must return a FHIR Bundle as a dict")
    if not impl.builtin and (problem := _not_json(result)):
        raise impl.error(f"returned a Bundle that cannot be written as JSON: {problem}")


def _processed(impl: Impl, result: object, arguments: Mapping[str, object]) -> None:
    if result is not None:
        raise impl.error("must change the resource in place and return None")
    kind = PROCESSED[impl.hook]
    if not impl.builtin and kind in arguments and (problem := _not_json(arguments[kind])):
        raise impl.error(f"left the {kind} unable to be written as JSON: {problem}")


def _contacts(impl: Impl, result: object, arguments: Mapping[str, object]) -> None:
    if result is None:
        return
    if not isinstance(result, (list, tuple)) or not all(isinstance(c, Mapping) for c in result):
        raise impl.error("must return a list of contacts (mappings of name, phone, email, address, hours, use)")
    for contact in result:
        if unknown := sorted(str(k) for k in contact if k not in CONTACT_FIELDS):
            raise impl.error(f"contact field {', '.join(map(repr, unknown))} is not one of: {', '.join(CONTACT_FIELDS)}")
        if not all(isinstance(v, str) and v.strip() for v in contact.values()):
            raise impl.error("every contact field must be non-empty text")
        if "name" not in contact or not {"phone", "email", "address"} & set(contact):
            raise impl.error("a contact needs a name and at least one of phone, email or address")


def _amendment(impl: Impl, result: object, arguments: Mapping[str, object]) -> None:
    """Anything: the content layer checks an amendment and names what it refuses."""


CHECKS: Mapping[str, Check] = {
    GUIDANCE_DIRS: _folders,
    AMEND_GUIDANCE: _amendment,
    SCREEN: _findings,
    PATIENT_CONTEXT: _patient,
    FHIR_BUNDLE: _bundle,
    SITE_CONTACTS: _contacts,
    **dict.fromkeys(PROCESSED, _processed),
}


def check_result(impl: Impl, result: object, arguments: Mapping[str, object]) -> None:
    """Check what one implementation returned; a hook without a spec is refused at registration instead."""
    check = CHECKS.get(impl.hook)
    if check is not None:
        check(impl, result, arguments)


def check_wrapped(impl: Impl, inner: object, result: object, arguments: Mapping[str, object]) -> None:
    """Check the result a hook wrapper returns in place of ``inner``, the result it wrapped.

    A wrapper's result stands for the whole hook: one answer for a first-result hook, a
    list of every implementation's answer otherwise. Two hooks keep what their
    implementations said: a wrapper may add findings to ``clinicguide_screen`` but not
    drop one (the decision is the worst finding), and may not change the amendments of
    ``clinicguide_amend_guidance`` (each is refused or recorded under its own plugin).
    """
    if impl.hook in FIRST_RESULT:
        check_result(impl, result, arguments)
        return
    if not isinstance(result, list):
        raise impl.error("a wrapper must return the list of results it wrapped")
    for answer in result:
        check_result(impl, answer, arguments)
    if impl.hook == SCREEN and isinstance(inner, list):
        kept = [f for answer in result if answer for f in answer]
        if any(f not in kept for answer in inner if answer for f in answer):
            raise impl.error("a wrapper may add findings but not drop them")
    if impl.hook == AMEND_GUIDANCE and result != inner:
        raise impl.error("a wrapper may not change the amendments")
