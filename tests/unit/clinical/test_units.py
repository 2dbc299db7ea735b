"""UCUM quantities: parsing, aliases, refusals and conversions (including weight-based doses)."""

from __future__ import annotations

import math

import pytest

from clinicguide.errors import InputError
from clinicguide.units import Quantity, comparable, convert, needs_weight, parse_quantity, quantity


@pytest.mark.parametrize(("text", "value", "unit"), [
    ("20 mg/d", 20.0, "mg/d"),
    ("1.0mm", 1.0, "mm"),
    ("  2 %  ", 2.0, "%"),
    ("20 [USP'U]", 20.0, "[USP'U]"),
    (".5 mg/kg/d", 0.5, "mg/kg/d"),
    ("1e1 mg", 10.0, "mg"),
    ("6 {session}", 6.0, "{session}"),
    ("0 mm", 0.0, "mm"),
])
def test_parse_quantity(text: str, value: float, unit: str) -> None:
    assert parse_quantity(text) == Quantity(value, unit)


@pytest.mark.parametrize(("typed", "code"), [
    ("mg/day", "mg/d"), ("mg/kg/day", "mg/kg/d"), ("lb", "[lb_av]"), ("IU", "[iU]"), ("ml", "mL"),
])
def test_aliases_become_ucum_codes(typed: str, code: str) -> None:
    assert parse_quantity(f"3 {typed}").unit == code


def test_enzyme_unit_u_is_refused_with_the_usp_unit_named() -> None:
    with pytest.raises(InputError, match=r"\[USP'U\]"):
        parse_quantity("20 U")
    with pytest.raises(InputError, match="ambiguous"):
        quantity(20, "U")


@pytest.mark.parametrize("text", ["20 furlongs", "20 mg/week", "20 units", "1 inch"])
def test_unknown_units_are_refused(text: str) -> None:
    with pytest.raises(InputError, match="unknown unit"):
        parse_quantity(text)


@pytest.mark.parametrize("text", ["", "mg", "twenty mg", "20", "20 mg extra", "nan mg", "inf mg", "1,5 mm"])
def test_malformed_quantities_are_refused(text: str) -> None:
    with pytest.raises(InputError):
        parse_quantity(text)


@pytest.mark.parametrize("text", ["-1 mm", "-0.5 mg/d"])
def test_negative_quantities_are_refused(text: str) -> None:
    with pytest.raises(InputError, match="negative"):
        parse_quantity(text)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, True, "20", None])
def test_quantity_needs_a_finite_number(value: object) -> None:
    with pytest.raises(InputError):
        quantity(value, "mg")  # type: ignore[arg-type]


def test_overflowing_exponent_is_not_finite() -> None:
    with pytest.raises(InputError, match="finite"):
        parse_quantity("1e400 mg")


@pytest.mark.parametrize(("given", "unit", "expected"), [
    (Quantity(1, "g"), "mg", 1000.0),
    (Quantity(500, "ug"), "mg", 0.5),
    (Quantity(1.5, "cm"), "mm", 15.0),
    (Quantity(1000, "um"), "mm", 1.0),
    (Quantity(2, "wk"), "d", 14.0),
    (Quantity(1, "g/d"), "mg/d", 1000.0),
    (Quantity(10, "[lb_av]"), "kg", 4.5359237),
    (Quantity(2, "%"), "%", 2.0),
])
def test_convert_within_a_dimension(given: Quantity, unit: str, expected: float) -> None:
    assert convert(given, unit) == pytest.approx(expected)


def test_mg_per_day_to_mg_per_kg_per_day_with_weight() -> None:
    assert convert(Quantity(20, "mg/d"), "mg/kg/d", 60) == pytest.approx(1 / 3)
    assert convert(Quantity(45, "mg/d"), "mg/kg/d", 60) == pytest.approx(0.75)


def test_mg_per_kg_per_day_to_mg_per_day_with_weight() -> None:
    assert convert(Quantity(0.5, "mg/kg/d"), "mg/d", 75) == pytest.approx(37.5)
    assert convert(Quantity(1, "mg/kg"), "mg", 62) == pytest.approx(62)


@pytest.mark.parametrize("weight", [None, 0, -60])
def test_weight_based_conversion_without_a_usable_weight_is_refused(weight: float | None) -> None:
    with pytest.raises(InputError, match="body weight"):
        convert(Quantity(20, "mg/d"), "mg/kg/d", weight)


@pytest.mark.parametrize(("given", "unit"), [
    (Quantity(1, "mm"), "mg"),
    (Quantity(20, "[USP'U]"), "[iU]"),  # toxin units are product-specific: never converted
    (Quantity(20, "mg/d"), "mg"),
    (Quantity(2, "%"), "mg/d"),
    (Quantity(1, "mg/kg/d"), "mg"),
])
def test_unconvertible_units_are_refused(given: Quantity, unit: str) -> None:
    with pytest.raises(InputError, match="cannot be compared"):
        convert(given, unit, 60)


def test_needs_weight_only_between_weight_based_and_absolute_doses() -> None:
    assert needs_weight("mg/d", "mg/kg/d") and needs_weight("mg/kg/d", "mg/d")
    assert needs_weight("mg", "mg/kg")
    assert not needs_weight("mg/kg/d", "mg/kg/d")
    assert not needs_weight("mg/d", "g/d")
    assert not needs_weight("mm", "mg/kg/d")


def test_known_units_are_ucum_codes_not_aliases() -> None:
    assert comparable("[USP'U]", "[USP'U]") and comparable("mg/kg/d", "mg/kg/d")
    assert not comparable("U", "U") and not comparable("mg/day", "mg/day")


def test_quantity_text_form() -> None:
    assert str(parse_quantity("1.0 mm")) == "1 mm"
    assert str(parse_quantity("20 [USP'U]")) == "20 [USP'U]"
