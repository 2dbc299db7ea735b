"""Fixtures shared by the clinical tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from clinicguide.guide import ClinicGuide


@pytest.fixture(scope="module")
def guide() -> ClinicGuide:
    """The packaged library without entry-point plugins, on the default canonical base."""
    return ClinicGuide(canonical_base_url="https://clinicguide.org/fhir", entry_point_plugins=False)


FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def fixture_guide() -> ClinicGuide:
    """The packaged library and the fixture documents of tests/unit/clinical/fixtures."""
    return ClinicGuide(guidance_paths=[FIXTURES], canonical_base_url="https://clinicguide.org/fhir", entry_point_plugins=False)
