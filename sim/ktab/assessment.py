"""KTAB's assessment of a state: distances, utilities, risk attitudes and who is likely to win, compiled.

Notation as in :mod:`sim.ktab.smp_math`: positions and saliences (A, D) on KTAB's
[0, 1] scale; ``h`` the actor whose estimates are used. Sums over dimensions and
actors run in NumPy's order (:mod:`sim.ktab.numpy_sum`).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from sim.ktab.elections import PROP, pce
from sim.ktab.numpy_sum import pairwise_sum

__all__ = ["MIN_RISK_SPREAD", "POSITION_TOLERANCE", "assess", "believed_risk", "risk_from_probabilities",
           "risk_utility", "salience_distance", "unique_positions"]

POSITION_TOLERANCE = 1e-3
"""Positions closer than this (Euclidean, [0, 1] scale) count as the same position."""
MIN_RISK_SPREAD = 1e-15
"""When the election probabilities spread less than this, nobody stands out: every risk attitude is 0."""

# BigRRange codes (index in SMPParameters.CHOICES["BigRRange"]) and BigRAdjust codes
RANGE_MIN, RANGE_MID, RANGE_MAX = range(3)
ADJUST_NONE, ADJUST_ONE_THIRD, ADJUST_HALF, ADJUST_TWO_THIRDS, ADJUST_FULL = range(5)


@numba.njit(cache=True, error_model="numpy")
def salience_distance(ideal: np.ndarray, position: np.ndarray, salience: np.ndarray) -> np.ndarray:
    r"""Salience-weighted Euclidean distance from each actor's ideal to each position.

    .. math:: d_{ij} = \sqrt{\sum_k s_{ik}^2 (x^*_{ik} - x_{jk})^2 / \sum_k s_{ik}^2}

    and :math:`d_{ij} = 0` for an actor with no salience at all (it is indifferent).
    ``ideal``, ``salience`` (A, D), ``position`` (B, D); returns (A, B), judged by the ideal's actor.
    """
    actors, dims = ideal.shape
    count = position.shape[0]
    distance = np.empty((actors, count))
    squares = np.empty(dims)
    for a in range(actors):
        for k in range(dims):
            squares[k] = salience[a, k] * salience[a, k]
        total = pairwise_sum(squares, 0, dims)
        for b in range(count):
            for k in range(dims):
                weighted = salience[a, k] * (ideal[a, k] - position[b, k])
                squares[k] = weighted * weighted
            distance[a, b] = math.sqrt(pairwise_sum(squares, 0, dims) / total) if total > 0 else 0.0
    return distance


@numba.njit(cache=True, error_model="numpy")
def risk_utility(distance: float, risk: float) -> float:
    r"""KTAB's utility of a distance under risk attitude R in [-1, 1].

    .. math:: u(d, R) = (1 - d)(1 + d R) \quad (d \le 1), \qquad (1 - d)(1 + R) \quad (d > 1)
    """
    if distance <= 1:
        return (1 - distance) * (1 + distance * risk)
    return (1 - distance) * (1 + risk)


@numba.njit(cache=True, error_model="numpy")
def believed_risk(own: float, theirs: float, adjust: int) -> float:
    r"""Actor h's estimate of actor i's risk attitude, by KTAB's BigRAdjust.

    .. math:: R^h_i = R_h \text{ (None)}, \; (2R_h + R_i)/3 \text{ (OneThird)}, \; (R_h + R_i)/2 \text{ (Half)},
              \; (R_h + 2R_i)/3 \text{ (TwoThirds)}, \; R_i \text{ (Full)}
    """
    if adjust == ADJUST_ONE_THIRD:
        return (2 * own + theirs) / 3
    if adjust == ADJUST_HALF:
        return (own + theirs) / 2
    if adjust == ADJUST_TWO_THIRDS:
        return (own + 2 * theirs) / 3
    if adjust == ADJUST_NONE:
        return own + 0 * theirs
    return theirs + 0 * own


@numba.njit(cache=True, error_model="numpy")
def risk_from_probabilities(probability: np.ndarray, big_r_range: int) -> np.ndarray:
    r"""Risk attitudes from each actor's election probability, by KTAB's BigRRange.

    .. math::
        \text{Min: } \frac{p_i - p_{\min}}{p_{\max} - p_{\min}}, \quad
        \text{Mid: } \frac{3 p_i - (p_{\max} + 2 p_{\min})}{2 (p_{\max} - p_{\min})}, \quad
        \text{Max: } \frac{2 p_i - (p_{\max} + p_{\min})}{p_{\max} - p_{\min}}

    in [0, 1], [-1/2, 1] and [-1, 1]; zero for everyone when every probability is equal.
    """
    low, high = probability.min(), probability.max()
    if high - low <= MIN_RISK_SPREAD:
        return np.zeros_like(probability)
    if big_r_range == RANGE_MIN:
        return (probability - low) / (high - low)
    if big_r_range == RANGE_MAX:
        return (2 * probability - (high + low)) / (high - low)
    return (3 * probability - (high + 2 * low)) / (2 * (high - low))


@numba.njit(cache=True, error_model="numpy")
def unique_positions(position: np.ndarray, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """Indices of distinct positions (the first of each group) and each actor's group index.

    Two positions are the same when their Euclidean distance is below ``tolerance``.
    """
    actors, dims = position.shape
    unique = np.empty(actors, np.int64)
    group = np.empty(actors, np.int64)
    found = 0
    for i in range(actors):
        group[i] = -1
        for g in range(found):
            u = unique[g]
            square = 0.0
            for k in range(dims):
                gap = position[i, k] - position[u, k]
                square += gap * gap
            if math.sqrt(square) < tolerance:
                group[i] = g
                break
        if group[i] < 0:
            group[i] = found
            unique[found] = i
            found += 1
    return unique[:found], group


@numba.njit(cache=True, error_model="numpy")
def assess(position: np.ndarray, salience: np.ndarray, capability: np.ndarray, codes: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Assess a state as KTAB does before each turn.

    1. :math:`d_{ij}` (:func:`salience_distance`) and risk-neutral utilities :math:`u^0_{ij} = 1 - d_{ij}`;
    2. a PCE over every actor's position, each actor voting its capability with :math:`u^0`,
       gives :math:`p_i`, whence the risk attitudes :math:`R_i` (:func:`risk_from_probabilities`);
    3. each actor's own risk-aware utilities :math:`U^a_{an} = u(d_{an}, R^a_a)`;
    4. a PCE over the distinct positions (KTAB's SMPState::pDist, always Prop voting), each
       actor voting with :math:`U^a_{a\cdot}`: every actor gets its position's probability
       (voters summed in NumPy's pairwise order, as the NumPy implementation did).

    ``codes`` are the SMP parameters' codes (:meth:`sim.ktab.smp_math.SMPParameters.codes`).

    Returns
    -------
    distance (A, A), risk-neutral utility (A, A), risk (A,), own utility (A, A), win probability (A,)
    """
    actors = position.shape[0]
    distance = salience_distance(position, position, salience)
    neutral = np.empty((actors, actors))
    for i in range(actors):
        for j in range(actors):
            neutral[i, j] = risk_utility(distance[i, j], 0.0)
    probability = pce(capability, neutral, codes[1], codes[0], codes[2])[0]
    risk = risk_from_probabilities(probability, codes[4])
    own = np.empty((actors, actors))
    for a in range(actors):
        mine = believed_risk(risk[a], risk[a], codes[5])
        for n in range(actors):
            own[a, n] = risk_utility(distance[a, n], mine)
    unique, group = unique_positions(position, POSITION_TOLERANCE)
    options = np.empty((actors, unique.shape[0]))
    for a in range(actors):
        for u in range(unique.shape[0]):
            options[a, u] = own[a, unique[u]]
    by_position = pce(capability, options, PROP, codes[0], codes[2], True)[0]
    win = np.empty(actors)
    for a in range(actors):
        win[a] = by_position[group[a]]
    return distance, neutral, risk, own, win
