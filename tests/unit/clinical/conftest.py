"""Fixtures shared by the clinical tests."""

from __future__ import annotations

import pytest

from clinicguide.guide import ClinicGuide


@pytest.fixture(scope="module")
def guide() -> ClinicGuide:
    """The packaged library without entry-point plugins, on the default canonical base."""
    return ClinicGuide(canonical_base_url="https://clinicguide.org/fhir", entry_point_plugins=False)
