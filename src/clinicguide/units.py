"""UCUM quantities: parsing proposals such as ``20 mg/d`` and converting between units.

Only the units guidance uses are known; anything else is refused rather than guessed.
Weight-based units (mg/kg/d) convert to and from absolute ones with the patient's weight.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .errors import InputError

#: The units of time guidance and proposals use, in days; a month and a year are their mean
#: lengths (a calendar month is the model's business: ``Duration.after``).
TIME_UNITS: dict[str, float] = {"min": 1 / 1440, "h": 1 / 24, "d": 1.0, "wk": 7.0, "mo": 30.4375, "a": 365.25}

# unit -> (dimension, factor to the dimension's base unit)
_UNITS: dict[str, tuple[str, float]] = {
    "ug": ("mass", 1e-3), "mg": ("mass", 1.0), "g": ("mass", 1e3),
    "mg/d": ("mass/time", 1.0), "g/d": ("mass/time", 1e3),
    "mg/kg": ("mass/weight", 1.0),
    "mg/kg/d": ("mass/weight/time", 1.0),
    # Body weight is a mass: kg and [lb_av] convert to and from mg and g.
    "kg": ("mass", 1e6), "[lb_av]": ("mass", 453592.37),
    "um": ("length", 1e-3), "mm": ("length", 1.0), "cm": ("length", 10.0),
    "mL": ("volume", 1.0),
    "%": ("fraction", 1.0),
    "[USP'U]": ("usp-unit", 1.0),
    "[iU]": ("international-unit", 1.0),
    "/d": ("rate", 1.0),
    "{session}": ("count", 1.0),
    **{unit: ("time", days) for unit, days in TIME_UNITS.items()},
}
# Spellings people type for a unit, mapped to the UCUM code.
_ALIASES = {"mg/day": "mg/d", "mg/kg/day": "mg/kg/d", "lb": "[lb_av]", "U": None, "IU": "[iU]", "ml": "mL"}
# A weight-based dimension and the absolute dimension it becomes once multiplied by weight.
_PER_WEIGHT = {"mass/weight/time": "mass/time", "mass/weight": "mass"}

# The unit may not start with a digit, a dot or an exponent, so that backtracking cannot read
# "20" as 2 in the unit "0" or "1e5" as 1 in the unit "e5" (and an error name the wrong unit).
_QUANTITY = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*(?![\d.]|[eE][+-]?\d)(\S+)\s*$")


@dataclass(frozen=True, slots=True)
class Quantity:
    """A value with a UCUM unit code."""

    value: float
    unit: str

    def __str__(self) -> str:
        return f"{self.value:g} {self.unit}"


def parse_quantity(text: str) -> Quantity:
    """Parse ``"20 mg/d"``, ``"1.0mm"``, ``"2 %"`` or ``"20 [USP'U]"``."""
    match = _QUANTITY.match(text) if isinstance(text, str) else None
    if not match:
        raise InputError(f"{text!r} is not a quantity; write a number and a UCUM unit, e.g. '20 mg/d' or '1.0 mm'")
    return quantity(float(match[1]), match[2])


def quantity(value: float, unit: str) -> Quantity:
    """A checked quantity: finite, not negative, in a known unit."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError(f"{value!r} is not a finite number")
    if value < 0:
        raise InputError(f"{value:g} {unit}: a quantity cannot be negative")
    if unit in _ALIASES:
        code = _ALIASES[unit]
        if code is None:
            raise InputError(f"unit {unit!r} is ambiguous (in UCUM 'U' is the enzyme unit); for botulinum toxin write [USP'U]")
        unit = code
    if unit not in _UNITS:
        raise InputError(f"unknown unit {unit!r}; known: {', '.join(_UNITS)}")
    return Quantity(float(value), unit)


def convert(q: Quantity, unit: str, weight_kg: float | None = None) -> float:
    """The value of ``q`` in ``unit``; ``weight_kg`` bridges weight-based and absolute doses.

    :raises InputError: units of different kinds (mm to mg), or a needed weight is missing
        (callers check :func:`needs_weight` first to turn that into a question).
    """
    source_dim, source_factor = _UNITS[q.unit]
    target_dim, target_factor = _UNITS[unit]
    value = q.value * source_factor
    if source_dim != target_dim:
        if _PER_WEIGHT.get(target_dim) == source_dim:
            value = value / _weight(weight_kg, q, unit)
        elif _PER_WEIGHT.get(source_dim) == target_dim:
            value = value * _weight(weight_kg, q, unit)
        else:
            raise InputError(f"{q} cannot be compared with a range in {unit}")
    return value / target_factor


def comparable(a: str, b: str) -> bool:
    """Whether values in units ``a`` and ``b`` can be compared (given a weight where needed)."""
    if a not in _UNITS or b not in _UNITS:
        return False
    dim_a, dim_b = _UNITS[a][0], _UNITS[b][0]
    return dim_a == dim_b or _PER_WEIGHT.get(dim_a) == dim_b or _PER_WEIGHT.get(dim_b) == dim_a


def needs_weight(from_unit: str, to_unit: str) -> bool:
    """Whether converting between these units needs the patient's weight."""
    a, b = _UNITS[from_unit][0], _UNITS[to_unit][0]
    return a != b and (_PER_WEIGHT.get(a) == b or _PER_WEIGHT.get(b) == a)


def _weight(weight_kg: float | None, q: Quantity, unit: str) -> float:
    if not weight_kg or weight_kg <= 0:
        raise InputError(f"converting {q} to {unit} needs the patient's body weight")
    return weight_kg
