"""Constrained number and id types shared by the scenario and uncertainty schemas.

Each validator raises a ``ValueError`` whose text becomes the field's message
(``actors[3].salience.aid_level: must be in [0, 1], got 1.4``).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field

from sim import limits

__all__ = ["Identifier", "NonNegative", "OpenUnitInterval", "Positive", "Rounds", "Seed", "UnitInterval", "within"]


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


def _rounds(value: int) -> int:
    if not 1 <= value <= limits.MAX_ROUNDS:
        shown = value if abs(value) < 10 ** 30 else f"an integer of {len(str(abs(value)))} digits"
        raise ValueError(f"must be in [1, {limits.MAX_ROUNDS}] (see README, 'Limits'), got {shown}")
    return value


def _seed(value: Any) -> int:
    """A root seed: any integer >= 0 (numpy's ``SeedSequence`` takes any size); nothing else."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"a seed must be a whole number >= 0, got {type(value).__name__} {_short(value)}")
    if value < 0:
        raise ValueError(f"a seed must be a whole number >= 0, got {_short(value)}")
    return int(value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}... ({len(text):,} characters)"


UnitInterval = Annotated[float, AfterValidator(within(0.0, 1.0))]
OpenUnitInterval = Annotated[float, AfterValidator(within(0.0, 1.0, open_lower=True))]
Positive = Annotated[float, AfterValidator(_positive)]
NonNegative = Annotated[float, AfterValidator(_non_negative)]
Rounds = Annotated[int, AfterValidator(_rounds)]
"""A round number, a deadline or a count of actors: a whole number in [1, :data:`sim.limits.MAX_ROUNDS`]."""
Seed = Annotated[int, BeforeValidator(_seed)]
"""A root seed: any whole number >= 0, of any size (numpy's ``SeedSequence`` accepts them all);
booleans, floats, strings and negative numbers are refused. Stored in ``runs.parquet`` as decimal text."""
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")]
