"""The schema of declared uncertainty: a distribution on any number of a scenario.

A scenario (and an experiment) may list ``[[uncertainties]]``, each naming a
number by its dotted path (as in experiment files, :mod:`sim.experiment.paths`)
and the distribution a Monte Carlo draws it from::

    [[uncertainties]]
    path = "actors.germany.position.membership_timing"
    distribution = { kind = "normal", sd = 8 }        # mean: the declared value
    factor = "flank"                                  # optional: a shared factor ...
    loading = 0.7                                     # ... and this entry's loading on it
    note = "analyst's spread from the brief"

Field-level checks live here; checks that need the scenario (does the path name
a number, is a parameter within the quantity's valid range, do band edges stay
in order) live in :mod:`sim.scenario.uncertainties`, so each problem is reported
with its field path (``uncertainties[3].distribution.high``).
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from sim.scenario.fields import NonNegative, Positive

__all__ = ["Beta", "Choice", "Distribution", "Normal", "Triangular", "Uncertainty", "Uniform", "KINDS"]

KINDS = ("normal", "uniform", "triangular", "beta", "choice")


def _loading(value: float) -> float:
    if not -1.0 <= value <= 1.0:
        raise ValueError(f"must be in [-1, 1], got {value:g}")
    return value


Loading = Annotated[float, AfterValidator(_loading)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=False)


class Normal(_Frozen):
    """Normal with standard deviation ``sd`` around ``mean`` (default: the declared value),
    truncated to the quantity's valid range (rounds: rounded to whole rounds)."""

    kind: Literal["normal"]
    sd: Positive
    mean: float | None = None


class Uniform(_Frozen):
    """Uniform on [``low``, ``high``] (rounds: each whole round from low to high equally likely)."""

    kind: Literal["uniform"]
    low: float
    high: float


class Triangular(_Frozen):
    """Triangular on [``low``, ``high``] peaking at ``mode`` (default: the declared value)."""

    kind: Literal["triangular"]
    low: float
    mode: float | None = None
    high: float


class Beta(_Frozen):
    """Beta(``a``, ``b``) scaled to [``low``, ``high``] (default: the quantity's valid range)."""

    kind: Literal["beta"]
    a: Positive
    b: Positive
    low: float | None = None
    high: float | None = None


class Choice(_Frozen):
    """One of ``values``, with probabilities proportional to ``weights`` (default: equal)."""

    kind: Literal["choice"]
    values: list[float] = Field(min_length=1)
    weights: list[NonNegative] | None = None


Distribution = Annotated[Union[Normal, Uniform, Triangular, Beta, Choice], Field(discriminator="kind")]


class Uncertainty(_Frozen):
    """One uncertain input: a path into the scenario, its distribution and why.

    ``factor`` and ``loading`` correlate entries through a Gaussian copula: each
    draw is :math:`F^{-1}(\\Phi(z))` with :math:`z = \\ell f + \\sqrt{1 - \\ell^2}\\,\\varepsilon`,
    ``f`` the named factor's standard normal in that replicate and ε the entry's own.
    """

    path: str = Field(min_length=1)
    distribution: Distribution
    note: str = ""
    factor: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$")] | None = None
    loading: Loading | None = None
