"""Closed-form solution concepts: what a statement would be without simulating a negotiation."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy.optimize import linprog, minimize

from sim.bdm import forecast_weights, weighted_median
from sim.kernel import utility
from sim.protocols.mediated import compromise
from sim.scenario.scenario import Scenario

__all__ = ["BASELINES", "baselines", "nash_bargaining", "weighted_medians"]

BASELINES = ("compromise", "weighted_median", "nash", "status_quo")


def weighted_medians(position: np.ndarray, salience: np.ndarray, capability: np.ndarray) -> np.ndarray:
    """Per dimension, the median of positions weighted by capability x salience.

    On a dimension nobody gives any salience, the capability-weighted median
    (:func:`sim.bdm.forecast_weights`), as :func:`~sim.protocols.mediated.compromise`
    falls back to the capability-weighted mean.

    Parameters
    ----------
    position, salience : array (A, D)
    capability : array (A,)
    """
    return np.array([weighted_median(position[:, d], forecast_weights(capability, salience[:, d]))
                     for d in range(position.shape[1])])


def nash_bargaining(position: np.ndarray, salience_weights: np.ndarray, width: np.ndarray, status_quo: np.ndarray,
                    weights: np.ndarray, lower: np.ndarray, upper: np.ndarray, tol: float = 1e-9) -> np.ndarray | None:
    """The exact (asymmetric) Nash bargaining solution over the status quo, with the engine's utility.

    With :math:`u_i(x) = 1 - \\sum_d s_{id} |x_d - p_{id}| / \\Delta_d` (``sim.kernel.utility``), status quo
    :math:`q` and bargaining weights normalised to :math:`\\omega_i = w_i / \\sum_j w_j`,

    .. math:: x^N = \\arg\\max_{\\underline{x} \\le x \\le \\bar{x}} F(x), \\qquad
              F(x) = \\sum_i \\omega_i \\log g_i(x), \\qquad g_i(x) = u_i(x) - u_i(q) > 0 \\;\\forall i.

    Each :math:`u_i` is concave piecewise-linear, so :math:`F` is concave, kinked wherever
    :math:`x_d = p_{id}`, and the optimum often sits on a kink. Epigraph reformulation: with
    :math:`t_{id} \\ge x_d - p_{id}` and :math:`t_{id} \\ge p_{id} - x_d` (every :math:`s_{id} > 0`),
    :math:`g_i = 1 - u_i(q) - \\sum_d s_{id} t_{id} / \\Delta_d` is affine, and maximising
    :math:`\\sum_i \\omega_i \\log g_i(t)` under these linear constraints and the bounds is smooth and concave;
    at its optimum :math:`t_{id} = |x_d - p_{id}|`. Steps, in range-normalised coordinates:

    1. Feasibility: the linear program :math:`s^* = \\max \\min_i g_i` (``linprog``). If no point gives every actor
       a gain above ``tol`` (e.g. the status quo is already Pareto optimal, every ideal point is the status
       quo, or an actor cares about nothing: with no salience its gain is 0 everywhere), the answer is None.
    2. The epigraph problem by SLSQP with analytic gradients from that point, under
       :math:`g_i \\ge \\omega_i s^* / 2` (never binding: optimality implies :math:`g_i(x^N) \\ge \\omega_i s^*`).
    3. Polish and verification (``_polish``): SLSQP can stop short near kinks, so an active-set Newton method
       finishes: coordinates on a kink stay exactly there, the others take Newton steps inside their cell (where
       :math:`F` is smooth), and a kinked coordinate is released when a one-sided derivative says moving off
       raises :math:`F`. The superdifferential of :math:`F`, :math:`\\sum_i (\\omega_i / g_i) \\partial g_i`, is a
       box, so :math:`x` is optimal iff along every dimension the right derivative is :math:`\\le 0` (unless at the
       upper bound) and the left one :math:`\\ge 0` (unless at the lower bound): KKT, :math:`x_d` is a weighted
       median of the :math:`p_{id}` with weights :math:`\\omega_i s_{id} / g_i`. Failing that check warns.

    4. Ties: the optimal gains are unique (:math:`F` is strictly concave in :math:`g`), the point need not be, as
       city-block level sets have flat faces. The answer is the maximiser nearest the status quo (Euclidean, in
       range units): SLSQP projects :math:`q` onto :math:`\\{x : g_i(x) \\ge g_i(x^N)\\}`, then the polish again.

    Parameters
    ----------
    position, salience_weights : array (A, D)
        Ideal points; salience weights normalised over the dimensions (``utility.salience_weights``).
    width : array (D,)
        The utility's range width per dimension.
    status_quo : array (D,)
        The disagreement point.
    weights : array (A,)
        Positive bargaining weights (equal weights give the symmetric solution).
    lower, upper : array (D,)
        Bounds of the agreement.
    tol : float
        Smallest gain in utility that counts as better.

    Returns
    -------
    The solution (D,), or None when no point is better for every actor than the status quo.
    """
    w = np.asarray(weights, dtype=float)
    if np.any(w <= 0):
        raise ValueError("bargaining weights must be positive")
    w, c = w / w.sum(), np.asarray(salience_weights, dtype=float)
    width, lower = np.asarray(width, dtype=float), np.asarray(lower, dtype=float)
    p, span = (np.asarray(position, dtype=float) - lower) / width, (np.asarray(upper, dtype=float) - lower) / width
    sq = (np.asarray(status_quo, dtype=float) - lower) / width
    a = (c * np.abs(sq - p)).sum(axis=1)  # g_i = a_i - sum_d c_id t_id
    n_act, n_dim = p.shape
    act, dim = np.nonzero(c > 0)
    k, pk = len(act), p[act, dim]
    g_t = np.zeros((n_act, k))
    g_t[act, np.arange(k)] = c[act, dim]
    sel = np.zeros((k, n_dim))
    sel[np.arange(k), dim] = 1.0
    rows = np.block([[sel, -np.eye(k)], [-sel, -np.eye(k)], [np.zeros((n_act, n_dim)), g_t]])  # rows @ (y, t) <= rhs
    rhs, box = np.r_[pk, -pk, a], [(0.0, s) for s in span] + [(0.0, None)] * k
    lp = linprog(np.r_[np.zeros(n_dim + k), -1.0], A_ub=np.c_[rows, np.r_[np.zeros(2 * k), np.ones(n_act)]],
                 b_ub=rhs, bounds=box + [(None, None)], method="highs")
    start = np.clip(lp.x[:n_dim], 0.0, span) if lp.status == 0 else None
    if start is None or (s_star := _gains(start, p, c, a).min()) <= tol:
        return None
    floor = np.r_[np.zeros(2 * k), 0.5 * w * s_star]

    def neg_f(z):  # -F of the epigraph problem, times s* so that gradients stay O(1) when the gains are small
        return -s_star * float(w @ np.log(np.maximum(a - g_t @ z[n_dim:], 1e-300)))

    def neg_f_grad(z):
        return np.r_[np.zeros(n_dim), s_star * (w / (a - g_t @ z[n_dim:])) @ g_t]

    res = minimize(neg_f, np.r_[start, np.abs(start[dim] - pk)], jac=neg_f_grad, method="SLSQP", bounds=box,
                   constraints=[{"type": "ineq", "fun": lambda z: rhs - floor - rows @ z, "jac": lambda z: -rows}],
                   options={"ftol": 1e-15, "maxiter": 1000})
    warm = np.clip(res.x[:n_dim], 0.0, span)
    if _objective(warm, p, c, a, w) >= _objective(start, p, c, a, w):
        start = warm
    y, verified = _polish(start, p, c, a, w, span)
    # ties: the maximiser nearest the status quo, a projection onto {y : g(y) >= g(y^N)} (the optimal set)
    optimal = np.r_[np.zeros(2 * k), (1 - 1e-10) * _gains(y, p, c, a)]
    res = minimize(lambda z: 0.5 * float(np.sum((z[:n_dim] - sq) ** 2)), np.r_[y, np.abs(y[dim] - pk)],
                   jac=lambda z: np.r_[z[:n_dim] - sq, np.zeros(k)], method="SLSQP", bounds=box,
                   constraints=[{"type": "ineq", "fun": lambda z: rhs - optimal - rows @ z, "jac": lambda z: -rows}],
                   options={"ftol": 1e-15, "maxiter": 1000})
    nearest, nearest_verified = _polish(np.clip(res.x[:n_dim], 0.0, span), p, c, a, w, span)
    if nearest_verified and _objective(nearest, p, c, a, w) >= _objective(y, p, c, a, w) - 1e-12:
        y, verified = nearest, True
    if not verified:
        warnings.warn("Nash bargaining: optimality not verified (gains too close to zero for float precision?)",
                      RuntimeWarning, stacklevel=2)
    return lower + y * width


def _gains(y: np.ndarray, p: np.ndarray, c: np.ndarray, a: np.ndarray) -> np.ndarray:
    return a - (c * np.abs(y - p)).sum(axis=1)


def _objective(y: np.ndarray, p: np.ndarray, c: np.ndarray, a: np.ndarray, w: np.ndarray) -> float:
    g = _gains(y, p, c, a)
    return float(w @ np.log(g)) if np.all(g > 0) else -np.inf


def _polish(y: np.ndarray, p: np.ndarray, c: np.ndarray, a: np.ndarray, w: np.ndarray, span: np.ndarray,
            tol: float = 1e-10) -> tuple[np.ndarray, bool]:
    """Active-set Newton for max F(y) = sum_i w_i log(a_i - sum_d c_id |y_d - p_id|) over 0 <= y <= span.

    Every coordinate is on a kink (an actor's coordinate with c_id > 0, or a bound) or inside the open cell
    between two; the state is an index (2k: on kink k, 2k+1: in cell k), so signs never come from rounding.
    Returns the point and whether the KKT conditions held: Newton decrement and slopes relative to their scale
    within tol, or within the rounding of F (the gains' relative error, 100 eps sum of |terms| / g_i) if larger.
    """
    n_dim = len(y)
    kinks = [np.unique(np.r_[np.clip(p[c[:, d] > 0, d], 0.0, span[d]), 0.0, span[d]]) for d in range(n_dim)]

    def value(v):
        return _objective(v, p, c, a, w)

    def slope(v, d, cell):  # dF/dy_d inside cell `cell` of dimension d, where sign(y_d - p_id) is fixed
        return -((w / _gains(v, p, c, a)) * c[:, d]) @ np.where(p[:, d] <= kinks[d][cell], 1.0, -1.0)

    def noise(v):  # rounding of F: the gains' relative error
        return 100 * np.finfo(float).eps * float(np.max((a + (c * np.abs(v - p)).sum(axis=1)) / _gains(v, p, c, a)))

    state = np.zeros(n_dim, dtype=int)
    for d in range(n_dim):
        j, snapped = int(np.argmin(np.abs(kinks[d] - y[d]))), y.copy()
        snapped[d] = kinks[d][j]
        if abs(snapped[d] - y[d]) <= 1e-9 * max(span[d], 1.0) and value(snapped) >= value(y) - noise(y):
            y, state[d] = snapped, 2 * j
        else:
            state[d] = 2 * int(np.clip(np.searchsorted(kinks[d], y[d]) - 1, 0, len(kinks[d]) - 2)) + 1
    last = np.inf
    for _ in range(300):
        free = np.nonzero(state % 2)[0]
        g = _gains(y, p, c, a)
        slack = noise(y)
        tol_y = max(tol, slack)
        if len(free):  # Newton on the free coordinates, inside their cells the gains are affine: g - jac @ step
            jac = np.stack([c[:, d] * np.where(p[:, d] <= kinks[d][state[d] // 2], 1.0, -1.0) for d in free], axis=1)
            grad = -(w / g) @ jac
            step = np.linalg.lstsq(jac.T @ ((w / g ** 2)[:, None] * jac), grad, rcond=None)[0]
            decrement = float(grad @ step)
            if decrement > 1e-30 and not (decrement <= tol_y and decrement >= 0.25 * last):
                last = decrement
                ends = np.array([kinks[d][state[d] // 2 + (s > 0)] for d, s in zip(free, step)])
                reach = np.divide(ends - y[free], step, out=np.full(len(free), np.inf), where=step != 0)
                j = int(np.argmin(reach))
                alpha = min(1.0, reach[j])
                for _ in range(60):  # backtracking; a step reaching a kink lands exactly on it
                    trial = y.copy()
                    trial[free] += alpha * step
                    if alpha == reach[j]:
                        trial[free[j]] = ends[j]
                    if value(trial) >= value(y) - slack:
                        break
                    alpha /= 2
                if value(trial) >= value(y) - slack and np.any(trial != y):
                    if alpha == reach[j]:
                        state[free[j]] = 2 * (state[free[j]] // 2 + (step[j] > 0))
                    y = trial
                    continue
            if decrement > tol_y:
                return y, False
        move, worst, scale = None, tol_y, (w / g) @ c  # KKT on the kinked coordinates: F must not rise either way
        for d in np.nonzero(state % 2 == 0)[0]:
            j = state[d] // 2
            if j < len(kinks[d]) - 1 and slope(y, d, j) > worst * scale[d]:
                move, worst = (d, j, 1.0), slope(y, d, j) / scale[d]
            if j > 0 and -slope(y, d, j - 1) > worst * scale[d]:
                move, worst = (d, j - 1, -1.0), -slope(y, d, j - 1) / scale[d]
        if move is None:
            return y, True
        d, cell, s = move  # release: exact line search along s e_d inside the cell
        trial, lo, last = y.copy(), y[d], np.inf
        trial[d] = hi = kinks[d][cell + (s > 0)]
        if value(trial) > -np.inf and s * slope(trial, d, cell) >= 0:
            y, state[d] = trial, 2 * (cell + (s > 0))
            continue
        for _ in range(100):
            trial[d] = 0.5 * (lo + hi)
            lo, hi = (trial[d], hi) if value(trial) > -np.inf and s * slope(trial, d, cell) > 0 else (lo, trial[d])
        trial[d] = lo
        y, state[d] = trial, 2 * cell + 1
    return y, False


def baselines(scenario: Scenario) -> pd.DataFrame:
    """Every baseline on every dimension of the scenario's collective and forecast tracks.

    - ``compromise``: capability x salience weighted mean (Achen's compromise model);
    - ``weighted_median``: capability x salience weighted median per dimension;
    - ``nash``: Nash bargaining solution over the status quo with the engine's
      utility, capability as bargaining weight (NaN when no point is better for everyone: e.g. every ideal
      point is the status quo, or some actor has no salience on the track's dimensions, so cannot gain);
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
        middle = compromise(position[None], salience[None], capability[None], np.ones((1, len(capability)), bool))[0]
        status_quo = scenario.status_quo[dims]
        # Without a declared status quo (a forecast read from a CSV) there is no disagreement point.
        nash = None if np.isnan(status_quo).any() else nash_bargaining(
            position, weights, width, status_quo, capability, scenario.lower[dims], scenario.upper[dims])
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
