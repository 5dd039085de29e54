"""One KTAB turn for many replicates at once: the arrays every caller (one run or an ensemble) uses.

:func:`play_turns` plays one SMP turn from positions ``(R, A, D)`` of R replicates with
the same actors: the compiled kernels loop over the replicates, so a replicate's
numbers do not depend on which others share its batch. With Stochastic transitions
each replicate's bargains are drawn from its own generator, actor by actor, exactly as
``rng.choice(B, p=p / p.sum())``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numba
import numpy as np

from sim.ktab.assessment import assess
from sim.ktab.bargaining import bargain_elections, option_count
from sim.ktab.challenges import best_challenges
from sim.ktab.smp_math import DEFAULTS, SMPParameters

__all__ = ["TurnBatch", "assess_states", "play_turns"]


@dataclass(frozen=True)
class TurnBatch:
    """What one turn computed, per replicate r and actor (indices local to the actors given).

    Attributes
    ----------
    neutral : (R, A, A)
        Risk-neutral utilities ``[r, i, j]``: value to i of j's position.
    risk, win : (R, A)
        Inferred risk attitudes; probability that each actor's position wins the PCE.
    target : (R, A) int
        The actor each one challenges, -1 when no challenge is worth making.
    probability, gain : (R, A)
        The challenger's estimate that it prevails, and its expected gain (NaN without a challenge).
    bargains : (R, A, 6, D)
        Per challenger: its bargain for itself and its target (brgnIIJ), the target's view (brgnJIJ),
        the compromise (brgnIJ).
    challenger, pair : (R, A, B) int
        Each actor's election options: whose challenge and which bargain pair (-1: keep its position).
    election : (R, A, B)
        The options' probabilities (NaN past ``option_count``).
    option_count, chosen : (R, A) int
        How many options each actor had and which it adopted.
    chosen_probability : (R, A)
        The adopted option's probability over the election's total.
    adopted : (R, A, 2) int
        (initiator, target) of the adopted bargain; (k, k) when k kept its position.
    next_position : (R, A, D)
        Where the next turn starts.
    """

    neutral: np.ndarray
    risk: np.ndarray
    win: np.ndarray
    target: np.ndarray
    probability: np.ndarray
    gain: np.ndarray
    bargains: np.ndarray
    challenger: np.ndarray
    pair: np.ndarray
    election: np.ndarray
    option_count: np.ndarray
    chosen: np.ndarray
    chosen_probability: np.ndarray
    adopted: np.ndarray
    next_position: np.ndarray


@numba.njit(cache=True, error_model="numpy")
def _assess_batch(position, salience, capability, codes):
    replicates, actors = position.shape[:2]
    neutral = np.empty((replicates, actors, actors))
    own = np.empty((replicates, actors, actors))
    risk = np.empty((replicates, actors))
    win = np.empty((replicates, actors))
    for r in range(replicates):
        _, neutral[r], risk[r], own[r], win[r] = assess(position[r], salience[r], capability[r], codes)
    return neutral, risk, own, win


@numba.njit(cache=True, error_model="numpy")
def _challenge_batch(position, salience, capability, codes):
    replicates, actors, dims = position.shape
    neutral = np.empty((replicates, actors, actors))
    own = np.empty((replicates, actors, actors))
    risk = np.empty((replicates, actors))
    win = np.empty((replicates, actors))
    target = np.full((replicates, actors), -1, np.int64)
    probability = np.full((replicates, actors), np.nan)
    gain = np.full((replicates, actors), np.nan)
    bargains = np.full((replicates, actors, 6, dims), np.nan)
    for r in range(replicates):
        distance, neutral[r], risk[r], own[r], win[r] = assess(position[r], salience[r], capability[r], codes)
        best_challenges(position[r], salience[r], capability[r], distance, risk[r], codes, target[r],
                        probability[r], gain[r], bargains[r])
    return neutral, risk, own, win, target, probability, gain, bargains


@numba.njit(cache=True, error_model="numpy")
def _election_batch(position, salience, capability, risk, own, target, bargains, codes, width):
    replicates, actors = position.shape[:2]
    challenger = np.full((replicates, actors, width), -1, np.int64)
    pair = np.full((replicates, actors, width), -1, np.int64)
    election = np.full((replicates, actors, width), np.nan)
    total = np.empty((replicates, actors))
    for r in range(replicates):
        bargain_elections(position[r], salience[r], capability[r], risk[r], own[r], target[r], bargains[r], codes,
                          challenger[r], pair[r], election[r], total[r])
    return challenger, pair, election, total


def assess_states(position: np.ndarray, salience: np.ndarray, capability: np.ndarray,
                  params: SMPParameters = DEFAULTS) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Risk-neutral utilities (R, A, A), risk attitudes (R, A), own utilities ``[r, a, n]`` = :math:`U^a_{an}`
    (R, A, A) and win probabilities (R, A) of R states (:func:`sim.ktab.assessment.assess`)."""
    return _assess_batch(*_inputs(position, salience, capability), params.codes())


def _inputs(position, salience, capability):
    return (np.ascontiguousarray(position, dtype=float), np.ascontiguousarray(salience, dtype=float),
            np.ascontiguousarray(capability, dtype=float))


def play_turns(position: np.ndarray, salience: np.ndarray, capability: np.ndarray,
               params: SMPParameters = DEFAULTS, rngs: Sequence[np.random.Generator] | None = None) -> TurnBatch:
    """Play one turn in each of R replicates: assessment, challenges, bargains, elections, choices.

    Parameters
    ----------
    position, salience : (R, A, D)
        On KTAB's [0, 1] scale.
    capability : (R, A)
    rngs : one generator per replicate, needed for ``StateTransitions = "Stochastic"``: actor by
        actor, replicate r's bargain is ``rngs[r].choice(B, p=p / p.sum())``. Deterministic
        transitions adopt the most probable option (the first on ties).
    """
    position, salience, capability = _inputs(position, salience, capability)
    codes = params.codes()
    neutral, risk, own, win, target, probability, gain, bargains = _challenge_batch(position, salience, capability,
                                                                                    codes)
    replicates, actors = position.shape[:2]
    counts = np.array([option_count(t, codes[8]) for t in target]).reshape(replicates, actors)
    width = int(counts.max()) if counts.size else 1
    challenger, pair, election, total = _election_batch(position, salience, capability, risk, own, target, bargains,
                                                        codes, width)
    if params.StateTransitions == "Stochastic":
        if rngs is None:
            raise ValueError("Stochastic state transitions need a random generator")
        chosen = np.empty((replicates, actors), dtype=np.int64)
        for r in range(replicates):
            for k in range(actors):
                options = election[r, k, :counts[r, k]]
                chosen[r, k] = int(rngs[r].choice(counts[r, k], p=options / total[r, k]))
    else:
        chosen = np.argmax(np.where(np.isnan(election), -np.inf, election), axis=2)
    rows, actor = np.indices((replicates, actors))
    picked = election[rows, actor, chosen]
    by, which = challenger[rows, actor, chosen], pair[rows, actor, chosen]
    kept = which < 0
    side = np.where(by == actor, 0, 1)
    moved = bargains[rows, by, np.where(kept, 0, 2 * which + side)]
    next_position = np.where(kept[..., None], position, moved)
    adopted = np.stack([np.where(kept, actor, by), np.where(kept, actor, target[rows, by])], axis=-1)
    return TurnBatch(neutral, risk, win, target, probability, gain, bargains, challenger, pair, election, counts,
                     chosen, picked / total, adopted, next_position)
