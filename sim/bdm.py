"""Bueno de Mesquita's expected utility model on one dimension, as pure functions.

Follows Scholz, J. B., Calbert, G. J. & Smith, G. A. (2011), "Unravelling Bueno
de Mesquita's group decision model", Journal of Theoretical Politics 23(4),
which restates Bueno de Mesquita (1994), "Political forecasting: an expected
utility method". Published replications disagree on two details; each is a
parameter with the paper's reading as default:

- ``probability``: the chance that i beats j is the share of votes favouring i,
  :math:`P_{ij} = \\sum_{k: v_k > 0} v_k(i,j) / \\sum_k |v_k(i,j)|` (``"positive"``,
  default), or the clipped net vote :math:`\\max(0, \\sum_k v_k) / \\sum_k |v_k|`
  (``"net"``, used by some replications).
- ``capitulation``: a target whose expected loss from resisting exceeds the
  challenger's expected gain gives in fully, otherwise it compromises
  (``"loss_exceeds_gain"``, default); ``"gain_exceeds_loss"`` swaps the test, as
  some replications read the paper's table.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

__all__ = ["BDMParameters", "BDMRound", "bdm_round", "bdm_run", "weighted_median"]

MIN_GAIN = 1e-9
"""Expected gains at or below this are rounding noise, not a reason to challenge."""


@dataclass(frozen=True)
class BDMParameters:
    """Choices where readings of the model differ (see the module docstring).

    ``status_quo_probability`` is Q, the chance that nothing changes absent a
    challenge; ``improvement_probability`` is T, the chance that change, if it
    comes, helps the challenger. Scholz et al. take Q = T = 1.
    """

    probability: str = "positive"
    capitulation: str = "loss_exceeds_gain"
    status_quo_probability: float = 1.0
    improvement_probability: float = 1.0


@dataclass(frozen=True)
class BDMRound:
    """One round: positions before it, the risk exponents found, the forecasts, and the moves."""

    round: int
    position: np.ndarray
    risk: np.ndarray
    median: float
    mean: float
    expected_utility: np.ndarray
    """``[i, j]``: i's expected utility of challenging j (with the round's risk exponents)."""


def weighted_median(position: np.ndarray, weight: np.ndarray) -> float:
    """The position at which half the weight lies on either side (the lower one on an exact tie).

    In one dimension with single-peaked preferences, this is the Condorcet
    winner under weighted majority rule.
    """
    order = np.argsort(position, kind="stable")
    cumulative = np.cumsum(weight[order])
    return float(position[order][np.searchsorted(cumulative, cumulative[-1] / 2.0 - 1e-12)])


def _votes(position: np.ndarray, capability: np.ndarray, salience: np.ndarray,
           risk: np.ndarray, width: float) -> np.ndarray:
    """v[k, i, j] = c_k s_k [ (|x_k - x_j| / width)^r_k - (|x_k - x_i| / width)^r_k ]."""
    gap = (np.abs(position[:, None] - position[None, :]) / width) ** risk[:, None]
    return (capability * salience)[:, None, None] * (gap[:, None, :] - gap[:, :, None])


def _win_probability(votes: np.ndarray, rule: str) -> np.ndarray:
    total = np.abs(votes).sum(axis=0)
    favour = np.maximum(votes, 0).sum(axis=0) if rule == "positive" else np.maximum(votes.sum(axis=0), 0)
    return np.divide(favour, total, out=np.zeros_like(total), where=total > 0)


def _expected_utility(position: np.ndarray, salience: np.ndarray, risk: np.ndarray, width: float,
                      mean: float, probability: np.ndarray, params: BDMParameters) -> np.ndarray:
    """EU[i, j] of i challenging j, from i's view (its own risk exponent r_i).

    .. math::
        U^s = 2 - 4(\\tfrac12 - \\tfrac12 \\delta_{ij})^{r_i}, \\quad
        U^f = 2 - 4(\\tfrac12 + \\tfrac12 \\delta_{ij})^{r_i}, \\quad
        U^{sq} = 2 - 4(\\tfrac12)^{r_i},

        U^b, U^w = 2 - 4(\\tfrac12 \\mp \\tfrac14 (|x_i - \\mu| + |x_i - x_j|)/\\Delta)^{r_i},

        EU_{ij} = s_j [P_{ij} U^s + (1 - P_{ij}) U^f] + (1 - s_j) U^s
                  - Q U^{sq} - (1 - Q)[T U^b + (1 - T) U^w]

    with :math:`\\delta_{ij} = |x_i - x_j| / \\Delta` and μ the weighted mean position.
    """
    r = risk[:, None]
    delta = np.abs(position[:, None] - position[None, :]) / width
    success = 2 - 4 * (0.5 - 0.5 * delta) ** r
    failure = 2 - 4 * (0.5 + 0.5 * delta) ** r
    status_quo = 2 - 4 * 0.5 ** r
    spread = (np.abs(position - mean)[:, None] + np.abs(position[:, None] - position[None, :])) / width
    better = 2 - 4 * np.clip(0.5 - 0.25 * spread, 0, None) ** r
    worse = 2 - 4 * (0.5 + 0.25 * spread) ** r
    q, t = params.status_quo_probability, params.improvement_probability
    s_j = salience[None, :]
    eu = (s_j * (probability * success + (1 - probability) * failure) + (1 - s_j) * success
          - q * status_quo - (1 - q) * (t * better + (1 - t) * worse))
    np.fill_diagonal(eu, 0.0)
    return eu


def _risk_exponents(expected_utility: np.ndarray) -> np.ndarray:
    """From "security": how much others expect to gain by challenging i.

    .. math::
        S_i = \\sum_{j \\ne i} EU_{ji}, \\quad
        R_i = \\frac{2 S_i - S_{\\max} - S_{\\min}}{S_{\\max} - S_{\\min}}, \\quad
        r_i = \\frac{1 - R_i/3}{1 + R_i/3} \\in [1/2, 2]
    """
    security = expected_utility.sum(axis=0)
    low, high = security.min(), security.max()
    if high - low <= 1e-15:
        return np.ones_like(security)
    big_r = (2 * security - high - low) / (high - low)
    return (1 - big_r / 3) / (1 + big_r / 3)


def _assess(position, capability, salience, risk, width, params):
    weight = capability * salience
    mean = float((weight * position).sum() / weight.sum())
    probability = _win_probability(_votes(position, capability, salience, risk, width), params.probability)
    return _expected_utility(position, salience, risk, width, mean, probability, params), mean


def _moves(position: np.ndarray, expected_utility: np.ndarray, params: BDMParameters) -> np.ndarray:
    """Each actor's new position: of the challenges it receives, the one that moves it least.

    For a challenge from i (gain :math:`G = EU_{ij} > 0`) to j, with j's own view
    :math:`L = EU_{ji}`: conflict that j loses (:math:`0 < L < G`) moves j to :math:`x_i`;
    with :math:`L < 0`, j compromises, moving :math:`|L| / G` of the way to :math:`x_i`,
    unless the capitulation test says it gives in fully.
    """
    count = len(position)
    new = position.copy()
    for j in range(count):
        best = None
        for i in range(count):
            gain, view = expected_utility[i, j], expected_utility[j, i]
            if i == j or gain <= MIN_GAIN or position[i] == position[j]:
                continue
            if 0 < view < gain:
                target = position[i]
            elif view < 0:
                loss = -view
                gives_in = loss > gain if params.capitulation == "loss_exceeds_gain" else loss < gain
                if gives_in:
                    target = position[i]
                else:
                    share = loss / gain if loss < gain else gain / loss
                    target = position[j] + (position[i] - position[j]) * share
            else:
                continue
            if best is None or abs(target - position[j]) < abs(best - position[j]):
                best = target
        if best is not None:
            new[j] = best
    return new


def bdm_round(position: np.ndarray, capability: np.ndarray, salience: np.ndarray, width: float,
              params: BDMParameters = BDMParameters(), round_: int = 1) -> tuple[BDMRound, np.ndarray]:
    """One round: risk exponents from a risk-neutral pass, then expected utilities, then moves.

    Returns
    -------
    (the round's record, the new positions)
    """
    neutral = np.ones(len(position))
    first, _ = _assess(position, capability, salience, neutral, width, params)
    risk = _risk_exponents(first)
    expected, mean = _assess(position, capability, salience, risk, width, params)
    weight = capability * salience
    record = BDMRound(round_, position.copy(), risk, weighted_median(position, weight), mean, expected)
    return record, _moves(position, expected, params)


def bdm_run(position: np.ndarray, capability: np.ndarray, salience: np.ndarray, width: float, *,
            rounds: int = 10, tolerance: float = 1e-6, params: BDMParameters = BDMParameters()
            ) -> Iterator[BDMRound]:
    """Rounds until no position moves by more than ``tolerance * width``, or ``rounds`` rounds."""
    for round_ in range(1, rounds + 1):
        record, new = bdm_round(position, capability, salience, width, params, round_)
        yield record
        settled = np.max(np.abs(new - position)) <= tolerance * width
        position = new
        if settled:
            break
