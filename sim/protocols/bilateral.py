"""Bilateral pledges under an umbrella: the coalition of the willing."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.kernel import acceptance, concession, draws, utility
from sim.kernel.state import NegotiationState
from sim.protocols.base import Protocol
from sim.protocols.registry import register
from sim.scenario.scenario import Scenario, TrackInfo

__all__ = ["Bilateral", "pledge_offers", "umbrella_statement"]


def pledge_offers(position: np.ndarray, weights: np.ndarray, counterpart_position: np.ndarray,
                  demand: np.ndarray, width: np.ndarray) -> np.ndarray:
    """Each participant's offer to the counterpart at its current demand.

    A participant concedes along the segment from its own position toward the
    counterpart's, exactly as far as its demand allows. With city-block
    utility the utility along the segment is linear, so

    .. math::
        \\lambda_i = \\min\\big(1, (1 - a_i) / \\delta_i(p_q)\\big), \\qquad
        y_i = p_i + \\lambda_i (p_q - p_i)

    where :math:`\\delta_i(p_q)` is the participant's distance to the counterpart's position.

    Parameters
    ----------
    position, weights : array (R, A, D)
    counterpart_position : array (R, D)
    demand : array (R, A)

    Returns
    -------
    array (R, A, D)
    """
    gap = utility.distance(counterpart_position, position, weights, width)
    reach = np.divide(1.0 - demand, gap, out=np.ones_like(gap), where=gap > 0)
    reach = np.clip(reach, 0.0, 1.0)[:, :, None]
    return position + reach * (counterpart_position[:, None, :] - position)


def umbrella_statement(pledge: np.ndarray, signed: np.ndarray, capability: np.ndarray) -> np.ndarray:
    """The umbrella's aggregate commitment: the signatories' capability-weighted mean pledge.

    .. math:: \\bar y_d = \\sum_{i \\in S} c_i y_{id} / \\sum_{i \\in S} c_i

    Returns
    -------
    array (R, D); NaN where nobody has signed.
    """
    weight = np.where(signed, capability, 0.0)[:, :, None]
    total = weight.sum(axis=1)
    values = (weight * np.nan_to_num(pledge)).sum(axis=1)
    return np.where(total > 0, values / np.where(total > 0, total, 1.0), np.nan)


@register
class Bilateral(Protocol):
    """An umbrella statement any willing participant joins by settling its own pledge.

    Each round t, every participant i that has not signed offers the counterpart
    q (the recipient) the pledge :math:`y_i` it can afford at its current demand
    :math:`a_i(t)` (:func:`pledge_offers`). The counterpart accepts when
    :math:`u_q(y_i) \\ge a_q(t)` (or with the logistic probability), and i signs
    with that pledge. Both demands fall by Faratin's curves toward their
    reservation utilities, so deals close as the deadline nears. The track is
    agreed once ``min_signatories`` have signed; later signatories may still join
    until the deadline. The statement on each dimension is the capability-weighted
    mean pledge (:func:`umbrella_statement`); each signatory's pledge is reported.
    Its trace (:meth:`trace`) gives every participant's pledge or offer, signed or not.
    """

    name = "bilateral"
    citation = ("Faratin, Sierra & Jennings (1998), Robotics and Autonomous Systems 24(3-4) "
                "(time-dependent tactics, applied per bilateral pair)")
    summary = "each willing participant settles its own pledge with a counterpart under an umbrella"
    stochastic = False
    batched = True
    decision_rules = ("opt_in",)

    @classmethod
    def trace(cls, scenario: Scenario, track: TrackInfo, state: NegotiationState) -> dict[str, np.ndarray]:
        """Each participant's pledge, signed or not, and what the counterpart makes of it.

        - ``bilateral.pledge.<dim>``: a signatory's pledge; for a participant still
          waiting, the offer it made this round at its demand (:func:`pledge_offers`);
        - ``bilateral.counterpart_utility``: the counterpart's utility of that pledge or
          offer (it signs when this reaches the counterpart's demand).
        """
        k, dims, q = track.index, track.dims, track.counterpart
        width = scenario.width[dims]
        position = state.position[:, :, dims]
        weights = utility.salience_weights(state.salience[:, :, dims])
        offers = pledge_offers(position, weights, position[:, q, :], state.demand[:, k, :], width)
        signed = state.signed[:, k, :]
        pledge = np.where(signed[:, :, None], state.pledge[:, :, dims], offers)
        members = state.participating[:, k, :]
        value = utility.utility(pledge, position[:, q:q + 1, :], weights[:, q:q + 1, :], width)
        columns = {f"bilateral.pledge.{scenario.dimension_ids[d]}": np.where(members, pledge[:, :, column], np.nan)
                   for column, d in enumerate(dims)}
        columns["bilateral.counterpart_utility"] = np.where(members, value, np.nan)
        return columns

    @staticmethod
    def play_round(scenario: Scenario, track: TrackInfo, state: NegotiationState, round_: int,
                   rngs: Sequence[np.random.Generator]) -> None:
        k, dims, q = track.index, track.dims, track.counterpart
        live = state.open[:, k]
        width = scenario.width[dims]
        position, salience = state.position[:, :, dims], state.salience[:, :, dims]
        weights = utility.salience_weights(salience)
        demand = concession.demand(round_, track.deadline, scenario.tactic, state.reservation_utility[:, track.index])
        demand = np.broadcast_to(demand, state.capability.shape)
        offers = pledge_offers(position, weights, position[:, q, :], demand, width)
        own_value = utility.utility(offers, position, weights, width)
        their_value = utility.utility(offers, position[:, q:q + 1, :], weights[:, q:q + 1, :], width)
        their_demand = np.broadcast_to(demand[:, q:q + 1], their_value.shape)
        rule = scenario.spec.acceptance
        noise = draws.uniforms(rngs, (their_value.shape[1],), live) if rule.rule == "logistic" else None
        deal = acceptance.accepts(their_value, their_demand, rule.rule, rule.temperature, noise)

        waiting = state.participating[:, k, :] & ~state.signed[:, k, :] & live[:, None]
        new = waiting & deal
        state.signed[:, k, :] |= new
        pledges = state.pledge[:, :, dims]
        state.pledge[:, :, dims] = np.where(new[:, :, None], offers, pledges)
        state.utility[:, k, :] = np.where(waiting, own_value, state.utility[:, k, :])
        state.demand[:, k, :] = np.where(live[:, None], demand, state.demand[:, k, :])
        state.accepts[:, k, :] = state.signed[:, k, :]

        count = state.signed[:, k, :].sum(axis=1)
        reached = live & (state.agreed_round[:, k] == 0) & (count >= track.min_signatories)
        state.agreed_round[:, k] = np.where(reached, round_, state.agreed_round[:, k])
        state.draft[:, dims] = np.where(
            live[:, None], umbrella_statement(state.pledge[:, :, dims], state.signed[:, k, :], state.capability),
            state.draft[:, dims])
        everyone_in = ~(state.participating[:, k, :] & ~state.signed[:, k, :]).any(axis=1)
        state.open[:, k] = live & ~everyone_in & (round_ < track.deadline)
