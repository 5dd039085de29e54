"""The step every collective protocol ends its round with: members answer the text on the table.

One replicate's answers are computed by :func:`answer_row`, compiled, which the
rounds of the collective protocols call for each open replicate (the mediated
protocol inside its own compiled round, right after revising the draft, so a
replicate's positions are read while they are still in the core's cache).
"""

from __future__ import annotations

from collections.abc import Sequence

import numba
import numpy as np

from sim.kernel import concession, decision, draws
from sim.kernel.acceptance import answer_members
from sim.kernel.decision import rule_met_row
from sim.kernel.state import NegotiationState
from sim.kernel.utility import contiguous_start, distance_row
from sim.scenario.scenario import Scenario, TrackInfo

__all__ = ["AnswerInputs", "answer_draft", "answer_row", "demands", "record_answers"]


def demands(scenario: Scenario, track: TrackInfo, state: NegotiationState, round_: int) -> np.ndarray:
    """Every actor's demand on this track at this round: array (R, A).

    Where every replicate has the same tactics and reservation utilities on the track and no
    event can change a reservation utility (tactics never change), the demands are computed
    for one replicate and shared (a read-only view): whether they are alike is checked once
    per state, not every round.
    """
    reservation = state.reservation_utility[:, track.index]
    key = f"demands_alike.{track.id}"
    alike = state.extra.get(key)
    if alike is None:
        alike = state.extra[key] = bool(
            not any(getattr(event, "attribute", None) == "reservation_utility" for event in scenario.events)
            and (state.tactic == state.tactic[:1]).all() and (reservation == reservation[:1]).all())
    if alike and state.replicates > 1:
        row = concession.demand(round_, track.deadline, state.tactic[:1], reservation[:1])
        return np.broadcast_to(row, state.tactic.shape)
    return concession.demand(round_, track.deadline, state.tactic, reservation)


@numba.njit(cache=True, nogil=True)
def answer_row(r, k, draft, position, salience, dims, start, scale, demand, uniforms, logistic, temperature,
               participating, veto, capability, rule, by_capability, threshold,
               utility_out, demand_out, accepts_out):  # pragma: no cover - compiled
    """Replicate r's members answer its draft on track k; returns whether the track's rule is met.

    Every actor's utility of the draft, :math:`u_i = 1 - \\sum_d s_{id} |x_d - p_{id}| / W_d \\,/\\,
    \\sum_d s_{id}` (1 for an actor with no salience on the track), and its demand are recorded
    (``utility_out[r, k]``, ``demand_out[r, k]``); members answer by
    :func:`sim.kernel.acceptance.accept` (``accepts_out[r, k]``, False for non-members); the rule
    is :func:`sim.kernel.decision.rule_met_row`. ``draft`` is (R, K) on the track's dimensions;
    ``demand`` and ``uniforms`` have one row per replicate, or one row for all.
    """
    asked = demand[r if demand.shape[0] > 1 else 0]
    drawn = uniforms[r if uniforms.shape[0] > 1 else 0]
    members = participating[r, k]
    values = utility_out[r, k]
    distance_row(draft[r:r + 1], position[r if position.shape[0] > 1 else 0], salience[r if salience.shape[0] > 1 else 0],
                 dims, start, scale, True, values)
    answer_members(values, asked, logistic, temperature, drawn, members, demand_out[r, k], accepts_out[r, k])
    return rule_met_row(accepts_out[r, k], members, veto, capability[r], rule, by_capability, threshold)


@numba.njit(cache=True, nogil=True)
def _answer_rows(live, k, draft, position, salience, dims, start, scale, demand, uniforms, logistic, temperature,
                 participating, veto, capability, rule, by_capability, threshold,
                 utility_out, demand_out, accepts_out, met):  # pragma: no cover - compiled
    for r in range(live.shape[0]):
        met[r] = live[r] and answer_row(r, k, draft, position, salience, dims, start, scale, demand, uniforms,
                                        logistic, temperature, participating, veto, capability, rule,
                                        by_capability, threshold, utility_out, demand_out, accepts_out)


class AnswerInputs:
    """What :func:`answer_row` reads for one track and round, as the compiled code takes it.

    Every array is C-ordered (a (1, n) and an (R, n) slice are laid out alike, so a
    replicate computes the same bits alone and in a batch); ``demand`` keeps one row
    when every replicate demands alike, ``uniforms`` is drawn only under logistic
    acceptance (one draw per actor from each open replicate's generator).
    """

    def __init__(self, scenario: Scenario, track: TrackInfo, state: NegotiationState, round_: int,
                 rngs: Sequence[np.random.Generator]):
        k, dims = track.index, np.array(track.dims, dtype=np.intp)
        self.live = np.ascontiguousarray(state.open[:, k])
        self.dims, self.start = dims, contiguous_start(dims)
        self.scale = 1.0 / np.ascontiguousarray(scenario.width[dims], dtype=float)
        self.draft = np.ascontiguousarray(state.draft[:, dims])
        demand = demands(scenario, track, state, round_)
        # writable and C-ordered, as in a one-replicate run: each layout and flag is compiled apart
        self.demand = np.require(demand[:1] if demand.strides[0] == 0 else demand, float, ["C", "W"])
        rule = scenario.spec.acceptance
        self.logistic = rule.rule == "logistic"
        self.temperature = float(rule.temperature)
        actors = state.position.shape[1]
        self.uniforms = (np.ascontiguousarray(draws.uniforms(rngs, (actors,), self.live)) if self.logistic
                         else np.ones((1, actors)))
        self.veto = np.ascontiguousarray(scenario.veto, dtype=np.bool_)
        self.rule = decision.RULE_CODES[track.rule_kind]
        self.by_capability = track.rule_by == "capability"
        self.threshold = float(track.threshold)

    def arguments(self, state: NegotiationState, k: int) -> tuple:
        """The arguments of :func:`answer_row` after ``r`` and ``k``, in order."""
        contiguous = np.ascontiguousarray  # no copy: the state's arrays are C-ordered
        return (self.draft, contiguous(state.position), contiguous(state.salience), self.dims, self.start,
                self.scale, self.demand, self.uniforms, self.logistic, self.temperature,
                contiguous(state.participating), self.veto, contiguous(state.capability), self.rule,
                self.by_capability, self.threshold, state.utility, state.demand, state.accepts)


def record_answers(track: TrackInfo, state: NegotiationState, round_: int, live: np.ndarray, met: np.ndarray) -> None:
    """Close the track where its rule was met (the round of agreement) or its deadline has come."""
    k = track.index
    state.agreed_round[:, k] = np.where(met, round_, state.agreed_round[:, k])
    state.open[:, k] = live & ~met & (round_ < track.deadline)


def answer_draft(scenario: Scenario, track: TrackInfo, state: NegotiationState, round_: int,
                 rngs: Sequence[np.random.Generator]) -> None:
    """Participants of the open replicates answer the draft; close the track on agreement or at its deadline.

    Each participant accepts when :math:`u_i(x) \\ge a_i(t)` (or with the logistic
    probability :math:`1/(1 + e^{-(u_i - a_i)/\\tau})`, one uniform draw per actor
    from each open replicate's generator). The answers, utilities and demands are
    recorded in the state; when the track's rule is met the round is recorded as
    the round of agreement (:func:`answer_row`, for each open replicate).
    """
    inputs = AnswerInputs(scenario, track, state, round_, rngs)
    met = np.zeros(state.replicates, dtype=np.bool_)
    _answer_rows(inputs.live, track.index, *inputs.arguments(state, track.index), met)
    record_answers(track, state, round_, inputs.live, met)
