"""The experiment schema: what an experiment file may say.

An experiment is a declaration, kept apart from samplers (:mod:`sim.experiment.designs`)
and from evaluation (:mod:`sim.sweep`). Its vocabulary is the EMA Workbench's:
``levers`` are the inputs the design varies (``parameters`` is accepted as another
name for them), ``uncertainties`` the inputs drawn per replicate
(:class:`sim.scenario.distributions.Uncertainty`, as in scenario files).
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from sim.scenario.distributions import Uncertainty
from sim.scenario.fields import Seed

__all__ = ["Design", "ExperimentSpec", "Outputs", "Parameter"]


def _at_least_one(value: int) -> int:
    if value < 1:
        raise ValueError(f"must be >= 1, got {value}")
    return value


Count = Annotated[int, AfterValidator(_at_least_one)]

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
"""An experiment's name: letters, digits, ``_``, ``-`` and ``.`` (not first), at most 100 characters.
It names the default results folder ``results/<name>``, so it is a name, never a path."""


def _plain_name(value: str) -> str:
    if not NAME.fullmatch(value) or ".." in value:
        raise ValueError(f"must be a plain name (letters, digits, '_', '-', '.'; no path separators, no '..', "
                         f"not absolute; at most 100 characters), got {value!r}")
    return value


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Parameter(_Frozen):
    """One input to vary: a dotted path into the scenario and the values it takes.

    Either ``values`` (a list: the grid's levels, or the categories a sampled design
    picks among) or ``range = [low, high]`` with a ``distribution``: ``uniform``
    (continuous) or ``integer`` (whole numbers, both ends included). A grid over a
    range takes ``levels`` evenly spaced values.
    """

    path: str = Field(min_length=1)
    values: list[float] | None = None
    range: tuple[float, float] | None = None
    distribution: Literal["uniform", "integer"] = "uniform"
    levels: Count | None = None

    @model_validator(mode="after")
    def _one_source(self) -> "Parameter":
        if (self.values is None) == (self.range is None):
            raise ValueError("give exactly one of 'values' (a list) or 'range' ([low, high])")
        if self.values is not None and not self.values:
            raise ValueError("'values' is empty")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"'range' must be [low, high] with low < high, got {list(self.range)}")
        if self.range is not None and self.distribution == "integer" and \
                math.ceil(self.range[0]) > math.floor(self.range[1]):
            raise ValueError(f"an integer 'range' must contain a whole number, got {list(self.range)}")
        return self


class Design(_Frozen):
    """How design points are chosen.

    - ``grid``: every combination of the parameters' values (``values``, or ``levels``
      points across each ``range``);
    - ``random``: ``samples`` independent uniform draws;
    - ``lhs``, ``sobol``: Latin hypercube and scrambled Sobol' points (scipy.stats.qmc);
    - ``sobol_sensitivity``: Saltelli's scheme for Sobol' indices (SALib): ``samples``
      is N, giving N (2P + 2) points (N (P + 2) without ``second_order``);
    - ``morris``: Morris trajectories (SALib): ``samples`` trajectories of P + 1
      points on ``levels`` grid levels.
    """

    kind: Literal["grid", "random", "lhs", "sobol", "sobol_sensitivity", "morris"]
    samples: Count | None = None
    levels: Count = 4
    second_order: bool = True


class Outputs(_Frozen):
    """What to keep beyond one row of outcomes per run."""

    trajectories: bool = False


class ExperimentSpec(_Frozen):
    """A whole experiment file.

    ``levers`` (or, by its older name, ``parameters``) are varied by the design;
    ``uncertainties`` are drawn per replicate, adding to the scenario's own
    ``[[uncertainties]]`` or replacing the scenario's entry for the same path.
    """

    name: Annotated[str, AfterValidator(_plain_name)]
    description: str = ""
    scenario: str = Field(min_length=1)
    levers: list[Parameter] = Field(min_length=1)
    uncertainties: list[Uncertainty] = Field(default_factory=list)
    design: Design
    replicates: Count = 1
    seed: Seed = 0
    chunk_size: Count = 500
    outputs: Outputs = Outputs()

    @model_validator(mode="before")
    @classmethod
    def _levers_by_either_name(cls, data):
        if isinstance(data, dict) and "parameters" in data:
            if "levers" in data:
                raise ValueError("give the levers once: 'levers' and 'parameters' are two names for the same list")
            data = {("levers" if key == "parameters" else key): value for key, value in data.items()}
        return data

    @property
    def parameters(self) -> list[Parameter]:
        """The levers, by their older name."""
        return self.levers
