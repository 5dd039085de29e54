"""The step every collective protocol ends its round with: members answer the text on the table."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.kernel import acceptance, concession, decision, draws, utility
from sim.kernel.state import NegotiationState
from sim.scenario.scenario import Scenario, TrackInfo

__all__ = ["answer_draft", "demands"]


def demands(scenario: Scenario, track: TrackInfo, state: NegotiationState, round_: int) -> np.ndarray:
    """Every actor's demand on this track at this round: array (R, A)."""
    return concession.demand(round_, track.deadline, state.tactic, state.reservation_utility[:, track.index])


def answer_draft(scenario: Scenario, track: TrackInfo, state: NegotiationState, round_: int,
                 rngs: Sequence[np.random.Generator]) -> None:
    """Participants of the open replicates answer the draft; close the track on agreement or at its deadline.

    Each participant accepts when :math:`u_i(x) \\ge a_i(t)` (or with the logistic
    probability :math:`1/(1 + e^{-(u_i - a_i)/\\tau})`, one uniform draw per actor
    from each open replicate's generator). The answers, utilities and demands are
    recorded in the state; when the track's rule is met the round is recorded as
    the round of agreement.
    """
    k, dims = track.index, track.dims
    live = state.open[:, k]
    members = state.participating[:, k, :]
    value = 1.0 - utility.salience_distance(state.draft[:, dims], state.position, state.salience,
                                            scenario.width[dims], dims, live)
    demand = np.broadcast_to(demands(scenario, track, state, round_), value.shape)
    rule = scenario.spec.acceptance
    noise = draws.uniforms(rngs, (value.shape[1],), live) if rule.rule == "logistic" else None
    answers = acceptance.accepts(value, demand, rule.rule, rule.temperature, noise) & members
    rows = live[:, None]
    state.utility[:, k, :] = np.where(rows, value, state.utility[:, k, :])
    state.demand[:, k, :] = np.where(rows, demand, state.demand[:, k, :])
    state.accepts[:, k, :] = np.where(rows, answers, state.accepts[:, k, :])
    met = live & decision.rule_met(answers, members, scenario.veto, state.capability,
                                   track.rule_kind, track.rule_by, track.threshold)
    state.agreed_round[:, k] = np.where(met, round_, state.agreed_round[:, k])
    state.open[:, k] = live & ~met & (round_ < track.deadline)
