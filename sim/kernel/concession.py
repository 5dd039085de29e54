"""Time-dependent demands: Faratin, Sierra & Jennings (1998) tactics.

Faratin, P., Sierra, C. & Jennings, N. R. (1998). Negotiation decision
functions for autonomous agents. Robotics and Autonomous Systems 24(3-4).
"""

from __future__ import annotations

import numpy as np

__all__ = ["concession_fraction", "demand"]


def concession_fraction(round_: int, deadline: int, tactic: np.ndarray, initial: float = 0.0) -> np.ndarray:
    """Faratin's polynomial time-dependent function.

    .. math:: \\alpha_i(t) = \\kappa + (1 - \\kappa) \\, (\\tau)^{1/\\beta_i}, \\quad
              \\tau = (t - 1) / (T - 1)

    for rounds :math:`t = 1 .. T` (``tau = 1`` when ``T = 1``). ``beta < 1`` is
    Boulware (holds out until late), ``beta = 1`` linear, ``beta > 1`` Conceder.

    Parameters
    ----------
    round_ : int
        Current round, from 1.
    deadline : int
        Last round T.
    tactic : array
        Each actor's beta (> 0).
    initial : float
        :math:`\\kappa`, the share conceded at once.
    """
    elapsed = 1.0 if deadline <= 1 else min(max((round_ - 1) / (deadline - 1), 0.0), 1.0)
    tactic = np.asarray(tactic, dtype=float)
    if elapsed in (0.0, 1.0):  # 0 and 1 to any power beta > 0
        share = np.full(tactic.shape, elapsed)
    else:  # as exp(ln(tau) / beta): numpy's exp is vectorised, its power is not
        share = np.exp(np.log(elapsed) / tactic)
    return initial + (1.0 - initial) * share


def demand(round_: int, deadline: int, tactic: np.ndarray, reservation_utility: np.ndarray) -> np.ndarray:
    """The least utility an actor accepts at a round: its aspiration.

    .. math:: a_i(t) = r_i + (1 - r_i) \\, (1 - \\alpha_i(t))

    falling from 1 (only its ideal point) in round 1 to its reservation utility
    :math:`r_i` at the deadline. (A collective track computes it once for replicates that
    all demand alike: :func:`sim.protocols.collective.demands`.)
    """
    tactic = np.asarray(tactic, dtype=float)
    reservation_utility = np.asarray(reservation_utility, dtype=float)
    return reservation_utility + (1.0 - reservation_utility) * (1.0 - concession_fraction(round_, deadline, tactic))
