"""Expected utilities of challenging, and the risk exponents they imply (:mod:`sim.bdm`, *One round*)."""

from __future__ import annotations

import numpy as np

from sim.bdm.forecast import weighted_mean
from sim.bdm.probability import distance
from sim.bdm.readings import BDMReading

__all__ = ["contest_utilities", "expected_utility", "risk_exponents"]


def contest_utilities(delta: np.ndarray, exponent: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    r"""(U^s, U^f)[r, i, j]: i's utility of winning and of losing a contest with j.

    .. math:: U^s = 2 - 4(½ - ½ δ_{ij})^ρ, \quad U^f = 2 - 4(½ + ½ δ_{ij})^ρ

    with ρ = ``exponent`` (broadcast against δ). δ is symmetric, so the tables for
    ρ = ``risk[:, None, :]`` are those for ``risk[:, :, None]`` transposed, bit for bit.
    """
    half = 0.5 * delta
    tables = []
    for base in (np.subtract(0.5, half), np.add(0.5, half, out=half)):
        if not (isinstance(exponent, float) and exponent == 1.0):  # x ** 1.0 is x
            base **= exponent
        base *= 4.0
        tables.append(np.subtract(2.0, base, out=base))
    return tables[0], tables[1]


def expected_utility(position: np.ndarray, salience: np.ndarray, weight: np.ndarray, probability: np.ndarray,
                     exponent: np.ndarray | float, width: np.ndarray, reading: BDMReading, *,
                     delta: np.ndarray | None = None,
                     utilities: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    r"""EU[r, i, j] of i challenging j, every entry scored with ``exponent[r, i, j]``.

    .. math::
        EU_{ij}(ρ) = s_j [P_{ij} U^s + (1 - P_{ij}) U^f] + (1 - s_j) U^s
                     - Q U^{sq} - (1 - Q)[T U^b + (1 - T) U^w],

    with :math:`U^{sq} = 2 - 4(½)^ρ`, :math:`U^{b,w} = 2 - 4(½ ∓ ¼(|x_i - μ| + |x_i - x_j|)/Δ)^ρ`
    and U^s, U^f as in :func:`contest_utilities` (:mod:`sim.bdm`).

    ``weight`` gives the weighted mean μ (used only when Q < 1); pass
    :func:`~sim.bdm.forecast_weights`, never all 0. ``exponent`` broadcasts against ``(R, A, A)``:
    pass ``risk[:, :, None]`` to score each row with its challenger's exponent,
    ``risk[:, None, :]`` with its target's. The diagonal is 0. ``delta``
    (:func:`~sim.bdm.probability.distance`) and ``utilities`` (:func:`contest_utilities`
    for this exponent) may be passed when already computed.
    """
    delta = distance(position, width) if delta is None else delta
    success, failure = contest_utilities(delta, exponent) if utilities is None else utilities
    s_j = salience[:, None, :]
    eu = probability * success
    lose = 1.0 - probability
    lose *= failure
    eu += lose
    eu *= s_j
    eu += np.multiply(1.0 - s_j, success, out=lose)
    q, t = reading.status_quo_probability, reading.improvement_probability
    eu -= q * (2.0 - 4.0 * 0.5 ** np.asarray(exponent))
    if q < 1.0:
        mean = weighted_mean(position, weight)
        spread = (np.abs(position - mean[:, None])[:, :, None] + delta * width[:, None, None]) / width[:, None, None]
        better = 2.0 - 4.0 * np.clip(0.5 - 0.25 * spread, 0.0, None) ** exponent
        worse = 2.0 - 4.0 * (0.5 + 0.25 * spread) ** exponent
        eu -= (1.0 - q) * (t * better + (1.0 - t) * worse)
    diagonal = np.arange(position.shape[1])
    eu[:, diagonal, diagonal] = 0.0
    return eu


def risk_exponents(danger_utility: np.ndarray) -> np.ndarray:
    """r[r, i] from risk-neutral expected utilities EU[r, j, i] of others challenging i.

    .. math::
        S_i = Σ_{j≠i} EU_{ji}, \\quad R_i = \\frac{2 S_i - S_{max} - S_{min}}{S_{max} - S_{min}},
        \\quad r_i = \\frac{1 - R_i/3}{1 + R_i/3}

    All exponents are 1 where every actor is equally in danger.
    """
    danger = danger_utility.sum(axis=1)
    low, high = danger.min(axis=1, keepdims=True), danger.max(axis=1, keepdims=True)
    spread = high - low
    flat = spread <= 1e-15 * np.maximum(np.abs(high), 1.0)
    big_r = np.divide(2.0 * danger - high - low, spread, out=np.zeros_like(danger), where=~flat)
    return (1.0 - big_r / 3.0) / (1.0 + big_r / 3.0)
