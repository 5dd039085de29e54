"""KTAB's votes, coalitions and probabilistic Condorcet elections (PCE), compiled.

Each function works on one election: ``V`` voters of weight :math:`w_k` valuing
``M`` options at :math:`u_{km}`. KTAB's options are coded by their position in
:attr:`sim.ktab.smp_math.SMPParameters.CHOICES` (:data:`PROP`, ...). Sums run in
NumPy's order (:mod:`sim.ktab.numpy_sum`), products left to right.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from sim.ktab.numpy_sum import pairwise_plan, pairwise_sum

__all__ = [
    "ASYMPROSP",
    "BINARY",
    "CUBIC",
    "PROP",
    "PROPBIN",
    "PROPCBC",
    "coalition_strengths",
    "conditional_pce",
    "markov_incentive_pce",
    "markov_uniform_pce",
    "pce",
    "victory_probabilities",
    "vote",
]

# VotingRule codes (index in SMPParameters.CHOICES["VotingRule"])
BINARY, PROPBIN, PROP, PROPCBC, CUBIC, ASYMPROSP = range(6)
# VictoryProbModel codes
LINEAR, SQUARE, QUARTIC, OCTIC, BINARY_VICTORY = range(5)
# PCEModel codes
CONDITIONAL, MARKOV_INCENTIVE, MARKOV_UNIFORM = range(3)

MIN_COALITION = 1e-8
"""KTAB's floor on a coalition's strength (avoids 0/0)."""
_BINARY_THRESHOLD = 1.10


@numba.njit(cache=True, error_model="numpy")
def vote(rule: int, weight: float, gain: float) -> float:
    r"""KTAB's vote of a voter of weight w for a utility difference du, by voting rule.

    Prop: :math:`w\,du`; Binary: :math:`w\,\mathrm{clip}(du/10^{-8}, -1, 1)`; PropBin:
    :math:`w(0.8\,du + 0.2\,\mathrm{bin})`; Cubic: :math:`w\,du^3`; PropCbc:
    :math:`w(du + du^3)/2`; ASymProsp: :math:`w\,du` for losses, :math:`\tfrac23 w\,du` for gains.
    """
    if rule == PROP:
        return weight * gain
    binary = min(max(gain / 1e-8, -1.0), 1.0)
    if rule == BINARY:
        return weight * binary
    if rule == PROPBIN:
        return weight * (0.8 * gain + 0.2 * binary)
    if rule == CUBIC:
        return weight * math.pow(gain, 3.0)
    if rule == PROPCBC:
        return weight * (0.5 * gain + 0.5 * math.pow(gain, 3.0))
    if gain > 0:  # ASymProsp
        return 2.0 * weight * gain / 3.0
    return weight * gain


@numba.njit(cache=True, error_model="numpy")
def coalition_strengths(weight: np.ndarray, utility: np.ndarray, rule: int, pairwise_voters: bool = False
                        ) -> np.ndarray:
    r"""Coalition strength for option i against option j.

    .. math:: c_{ij} = c_{\min} + \sum_k \max(0, v(w_k, u_{ki} - u_{kj})), \qquad c_{ii} = c_{\min}

    ``weight`` (V,), ``utility`` (V, M); returns (M, M). The sum over voters k runs in
    order, or in NumPy's pairwise order with ``pairwise_voters`` (the order NumPy used
    for the election over distinct positions, whose utility table was column-major).
    """
    voters, options = utility.shape
    strengths = np.zeros((options, options))
    if pairwise_voters and rule == PROP:
        _prop_strengths_pairwise(weight, utility, strengths)
    elif pairwise_voters:
        by_option = np.ascontiguousarray(utility.T)
        votes = np.empty(voters)
        for i in range(options):
            for j in range(options):
                if rule == PROP:
                    for k in range(voters):
                        votes[k] = max(weight[k] * (by_option[i, k] - by_option[j, k]), 0.0)
                else:
                    for k in range(voters):
                        votes[k] = max(vote(rule, weight[k], by_option[i, k] - by_option[j, k]), 0.0)
                strengths[i, j] = pairwise_sum(votes, 0, voters)
    else:
        for i in range(options):
            row = strengths[i]
            for k in range(voters):
                w = weight[k]
                u_ki = utility[k, i]
                u_k = utility[k]
                if rule == PROP:
                    for j in range(options):
                        row[j] += max(w * (u_ki - u_k[j]), 0.0)
                else:
                    for j in range(options):
                        row[j] += max(vote(rule, w, u_ki - u_k[j]), 0.0)
    for i in range(options):
        for j in range(options):
            strengths[i, j] = MIN_COALITION + strengths[i, j]
        strengths[i, i] = MIN_COALITION
    return strengths


@numba.njit(cache=True, error_model="numpy")
def _prop_strengths_pairwise(weight: np.ndarray, utility: np.ndarray, strengths: np.ndarray) -> None:
    r""":math:`\sum_k \max(0, w_k (u_{ki} - u_{kj}))` for every (i, j), summed over k in NumPy's pairwise order.

    Runs :func:`sim.ktab.numpy_sum.pairwise_plan` for all j at once (row i of the result
    at a time), so that the innermost loops run along contiguous rows of ``utility``.
    """
    voters, options = utility.shape
    plan = pairwise_plan(voters)
    partial = np.empty((plan.shape[0] + 1, options))
    lanes = np.empty((8, options))
    for i in range(options):
        top = 0
        for step in range(plan.shape[0]):
            start, length = plan[step, 0], plan[step, 1]
            if length < 0:
                left, right = partial[top - 2], partial[top - 1]
                for j in range(options):
                    left[j] = left[j] + right[j]
                top -= 1
                continue
            out = partial[top]
            top += 1
            whole = 0
            if length < 8:
                out[:] = 0.0
            else:
                for lane in range(8):
                    k = start + lane
                    w, u_ki, u_k, acc = weight[k], utility[k, i], utility[k], lanes[lane]
                    for j in range(options):
                        acc[j] = max(w * (u_ki - u_k[j]), 0.0)
                whole = length - length % 8
                for block in range(8, whole, 8):
                    for lane in range(8):
                        k = start + block + lane
                        w, u_ki, u_k, acc = weight[k], utility[k, i], utility[k], lanes[lane]
                        for j in range(options):
                            acc[j] += max(w * (u_ki - u_k[j]), 0.0)
                for j in range(options):
                    out[j] = ((lanes[0, j] + lanes[1, j]) + (lanes[2, j] + lanes[3, j])) + (
                        (lanes[4, j] + lanes[5, j]) + (lanes[6, j] + lanes[7, j]))
            for k in range(start + whole, start + length):
                w, u_ki, u_k = weight[k], utility[k, i], utility[k]
                for j in range(options):
                    out[j] += max(w * (u_ki - u_k[j]), 0.0)
        strengths[i] = partial[0]


@numba.njit(cache=True, error_model="numpy")
def victory_probabilities(strengths: np.ndarray, model: int) -> np.ndarray:
    r"""P[i > j] from coalition strengths, by KTAB's victory model; :math:`P[i > i] = 1/2`.

    Linear, Square, Quartic, Octic: :math:`x = c^n` with n = 1, 2, 4, 8 and
    :math:`P[i > j] = x_{ij} / (x_{ij} + x_{ji})`. Binary: certain victory with a 10%
    advantage, linear in the strength share :math:`r = c_{ij}/(c_{ij} + c_{ji})` between,
    :math:`(2.1 r - 1) / 0.1`.
    """
    count = strengths.shape[0]
    result = np.empty((count, count))
    if model == BINARY_VICTORY:
        for i in range(count):
            for j in range(count):
                c_ij, c_ji = strengths[i, j], strengths[j, i]
                if c_ij >= _BINARY_THRESHOLD * c_ji:
                    result[i, j] = 1.0 / (1.0 + 1e-6)
                elif c_ji >= _BINARY_THRESHOLD * c_ij:
                    result[i, j] = 1e-6 / (1.0 + 1e-6)
                else:
                    share = c_ij / (c_ij + c_ji)
                    scaled = (share * (_BINARY_THRESHOLD + 1.0) - 1.0) / (_BINARY_THRESHOLD - 1.0)
                    result[i, j] = min(max(scaled, 0.0), 1.0)
    else:
        power = np.empty((count, count))
        for i in range(count):
            for j in range(count):
                c = strengths[i, j]
                if model == LINEAR:
                    power[i, j] = c
                elif model == SQUARE:
                    power[i, j] = c * c
                else:
                    power[i, j] = math.pow(c, 4.0 if model == QUARTIC else 8.0)
        for i in range(count):
            for j in range(count):
                result[i, j] = power[i, j] / (power[i, j] + power[j, i])
    for i in range(count):
        result[i, i] = 0.5
    return result


@numba.njit(cache=True, error_model="numpy")
def conditional_pce(victory: np.ndarray) -> np.ndarray:
    r"""Conditional probabilistic Condorcet election.

    .. math:: P_i = \prod_j P[i > j] \Big/ \sum_m \prod_j P[m > j]
    """
    count = victory.shape[0]
    beats_all = np.empty(count)
    for i in range(count):
        product = 1.0
        for j in range(count):
            product *= victory[i, j]
        beats_all[i] = product
    return beats_all / pairwise_sum(beats_all, 0, count)


@numba.njit(cache=True, error_model="numpy")
def markov_uniform_pce(victory: np.ndarray, tolerance: float = 1e-6) -> np.ndarray:
    r"""Markov PCE with uniform challenges.

    Iterate :math:`q_i = \frac1M \sum_j P[i>j](p_i + p_j)`, :math:`p \leftarrow (p + q)/2` from
    the uniform distribution until no entry of q differs from p by more than the tolerance.
    """
    count = victory.shape[0]
    p = np.full(count, 1.0 / count)
    q = np.empty(count)
    terms = np.empty(count)
    while True:
        change = 0.0
        for i in range(count):
            for j in range(count):
                terms[j] = victory[i, j] * (p[i] + p[j])
            q[i] = pairwise_sum(terms, 0, count) / count
            change = max(change, abs(q[i] - p[i]))
        p = (p + q) / 2.0
        if change <= tolerance:
            return p


@numba.njit(cache=True, error_model="numpy")
def markov_incentive_pce(strengths: np.ndarray, victory: np.ndarray, tolerance: float = 1e-8) -> np.ndarray:
    r"""Markov PCE where challenges come in proportion to the incentive :math:`n_{ij} = c_{ij} P[i>j]`.

    With :math:`C_{ij} = n_{ij} / \sum_k n_{kj}` the chance that i challenges a favourite j,
    iterate :math:`q_i = \sum_j P[i>j](p_i C_{ji} + p_j C_{ij})`, :math:`p \leftarrow (p+q)/2`.
    """
    count = victory.shape[0]
    incentive = np.empty((count, count))
    for i in range(count):
        for j in range(count):
            incentive[i, j] = strengths[i, j] * victory[i, j] + (1e-10 if i == j else 0.0)
    column = np.zeros(count)
    for i in range(count):
        for j in range(count):
            column[j] += incentive[i, j]
    challenge = incentive / column.reshape(1, count)
    p = np.full(count, 1.0 / count)
    q = np.empty(count)
    terms = np.empty(count)
    while True:
        change = 0.0
        for i in range(count):
            for j in range(count):
                terms[j] = victory[i, j] * (p[i] * challenge[j, i] + p[j] * challenge[i, j])
            q[i] = pairwise_sum(terms, 0, count)
            change = max(change, abs(q[i] - p[i]))
        p = (p + q) / 2.0
        if change <= tolerance:
            return p


@numba.njit(cache=True, error_model="numpy")
def pce(weight: np.ndarray, utility: np.ndarray, rule: int, model: int, pce_model: int,
        pairwise_voters: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Probability each option wins: coalitions (:func:`coalition_strengths`), pairwise victories, then the PCE model.

    Returns (probabilities (M,), victory (M, M), strengths (M, M)).
    """
    strengths = coalition_strengths(weight, utility, rule, pairwise_voters)
    victory = victory_probabilities(strengths, model)
    if pce_model == CONDITIONAL:
        probability = conditional_pce(victory)
    elif pce_model == MARKOV_UNIFORM:
        probability = markov_uniform_pce(victory, 1e-6)
    else:
        probability = markov_incentive_pce(strengths, victory, 1e-8)
    return probability, victory, strengths
