"""Design points: where in parameter space each run of an experiment sits.

A design is generated lazily: :meth:`DesignPoints.block` computes points ``start`` to
``stop`` only, so a chunk of a sweep builds just its own points and a design of a
billion points is never held in memory. ``grid`` (mixed-radix digits of the point
index), ``random`` (the generator advanced to the block) and ``sobol`` (the sequence
fast-forwarded) stream; ``lhs``, ``sobol_sensitivity`` and ``morris`` are built whole
(a Latin hypercube's strata and SALib's samples are defined only for the whole sample,
and the sensitivity analysis reads every point's outcome at once), so their size is
capped by :data:`sim.sweeps.limits.MAX_MATERIALISED_POINTS`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from sim.experiment.spec import Design, Parameter
from sim.sweeps import limits

__all__ = ["DesignError", "DesignPoints", "design_points", "salib_problem"]

STREAMED = ("grid", "random", "sobol")
"""Designs whose points are computed block by block, never all at once."""


class DesignError(ValueError):
    """A design that cannot be built (e.g. a sample count the sampler rejects, or one too large)."""


def salib_problem(parameters: list[Parameter]) -> dict:
    """SALib's problem definition, every parameter on [0, 1] (mapped to its range or values later)."""
    return {"num_vars": len(parameters), "names": [p.path for p in parameters],
            "bounds": [[0.0, 1.0]] * len(parameters)}


def _bucket(u: np.ndarray, count: int) -> np.ndarray:
    """Which of ``count`` equal bins of [0, 1] each u falls in (u = 1 in the last)."""
    return np.minimum(np.floor(u * count).astype(np.int64), count - 1)


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
    return np.column_stack(columns) if columns else np.empty((len(unit), 0))


def _level_count(parameter: Parameter) -> int:
    if parameter.values is not None:
        return len(parameter.values)
    if parameter.distribution == "integer":
        return math.floor(parameter.range[1]) - math.ceil(parameter.range[0]) + 1
    return parameter.levels or 3


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


@dataclass(frozen=True)
class DesignPoints:
    """The points of a design, computed on demand: :meth:`block` gives ``values[p, j]``,
    parameter j at point p, for a range of points.

    ``unit`` (designs built whole only) holds the same points on [0, 1] per parameter.
    """

    names: tuple[str, ...]
    count: int
    kind: str
    parameters: tuple[Parameter, ...] = field(repr=False)
    seed: int = 0
    whole_unit: np.ndarray | None = field(default=None, repr=False)
    levels: tuple[np.ndarray, ...] = field(default=(), repr=False)

    @property
    def streamed(self) -> bool:
        return self.kind in STREAMED

    @property
    def unit(self) -> np.ndarray | None:
        """Every point on [0, 1] (designs built whole; None for a streamed design)."""
        return self.whole_unit

    @property
    def values(self) -> np.ndarray:
        """Every point at once (refused above :data:`~sim.sweeps.limits.MAX_MATERIALISED_POINTS`)."""
        if self.count > limits.MAX_MATERIALISED_POINTS:
            raise DesignError(f"{self.count:,} design points are too many to hold at once (at most "
                              f"{limits.MAX_MATERIALISED_POINTS:,}); read them in blocks")
        return self.block(0, self.count)

    def row(self, point: int) -> np.ndarray:
        """One point's values."""
        return self.block(point, point + 1)[0]

    def block(self, start: int, stop: int) -> np.ndarray:
        """Points ``start`` .. ``stop - 1``: an array of shape ``(stop - start, parameters)``."""
        if not 0 <= start <= stop <= self.count:
            raise IndexError(f"points {start}..{stop} outside the design's {self.count}")
        dims = len(self.names)
        if self.kind == "grid":
            index = np.arange(start, stop, dtype=np.int64)
            columns = []
            for levels in reversed(self.levels):  # the last parameter varies fastest, as itertools.product
                index, digit = np.divmod(index, len(levels))
                columns.append(levels[digit])
            return np.column_stack(columns[::-1]) if columns else np.empty((stop - start, 0))
        if self.whole_unit is not None:
            unit = self.whole_unit[start:stop]
        elif self.kind == "random":
            generator = np.random.default_rng(self.seed)
            generator.bit_generator.advance(start * dims)  # one 64-bit draw per double
            unit = generator.random((stop - start, dims))
        else:  # sobol
            from scipy.stats import qmc

            sequence = qmc.Sobol(d=dims, scramble=True, seed=self.seed)
            if start:
                sequence.fast_forward(start)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the whole design's count was checked to be a power of 2
                unit = sequence.random(stop - start)
        return _scale(unit, list(self.parameters))


def _refuse_whole(kind: str, count: int, dims: int) -> None:
    if count > limits.MAX_MATERIALISED_POINTS:
        raise DesignError(f"a '{kind}' design is built whole in memory: {count:,} points x {dims} parameters "
                          f"(about {count * dims * 16 / 1e9:.3g} GB) is more than its limit of "
                          f"{limits.MAX_MATERIALISED_POINTS:,} points (sim/sweeps/limits.py); use fewer samples"
                          + ("" if kind != "lhs" else ", or a 'sobol' or 'random' design, which stream"))


def design_points(design: Design, parameters: list[Parameter], seed: int) -> DesignPoints:
    """A design's points, reproducibly from ``seed``, computed lazily where the design allows.

    Raises
    ------
    DesignError
        If the design needs ``samples`` and has none, the sampler rejects the count, or the
        design is larger than :mod:`sim.sweeps.limits` allows (the message gives the figure).
    """
    names = tuple(p.path for p in parameters)
    dims = len(parameters)
    frozen = tuple(parameters)
    for parameter in parameters:
        if parameter.range is not None and not math.isfinite(parameter.range[1] - parameter.range[0]):
            raise DesignError(f"{parameter.path}: its range is too wide for a floating-point number")
    if design.kind == "grid":
        counts = [_level_count(p) for p in parameters]
        for parameter, count in zip(parameters, counts):
            if count > limits.MAX_GRID_LEVELS:
                raise DesignError(f"{parameter.path}: {count:,} grid levels; at most {limits.MAX_GRID_LEVELS:,} "
                                  f"per parameter (sim/sweeps/limits.py)")
        total = math.prod(counts)
        if total > limits.MAX_POINTS:
            raise DesignError(f"the grid has {total:,} points ({' x '.join(f'{c:,}' for c in counts)}); at most "
                              f"{limits.MAX_POINTS:,} (sim/sweeps/limits.py)")
        return DesignPoints(names, total, "grid", frozen, seed, levels=tuple(_grid_levels(p) for p in parameters))
    if design.samples is None:
        raise DesignError(f"a '{design.kind}' design needs 'samples'")
    n = design.samples
    if design.kind in ("random", "sobol"):
        top = limits.MAX_SOBOL_POINTS if design.kind == "sobol" else limits.MAX_POINTS
        if n > top:
            raise DesignError(f"{n:,} samples; a '{design.kind}' design has at most {top:,} (sim/sweeps/limits.py)")
        if design.kind == "sobol" and n & (n - 1):
            raise DesignError("The balance properties of Sobol' points require n to be a power of 2.")
        return DesignPoints(names, n, design.kind, frozen, seed)
    from scipy.stats import qmc  # loaded only when a sampled design is built

    if design.kind == "lhs":
        _refuse_whole("lhs", n, dims)
        unit = qmc.LatinHypercube(d=dims, seed=seed).random(n)
    elif design.kind == "sobol_sensitivity":
        from SALib.sample import sobol

        _refuse_whole(design.kind, n * (2 * dims + 2 if design.second_order else dims + 2), dims)
        unit = _strict(sobol.sample, salib_problem(parameters), n, calc_second_order=design.second_order, seed=seed)
    else:  # morris
        from SALib.sample import morris

        _refuse_whole(design.kind, n * (dims + 1), dims)
        unit = _strict(morris.sample, salib_problem(parameters), n, num_levels=design.levels, seed=seed)
    return DesignPoints(names, len(unit), design.kind, frozen, seed, whole_unit=unit)
