"""KTAB's Spatial Model of Politics: one turn, and a run to KTAB's stopping rule."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from sim.ktab import smp_math as m

__all__ = ["Challenge", "SMPTurn", "assess_state", "smp_run", "smp_turn", "state_distance"]

MIN_EXPECTED_GAIN = 1e-5
"""A challenge is worth making only when its expected gain exceeds this."""


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
                 params: m.SMPParameters = m.DEFAULTS) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], np.ndarray]:
    """Risk-neutral utilities, inferred risks, each actor's risk-aware utility matrix, win probabilities.

    The win probabilities come from a Conditional PCE over the distinct positions,
    each actor voting with its own risk-aware utilities; every actor gets the
    probability of the position it holds.
    """
    distance = m.salience_distance(position, position, salience)
    neutral = m.risk_utility(distance, 0.0)
    probability, _, _ = m.scalar_pce(capability, neutral, params)
    risk = m.risk_from_probabilities(probability, params.BigRRange)
    believed = m.estimated_risk(risk, params.BigRAdjust)
    estimates = [m.risk_utility(distance, believed[h][:, None]) for h in range(len(position))]
    own = np.array([estimates[a][a] for a in range(len(position))])
    unique, group = m.unique_positions(position)
    # KTAB's distribution over positions always votes proportionally (SMPState::pDist)
    win, _, _ = m.scalar_pce(capability, own[:, unique], replace(params, VotingRule="Prop"))
    return neutral, risk, estimates, win[group]


def smp_turn(position: np.ndarray, salience: np.ndarray, capability: np.ndarray, turn: int = 0,
             params: m.SMPParameters = m.DEFAULTS, rng: np.random.Generator | None = None
             ) -> tuple[SMPTurn, np.ndarray]:
    """Play one turn from ``position``: challenges, bargains, and each actor's choice.

    Every actor i finds the target j maximising its own estimate of its gain from
    challenging j (:func:`~sim.ktab.smp_math.challenge`); if positive, i proposes the
    S2P2 bargain interpolated with its estimated probability of prevailing, offered to
    both i and j. Each actor then holds a probabilistic Condorcet election among the
    bargains involving it (and keeping its position), voters valuing each bargain's
    resulting state (:func:`~sim.ktab.smp_math.bargain_utilities`), and adopts the most
    probable one (Deterministic transitions) or one drawn by those probabilities from
    ``rng`` (Stochastic).

    With BargnModel InitRcvrInterp, j's view of the bargain is offered too; with
    PWCompInterp only the compromise is. As in KTAB, j's view interpolates with j's
    estimate of i's *expected gain* where its comment speaks of a probability, and the
    compromise weighs both sides by the initiator's capability (times each side's
    summed salience); both reproduce KTAB's logged bargains.

    Returns
    -------
    (the turn's record, the next positions)
    """
    count = len(position)
    salience_total = salience.sum(axis=1)
    neutral, risk, estimates, win = assess_state(position, salience, capability, params)
    bargains: list[list[tuple[int, int, np.ndarray, np.ndarray]]] = [
        [(a, a, position[a], position[a])] for a in range(count)]
    challenges = []
    for i in range(count):
        best, best_gain, best_probability = -1, -1.0, 0.0
        for j in range(count):
            if j == i:
                continue
            probability, gain = m.challenge(estimates[i], capability, salience_total, i, i, j, params)
            if MIN_EXPECTED_GAIN < gain and best_gain < gain:
                best, best_gain, best_probability = j, gain, probability
        if best < 0:
            continue
        j = best
        b_i, b_j = m.interpolate_bargain(position[i], salience[i], best_probability,
                                         position[j], salience[j], 1 - best_probability, params.InterVecBrgn)
        seen_by_j = m.challenge(estimates[j], capability, salience_total, i, i, j, params)[1]
        view = m.interpolate_bargain(position[i], salience[i], seen_by_j, position[j], salience[j],
                                     1 - seen_by_j, params.InterVecBrgn)
        w_i = capability[i] * salience_total[i]
        w_j = capability[i] * salience_total[j]  # KTAB weighs j's side by the initiator's capability
        if w_i + w_j <= 0:  # only with a capability of 0 (a scenario requires > 0): the two views alike
            w_i = w_j = 1.0
        compromise = ((w_i * b_i + w_j * view[0]) / (w_i + w_j), (w_i * b_j + w_j * view[1]) / (w_i + w_j))
        challenges.append(Challenge(i, j, best_probability, best_gain, b_i, b_j, view, compromise))
        if params.BargnModel == "InitOnlyInterp":
            offers = [(i, j, b_i, b_j)]
        elif params.BargnModel == "InitRcvrInterp":
            offers = [(i, j, b_i, b_j), (i, j, view[0], view[1])]
        else:
            offers = [(i, j, compromise[0], compromise[1])]
        bargains[i].extend(offers)
        bargains[j].extend(offers)
    own = np.array([estimates[a][a] for a in range(count)])
    new_position = position.copy()
    chosen, chosen_probability, adopted = [], [], []
    for k in range(count):
        values = m.bargain_utilities(own, position, salience, risk, bargains[k])
        probability, _, _ = m.scalar_pce(capability, values, params)
        if params.StateTransitions == "Stochastic":
            if rng is None:
                raise ValueError("Stochastic state transitions need a random generator")
            pick = int(rng.choice(len(probability), p=probability / probability.sum()))
        else:
            pick = int(np.argmax(probability))
        chosen.append(pick)
        chosen_probability.append(float(probability[pick] / probability.sum()))
        i, j, b_i, b_j = bargains[k][pick]
        adopted.append((i, j))
        if i != j:
            new_position[k] = b_i if k == i else b_j
    record = SMPTurn(turn, position, neutral, risk, win, challenges, chosen, chosen_probability, adopted)
    return record, new_position


def state_distance(before: np.ndarray, after: np.ndarray) -> float:
    """KTAB's change between two states: the sum over actors of the Euclidean move."""
    return float(np.linalg.norm(after - before, axis=1).sum())


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
