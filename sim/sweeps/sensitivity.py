"""Sensitivity indices of a Sobol' or Morris sweep (SALib), with confidence intervals."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from sim.experiment.designs import salib_problem
from sim.experiment.load import Experiment

__all__ = ["SENSITIVITY_DESIGNS", "point_means", "sensitivity"]

SENSITIVITY_DESIGNS = ("sobol_sensitivity", "morris")


def point_means(experiment: Experiment, runs: Path) -> dict[str, np.ndarray]:
    """Per design point: the agreement probability (every track agreed) and, per dimension,
    the mean statement over the replicates that agreed on it (NaN where none did)."""
    dims = [f"statement.{d}" for d in experiment.scenario.dimension_ids]
    table = pq.read_table(runs, columns=["point", "agreed", *dims]).to_pandas()
    grouped = table.groupby("point", sort=True)
    count = experiment.points.count
    means = {"agreement": grouped["agreed"].mean().reindex(range(count)).to_numpy(dtype=float)}
    for column in dims:
        means[column] = grouped[column].mean().reindex(range(count)).to_numpy(dtype=float)
    return means


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


def sensitivity(experiment: Experiment, runs: Path) -> dict[str, Any]:
    """Indices for the agreement probability and each statement dimension.

    Sobol' (Saltelli scheme): first-order and total indices S1, ST with 95%
    confidence half-widths. Morris: mu, mu*, sigma and mu*'s confidence half-width.
    A metric that is undefined at some design point (a statement never agreed
    there) is reported as skipped, with the reason.
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
    return result
