r"""KTAB's challenges: who each actor challenges, its estimated chances and gain, and the bargains, compiled.

An estimator h judges actor a's utility for position n as
:math:`U^h_{an} = u(d_{an}, R^h_a)` (:func:`sim.ktab.assessment.risk_utility`,
:func:`~sim.ktab.assessment.believed_risk`). KTAB's per-estimator matrices
:math:`U^h` would make an A x A x A tensor; here they are never stored: the
columns a challenge needs are computed as it is assessed, so the search over
every initiator, target and third party costs :math:`O(A^3)` time and
:math:`O(A^2)` memory.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from sim.ktab.assessment import believed_risk, risk_utility
from sim.ktab.elections import PROP, vote
from sim.ktab.numpy_sum import pairwise_plan, pairwise_sum, planned_sum

__all__ = ["MIN_EXPECTED_GAIN", "best_challenges", "contest", "estimator_view", "gain_bounds", "interpolate_bargain"]

MIN_EXPECTED_GAIN = 1e-5
"""A challenge is worth making only when its expected gain exceeds this."""
_BOUND_MARGIN = 1e-9
"""Slack on :func:`gain_bounds` for rounding (the gains it bounds are O(1), exact to ~1e-15)."""
_MIN_CHALLENGE_COALITION = 1e-10
_MIN_BARGAIN_WEIGHT = 1e-6

# ThirdPartyCommit codes, InterVecBrgn codes (index in SMPParameters.CHOICES)
NO_COMMIT, SEMI_COMMIT, FULL_COMMIT = range(3)
S1P1, S2P2, S2PMAX = range(3)


@numba.njit(cache=True, error_model="numpy")
def estimator_view(distance: np.ndarray, risk: np.ndarray, adjust: int, h: int, i: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""What estimator h needs to judge challenges by i: :math:`R^h_n`, :math:`U^h_{ni}` and :math:`U^h_{nn}`, for every n."""
    actors = distance.shape[0]
    believed = np.empty(actors)
    toward_i = np.empty(actors)
    at_home = np.empty(actors)
    for n in range(actors):
        believed[n] = believed_risk(risk[h], risk[n], adjust)
        toward_i[n] = risk_utility(distance[n, i], believed[n])
        at_home[n] = risk_utility(distance[n, n], believed[n])
    return believed, toward_i, at_home


@numba.njit(cache=True, error_model="numpy")
def _third_party_votes(believed, toward_i, at_home, distance_to_j, weight, base_i, base_j, rule, commit,
                       lo, hi, out_for_i, out_for_j, at):
    """Third parties ``lo <= n < hi`` of a contest, their votes written from ``out[at]`` on.

    KTAB's defaults (Prop voting, SemiCommit) take a loop of their own, free of branches, which
    the compiler vectorises; it computes exactly what the general loop computes for them.
    """
    if rule == PROP and commit == SEMI_COMMIT:
        for n in range(lo, hi):
            u_ni = toward_i[n]
            u_nj = risk_utility(distance_to_j[n], believed[n])
            u_nn = at_home[n]
            w = weight[n]
            lean = w * (u_ni - u_nj)
            joined_i = base_i + max(lean, 0.0)
            joined_j = base_j + max(-lean, 0.0)
            p_n = joined_i / (joined_i + joined_j)
            with_i = p_n * (2 * u_ni + u_nn) + (1 - p_n) * (3 * u_nj)
            with_j = p_n * (3 * u_ni) + (1 - p_n) * (2 * u_nj + u_nn)
            v = w * (with_i - with_j)
            out_for_i[at + n - lo] = max(v, 0.0)
            out_for_j[at + n - lo] = max(-v, 0.0)
        return at + hi - lo
    for n in range(lo, hi):
        u_ni = toward_i[n]
        u_nj = risk_utility(distance_to_j[n], believed[n])
        u_nn = at_home[n]
        if rule == PROP:
            lean = weight[n] * (u_ni - u_nj)
        else:
            lean = vote(rule, weight[n], u_ni - u_nj)
        joined_i = base_i + max(lean, 0.0)
        joined_j = base_j + max(-lean, 0.0)
        p_n = joined_i / (joined_i + joined_j)
        own_i = u_ni if commit == FULL_COMMIT else u_nn
        own_j = u_nj if commit == FULL_COMMIT else u_nn
        i_wins_alone = 2 * u_ni + u_nn if commit == NO_COMMIT else 3 * u_ni
        j_wins_alone = 2 * u_nj + u_nn if commit == NO_COMMIT else 3 * u_nj
        with_i = p_n * (2 * u_ni + own_i) + (1 - p_n) * j_wins_alone
        with_j = p_n * i_wins_alone + (1 - p_n) * (2 * u_nj + own_j)
        if rule == PROP:
            v = weight[n] * (with_i - with_j)
        else:
            v = vote(rule, weight[n], with_i - with_j)
        out_for_i[at] = max(v, 0.0)
        out_for_j[at] = max(-v, 0.0)
        at += 1
    return at


@numba.njit(cache=True, error_model="numpy")
def contest(believed: np.ndarray, toward_i: np.ndarray, at_home: np.ndarray, distance_to_j: np.ndarray,
            weight: np.ndarray, salience_total: np.ndarray, k: int, i: int, j: int, rule: int, commit: int,
            scratch: np.ndarray, plan: np.ndarray) -> tuple[float, float]:
    r"""An estimator's view of i challenging j: probability i wins and the expected gain to k.

    ``believed``, ``toward_i``, ``at_home`` are the estimator's view (:func:`estimator_view`),
    ``distance_to_j[n]`` is :math:`d_{nj}`; ``scratch`` is working space (5, A), ``plan`` is
    ``pairwise_plan(A - 2)`` (:mod:`sim.ktab.numpy_sum`), the order the third parties' votes are added in.
    With :math:`U` the estimator's utilities and :math:`w = s c` (summed salience x capability),
    principals contribute :math:`v(w_i, U_{ii} - U_{ij})` and :math:`v(w_j, U_{ji} - U_{jj})`
    to the coalitions for i and for j. Each third party n first weighs the little contest
    it would join, :math:`p_n = C^n_i / (C^n_i + C^n_j)`, then votes its SemiCommit
    expected utilities

    .. math::
        v_n = s_n c_n \big[ p_n (2U_{ni} + U_{nn}) + (1-p_n) 3U_{nj}
              - p_n 3U_{ni} - (1-p_n)(2U_{nj} + U_{nn}) \big]

    so :math:`P[i > j] = C_i / (C_i + C_j)` (shown for Prop voting and SemiCommit; NoCommit
    counts :math:`U_{nn}` on both sides, FullCommit on neither). The gain to k of the
    challenge over the status quo is

    .. math::
        \Delta_k = (1 - s_j) 2U_{ki} + s_j [P 2U_{ki} + (1-P) 2U_{kj}] - (U_{ki} + U_{kj})
    """
    actors = weight.shape[0]
    u_ii, u_ji = toward_i[i], toward_i[j]
    u_ij = risk_utility(distance_to_j[i], believed[i])
    u_jj = at_home[j]
    contrib_i = vote(rule, weight[i], u_ii - u_ij)
    contrib_j = vote(rule, weight[j], u_ji - u_jj)
    for_i = _MIN_CHALLENGE_COALITION + max(contrib_i, 0.0) + max(contrib_j, 0.0)
    for_j = _MIN_CHALLENGE_COALITION + max(-contrib_i, 0.0) + max(-contrib_j, 0.0)
    # every actor's vote in one pass (one loop vectorises best), then i's and j's taken out
    every_for_i, every_for_j, for_i_votes, for_j_votes = scratch[0], scratch[1], scratch[2], scratch[3]
    _third_party_votes(believed, toward_i, at_home, distance_to_j, weight, for_i, for_j, rule, commit,
                       0, actors, every_for_i, every_for_j, 0)
    first, second = min(i, j), max(i, j)
    for votes, every in ((for_i_votes, every_for_i), (for_j_votes, every_for_j)):
        votes[:first] = every[:first]
        votes[first:second - 1] = every[first + 1:second]
        votes[second - 1:actors - 2] = every[second + 1:actors]
    partial = scratch[4]
    for_i += planned_sum(for_i_votes, 0, plan, partial)
    for_j += planned_sum(for_j_votes, 0, plan, partial)
    p_win = for_i / (for_i + for_j)
    u_ki = toward_i[k]
    u_kj = risk_utility(distance_to_j[k], believed[k])
    victory, defeat = 2 * u_ki, 2 * u_kj
    contest_value = p_win * victory + (1 - p_win) * defeat
    s_j = salience_total[j]
    gain = (1 - s_j) * victory + s_j * contest_value - (u_ki + u_kj)
    return p_win, gain


@numba.njit(cache=True, error_model="numpy")
def gain_bounds(u_ii: float, believed_i: float, distance_from_i: np.ndarray, salience_total: np.ndarray
                ) -> np.ndarray:
    r"""For each target j, the most actor i can expect to gain by challenging it, whatever its chances.

    The gain of :func:`contest` (with k = i) is linear in the probability P in [0, 1], so

    .. math:: \Delta_i \le (1 - s_j)\, 2U_{ii} + s_j \max(2U_{ii}, 2U_{ij}) - (U_{ii} + U_{ij})

    (for :math:`s_j \ge 0`). The search for the best target skips every j whose bound
    cannot beat the best gain found: the same target, at a fraction of the cost.
    """
    actors = distance_from_i.shape[0]
    bound = np.empty(actors)
    for j in range(actors):
        u_ij = risk_utility(distance_from_i[j], believed_i)
        victory, defeat = 2 * u_ii, 2 * u_ij
        s_j = salience_total[j]
        bound[j] = (1 - s_j) * victory + s_j * max(victory, defeat) - (u_ii + u_ij)
    return bound


@numba.njit(cache=True, error_model="numpy")
def _round4(x: float) -> float:
    """KTAB's rounding: ``int(0.5 + 10000 x) / 10000`` (x >= 0)."""
    return math.floor(0.5 + x * 10000.0) / 10000.0


@numba.njit(cache=True, error_model="numpy")
def interpolate_bargain(position_i: np.ndarray, salience_i: np.ndarray, p_i: float, position_j: np.ndarray,
                        salience_j: np.ndarray, p_j: float, method: int, out_i: np.ndarray, out_j: np.ndarray) -> None:
    r"""Interpolated bargain between two positions, dimension by dimension (KTAB's InterVecBrgn), into out_i, out_j.

    S2P2 weights :math:`w_{ik} = s_{ik}^2 p_i^2` (S1P1: first powers) and

    .. math::
        b_{ik} = \frac{(w_{ik} + \epsilon) x_{ik} + w_{jk} x_{jk}}{w_{ik} + \epsilon + w_{jk}}, \quad
        b_{jk} = \frac{w_{ik} x_{ik} + (w_{jk} + \epsilon) x_{jk}}{w_{ik} + \epsilon + w_{jk}}

    with :math:`\epsilon = 10^{-6}`, each rounded to 4 decimals as KTAB does. S2PMax: the
    side less likely to win, by :math:`d = |p_i - p_j|`, moves
    :math:`d s_{\text{other}}^2 / (d s_{\text{other}}^2 + \epsilon + (1 - d) s_{\text{own}}^2)`
    of the way to the other's position (not rounded).
    """
    dims = position_i.shape[0]
    if method == S2PMAX:
        gap_i, gap_j = max(p_j - p_i, 0.0), max(p_i - p_j, 0.0)
        for k in range(dims):
            s_i2, s_j2 = salience_i[k] * salience_i[k], salience_j[k] * salience_j[k]
            move_i = gap_i * s_j2 / (gap_i * s_j2 + _MIN_BARGAIN_WEIGHT + (1 - gap_i) * s_i2)
            move_j = gap_j * s_i2 / (gap_j * s_i2 + _MIN_BARGAIN_WEIGHT + (1 - gap_j) * s_j2)
            out_i[k] = position_i[k] + move_i * (position_j[k] - position_i[k])
            out_j[k] = position_j[k] + move_j * (position_i[k] - position_j[k])
        return
    square = method == S2P2
    power_i = p_i * p_i if square else p_i
    power_j = p_j * p_j if square else p_j
    for k in range(dims):
        w_i = (salience_i[k] * salience_i[k] if square else salience_i[k]) * power_i
        w_j = (salience_j[k] * salience_j[k] if square else salience_j[k]) * power_j
        total = w_i + _MIN_BARGAIN_WEIGHT + w_j
        out_i[k] = _round4(((w_i + _MIN_BARGAIN_WEIGHT) * position_i[k] + w_j * position_j[k]) / total)
        out_j[k] = _round4((w_i * position_i[k] + (_MIN_BARGAIN_WEIGHT + w_j) * position_j[k]) / total)


@numba.njit(cache=True, error_model="numpy")
def best_challenges(position: np.ndarray, salience: np.ndarray, capability: np.ndarray, distance: np.ndarray,
                    risk: np.ndarray, codes: np.ndarray, target: np.ndarray, probability: np.ndarray,
                    gain: np.ndarray, bargains: np.ndarray) -> None:
    r"""Every actor's best challenge and the bargains it implies, written into the output arrays.

    Actor i challenges the j maximising its own estimate (:math:`h = k = i`) of its gain
    (:func:`contest`; the first such j on ties; targets that cannot beat the best found,
    by :func:`gain_bounds`, are not assessed) when that gain exceeds
    :data:`MIN_EXPECTED_GAIN`, else ``target[i] = -1``. ``bargains[i]`` (6, D) holds i's
    bargain for i and for j interpolated with i's chance :math:`P` (KTAB's brgnIIJ), the pair
    interpolated with j's estimate of i's gain (brgnJIJ, as KTAB does) and their compromise
    weighted by :math:`c_i s_i` and :math:`c_i s_j` (brgnIJ).
    """
    actors = position.shape[0]
    rule, adjust, commit, method = codes[1], codes[5], codes[6], codes[7]
    salience_total = np.empty(actors)
    for a in range(actors):
        salience_total[a] = pairwise_sum(np.ascontiguousarray(salience[a]), 0, salience.shape[1])
    weight = salience_total * capability
    columns = np.ascontiguousarray(distance.T)  # columns[j, n] = d[n, j]
    scratch = np.empty((5, actors + 8))
    plan = pairwise_plan(max(actors - 2, 0))
    for i in range(actors):
        believed, toward_i, at_home = estimator_view(distance, risk, adjust, i, i)
        bound = gain_bounds(toward_i[i], believed[i], distance[i], salience_total)
        bound[i] = -np.inf
        best, best_gain, best_probability = -1, -1.0, 0.0
        for j in np.argsort(-bound):  # most promising first; ties go to the first j, as in KTAB's scan
            if bound[j] + _BOUND_MARGIN < max(MIN_EXPECTED_GAIN, best_gain):
                break  # no later j can gain more than the best so far, nor as much
            p_win, value = contest(believed, toward_i, at_home, columns[j], weight, salience_total, i, i, j,
                                   rule, commit, scratch, plan)
            if MIN_EXPECTED_GAIN < value and (best_gain < value or (best_gain == value and j < best)):
                best, best_gain, best_probability = j, value, p_win
        target[i] = best
        if best < 0:
            continue
        j = best
        probability[i], gain[i] = best_probability, best_gain
        out = bargains[i]
        interpolate_bargain(position[i], salience[i], best_probability, position[j], salience[j],
                            1 - best_probability, method, out[0], out[1])
        seen = estimator_view(distance, risk, adjust, j, i)
        seen_by_j = contest(seen[0], seen[1], seen[2], columns[j], weight, salience_total, i, i, j, rule, commit,
                            scratch, plan)[1]
        interpolate_bargain(position[i], salience[i], seen_by_j, position[j], salience[j], 1 - seen_by_j,
                            method, out[2], out[3])
        w_i = capability[i] * salience_total[i]
        w_j = capability[i] * salience_total[j]  # KTAB weighs j's side by the initiator's capability
        if w_i + w_j <= 0:  # only with a capability of 0: the two views alike
            w_i = w_j = 1.0
        for k in range(position.shape[1]):
            out[4, k] = (w_i * out[0, k] + w_j * out[2, k]) / (w_i + w_j)
            out[5, k] = (w_i * out[1, k] + w_j * out[3, k]) / (w_i + w_j)
