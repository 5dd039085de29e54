"""The equations of KTAB's Spatial Model of Politics (SMP), as pure functions.

Re-derived from KAPSARC's KTAB (MIT licence; Wise, B. et al., "KTAB: the KAPSARC
Toolkit for Behavioral Analysis"), default parameters: Linear victory model,
Proportional voting, Conditional PCE, Mid risk range, OneThird risk adjustment,
SemiCommit third parties, S2P2 interpolated bargains. Positions and saliences
are on KTAB's internal [0, 1] scale (its CSV's 0-100 divided by 100).

Notation: ``i`` initiates a challenge, ``j`` receives it, ``k`` is the actor
whose gain is assessed, ``h`` the actor whose estimates are used, ``n`` a third party.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "MIN_COALITION",
    "POSITION_TOLERANCE",
    "bargain_utilities",
    "challenge",
    "coalition_strengths",
    "conditional_pce",
    "estimated_risk",
    "interpolate_bargain",
    "risk_from_probabilities",
    "risk_utility",
    "salience_distance",
    "scalar_pce",
    "unique_positions",
    "victory_probabilities",
]

MIN_COALITION = 1e-8
"""KTAB's floor on a coalition's strength (avoids 0/0)."""
POSITION_TOLERANCE = 1e-3
"""Positions closer than this (Euclidean, [0, 1] scale) count as the same position."""
_MIN_CHALLENGE_COALITION = 1e-10
_MIN_BARGAIN_WEIGHT = 1e-6


def salience_distance(ideal: np.ndarray, position: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """Salience-weighted Euclidean distance from each actor's ideal to each actor's position.

    .. math:: d_{ij} = \\sqrt{\\sum_k s_{ik}^2 (x^*_{ik} - x_{jk})^2 / \\sum_k s_{ik}^2}

    Parameters
    ----------
    ideal, position, salience : array (A, D)

    Returns
    -------
    array (A, A): ``d[i, j]`` judged by actor i.
    """
    gap = ideal[:, None, :] - position[None, :, :]
    weighted = (salience[:, None, :] * gap) ** 2
    return np.sqrt(weighted.sum(axis=-1) / (salience ** 2).sum(axis=-1)[:, None])


def risk_utility(distance: np.ndarray, risk: np.ndarray) -> np.ndarray:
    """KTAB's utility of a distance under risk attitude R in [-1, 1].

    .. math:: u(d, R) = (1 - d)(1 + d R) \\quad (d \\le 1), \\qquad (1 - d)(1 + R) \\quad (d > 1)
    """
    return np.where(distance <= 1, (1 - distance) * (1 + distance * risk), (1 - distance) * (1 + risk))


def coalition_strengths(weight: np.ndarray, utility: np.ndarray) -> np.ndarray:
    """Coalition strength for option i against option j under proportional voting.

    .. math:: c_{ij} = c_{\\min} + \\sum_k \\max(0, w_k (u_{ki} - u_{kj})), \\qquad c_{ii} = c_{\\min}

    Parameters
    ----------
    weight : array (A,)
        Voting weight of each actor.
    utility : array (A, M)
        Utility to each actor of each option.
    """
    votes = weight[:, None, None] * (utility[:, :, None] - utility[:, None, :])
    strengths = MIN_COALITION + np.maximum(votes, 0.0).sum(axis=0)
    np.fill_diagonal(strengths, MIN_COALITION)
    return strengths


def victory_probabilities(strengths: np.ndarray) -> np.ndarray:
    """Linear victory model: :math:`P[i > j] = c_{ij} / (c_{ij} + c_{ji})`, :math:`P[i > i] = 1/2`."""
    return strengths / (strengths + strengths.T)


def conditional_pce(victory: np.ndarray) -> np.ndarray:
    """Conditional probabilistic Condorcet election.

    .. math:: P_i = \\prod_j P[i > j] \\Big/ \\sum_m \\prod_j P[m > j]
    """
    beats_all = np.prod(victory, axis=1)
    return beats_all / beats_all.sum()


def scalar_pce(weight: np.ndarray, utility: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Probability each option wins: coalitions, pairwise victories, conditional PCE.

    Returns
    -------
    probabilities : array (M,)
    victory : array (M, M)
    strengths : array (M, M)
    """
    strengths = coalition_strengths(weight, utility)
    victory = victory_probabilities(strengths)
    return conditional_pce(victory), victory, strengths


def risk_from_probabilities(probability: np.ndarray) -> np.ndarray:
    """KTAB's "Mid" range: risk attitudes from each actor's election probability, in [-1/2, 1].

    .. math:: R_i = \\frac{3 p_i - (p_{\\max} + 2 p_{\\min})}{2 (p_{\\max} - p_{\\min})}
    """
    low, high = probability.min(), probability.max()
    if high - low <= 1e-15:  # every position equally likely: nobody stands out
        return np.zeros_like(probability)
    return (3 * probability - (high + 2 * low)) / (2 * (high - low))


def estimated_risk(risk: np.ndarray) -> np.ndarray:
    """Actor h's estimate of actor i's risk attitude ("OneThird" adjustment).

    .. math:: R^h_i = (2 R_h + R_i) / 3

    Returns
    -------
    array (A, A): ``[h, i]``.
    """
    return (2 * risk[:, None] + risk[None, :]) / 3


def challenge(utility: np.ndarray, capability: np.ndarray, salience_total: np.ndarray,
              k: int, i: int, j: int) -> tuple[float, float]:
    """An estimator's view of i challenging j: probability i wins and the expected gain to k.

    With :math:`U` the estimator's utility matrix, principals contribute
    :math:`s_i c_i (U_{ii} - U_{ij})` and :math:`s_j c_j (U_{ji} - U_{jj})` to the
    coalitions for i and for j. Each third party n first weighs the little contest
    it would join, :math:`p_n = C^n_i / (C^n_i + C^n_j)`, then votes its SemiCommit
    expected utilities

    .. math::
        v_n = s_n c_n \\big[ p_n (2U_{ni} + U_{nn}) + (1-p_n) 3U_{nj}
              - p_n 3U_{ni} - (1-p_n)(2U_{nj} + U_{nn}) \\big]

    so :math:`P[i > j] = C_i / (C_i + C_j)`. The gain to k of the challenge over the status quo is

    .. math::
        \\Delta_k = (1 - s_j) 2U_{ki} + s_j [P 2U_{ki} + (1-P) 2U_{kj}] - (U_{ki} + U_{kj})

    Parameters
    ----------
    utility : array (A, A)
        The estimator's risk-aware utilities, ``[actor, position]``.
    capability, salience_total : array (A,)
        Capability and summed salience of each actor.
    """
    weight = salience_total * capability
    contrib_i = weight[i] * (utility[i, i] - utility[i, j])
    contrib_j = weight[j] * (utility[j, i] - utility[j, j])
    for_i = _MIN_CHALLENGE_COALITION + max(contrib_i, 0.0) + max(contrib_j, 0.0)
    for_j = _MIN_CHALLENGE_COALITION + max(-contrib_i, 0.0) + max(-contrib_j, 0.0)
    base_i, base_j = for_i, for_j
    third = np.ones(len(weight), dtype=bool)
    third[[i, j]] = False
    u_ni, u_nj = utility[third, i], utility[third, j]
    u_nn = np.diag(utility)[third]
    w_n = weight[third]
    lean = w_n * (u_ni - u_nj)
    joined_i = base_i + np.maximum(lean, 0.0)
    joined_j = base_j + np.maximum(-lean, 0.0)
    p_n = joined_i / (joined_i + joined_j)
    with_i = p_n * (2 * u_ni + u_nn) + (1 - p_n) * (3 * u_nj)
    with_j = p_n * (3 * u_ni) + (1 - p_n) * (2 * u_nj + u_nn)
    votes = w_n * (with_i - with_j)
    for_i += np.maximum(votes, 0.0).sum()
    for_j += np.maximum(-votes, 0.0).sum()
    p_win = for_i / (for_i + for_j)
    victory, defeat = 2 * utility[k, i], 2 * utility[k, j]
    contest = p_win * victory + (1 - p_win) * defeat
    s_j = salience_total[j]
    gain = (1 - s_j) * victory + s_j * contest - (utility[k, i] + utility[k, j])
    return float(p_win), float(gain)


def interpolate_bargain(position_i: np.ndarray, salience_i: np.ndarray, p_i: float,
                        position_j: np.ndarray, salience_j: np.ndarray, p_j: float
                        ) -> tuple[np.ndarray, np.ndarray]:
    """S2P2 bargain: each dimension interpolated by squared salience x squared probability.

    .. math::
        w_{ik} = s_{ik}^2 p_i^2, \\quad
        b_{ik} = \\frac{(w_{ik} + \\epsilon) x_{ik} + w_{jk} x_{jk}}{w_{ik} + \\epsilon + w_{jk}}, \\quad
        b_{jk} = \\frac{w_{ik} x_{ik} + (w_{jk} + \\epsilon) x_{jk}}{w_{ik} + \\epsilon + w_{jk}}

    with :math:`\\epsilon = 10^{-6}`, each rounded to 4 decimals as KTAB does.

    Returns
    -------
    (bargain for i, bargain for j)
    """
    w_i = salience_i ** 2 * p_i ** 2
    w_j = salience_j ** 2 * p_j ** 2
    total = w_i + _MIN_BARGAIN_WEIGHT + w_j
    b_i = ((w_i + _MIN_BARGAIN_WEIGHT) * position_i + w_j * position_j) / total
    b_j = (w_i * position_i + (_MIN_BARGAIN_WEIGHT + w_j) * position_j) / total
    return _round4(b_i), _round4(b_j)


def _round4(x: np.ndarray) -> np.ndarray:
    """KTAB's rounding: ``int(0.5 + 10000 x) / 10000`` (x >= 0)."""
    return np.floor(0.5 + x * 10000.0) / 10000.0


def bargain_utilities(own_risk_utility: np.ndarray, position: np.ndarray, salience: np.ndarray,
                      risk: np.ndarray, bargains: list[tuple[int, int, np.ndarray, np.ndarray]]
                      ) -> np.ndarray:
    """Utility to each actor of the state each bargain would produce, averaged over positions.

    For a bargain between i and j, every other position stays put; actor a values the new
    state at :math:`\\frac{1}{A}\\big(u_a(b_i) + u_a(b_j) + \\sum_{n \\ne i, j} U^a_{an}\\big)`;
    the status-quo "bargain" (i = j) at :math:`\\frac{1}{A}\\sum_n U^a_{an}`.

    Parameters
    ----------
    own_risk_utility : array (A, A)
        ``[a, n]``: actor a's own risk-aware utility of position n.
    bargains : list of (i, j, position for i, position for j)

    Returns
    -------
    array (A, B)
    """
    count = len(position)
    table = np.empty((count, len(bargains)))
    total = own_risk_utility.sum(axis=1)
    for m, (i, j, b_i, b_j) in enumerate(bargains):
        if i == j:
            table[:, m] = total / count
            continue
        u_bi = risk_utility(salience_distance(position, b_i[None, :], salience)[:, 0], risk)
        u_bj = risk_utility(salience_distance(position, b_j[None, :], salience)[:, 0], risk)
        others = total - own_risk_utility[:, i] - own_risk_utility[:, j]
        table[:, m] = (u_bi + u_bj + others) / count
    return table


def unique_positions(position: np.ndarray, tolerance: float = POSITION_TOLERANCE) -> tuple[list[int], list[int]]:
    """Indices of distinct positions (the first of each group) and each actor's group index."""
    unique: list[int] = []
    group: list[int] = []
    for i, p in enumerate(position):
        for g, u in enumerate(unique):
            if np.linalg.norm(p - position[u]) < tolerance:
                group.append(g)
                break
        else:
            group.append(len(unique))
            unique.append(i)
    return unique, group
