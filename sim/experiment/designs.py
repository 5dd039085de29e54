"""Design points: where in parameter space each run of an experiment sits."""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass

import numpy as np

from sim.experiment.spec import Design, Parameter

__all__ = ["DesignError", "DesignPoints", "design_points", "salib_problem"]


class DesignError(ValueError):
    """A design that cannot be built (e.g. a sample count the sampler rejects)."""


@dataclass(frozen=True)
class DesignPoints:
    """The points of a design: ``values[p, j]`` is parameter j at point p.

    ``unit`` holds the same points on [0, 1] per parameter (None for a grid).
    """

    names: tuple[str, ...]
    values: np.ndarray
    unit: np.ndarray | None

    @property
    def count(self) -> int:
        return len(self.values)


def salib_problem(parameters: list[Parameter]) -> dict:
    """SALib's problem definition, every parameter on [0, 1] (mapped to its range or values later)."""
    return {"num_vars": len(parameters), "names": [p.path for p in parameters],
            "bounds": [[0.0, 1.0]] * len(parameters)}


def _bucket(u: np.ndarray, count: int) -> np.ndarray:
    """Which of ``count`` equal bins of [0, 1] each u falls in (u = 1 in the last)."""
    return np.minimum(np.floor(u * count).astype(int), count - 1)


def _scale(unit: np.ndarray, parameters: list[Parameter]) -> np.ndarray:
    """Map points on [0, 1) to each parameter's range (or pick among its values)."""
    columns = []
    for j, parameter in enumerate(parameters):
        u = np.clip(unit[:, j], 0.0, 1.0)
        if parameter.values is not None:
            choices = np.asarray(parameter.values, dtype=float)
            columns.append(choices[_bucket(u, len(choices))])
        elif parameter.distribution == "integer":
            low, high = int(np.ceil(parameter.range[0])), int(np.floor(parameter.range[1]))
            columns.append((low + _bucket(u, high - low + 1)).astype(float))
        else:
            low, high = parameter.range
            columns.append(low + unit[:, j] * (high - low))
    return np.column_stack(columns)


def _grid_levels(parameter: Parameter) -> np.ndarray:
    if parameter.values is not None:
        return np.asarray(parameter.values, dtype=float)
    low, high = parameter.range
    if parameter.distribution == "integer":
        return np.arange(int(np.ceil(low)), int(np.floor(high)) + 1, dtype=float)
    return np.linspace(low, high, parameter.levels or 3)


def _strict(sample, *args, **kwargs) -> np.ndarray:
    """Call a sampler, turning its warnings (e.g. "n should be a power of 2") into DesignErrors."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return sample(*args, **kwargs)
        except (Warning, ValueError) as problem:
            raise DesignError(str(problem)) from None


def design_points(design: Design, parameters: list[Parameter], seed: int) -> DesignPoints:
    """Build a design's points, reproducibly from ``seed``.

    Raises
    ------
    DesignError
        If the design needs ``samples`` and has none, or the sampler rejects the count.
    """
    names = tuple(p.path for p in parameters)
    dims = len(parameters)
    if design.kind == "grid":
        grid = np.array(list(itertools.product(*[_grid_levels(p) for p in parameters])), dtype=float)
        return DesignPoints(names, grid.reshape(-1, dims), None)
    if design.samples is None:
        raise DesignError(f"a '{design.kind}' design needs 'samples'")
    n = design.samples
    from scipy.stats import qmc  # loaded only when a sampled design is built

    if design.kind == "random":
        unit = np.random.default_rng(seed).random((n, dims))
    elif design.kind == "lhs":
        unit = qmc.LatinHypercube(d=dims, seed=seed).random(n)
    elif design.kind == "sobol":
        unit = _strict(qmc.Sobol(d=dims, scramble=True, seed=seed).random, n)
    elif design.kind == "sobol_sensitivity":
        from SALib.sample import sobol

        unit = _strict(sobol.sample, salib_problem(parameters), n, calc_second_order=design.second_order, seed=seed)
    else:  # morris
        from SALib.sample import morris

        unit = _strict(morris.sample, salib_problem(parameters), n, num_levels=design.levels, seed=seed)
    return DesignPoints(names, _scale(unit, parameters), unit)
