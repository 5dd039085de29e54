"""The equations of KTAB's Spatial Model of Politics (SMP), as pure functions.

Re-derived from KAPSARC's KTAB (MIT licence; Wise, B. et al., "KTAB: the KAPSARC
Toolkit for Behavioral Analysis"). Every function takes KTAB's parameter by its
KTAB name (:class:`SMPParameters`); the defaults are KTAB's: Linear victory model,
Prop voting, Conditional PCE, Mid risk range, OneThird risk adjustment, SemiCommit
third parties, S2P2 interpolated bargains. Positions and saliences are on KTAB's
internal [0, 1] scale (its CSV's 0-100 divided by 100).

Notation: ``i`` initiates a challenge, ``j`` receives it, ``k`` is the actor
whose gain is assessed, ``h`` the actor whose estimates are used, ``n`` a third party.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "DEFAULTS",
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
    "markov_incentive_pce",
    "markov_uniform_pce",
    "salience_distance",
    "scalar_pce",
    "unique_positions",
    "victory_probabilities",
    "vote",
    "SMPParameters",
]

MIN_COALITION = 1e-8
"""KTAB's floor on a coalition's strength (avoids 0/0)."""
POSITION_TOLERANCE = 1e-3
"""Positions closer than this (Euclidean, [0, 1] scale) count as the same position."""
_MIN_CHALLENGE_COALITION = 1e-10
_MIN_BARGAIN_WEIGHT = 1e-6


@dataclass(frozen=True)
class SMPParameters:
    """KTAB's SMP parameters, under KTAB's names and values (defaults: KTAB's).

    Attributes
    ----------
    VictoryProbModel : "Linear" | "Square" | "Quartic" | "Octic" | "Binary"
    VotingRule : "Binary" | "PropBin" | "Prop" | "PropCbc" | "Cubic" | "ASymProsp"
    PCEModel : "Conditional" | "MarkovIncentive" | "MarkovUniform"
    StateTransitions : "Deterministic" | "Stochastic"
    BigRRange : "Min" | "Mid" | "Max"
    BigRAdjust : "None" | "OneThird" | "Half" | "TwoThirds" | "Full"
    ThirdPartyCommit : "NoCommit" | "SemiCommit" | "FullCommit"
    InterVecBrgn : "S1P1" | "S2P2" | "S2PMax"
    BargnModel : "InitOnlyInterp" | "InitRcvrInterp" | "PWCompInterp"
    """

    VictoryProbModel: str = "Linear"
    VotingRule: str = "Prop"
    PCEModel: str = "Conditional"
    StateTransitions: str = "Deterministic"
    BigRRange: str = "Mid"
    BigRAdjust: str = "OneThird"
    ThirdPartyCommit: str = "SemiCommit"
    InterVecBrgn: str = "S2P2"
    BargnModel: str = "InitOnlyInterp"

    CHOICES = {
        "VictoryProbModel": ("Linear", "Square", "Quartic", "Octic", "Binary"),
        "VotingRule": ("Binary", "PropBin", "Prop", "PropCbc", "Cubic", "ASymProsp"),
        "PCEModel": ("Conditional", "MarkovIncentive", "MarkovUniform"),
        "StateTransitions": ("Deterministic", "Stochastic"),
        "BigRRange": ("Min", "Mid", "Max"),
        "BigRAdjust": ("None", "OneThird", "Half", "TwoThirds", "Full"),
        "ThirdPartyCommit": ("NoCommit", "SemiCommit", "FullCommit"),
        "InterVecBrgn": ("S1P1", "S2P2", "S2PMax"),
        "BargnModel": ("InitOnlyInterp", "InitRcvrInterp", "PWCompInterp"),
    }

    def __post_init__(self) -> None:
        for name, allowed in self.CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {getattr(self, name)!r}")


DEFAULTS = SMPParameters()


def vote(rule: str, weight, gain):
    r"""KTAB's vote of a voter of weight w for a utility difference du, by voting rule.

    Prop: :math:`w\,du`; Binary: :math:`w\,\mathrm{clip}(du/10^{-8}, -1, 1)`; PropBin:
    :math:`w(0.8\,du + 0.2\,\mathrm{bin})`; Cubic: :math:`w\,du^3`; PropCbc:
    :math:`w(du + du^3)/2`; ASymProsp: :math:`w\,du` for losses, :math:`\tfrac23 w\,du` for gains.
    """
    if rule == "Prop":
        return weight * gain
    binary = np.clip(np.asarray(gain) / 1e-8, -1.0, 1.0)
    if rule == "Binary":
        return weight * binary
    if rule == "PropBin":
        return weight * (0.8 * gain + 0.2 * binary)
    if rule == "Cubic":
        return weight * gain ** 3
    if rule == "PropCbc":
        return weight * (0.5 * gain + 0.5 * gain ** 3)
    if rule == "ASymProsp":
        return np.where(np.asarray(gain) > 0, 2.0 * weight * gain / 3.0, weight * gain)
    raise ValueError(f"unknown voting rule {rule!r}")


def salience_distance(ideal: np.ndarray, position: np.ndarray, salience: np.ndarray) -> np.ndarray:
    """Salience-weighted Euclidean distance from each actor's ideal to each actor's position.

    .. math:: d_{ij} = \\sqrt{\\sum_k s_{ik}^2 (x^*_{ik} - x_{jk})^2 / \\sum_k s_{ik}^2}

    An actor with no salience on any dimension is indifferent: :math:`d_{ij} = 0` to every
    position (the 0/0 above), so it values every position at 1, as the engine's utility
    (:func:`sim.kernel.utility.salience_weights`) does. Its vote weight, capability x summed
    salience, is 0 too, so it sways no election and never gains from a challenge.

    Parameters
    ----------
    ideal, position, salience : array (A, D)

    Returns
    -------
    array (A, A): ``d[i, j]`` judged by actor i.
    """
    gap = ideal[:, None, :] - position[None, :, :]
    weighted = (salience[:, None, :] * gap) ** 2
    total = np.broadcast_to((salience ** 2).sum(axis=-1)[:, None], weighted.shape[:2])
    return np.sqrt(np.divide(weighted.sum(axis=-1), total, out=np.zeros(total.shape), where=total > 0))


def risk_utility(distance: np.ndarray, risk: np.ndarray) -> np.ndarray:
    """KTAB's utility of a distance under risk attitude R in [-1, 1].

    .. math:: u(d, R) = (1 - d)(1 + d R) \\quad (d \\le 1), \\qquad (1 - d)(1 + R) \\quad (d > 1)
    """
    return np.where(distance <= 1, (1 - distance) * (1 + distance * risk), (1 - distance) * (1 + risk))


def coalition_strengths(weight: np.ndarray, utility: np.ndarray, rule: str = "Prop") -> np.ndarray:
    """Coalition strength for option i against option j.

    .. math:: c_{ij} = c_{\\min} + \\sum_k \\max(0, v(w_k, u_{ki} - u_{kj})), \\qquad c_{ii} = c_{\\min}

    Parameters
    ----------
    weight : array (A,)
        Voting weight of each actor.
    utility : array (A, M)
        Utility to each actor of each option.
    rule : str
        KTAB voting rule (:func:`vote`).
    """
    votes = vote(rule, weight[:, None, None], utility[:, :, None] - utility[:, None, :])
    strengths = MIN_COALITION + np.maximum(votes, 0.0).sum(axis=0)
    np.fill_diagonal(strengths, MIN_COALITION)
    return strengths


_POWERS = {"Linear": 1, "Square": 2, "Quartic": 4, "Octic": 8}
_BINARY_THRESHOLD = 1.10


def victory_probabilities(strengths: np.ndarray, model: str = "Linear") -> np.ndarray:
    """P[i > j] from coalition strengths, by KTAB's victory model; :math:`P[i > i] = 1/2`.

    Linear, Square, Quartic, Octic: :math:`x = c^n` with n = 1, 2, 4, 8 and
    :math:`P[i > j] = x_{ij} / (x_{ij} + x_{ji})`. Binary: certain victory with a 10%
    advantage, linear in the strength share :math:`r = c_{ij}/(c_{ij} + c_{ji})` between,
    :math:`(2.1 r - 1) / 0.1`.
    """
    if model in _POWERS:
        x = strengths ** _POWERS[model]
        result = x / (x + x.T)
    elif model == "Binary":
        share = strengths / (strengths + strengths.T)
        result = np.clip((share * (_BINARY_THRESHOLD + 1.0) - 1.0) / (_BINARY_THRESHOLD - 1.0), 0.0, 1.0)
        ahead = strengths >= _BINARY_THRESHOLD * strengths.T
        behind = strengths.T >= _BINARY_THRESHOLD * strengths
        result = np.where(ahead, 1.0 / (1.0 + 1e-6), np.where(behind, 1e-6 / (1.0 + 1e-6), result))
    else:
        raise ValueError(f"unknown victory model {model!r}")
    np.fill_diagonal(result, 0.5)
    return result


def conditional_pce(victory: np.ndarray) -> np.ndarray:
    """Conditional probabilistic Condorcet election.

    .. math:: P_i = \\prod_j P[i > j] \\Big/ \\sum_m \\prod_j P[m > j]
    """
    beats_all = np.prod(victory, axis=1)
    return beats_all / beats_all.sum()


def markov_uniform_pce(victory: np.ndarray, tolerance: float = 1e-6) -> np.ndarray:
    """Markov PCE with uniform challenges.

    Iterate :math:`q_i = \\frac1M \\sum_j P[i>j](p_i + p_j)`, :math:`p \\leftarrow (p + q)/2` from
    the uniform distribution until no entry of q differs from p by more than the tolerance.
    """
    count = len(victory)
    p = np.full(count, 1.0 / count)
    while True:
        q = (victory * (p[:, None] + p[None, :])).sum(axis=1) / count
        change = np.max(np.abs(q - p))
        p = (p + q) / 2.0
        if change <= tolerance:
            return p


def markov_incentive_pce(strengths: np.ndarray, victory: np.ndarray, tolerance: float = 1e-8) -> np.ndarray:
    """Markov PCE where challenges come in proportion to the incentive :math:`n_{ij} = c_{ij} P[i>j]`.

    With :math:`C_{ij} = n_{ij} / \\sum_k n_{kj}` the chance that i challenges a favourite j,
    iterate :math:`q_i = \\sum_j P[i>j](p_i C_{ji} + p_j C_{ij})`, :math:`p \\leftarrow (p+q)/2`.
    """
    count = len(victory)
    incentive = strengths * victory + np.eye(count) * 1e-10
    challenge = incentive / incentive.sum(axis=0, keepdims=True)
    p = np.full(count, 1.0 / count)
    while True:
        flows = p[:, None] * challenge.T  # flows[i, j] = p_i * C[j, i]
        q = (victory * (flows + flows.T)).sum(axis=1)
        change = np.max(np.abs(q - p))
        p = (p + q) / 2.0
        if change <= tolerance:
            return p


def scalar_pce(weight: np.ndarray, utility: np.ndarray, params: SMPParameters = DEFAULTS
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Probability each option wins: coalitions, pairwise victories, then the PCE model.

    Returns
    -------
    probabilities : array (M,)
    victory : array (M, M)
    strengths : array (M, M)
    """
    strengths = coalition_strengths(weight, utility, params.VotingRule)
    victory = victory_probabilities(strengths, params.VictoryProbModel)
    if params.PCEModel == "Conditional":
        probability = conditional_pce(victory)
    elif params.PCEModel == "MarkovUniform":
        probability = markov_uniform_pce(victory)
    else:
        probability = markov_incentive_pce(strengths, victory)
    return probability, victory, strengths


def risk_from_probabilities(probability: np.ndarray, big_r_range: str = "Mid") -> np.ndarray:
    """Risk attitudes from each actor's election probability, by KTAB's BigRRange.

    .. math::
        \\text{Min: } \\frac{p_i - p_{\\min}}{p_{\\max} - p_{\\min}}, \\quad
        \\text{Mid: } \\frac{3 p_i - (p_{\\max} + 2 p_{\\min})}{2 (p_{\\max} - p_{\\min})}, \\quad
        \\text{Max: } \\frac{2 p_i - (p_{\\max} + p_{\\min})}{p_{\\max} - p_{\\min}}

    in [0, 1], [-1/2, 1] and [-1, 1]; zero for everyone when every probability is equal.
    """
    low, high = probability.min(), probability.max()
    if high - low <= 1e-15:  # every position equally likely: nobody stands out
        return np.zeros_like(probability)
    if big_r_range == "Min":
        return (probability - low) / (high - low)
    if big_r_range == "Max":
        return (2 * probability - (high + low)) / (high - low)
    return (3 * probability - (high + 2 * low)) / (2 * (high - low))


def estimated_risk(risk: np.ndarray, big_r_adjust: str = "OneThird") -> np.ndarray:
    """Actor h's estimate of actor i's risk attitude, by KTAB's BigRAdjust.

    .. math:: R^h_i = R_h \\text{ (None)}, \\; (2R_h + R_i)/3 \\text{ (OneThird)}, \\; (R_h + R_i)/2 \\text{ (Half)},
              \\; (R_h + 2R_i)/3 \\text{ (TwoThirds)}, \\; R_i \\text{ (Full)}

    Returns
    -------
    array (A, A): ``[h, i]``.
    """
    mine, theirs = risk[:, None], risk[None, :]
    return {"None": mine + 0 * theirs, "OneThird": (2 * mine + theirs) / 3, "Half": (mine + theirs) / 2,
            "TwoThirds": (mine + 2 * theirs) / 3, "Full": theirs + 0 * mine}[big_r_adjust]


def challenge(utility: np.ndarray, capability: np.ndarray, salience_total: np.ndarray,
              k: int, i: int, j: int, params: SMPParameters = DEFAULTS) -> tuple[float, float]:
    """An estimator's view of i challenging j: probability i wins and the expected gain to k.

    With :math:`U` the estimator's utility matrix, principals contribute
    :math:`s_i c_i (U_{ii} - U_{ij})` and :math:`s_j c_j (U_{ji} - U_{jj})` to the
    coalitions for i and for j. Each third party n first weighs the little contest
    it would join, :math:`p_n = C^n_i / (C^n_i + C^n_j)`, then votes its SemiCommit
    expected utilities

    .. math::
        v_n = s_n c_n \\big[ p_n (2U_{ni} + U_{nn}) + (1-p_n) 3U_{nj}
              - p_n 3U_{ni} - (1-p_n)(2U_{nj} + U_{nn}) \\big]

    so :math:`P[i > j] = C_i / (C_i + C_j)` (shown for Prop voting and SemiCommit; NoCommit
    counts :math:`U_{nn}` on both sides, FullCommit on neither). The gain to k of the
    challenge over the status quo is

    .. math::
        \\Delta_k = (1 - s_j) 2U_{ki} + s_j [P 2U_{ki} + (1-P) 2U_{kj}] - (U_{ki} + U_{kj})

    Parameters
    ----------
    utility : array (A, A)
        The estimator's risk-aware utilities, ``[actor, position]``.
    capability, salience_total : array (A,)
        Capability and summed salience of each actor.
    """
    rule = params.VotingRule
    weight = salience_total * capability
    contrib_i = float(vote(rule, weight[i], utility[i, i] - utility[i, j]))
    contrib_j = float(vote(rule, weight[j], utility[j, i] - utility[j, j]))
    for_i = _MIN_CHALLENGE_COALITION + max(contrib_i, 0.0) + max(contrib_j, 0.0)
    for_j = _MIN_CHALLENGE_COALITION + max(-contrib_i, 0.0) + max(-contrib_j, 0.0)
    base_i, base_j = for_i, for_j
    third = np.ones(len(weight), dtype=bool)
    third[[i, j]] = False
    u_ni, u_nj = utility[third, i], utility[third, j]
    u_nn = np.diag(utility)[third]
    w_n = weight[third]
    lean = vote(rule, w_n, u_ni - u_nj)
    joined_i = base_i + np.maximum(lean, 0.0)
    joined_j = base_j + np.maximum(-lean, 0.0)
    p_n = joined_i / (joined_i + joined_j)
    commit = params.ThirdPartyCommit
    own_i = u_nn if commit != "FullCommit" else u_ni  # n joining i: i, i, and n's own or i's position
    own_j = u_nn if commit != "FullCommit" else u_nj
    i_wins_alone = 2 * u_ni + u_nn if commit == "NoCommit" else 3 * u_ni
    j_wins_alone = 2 * u_nj + u_nn if commit == "NoCommit" else 3 * u_nj
    with_i = p_n * (2 * u_ni + own_i) + (1 - p_n) * j_wins_alone
    with_j = p_n * i_wins_alone + (1 - p_n) * (2 * u_nj + own_j)
    votes = vote(rule, w_n, with_i - with_j)
    for_i += np.maximum(votes, 0.0).sum()
    for_j += np.maximum(-votes, 0.0).sum()
    p_win = for_i / (for_i + for_j)
    victory, defeat = 2 * utility[k, i], 2 * utility[k, j]
    contest = p_win * victory + (1 - p_win) * defeat
    s_j = salience_total[j]
    gain = (1 - s_j) * victory + s_j * contest - (utility[k, i] + utility[k, j])
    return float(p_win), float(gain)


def interpolate_bargain(position_i: np.ndarray, salience_i: np.ndarray, p_i: float,
                        position_j: np.ndarray, salience_j: np.ndarray, p_j: float, method: str = "S2P2"
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Interpolated bargain between two positions, dimension by dimension (KTAB's InterVecBrgn).

    S2P2 weights :math:`w_{ik} = s_{ik}^2 p_i^2` (S1P1: first powers) and

    .. math::
        b_{ik} = \\frac{(w_{ik} + \\epsilon) x_{ik} + w_{jk} x_{jk}}{w_{ik} + \\epsilon + w_{jk}}, \\quad
        b_{jk} = \\frac{w_{ik} x_{ik} + (w_{jk} + \\epsilon) x_{jk}}{w_{ik} + \\epsilon + w_{jk}}

    with :math:`\\epsilon = 10^{-6}`, each rounded to 4 decimals as KTAB does. S2PMax: the
    side less likely to win, by :math:`d = |p_i - p_j|`, moves
    :math:`d s_{\\text{other}}^2 / (d s_{\\text{other}}^2 + \\epsilon + (1 - d) s_{\\text{own}}^2)`
    of the way to the other's position (not rounded).

    Returns
    -------
    (bargain for i, bargain for j)
    """
    if method == "S2PMax":
        gap_i, gap_j = max(p_j - p_i, 0.0), max(p_i - p_j, 0.0)
        s_i2, s_j2 = salience_i ** 2, salience_j ** 2
        move_i = gap_i * s_j2 / (gap_i * s_j2 + _MIN_BARGAIN_WEIGHT + (1 - gap_i) * s_i2)
        move_j = gap_j * s_i2 / (gap_j * s_i2 + _MIN_BARGAIN_WEIGHT + (1 - gap_j) * s_j2)
        return position_i + move_i * (position_j - position_i), position_j + move_j * (position_i - position_j)
    power = 1 if method == "S1P1" else 2
    w_i = salience_i ** power * p_i ** power
    w_j = salience_j ** power * p_j ** power
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
