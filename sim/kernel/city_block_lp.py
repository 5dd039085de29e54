"""The nearest point to one actor that keeps others within their city-block budgets: an exact LP solver.

The programme (one per replicate) is, with range-normalised coordinates
:math:`x'_d = (x_d - \\underline{x}_d) / W_d` (:math:`W_d` the width of dimension d):

.. math::
    \\min_{x} \\; f(x) = \\sum_d c_d |x_d - q_d| / W_d \\quad \\text{s.t.} \\quad
    g_i(x) = \\sum_d w_{id} |x_d - p_{id}| / W_d \\le b_i \\;\\; (i = 1..M), \\quad
    \\underline{x} \\le x \\le \\bar{x}

(q, c: the proposer's position and weights; :math:`p_i, w_i, b_i`: member i's
position, weights and budget). Every function is convex and piecewise linear in
each :math:`x_d`, with breakpoints at the positions. Cutting each dimension's range
at the sorted breakpoints into segments k of length :math:`L_{dk}` and writing
:math:`x'_d = \\sum_k s_{dk}`, :math:`0 \\le s_{dk} \\le L_{dk}`, every function becomes
linear in s, :math:`g_i = g_i(\\underline{x}) + \\sum_{dk} w_{id} \\sigma_{idk} s_{dk}` with
:math:`\\sigma_{idk} = \\pm 1` the side of :math:`p_{id}` segment k lies on. Slopes grow
from segment to segment (convexity), so filling a dimension's segments out of order
never lowers any function: the segment LP has the same optimum as the original, and
any optimal s gives an optimal :math:`x = \\underline{x} + W \\sum_k s_{k}`.

The segment LP has M rows and bounded columns. It is solved by a bounded dual
simplex on a dense tableau (:func:`_dual_simplex`) starting from the proposer's own
position (every segment on q's left full, every one on its right empty), which is
optimal for the objective with every budget ignored: the iterations keep it
optimal and restore the budgets one violated member at a time. If q already meets
every budget it is returned as it is (no pivot); if a budget is negative, or two
members are further apart than their budgets allow together (by the triangle
inequality :math:`g_i + g_j \\ge \\sum_d \\min(w_{id}, w_{jd}) |p_{id} - p_{jd}| / W_d`),
no point can satisfy them (:func:`_pair_cannot_meet`, the usual case when demands are
high). Otherwise the simplex decides: when a violated member's row has no column that
can move it (dual unbounded), no point meets every budget.

Tie rule (where the proposer's best point is not unique): the solver minimises
lexicographically, in this order,

0. :math:`f(x)`, the proposer's weighted distance;
1. :math:`\\sum_{d: c_d = 0} |x_d - q_d| / W_d`, its distance on the dimensions it gives
   no weight (it stays nearest its own position where its utility does not choose);
2. :math:`|x_1 - q_1| / W_1`, then :math:`|x_2 - q_2| / W_2`, ..., then :math:`|x_D - q_D| / W_D`:
   it concedes on later dimensions before earlier ones.

The lexicographic optimum is unique (the levels of 2 fix every :math:`|x_d - q_d|`,
and a convex feasible set cannot hold both :math:`q_d \\pm v` without :math:`q_d`), so the
point returned is a function of the inputs only, not of the pivoting order. The
dual simplex keeps a vector of reduced costs per column, one entry per level, and
its ratio test compares them lexicographically. Tolerances: a budget counts as met
within ``FEASIBILITY`` (1e-9, in utility; HiGHS's default is 1e-7), ratios tie within
1e-12, and a coordinate within 1e-12 of the range's width from a position or a bound
of the range is returned as exactly that value (undoing the normalisation's rounding).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["FEASIBILITY", "best_point", "best_points"]

FEASIBILITY = 1e-9
"""A budget counts as met when exceeded by no more than this (utility units)."""

_PIVOT = 1e-11
_RATIO_TIE = 1e-12
_SNAP = 1e-12


def best_points(proposer_ideal: np.ndarray, proposer_weights: np.ndarray, ideals: np.ndarray,
                weights: np.ndarray, budgets: np.ndarray, members: np.ndarray, lower: np.ndarray,
                upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The proposer's best point within every member's budget, for each of N problems.

    Solves the programme in the module docstring, row by row (each row's answer
    depends on that row's inputs only), with the tie rule stated there.

    Parameters
    ----------
    proposer_ideal, proposer_weights : array (N, D)
        q and c (normalised salience weights) of each problem's proposer.
    ideals, weights : array (N, A, D)
        Positions and normalised salience weights of every actor.
    budgets : array (N, A)
        Each actor's largest acceptable distance :math:`b_i = 1 - a_i`.
    members : array (N, A) of bool
        The actors whose budgets bind in each problem (the proposer's row excluded).
    lower, upper : array (D,)
        The range of each dimension (upper > lower).

    Returns
    -------
    points : array (N, D)
        The best point; the proposer's own position (clipped to the range) where none is feasible.
    feasible : array (N,) of bool
        Whether some point meets every member's budget.
    """
    rows, dims = np.shape(proposer_ideal)
    points = np.empty((rows, dims))
    feasible = np.empty(rows, dtype=np.bool_)
    _solve_all(np.ascontiguousarray(proposer_ideal, dtype=np.float64),
               np.ascontiguousarray(proposer_weights, dtype=np.float64),
               np.ascontiguousarray(ideals, dtype=np.float64), np.ascontiguousarray(weights, dtype=np.float64),
               np.ascontiguousarray(budgets, dtype=np.float64), np.ascontiguousarray(members, dtype=np.bool_),
               np.ascontiguousarray(lower, dtype=np.float64), np.ascontiguousarray(upper, dtype=np.float64),
               points, feasible)
    return points, feasible


def best_point(proposer_ideal: np.ndarray, proposer_weights: np.ndarray, ideals: np.ndarray, weights: np.ndarray,
               budgets: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray | None:
    """One problem of :func:`best_points` (members given as rows ``ideals``, ``weights`` (M, D), ``budgets`` (M,)).

    Returns the point, or None when no point meets every budget.
    """
    ideals = np.asarray(ideals, dtype=np.float64)
    points, feasible = best_points(np.asarray(proposer_ideal, dtype=np.float64)[None],
                                   np.asarray(proposer_weights, dtype=np.float64)[None], ideals[None],
                                   np.asarray(weights, dtype=np.float64)[None],
                                   np.asarray(budgets, dtype=np.float64)[None],
                                   np.ones((1, ideals.shape[0]), dtype=np.bool_), lower, upper)
    return points[0] if feasible[0] else None


@numba.njit(cache=True, nogil=True)
def _solve_all(q, c, ideals, weights, budgets, members, lower, upper, points, feasible):  # pragma: no cover
    """Row by row: gather the members, then :func:`_solve` (compiled)."""
    rows, actors, dims = ideals.shape
    for n in range(rows):
        count = 0
        for i in range(actors):
            if members[n, i]:
                count += 1
        p = np.empty((count, dims))
        w = np.empty((count, dims))
        b = np.empty(count)
        m = 0
        for i in range(actors):
            if members[n, i]:
                p[m] = ideals[n, i]
                w[m] = weights[n, i]
                b[m] = budgets[n, i]
                m += 1
        feasible[n] = _solve(q[n], c[n], p, w, b, lower, upper, points[n])


@numba.njit(cache=True, nogil=True)
def _solve(q, c, p, w, b, lower, upper, x):  # pragma: no cover - compiled
    """One programme; writes the point into x and returns whether it is feasible."""
    members, dims = p.shape
    width = upper - lower
    for d in range(dims):
        x[d] = min(max(q[d], lower[d]), upper[d])
    # the proposer's own position, if every member already accepts it
    # (mathematically utility.distance; summed here in its own order)
    at_ideal = True
    for i in range(members):
        g = 0.0
        for d in range(dims):
            g += w[i, d] * abs(x[d] - p[i, d]) / width[d]
        if g > b[i] + FEASIBILITY:
            at_ideal = False
            break
    if at_ideal:
        return True
    if _pair_cannot_meet(p, w, b, width):
        return False
    # segments: each dimension's [0, 1] cut at the (clipped, normalised) positions that matter
    qn = (q - lower) / width
    pn = (p - lower) / width
    most = dims * (members + 2)
    seg_dim = np.empty(most, dtype=np.int64)
    seg_left = np.empty(most)
    seg_length = np.empty(most)
    seg_mid = np.empty(most)
    columns = 0
    cuts = np.empty(members + 3)
    for d in range(dims):
        cuts[0] = 0.0
        cuts[1] = 1.0
        cuts[2] = min(max(qn[d], 0.0), 1.0)
        n_cuts = 3
        for i in range(members):
            if w[i, d] > 0.0:
                cuts[n_cuts] = min(max(pn[i, d], 0.0), 1.0)
                n_cuts += 1
        ordered = np.sort(cuts[:n_cuts])
        for k in range(n_cuts - 1):
            if ordered[k + 1] > ordered[k]:
                seg_dim[columns] = d
                seg_left[columns] = ordered[k]
                seg_length[columns] = ordered[k + 1] - ordered[k]
                seg_mid[columns] = 0.5 * (ordered[k] + ordered[k + 1])
                columns += 1
    levels = 2 + dims
    width_all = columns + members
    table = np.zeros((members, width_all))
    cost = np.zeros((levels, width_all))
    upper_bound = np.empty(width_all)
    value = np.zeros(width_all)
    status = np.zeros(width_all, dtype=np.int64)  # 0 at lower bound, 1 at upper bound, 2 basic
    basic = np.empty(members, dtype=np.int64)
    level = np.empty(members)
    for j in range(columns):
        d = seg_dim[j]
        side = 1.0 if seg_mid[j] > qn[d] else -1.0
        cost[0, j] = c[d] * side
        if c[d] <= 0.0:
            cost[1, j] = side
        cost[2 + d, j] = side
        upper_bound[j] = seg_length[j]
        if side < 0.0:  # left of the proposer's position: filled at the start
            status[j] = 1
            value[j] = seg_length[j]
        for i in range(members):
            if w[i, d] > 0.0:
                table[i, j] = w[i, d] if seg_mid[j] > pn[i, d] else -w[i, d]
    for i in range(members):
        slack = columns + i
        table[i, slack] = 1.0
        upper_bound[slack] = np.inf
        status[slack] = 2
        basic[i] = slack
        rhs = b[i]
        for d in range(dims):
            rhs -= w[i, d] * abs(pn[i, d])
        for j in range(columns):
            if status[j] == 1:
                rhs -= table[i, j] * value[j]
        level[i] = rhs
    if not _dual_simplex(table, cost, upper_bound, value, status, basic, level):
        for d in range(dims):
            x[d] = min(max(q[d], lower[d]), upper[d])
        return False
    for i in range(members):
        value[basic[i]] = level[i]
    filled = np.zeros(dims)
    for j in range(columns):
        filled[seg_dim[j]] += min(max(value[j], 0.0), seg_length[j])
    for d in range(dims):
        point = lower[d] + width[d] * filled[d]
        # a point within rounding of a position (or a bound) is that position
        nearest, gap = point, _SNAP * width[d]
        for candidate in (q[d], lower[d], upper[d]):
            if abs(point - candidate) <= gap:
                nearest, gap = candidate, abs(point - candidate)
        for i in range(members):
            if w[i, d] > 0.0 and abs(point - p[i, d]) <= gap:
                nearest, gap = p[i, d], abs(point - p[i, d])
        x[d] = min(max(nearest, lower[d]), upper[d])
    return True


@numba.njit(cache=True, nogil=True)
def _pair_cannot_meet(p, w, b, width):  # pragma: no cover - compiled
    """A certificate of infeasibility: a budget below zero, or two members too far apart for both budgets.

    For any x, :math:`g_i(x) + g_j(x) \\ge \\sum_d \\min(w_{id}, w_{jd}) |p_{id} - p_{jd}| / W_d`
    (triangle inequality), so when that exceeds :math:`b_i + b_j` by more than ten times the
    feasibility tolerance no point meets both budgets, and the simplex would find none either.
    """
    members, dims = p.shape
    for i in range(members):
        if b[i] < -FEASIBILITY:
            return True
    for i in range(members):
        for j in range(i + 1, members):
            apart = 0.0
            for d in range(dims):
                apart += min(w[i, d], w[j, d]) * abs(p[i, d] - p[j, d]) / width[d]
            if apart > b[i] + b[j] + 10.0 * FEASIBILITY:
                return True
    return False


@numba.njit(cache=True, nogil=True)
def _dual_simplex(table, cost, upper_bound, value, status, basic, level):  # pragma: no cover - compiled
    """Bounded dual simplex with lexicographic reduced costs, in place; False when infeasible.

    ``table`` (M, n) is :math:`B^{-1}[G\\,I]`, ``cost`` (levels, n) the reduced costs,
    ``level`` (M,) the basic variables' values, ``value`` the non-basic ones' (at a
    bound). Each iteration takes the basic variable furthest outside its bounds
    (row r), the entering column by the lexicographic ratio test
    :math:`\\min_j |d_j| / |T_{rj}|` over the columns that can move it back, and pivots.
    """
    rows, n = table.shape
    levels = cost.shape[0]
    limit = 50 * (rows + n) + 100
    for _ in range(limit):
        r = -1
        worst = FEASIBILITY
        for i in range(rows):
            j = basic[i]
            excess = max(-level[i], level[i] - upper_bound[j])
            if excess > worst:
                worst, r = excess, i
        if r < 0:
            return True
        leaving = basic[r]
        raise_it = level[r] < 0.0
        target = 0.0 if raise_it else upper_bound[leaving]
        entering = -1
        best_pivot = 0.0
        for j in range(n):
            if status[j] == 2:
                continue
            t = table[r, j]
            if abs(t) <= _PIVOT:
                continue
            # moving j off its bound must move row r toward its target
            if raise_it == (status[j] == 0):
                eligible = t < 0.0
            else:
                eligible = t > 0.0
            if not eligible:
                continue
            if entering < 0:
                entering, best_pivot = j, t
                continue
            sign_j = 1.0 if status[j] == 0 else -1.0
            sign_e = 1.0 if status[entering] == 0 else -1.0
            better = False
            decided = False
            for lv in range(levels):
                mine = sign_j * cost[lv, j] / abs(t)
                theirs = sign_e * cost[lv, entering] / abs(best_pivot)
                if mine < theirs - _RATIO_TIE:
                    better, decided = True, True
                    break
                if mine > theirs + _RATIO_TIE:
                    decided = True
                    break
            if not decided and abs(t) > abs(best_pivot):
                better = True
            if better:
                entering, best_pivot = j, t
        if entering < 0:
            return False
        step = (target - level[r]) / (-best_pivot)
        for i in range(rows):
            level[i] -= table[i, entering] * step
        entered_at = value[entering] + step
        status[leaving] = 0 if raise_it else 1
        value[leaving] = target
        pivot_row = table[r]
        inverse = 1.0 / best_pivot
        for j in range(n):
            pivot_row[j] *= inverse
        pivot_row[entering] = 1.0
        for i in range(rows):
            if i != r:
                f = table[i, entering]
                if f != 0.0:
                    for j in range(n):
                        table[i, j] -= f * pivot_row[j]
                    table[i, entering] = 0.0
        for lv in range(levels):
            f = cost[lv, entering]
            if f != 0.0:
                for j in range(n):
                    cost[lv, j] -= f * pivot_row[j]
                cost[lv, entering] = 0.0
        basic[r] = entering
        status[entering] = 2
        level[r] = entered_at
    raise RuntimeError("city-block programme: the dual simplex did not converge")
