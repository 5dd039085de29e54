"""Constrained number and id types shared by the scenario and uncertainty schemas.

Each validator raises a ``ValueError`` whose text becomes the field's message
(``actors[3].salience.aid_level: must be in [0, 1], got 1.4``).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

__all__ = ["Identifier", "NonNegative", "OpenUnitInterval", "Positive", "Rounds", "UnitInterval", "within"]


def within(lower: float, upper: float, *, open_lower: bool = False):
    """Build a validator for ``lower <= x <= upper`` (``lower < x`` if ``open_lower``)."""
    bracket = "(" if open_lower else "["

    def check(value: float) -> float:
        too_low = value <= lower if open_lower else value < lower
        if too_low or value > upper:
            raise ValueError(f"must be in {bracket}{lower:g}, {upper:g}], got {value:g}")
        return value

    return check


def _positive(value: float) -> float:
    if value <= 0:
        raise ValueError(f"must be > 0, got {value:g}")
    return value


def _non_negative(value: float) -> float:
    if value < 0:
        raise ValueError(f"must be >= 0, got {value:g}")
    return value


def _at_least_one(value: int) -> int:
    if value < 1:
        raise ValueError(f"must be >= 1, got {value}")
    return value


UnitInterval = Annotated[float, AfterValidator(within(0.0, 1.0))]
OpenUnitInterval = Annotated[float, AfterValidator(within(0.0, 1.0, open_lower=True))]
Positive = Annotated[float, AfterValidator(_positive)]
NonNegative = Annotated[float, AfterValidator(_non_negative)]
Rounds = Annotated[int, AfterValidator(_at_least_one)]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")]
