"""The Python API refuses values of the wrong type as user errors that name the field, never TypeError."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import clinicguide
from clinicguide import ClinicGuide
from clinicguide.errors import ClinicguideError, InputError, UsageError

ROOT = Path(__file__).resolve().parents[3]
MARIA = json.loads((ROOT / "examples/patients/maria-lopez.json").read_text())


@pytest.fixture(scope="module")
def guide() -> ClinicGuide:
    return ClinicGuide(entry_point_plugins=False)


@pytest.mark.parametrize(("proposed", "field"), [
    ({"params": {"needle-depth": None}}, "proposed.params.needle-depth"),
    ({"params": {"needle-depth": 1.0}}, "proposed.params.needle-depth"),
    ({"params": {"needle-depth": "1.0 mm", 3: "1 mm"}}, "proposed.params"),
    ({"params": {("a",): "1 mm"}}, "proposed.params"),
    ({"last_treatment": dt.datetime(2026, 6, 1, 10, 30)}, "proposed.last_treatment"),
    ({"last_treatment": 20260601}, "last_treatment"),
    ({"regimen": ["reg-label"]}, "proposed.regimen"),
    ({"dose": 20}, "proposed.dose"),
])
def test_a_wrongly_typed_proposal_is_an_input_error_naming_the_field(
        guide: ClinicGuide, proposed: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        guide.plan("microneedling", MARIA, proposed=proposed, date="2026-12-01")
    assert field in str(caught.value)


@pytest.mark.parametrize(("guidance_id", "version"), [(["microneedling"], None), (None, None), ("microneedling", 1.0)])
def test_a_guidance_id_or_version_that_is_not_text_is_a_usage_error(guide: ClinicGuide, guidance_id: Any, version: Any) -> None:
    with pytest.raises(UsageError):
        guide.plan(guidance_id, MARIA, date="2026-12-01", version=version)


_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=8)
    | st.dates().map(lambda d: d) | st.datetimes(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5) | st.integers(), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dose=_VALUES, params=_VALUES, last=_VALUES, regimen=_VALUES, answers=_VALUES, date=_VALUES)
def test_any_value_in_any_field_ends_in_a_clinicguide_error_or_a_result(
        guide: ClinicGuide, dose: Any, params: Any, last: Any, regimen: Any, answers: Any, date: Any) -> None:
    proposed = {"dose": dose, "params": params, "last_treatment": last, "regimen": regimen}
    try:
        result = guide.plan("isotretinoin-oral", MARIA, proposed=proposed, date=date, answers=answers)
    except ClinicguideError:
        return
    assert result.decision in {"eligible", "caution", "needs-information", "contraindicated"}


def test_the_module_level_plan_refuses_the_same_way() -> None:
    with pytest.raises(InputError, match=r"proposed\.params\.needle-depth"):
        clinicguide.plan("microneedling", MARIA, proposed={"params": {"needle-depth": None}}, date="2026-12-01")
