"""What the clinician proposes, and its coercion from the plain form hosts pass."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from ..errors import InputError
from ..units import Quantity, parse_quantity
from .dates import plausible_date

_FIELDS = ("dose", "params", "last_treatment", "regimen", "indication", "prior_doses")


@dataclass(frozen=True, slots=True)
class PriorDose:
    """A dose already given, as the clinician states it: for per-period maximums."""

    date: dt.date
    dose: Quantity

    def __post_init__(self) -> None:
        plausible_date(self.date, "a prior dose's date")

    def __str__(self) -> str:
        return f"{self.dose} on {self.date}"


@dataclass(frozen=True, slots=True)
class Proposal:
    """What the clinician proposes: a dose, named parameters, and the last treatment's date.

    ``last_treatment`` is a date, ``"never"`` for a first treatment, or None when unknown.
    ``indication`` is an indication id of the guidance: the label status follows it and its
    regimens. ``prior_doses`` are the doses already given: None when not stated, ``()`` when
    none were given in any maximum's period.
    """

    dose: Quantity | None = None
    params: Mapping[str, Quantity] = field(default_factory=dict)
    last_treatment: dt.date | Literal["never"] | None = None
    regimen: str | None = None
    indication: str | None = None
    prior_doses: tuple[PriorDose, ...] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.last_treatment, dt.date):
            plausible_date(self.last_treatment, "last_treatment")
        # A read-only copy: screening plugins receive the proposal, and one that changed the
        # parameters would make the CarePlan say another value than the findings checked.
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        if self.prior_doses is not None:
            object.__setattr__(self, "prior_doses", tuple(self.prior_doses))

    @classmethod
    def coerce(cls, value: Proposal | Mapping[str, Any] | None) -> Proposal | None:
        """Accept a Proposal or a mapping with text quantities (``{"dose": "20 mg/d"}``)."""
        if value is None or isinstance(value, Proposal):
            return value
        if not isinstance(value, Mapping):
            raise InputError("proposed must be a mapping such as {'dose': '20 mg/d'}")
        unknown = sorted(set(value) - set(_FIELDS))
        if unknown:
            raise InputError(f"proposed has unknown field(s) {', '.join(unknown)}; allowed: {', '.join(_FIELDS)}")
        params = value.get("params") or {}
        if not isinstance(params, Mapping):
            raise InputError("proposed.params must map parameter names to quantities")
        if not all(isinstance(name, str) for name in params):
            raise InputError("proposed.params must be keyed by parameter names (text)")
        for key in ("regimen", "indication"):
            if value.get(key) is not None and not isinstance(value[key], str):
                raise InputError(f"proposed.{key} must be {'a regimen' if key == 'regimen' else 'an indication'} id (text)")
        last = _last_treatment(value.get("last_treatment"))
        return cls(
            dose=_as_quantity(value.get("dose"), "dose"),
            params={name: _required_quantity(params[name], f"params.{name}") for name in sorted(params)},
            last_treatment=last,
            regimen=value.get("regimen"),
            indication=value.get("indication"),
            prior_doses=_prior_doses(value.get("prior_doses")),
        )

    def check_before(self, date: dt.date) -> None:
        """Refuse a last treatment after the procedure date: the interval would be negative."""
        if isinstance(self.last_treatment, dt.date) and self.last_treatment > date:
            raise InputError(f"the last treatment ({self.last_treatment}) is after the procedure date ({date}); "
                             "give the date of a treatment already done, or 'never'")

    def values(self) -> list[tuple[str, Quantity]]:
        """Every proposed value by parameter name (``dose`` for the dose)."""
        found = [("dose", self.dose)] if self.dose is not None else []
        return found + sorted(self.params.items())


def _last_treatment(last: Any) -> dt.date | Literal["never"] | None:
    if isinstance(last, dt.datetime):  # a datetime is a date too, but compares with neither dates nor ages
        raise InputError("proposed.last_treatment must be a date or 'never', not a date and time")
    if last is None or isinstance(last, dt.date):
        return last
    if last == "never":
        return "never"
    if isinstance(last, str):
        try:
            return dt.date.fromisoformat(last)
        except ValueError:
            raise InputError(f"last_treatment {last!r} is not a date (YYYY-MM-DD) or 'never'") from None
    raise InputError("last_treatment must be a date or 'never'")


def _prior_doses(value: Any) -> tuple[PriorDose, ...] | None:
    """``[{"date": "2026-10-01", "dose": "100 [USP'U]"}, ...]``, oldest first; None when not stated."""
    if value is None:
        return None
    if not isinstance(value, (list, tuple)):
        raise InputError("proposed.prior_doses must be a list of {date, dose} (an empty list: none given)")
    doses = []
    for index, item in enumerate(value):
        where = f"proposed.prior_doses[{index}]"
        if isinstance(item, PriorDose):
            doses.append(item)
            continue
        if not isinstance(item, Mapping) or set(item) != {"date", "dose"}:
            raise InputError(f"{where} must be a mapping with exactly date and dose")
        when = item["date"]
        if isinstance(when, str):
            try:
                when = dt.date.fromisoformat(when)
            except ValueError:
                raise InputError(f"{where}.date {item['date']!r} is not a date (YYYY-MM-DD)") from None
        if not isinstance(when, dt.date) or isinstance(when, dt.datetime):
            raise InputError(f"{where}.date must be a date (YYYY-MM-DD)")
        doses.append(PriorDose(when, _required_quantity(item["dose"], f"prior_doses[{index}].dose")))
    return tuple(sorted(doses, key=lambda d: (d.date, d.dose.unit, d.dose.value)))


def _as_quantity(value: Any, name: str) -> Quantity | None:
    return None if value is None else _required_quantity(value, name)


def _required_quantity(value: Any, name: str) -> Quantity:
    if isinstance(value, Quantity):
        return value
    if isinstance(value, str):
        return parse_quantity(value)
    raise InputError(f"proposed.{name} must be a quantity such as '20 mg/d'")
