"""Sensitivity indices of a Sobol' or Morris sweep (SALib), with confidence intervals, and how
much of each outcome's variance is replicate noise.

The indices are computed on per-point outcomes: the agreement probability and the mean
statement over each design point's replicates (:func:`point_means`), never on single
rows. Under common random numbers (:mod:`sim.seeding`) replicate r meets the same
draws and the same stochastic events at every point, so a lever with no effect has
identical per-point outcomes and a total index of zero. SALib's confidence intervals
come from its own bootstrap over the design points.

:func:`variance_decomposition` splits each outcome's variance over the runs into its
part within design points (replicate noise) and between them (a one-way
decomposition grouped by point); :func:`sensitivity_warnings` flags an outcome whose
noise dominates (within > between) and an index outside [0, 1] beyond its confidence
interval.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from sim.experiment.designs import salib_problem
from sim.experiment.load import Experiment
from sim.results.layout import read_runs

__all__ = ["SENSITIVITY_DESIGNS", "point_means", "sensitivity", "sensitivity_warnings", "variance_decomposition"]

SENSITIVITY_DESIGNS = ("sobol_sensitivity", "morris")


def point_means(experiment: Experiment, runs: Path) -> dict[str, np.ndarray]:
    """Per design point: the agreement probability (every track agreed) and, per dimension,
    the mean statement over the replicates that agreed on it (NaN where none did)."""
    dims = [f"statement.{d}" for d in experiment.scenario.dimension_ids]
    table = read_runs(runs, columns=["point", "agreed", *dims]).to_pandas()
    grouped = table.groupby("point", sort=True)
    count = experiment.points.count
    means = {"agreement": grouped["agreed"].mean().reindex(range(count)).to_numpy(dtype=float)}
    for column in dims:
        means[column] = grouped[column].mean().reindex(range(count)).to_numpy(dtype=float)
    return means


OUTSIDE = 0.01
"""How far beyond [0, 1], past its confidence half-width, an index must be to be flagged (not round-off)."""


def variance_decomposition(experiment: Experiment, runs: Path) -> dict[str, dict[str, Any]]:
    """Per outcome, its variance over the runs split within and between design points.

    The outcomes of :func:`point_means`, run by run: agreement (1 if every track
    agreed, else 0) and each statement dimension (over the runs that agreed on it).
    With ``n`` runs, grand mean ``m`` and point means ``m_p``:
    ``within = sum (x - m_p)**2 / n`` (replicate noise), ``between = sum n_p (m_p - m)**2 / n``
    (the levers' effect), and ``within + between`` is the variance of all the runs.
    ``within_share`` is ``within / (within + between)`` (None when the outcome never varies).
    """
    dims = [f"statement.{d}" for d in experiment.scenario.dimension_ids]
    table = read_runs(runs, columns=["point", "agreed", *dims]).to_pandas()
    table["agreed"] = table["agreed"].astype(float)
    result: dict[str, dict[str, Any]] = {}
    for metric, column in [("agreement", "agreed"), *((d, d) for d in dims)]:
        frame = table[["point", column]].dropna()
        values = frame[column].to_numpy(dtype=float)
        n = len(values)
        if not n:
            result[metric] = {"runs": 0, "within": None, "between": None, "within_share": None}
            continue
        point_mean = frame.groupby("point")[column].transform("mean").to_numpy(dtype=float)
        within = float(np.sum((values - point_mean) ** 2) / n)
        between = float(np.sum((point_mean - values.mean()) ** 2) / n)
        total = within + between
        varies = total > 1e-12 * (1.0 + float(values.mean()) ** 2)  # not round-off of a constant
        result[metric] = {"runs": n, "within": within, "between": between,
                          "within_share": within / total if varies else None}
    return result


def sensitivity_warnings(variance: dict[str, dict[str, Any]],
                         metrics: dict[str, dict[str, dict[str, float]]] | None = None) -> list[str]:
    """Warnings, one line each: an outcome whose replicate noise dominates (within > between),
    and a Sobol' index outside [0, 1] by more than its confidence half-width (and :data:`OUTSIDE`)."""
    warnings_: list[str] = []
    for metric, parts in variance.items():
        if parts["within_share"] is not None and parts["within"] > parts["between"]:
            warnings_.append(f"{metric}: replicate noise dominates ({parts['within_share']:.0%} of its variance "
                             f"lies within design points): the levers move it less than the replicates' draws "
                             f"do; read its indices with their intervals, or add replicates")
    for metric, table in (metrics or {}).items():
        for name, values in table.items():
            for key in ("S1", "ST"):
                if key not in values:
                    continue
                value, half = values[key], values.get(f"{key}_conf", 0.0)
                if not np.isfinite(half):
                    half = 0.0
                if value + half < -OUTSIDE or value - half > 1 + OUTSIDE:
                    warnings_.append(f"{metric}: {key} of {name} is {value:.3f} +/- {half:.3f}, outside [0, 1] "
                                     f"beyond its confidence interval; more samples are needed for this outcome")
    return warnings_


def _indices(experiment: Experiment, outputs: np.ndarray) -> dict[str, Any]:
    problem = salib_problem(experiment.spec.parameters)
    names = problem["names"]
    seed = experiment.spec.seed
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if experiment.spec.design.kind == "sobol_sensitivity":
            from SALib.analyze import sobol

            found = sobol.analyze(problem, outputs, calc_second_order=experiment.spec.design.second_order,
                                  seed=seed)
            keys = ("S1", "S1_conf", "ST", "ST_conf")
        else:
            from SALib.analyze import morris

            found = morris.analyze(problem, experiment.points.unit, outputs,
                                   num_levels=experiment.spec.design.levels, seed=seed)
            keys = ("mu", "mu_star", "sigma", "mu_star_conf")
    return {name: {key: float(found[key][j]) for key in keys} for j, name in enumerate(names)}


def sensitivity(experiment: Experiment, runs: Path,
                variance: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Indices for the agreement probability and each statement dimension, on per-point means.

    Sobol' (Saltelli scheme): first-order and total indices S1, ST with 95%
    confidence half-widths. Morris: mu, mu*, sigma and mu*'s confidence half-width.
    A metric that is undefined at some design point (a statement never agreed
    there) is reported as skipped, with the reason. ``variance`` (computed if
    omitted) is :func:`variance_decomposition`; it and :func:`sensitivity_warnings`
    are kept under ``"variance"`` and ``"warnings"``.
    """
    result: dict[str, Any] = {"design": experiment.spec.design.kind, "metrics": {}, "skipped": {}}
    for metric, outputs in point_means(experiment, runs).items():
        missing = int(np.isnan(outputs).sum())
        if missing:
            result["skipped"][metric] = f"no agreement at {missing} of {len(outputs)} design points"
        elif np.ptp(outputs) == 0:
            result["skipped"][metric] = "the same at every design point"
        else:
            result["metrics"][metric] = _indices(experiment, outputs)
    result["variance"] = variance if variance is not None else variance_decomposition(experiment, runs)
    result["warnings"] = sensitivity_warnings(result["variance"], result["metrics"])
    return result
