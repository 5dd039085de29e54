"""KTAB's Spatial Model of Politics: one turn, and a run to KTAB's stopping rule."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from sim.ktab import smp_math as m
from sim.ktab.batch import assess_states, play_turns
from sim.ktab.challenges import MIN_EXPECTED_GAIN

__all__ = ["MIN_EXPECTED_GAIN", "Challenge", "SMPTurn", "assess_state", "smp_run", "smp_turn", "state_distance", "state_distances"]

@dataclass(frozen=True)
class Challenge:
    """Actor i's best target j, its estimate that i prevails, its expected gain, and the bargains.

    ``bargain_initiator`` / ``bargain_target`` are the bargain from i's view (KTAB's
    brgnIIJ); ``target_view`` is the pair from j's view (brgnJIJ) and ``compromise``
    their power-weighted compromise (brgnIJ). Which of them is offered depends on
    BargnModel.
    """

    initiator: int
    target: int
    probability: float
    gain: float
    bargain_initiator: np.ndarray
    bargain_target: np.ndarray
    target_view: tuple[np.ndarray, np.ndarray]
    compromise: tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class SMPTurn:
    """One state of the SMP and what was computed from it.

    Attributes
    ----------
    turn : int
        0 for the initial state.
    position : array (A, D)
        Positions in this state, on KTAB's [0, 1] scale.
    risk_neutral_utility : array (A, A)
        ``[i, j]``: value to i of j's position, risk neutral.
    risk : array (A,)
        Inferred risk attitudes.
    win_probability : array (A,)
        Probability that each actor's position wins the probabilistic Condorcet
        election in which every actor uses its own risk-aware utilities.
    challenges : list of Challenge
        The challenges made from this state (empty for the last state).
    chosen : list of int
        For each actor, the index of the bargain it adopted (0 = keep its position).
    chosen_probability : list of float
        For each actor, the probability of the bargain it adopted in its election
        among the bargains involving it (KTAB's "Probability Opt_i").
    adopted : list of (int, int)
        For each actor, the (initiator, target) of the bargain it adopted; (k, k)
        when actor k kept its position.
    """

    turn: int
    position: np.ndarray
    risk_neutral_utility: np.ndarray
    risk: np.ndarray
    win_probability: np.ndarray
    challenges: list[Challenge] = field(default_factory=list)
    chosen: list[int] = field(default_factory=list)
    chosen_probability: list[float] = field(default_factory=list)
    adopted: list[tuple[int, int]] = field(default_factory=list)


def assess_state(position: np.ndarray, salience: np.ndarray, capability: np.ndarray,
                 params: m.SMPParameters = m.DEFAULTS) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Risk-neutral utilities (A, A), inferred risks (A,), own utilities (A, A) and win probabilities (A,) of one state.

    ``own[a, n]`` is actor a's risk-aware utility of n's position, :math:`U^a_{an}`.

    The win probabilities come from a PCE over the distinct positions, each actor voting
    with its own risk-aware utilities; every actor gets the probability of the position it
    holds (:func:`sim.ktab.assessment.assess`).
    """
    neutral, risk, own, win = assess_states(position[None], salience[None], capability[None], params)
    return neutral[0], risk[0], own[0], win[0]


def smp_turn(position: np.ndarray, salience: np.ndarray, capability: np.ndarray, turn: int = 0,
             params: m.SMPParameters = m.DEFAULTS, rng: np.random.Generator | None = None
             ) -> tuple[SMPTurn, np.ndarray]:
    """Play one turn from ``position``: challenges, bargains, and each actor's choice.

    Every actor i finds the target j maximising its own estimate of its gain from
    challenging j (:func:`~sim.ktab.challenges.contest`); if positive, i proposes the
    S2P2 bargain interpolated with its estimated probability of prevailing, offered to
    both i and j. Each actor then holds a probabilistic Condorcet election among the
    bargains involving it (and keeping its position), voters valuing each bargain's
    resulting state (:func:`~sim.ktab.bargaining.bargain_elections`), and adopts the most
    probable one (Deterministic transitions) or one drawn by those probabilities from
    ``rng`` (Stochastic).

    With BargnModel InitRcvrInterp, j's view of the bargain is offered too; with
    PWCompInterp only the compromise is. As in KTAB, j's view interpolates with j's
    estimate of i's *expected gain* where its comment speaks of a probability, and the
    compromise weighs both sides by the initiator's capability (times each side's
    summed salience); both reproduce KTAB's logged bargains.

    This is :func:`sim.ktab.batch.play_turns` for one replicate, as a record.

    Returns
    -------
    (the turn's record, the next positions)
    """
    played = play_turns(position[None], salience[None], capability[None], params, None if rng is None else [rng])
    challenges = []
    for i in np.flatnonzero(played.target[0] >= 0):
        bargains = played.bargains[0, i]
        challenges.append(Challenge(int(i), int(played.target[0, i]), float(played.probability[0, i]),
                                    float(played.gain[0, i]), bargains[0], bargains[1], (bargains[2], bargains[3]),
                                    (bargains[4], bargains[5])))
    record = SMPTurn(turn, position, played.neutral[0], played.risk[0], played.win[0], challenges,
                     played.chosen[0].tolist(), played.chosen_probability[0].tolist(),
                     [tuple(pair) for pair in played.adopted[0].tolist()])
    return record, played.next_position[0]


def state_distance(before: np.ndarray, after: np.ndarray) -> float:
    """KTAB's change between two states: the sum over actors of the Euclidean move."""
    return float(state_distances(before[None], after[None])[0])


def state_distances(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    r"""KTAB's change between two states, for R replicates ``(R, A, D)``: :math:`\sum_a \lVert x'_a - x_a \rVert`.

    Computed as ``np.linalg.norm(after - before, axis=-1).sum(axis=-1)``, so a replicate's
    value does not depend on the others in the batch.
    """
    move = after - before
    return np.sqrt(np.add.reduce(move * move, axis=-1)).sum(axis=-1)


def smp_run(position: np.ndarray, salience: np.ndarray, capability: np.ndarray, *,
            min_turns: int = 2, max_turns: int = 100, min_delta_ratio: float = 0.02,
            min_significant_delta: float = 1e-4, params: m.SMPParameters = m.DEFAULTS,
            rng: np.random.Generator | None = None) -> Iterator[SMPTurn]:
    """Run the SMP from ``position`` until KTAB's stopping rule, yielding every state.

    Stops after turn t when ``t >= max_turns``, or when ``t >= min_turns`` and
    :math:`\\delta(t-1, t) / (\\delta(0, 1) + 10^{-4}) < 0.02`, δ being
    :func:`state_distance`. The last state is yielded with no challenges.
    """
    history = [position]
    turn = 0
    while True:
        record, position = smp_turn(history[-1], salience, capability, turn, params, rng)
        yield record
        history.append(position)
        turn += 1
        first = state_distance(history[0], history[1]) + min_significant_delta
        latest = state_distance(history[-2], history[-1])
        if turn >= max_turns or (turn >= min_turns and latest / first < min_delta_ratio):
            break
    neutral, risk, _, win = assess_state(position, salience, capability, params)
    yield SMPTurn(turn, position, neutral, risk, win)
