r"""KTAB's elections among bargains: each actor's choice of which bargain involving it to adopt, compiled.

Every challenge i -> j offers one or two bargains (pairs of positions for i and for j,
by BargnModel: :func:`offered_pairs`). Actor k's options are keeping its position and
every bargain offered by or to it, in the order KTAB lists them: the status quo, then by
initiator i = 0, 1, ... the bargains of i's challenge when i = k or i challenged k.
"""

from __future__ import annotations

import numba
import numpy as np

from sim.ktab.assessment import risk_utility, salience_distance
from sim.ktab.elections import pce
from sim.ktab.numpy_sum import pairwise_sum

__all__ = ["INIT_ONLY", "INIT_RCVR", "PW_COMP", "bargain_elections", "offered_pairs", "option_count"]

# BargnModel codes (index in SMPParameters.CHOICES["BargnModel"])
INIT_ONLY, INIT_RCVR, PW_COMP = range(3)


@numba.njit(cache=True, error_model="numpy")
def offered_pairs(model: int) -> np.ndarray:
    """Which of a challenge's bargains (0: brgnIIJ, 1: brgnJIJ, 2: brgnIJ) are offered, by BargnModel."""
    if model == INIT_ONLY:
        return np.array([0])
    if model == INIT_RCVR:
        return np.array([0, 1])
    return np.array([2])


@numba.njit(cache=True, error_model="numpy")
def option_count(target: np.ndarray, model: int) -> np.ndarray:
    """How many options each actor's election has: 1 + offers per challenge x challenges by or to it."""
    actors = target.shape[0]
    offers = offered_pairs(model).shape[0]
    count = np.ones(actors, np.int64)
    for i in range(actors):
        if target[i] >= 0:
            count[i] += offers
            count[target[i]] += offers
    return count


@numba.njit(cache=True, error_model="numpy")
def bargain_elections(position: np.ndarray, salience: np.ndarray, capability: np.ndarray, risk: np.ndarray,
                      own: np.ndarray, target: np.ndarray, bargains: np.ndarray, codes: np.ndarray,
                      challenger: np.ndarray, pair: np.ndarray, probability: np.ndarray, total: np.ndarray) -> None:
    r"""Each actor's PCE among the bargains involving it, written into the output arrays.

    Voter a values the state a bargain between i and j would produce, every other position
    staying put, at

    .. math:: V_a = \frac{1}{A}\Big(u(d_a(b_i), R_a) + u(d_a(b_j), R_a) + \sum_{n \ne i, j} U^a_{an}\Big)

    and the status quo at :math:`\frac1A \sum_n U^a_{an}` (``own[a, n]`` is :math:`U^a_{an}`).
    Each election is a PCE (:func:`sim.ktab.elections.pce`) with capabilities as weights.

    Writes, per actor k and option m: ``challenger[k, m]`` (i, or k for the status quo),
    ``pair[k, m]`` (the bargain pair of i's challenge, -1 for the status quo),
    ``probability[k, m]`` and ``total[k]``, the sum of k's probabilities (in NumPy's order).
    """
    actors = position.shape[0]
    offers = offered_pairs(codes[8])
    rule, model, pce_model = codes[1], codes[0], codes[2]
    own_total = np.empty(actors)
    for a in range(actors):
        own_total[a] = pairwise_sum(np.ascontiguousarray(own[a]), 0, actors)
    # value[i, o, a]: voter a's value of the state after the o-th bargain of i's challenge
    value = np.zeros((actors, offers.shape[0], actors))
    for i in range(actors):
        j = target[i]
        if j < 0:
            continue
        for o in range(offers.shape[0]):
            pair_positions = np.ascontiguousarray(bargains[i, 2 * offers[o]:2 * offers[o] + 2])
            distance = salience_distance(position, pair_positions, salience)
            for a in range(actors):
                others = own_total[a] - own[a, i] - own[a, j]
                value[i, o, a] = (risk_utility(distance[a, 0], risk[a]) + risk_utility(distance[a, 1], risk[a])
                                  + others) / actors
    for k in range(actors):
        count = 1
        for i in range(actors):
            if target[i] >= 0 and (i == k or target[i] == k):
                count += offers.shape[0]
        values = np.empty((actors, count))
        for a in range(actors):
            values[a, 0] = own_total[a] / actors
        challenger[k, 0], pair[k, 0] = k, -1
        m = 1
        for i in range(actors):
            if target[i] >= 0 and (i == k or target[i] == k):
                for o in range(offers.shape[0]):
                    for a in range(actors):
                        values[a, m] = value[i, o, a]
                    challenger[k, m], pair[k, m] = i, offers[o]
                    m += 1
        chances = pce(capability, values, rule, model, pce_model)[0]
        probability[k, :count] = chances
        total[k] = pairwise_sum(chances, 0, count)
