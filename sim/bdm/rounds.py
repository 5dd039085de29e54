"""One round of BDM's model for R replicates, and a run of rounds (:mod:`sim.bdm`, *One round*)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from sim.bdm.forecast import forecast_weights, weighted_mean, weighted_median
from sim.bdm.probability import distance, sorted_voters, win_probability
from sim.bdm.readings import SCHOLZ_CODE, BDMReading
from sim.bdm.utility import contest_utilities, expected_utility, risk_exponents

__all__ = ["CAPITULATION", "COMPROMISE", "CONFRONTATION", "NO_OFFER", "OFFER_KINDS", "BDMRound", "bdm_round",
           "bdm_run"]

NO_OFFER, CONFRONTATION, COMPROMISE, CAPITULATION = 0, 1, 2, 3
OFFER_KINDS = ("none", "confrontation", "compromise", "capitulation")
"""Names of the offer a target took, indexed by :attr:`BDMRound.offer_kind`."""


@dataclass(frozen=True)
class BDMRound:
    """One round for R replicates: the state before it, what was computed, and the moves.

    Arrays are ``(R, A)`` unless noted; ``[r, i, j]`` arrays are ``(R, A, A)``.
    """

    round: int
    position: np.ndarray
    """Positions before the round."""
    weight: np.ndarray
    """Vote weights c_i s_i."""
    risk: np.ndarray
    """Risk exponents r_i found this round."""
    probability: np.ndarray
    """``[r, i, j]``: P_ij with the round's risk exponents."""
    expected_utility: np.ndarray
    """``[r, i, j]``: i's expected utility of challenging j, scored with i's own exponent."""
    offer_from: np.ndarray
    """The actor whose offer each target took (-1 for none)."""
    offer_kind: np.ndarray
    """The kind of offer taken, an index into :data:`OFFER_KINDS`."""
    new_position: np.ndarray
    """Positions after the round."""
    forecast_weight: np.ndarray | None = None
    """The forecast's weights (:func:`forecast_weights`): c_i s_i, or c_i where nobody has salience."""

    @property
    def median(self) -> np.ndarray:
        """(R,) the weighted median before the round (weights :attr:`forecast_weight`)."""
        return weighted_median(self.position, self.weight if self.forecast_weight is None else self.forecast_weight)

    @property
    def mean(self) -> np.ndarray:
        """(R,) the weighted mean before the round (weights :attr:`forecast_weight`)."""
        return weighted_mean(self.position, self.weight if self.forecast_weight is None else self.forecast_weight)



def _offers(position: np.ndarray, own: np.ndarray, other: np.ndarray, reading: BDMReading
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Classify every offer p -> t and pick one per target.

    ``own[r, t, p]`` is E_tp and ``other[r, t, p]`` is E_pt, both as target t
    judges them. Returns (new positions, the proposer taken or -1, the kind taken).
    The kinds exclude one another; a compromise's arithmetic is done on compromises only.
    """
    replicates, actors = position.shape
    other = np.ascontiguousarray(other)
    x_t, x_p = position[:, :, None], position[:, None, :]
    contested = other > 0
    contested &= x_t != x_p
    losing = own < 0
    losing &= contested
    confrontation = own > 0
    confrontation &= contested
    confrontation &= own < other
    gap = np.negative(own)  # |E_tp| where E_tp < 0
    compromise = other > gap
    compromise &= losing
    at = np.flatnonzero(compromise)
    kind = confrontation.view(np.int8).copy()
    kind.ravel()[at] = COMPROMISE
    if reading.capitulation:
        capitulation = other < gap
        capitulation &= losing
        kind.ravel()[np.flatnonzero(capitulation)] = CAPITULATION
    # Where a compromise is offered, t moves |E_tp|/E_pt of the way to x_p; otherwise all the way.
    t_at = position.ravel()[at // actors]  # at = (r A + t) A + p
    p_at = position.ravel()[at // (actors * actors) * actors + at % actors]
    gap_at, other_at = gap.ravel()[at], other.ravel()[at]
    target = np.broadcast_to(x_p, own.shape).copy()
    target.ravel()[at] = t_at + (p_at - t_at) * (gap_at / other_at)
    move = np.abs(target - x_t)
    if reading.offer == "smallest_move":
        key = np.where(kind != NO_OFFER, move, np.inf)
    else:
        # Lexicographic: kind first (confrontation < compromise < capitulation), then within kind;
        # among compromises, the lowest compromise point (|E_tp| x_t + E_pt x_p)/(|E_tp| + E_pt).
        within = move
        within.ravel()[at] = (gap_at * t_at + other_at * p_at) / (other_at + gap_at)
        best_kind = np.where(kind != NO_OFFER, kind, 99).min(axis=2, keepdims=True)
        key = np.where(kind == best_kind, within, np.inf)
    chosen = np.argmin(key, axis=2)
    flat = (np.arange(replicates)[:, None] * actors + np.arange(actors)) * actors + chosen
    has = np.isfinite(key.ravel()[flat])
    new = np.where(has, target.ravel()[flat], position)
    taken_kind = np.where(has, kind.ravel()[flat], NO_OFFER)
    return new, np.where(has, chosen, -1), taken_kind.astype(np.int8)


def bdm_round(position: np.ndarray, capability: np.ndarray, salience: np.ndarray, width: np.ndarray | float,
              reading: BDMReading = SCHOLZ_CODE, round_: int = 1) -> BDMRound:
    """Play one round for R replicates (:mod:`sim.bdm`, *One round*).

    Parameters
    ----------
    position, capability, salience : array (R, A)
    width : array (R,) or float
        Δ, the width of the scale.
    reading : BDMReading
    round_ : int
        The round's number, for the record.
    """
    position = np.asarray(position, dtype=float)
    width = np.broadcast_to(np.asarray(width, dtype=float), position.shape[:1])
    weight = capability * salience
    central = forecast_weights(capability, salience)
    voters = sorted_voters(position, width)
    delta = distance(position, width)
    p_neutral = win_probability(position, weight, None, width, reading.probability, voters=voters)
    eu_neutral = expected_utility(position, salience, central, p_neutral, 1.0, width, reading, delta=delta)
    risk = risk_exponents(eu_neutral)
    probability = win_probability(position, weight, risk, width, reading.probability, voters=voters)
    success, failure = contest_utilities(delta, risk[:, :, None])
    by_challenger = expected_utility(position, salience, central, probability, risk[:, :, None], width, reading,
                                     delta=delta, utilities=(success, failure))
    if reading.perspective == "own":
        other = np.swapaxes(by_challenger, 1, 2)
    else:
        # The target's exponent scores row i: U^s, U^f with r_j are the challenger's tables transposed.
        by_target = expected_utility(position, salience, central, probability, risk[:, None, :], width, reading,
                                     delta=delta, utilities=(np.swapaxes(success, 1, 2),
                                                             np.swapaxes(failure, 1, 2)))
        other = np.swapaxes(by_target, 1, 2)
    new, taken_from, taken_kind = _offers(position, by_challenger, other, reading)
    return BDMRound(round_, position.copy(), weight, risk, probability, by_challenger, taken_from, taken_kind, new,
                    central)


def bdm_run(position: np.ndarray, capability: np.ndarray, salience: np.ndarray, width: np.ndarray | float, *,
            rounds: int = 100, tolerance: float = 1e-6, reading: BDMReading = SCHOLZ_CODE) -> Iterator[BDMRound]:
    """Yield rounds until no position moves by more than ``tolerance * Δ`` in any replicate, or ``rounds`` rounds.

    Accepts one replicate as ``(A,)`` arrays too (then ``R = 1``).
    """
    position = np.atleast_2d(np.asarray(position, dtype=float))
    capability = np.broadcast_to(np.atleast_2d(capability), position.shape)
    salience = np.broadcast_to(np.atleast_2d(salience), position.shape)
    width = np.broadcast_to(np.asarray(width, dtype=float), position.shape[:1])
    for round_ in range(1, rounds + 1):
        record = bdm_round(position, capability, salience, width, reading, round_)
        yield record
        settled = np.all(np.max(np.abs(record.new_position - position), axis=1) <= tolerance * width)
        position = record.new_position
        if settled:
            break

