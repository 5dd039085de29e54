"""Closed-form solution concepts: what a statement would be without simulating a negotiation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from sim.bdm import weighted_median
from sim.kernel import utility
from sim.protocols.mediated import compromise
from sim.scenario.scenario import Scenario

__all__ = ["BASELINES", "baselines", "nash_bargaining", "weighted_medians"]

BASELINES = ("compromise", "weighted_median", "nash", "status_quo")


def weighted_medians(position: np.ndarray, salience: np.ndarray, capability: np.ndarray) -> np.ndarray:
    """Per dimension, the median of positions weighted by capability x salience.

    Parameters
    ----------
    position, salience : array (A, D)
    capability : array (A,)
    """
    return np.array([weighted_median(position[:, d], capability * salience[:, d]) for d in range(position.shape[1])])


def nash_bargaining(utilities: Callable[[np.ndarray], np.ndarray], disagreement: np.ndarray, weights: np.ndarray,
                    lower: np.ndarray, upper: np.ndarray, start: np.ndarray) -> np.ndarray | None:
    """The (asymmetric) Nash bargaining solution over a disagreement point.

    .. math:: x^N = \\arg\\max_x \\sum_i w_i \\log\\big(u_i(x) - u_i(d)\\big)
              \\quad \\text{over } \\{x : u_i(x) > u_i(d) \\; \\forall i\\}

    solved with ``scipy.optimize.minimize`` (SLSQP within the bounds) from ``start``.

    Parameters
    ----------
    utilities : callable
        Maps a point (D,) to every actor's utility (A,).
    disagreement : array (A,)
        Each actor's utility of the disagreement point (the status quo).
    weights : array (A,)
        Bargaining weights (equal weights give the symmetric solution).

    Returns
    -------
    The solution (D,), or None when no point is better for every actor than disagreement.
    """
    weights = np.asarray(weights, dtype=float) / np.sum(weights)

    def objective(x: np.ndarray) -> float:
        gain = utilities(x) - disagreement
        if np.any(gain <= 0):
            return 1e6 * (1.0 + np.sum(np.maximum(-gain, 0.0)))
        return float(-np.sum(weights * np.log(gain)))

    candidates = [start, (lower + upper) / 2.0]
    best = None
    for initial in candidates:
        result = minimize(objective, initial, method="SLSQP", bounds=list(zip(lower, upper)),
                          options={"ftol": 1e-12, "maxiter": 500})
        if np.all(utilities(result.x) - disagreement > 0) and (best is None or result.fun < best.fun):
            best = result
    if best is None:
        polish = minimize(objective, start, method="Nelder-Mead", options={"xatol": 1e-9, "fatol": 1e-12})
        if np.all(utilities(polish.x) - disagreement > 0):
            return np.clip(polish.x, lower, upper)
        return None
    return np.clip(best.x, lower, upper)


def baselines(scenario: Scenario) -> pd.DataFrame:
    """Every baseline on every dimension of the scenario's collective and forecast tracks.

    - ``compromise``: capability x salience weighted mean (Achen's compromise model);
    - ``weighted_median``: capability x salience weighted median per dimension;
    - ``nash``: Nash bargaining solution over the status quo with the engine's
      utility, capability as bargaining weight (NaN when nobody-worse-off is impossible);
    - ``status_quo``: what holds if nothing is agreed.

    Opt-in tracks have no common statement to compare with, so they are skipped.

    Returns
    -------
    pandas.DataFrame
        One row per (track, dimension, baseline): columns ``track``, ``dimension``,
        ``baseline``, ``value``, ``wording``.
    """
    rows = []
    for track in scenario.tracks:
        if track.rule_kind == "opt_in":
            continue
        dims = track.dims
        members = track.participants
        position = scenario.position[np.ix_(members, dims)]
        salience = scenario.salience[np.ix_(members, dims)]
        capability = scenario.capability[members]
        weights = utility.salience_weights(salience[None])[0]
        width = scenario.width[dims]

        def utilities(x: np.ndarray) -> np.ndarray:
            return utility.utility(x[None, :], position[None], weights[None], width)[0]

        middle = compromise(position[None], salience[None], capability[None], np.ones((1, len(capability)), bool))[0]
        status_quo = scenario.status_quo[dims]
        nash = nash_bargaining(utilities, utilities(status_quo), capability, scenario.lower[dims],
                               scenario.upper[dims], middle)
        values = {
            "compromise": middle,
            "weighted_median": weighted_medians(position, salience, capability),
            "nash": np.full(len(dims), np.nan) if nash is None else nash,
            "status_quo": status_quo,
        }
        for name in BASELINES:
            for j, d in enumerate(dims):
                dim_id = scenario.dimension_ids[d]
                value = float(values[name][j])
                rows.append({"track": track.id, "dimension": dim_id, "baseline": name, "value": value,
                             "wording": scenario.wording(dim_id, value) if value == value else ""})
    return pd.DataFrame(rows, columns=["track", "dimension", "baseline", "value", "wording"])
