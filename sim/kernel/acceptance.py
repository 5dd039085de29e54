"""Whether actors accept what is on the table."""

from __future__ import annotations

import numpy as np

__all__ = ["TOLERANCE", "acceptance_probability", "accepts"]

TOLERANCE = 1e-9
"""Utilities within this of a demand count as meeting it (guards rounding at the ideal point)."""


def acceptance_probability(utility: np.ndarray, demand: np.ndarray, temperature: float) -> np.ndarray:
    """Logistic acceptance: :math:`P_i = 1 / (1 + e^{-(u_i - a_i)/T})` with temperature T > 0."""
    return 0.5 * (1.0 + np.tanh((utility - demand) / (2.0 * temperature)))


def accepts(
    utility: np.ndarray,
    demand: np.ndarray,
    rule: str,
    temperature: float,
    uniforms: np.ndarray | None = None,
) -> np.ndarray:
    """Each actor's answer: accept when :math:`u_i \\ge a_i` (``"deterministic"``), or with the
    logistic probability above (``"logistic"``; ``uniforms`` are the draws, same shape).
    """
    if rule == "deterministic":
        return utility >= demand - TOLERANCE
    if uniforms is None:
        raise ValueError("logistic acceptance needs uniform draws")
    return uniforms < acceptance_probability(utility, demand, temperature)
