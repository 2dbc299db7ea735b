"""Removing the patient's identifiers from a plugin's error text.

Plugin errors reach the host's error output and logs, and a lookup that fails typically
says ``KeyError: 'Patient/123'``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping


def redacted(text: str, arguments: Mapping[str, object]) -> str:
    """``text`` with the reference, id and birth date of the patient in ``arguments`` replaced by ``<patient>``.

    ``arguments`` are those the failing implementation was called with: a ``reference``
    (``clinicguide_patient_context``) or a ``record`` (a PatientRecord).
    """
    private: set[str] = set()
    reference = arguments.get("reference")
    if isinstance(reference, str):
        private.update((reference, reference.rsplit("/", 1)[-1]))
    record = arguments.get("record")
    ident = getattr(record, "id", None)
    if isinstance(ident, str):
        private.add(ident)
    for born in getattr(record, "birth_date", None) or ():
        private.add(born.isoformat())
    for value in sorted(filter(None, private), key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(value)}(?![\w-])", "<patient>", text)
    return text
