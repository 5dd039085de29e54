"""Bilateral pledges under an umbrella: the coalition of the willing."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.kernel import acceptance, concession, draws, utility
from sim.kernel.state import NegotiationState
from sim.protocols.base import Protocol
from sim.protocols.mediated import compromise, revise_draft
from sim.protocols.registry import register
from sim.scenario.scenario import Scenario, TrackInfo

__all__ = ["Bilateral", "framework_round", "pledge_offers", "umbrella_statement"]


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


def framework_round(scenario: Scenario, track: TrackInfo, state: NegotiationState, round_: int,
                    demand: np.ndarray, rngs: Sequence[np.random.Generator]) -> np.ndarray:
    r"""Revise the framework text (until the umbrella launches) and return who accepts it: (R, A).

    The participants and the counterpart judge the text on the framework
    dimensions alone, :math:`u_i(f) = 1 - \sum_d w_{id} |f_d - p_{id}| / W_d`,
    against their current demand on the track. Kept in ``state.extra``:
    ``bilateral.framework_accepts`` and ``bilateral.framework_utility``, (R, K, A).
    """
    k, fdims = track.index, track.framework_dims
    live = state.open[:, k]
    concerned = state.participating[:, k, :].copy()
    concerned[:, track.counterpart] = True
    shape = state.participating.shape
    accepted = state.extra.setdefault("bilateral.framework_accepts", np.zeros(shape, dtype=bool))
    valued = state.extra.setdefault("bilateral.framework_utility", np.full(shape, np.nan))
    unsettled = live & (state.agreed_round[:, k] == 0)
    if round_ > 1:
        objectors = concerned & ~accepted[:, k, :]
        revised = revise_draft(state.draft[:, fdims], state.position[:, :, fdims], state.salience[:, :, fdims],
                               state.capability, objectors, demand - valued[:, k, :], state.broker_step[:, None])
        # The broker weighs how much of the coalition objects: a lone minor donor moves the text little.
        weight = np.where(concerned, state.capability, 0.0)
        share = np.where(objectors, weight, 0.0).sum(axis=1) / weight.sum(axis=1)
        moved = state.draft[:, fdims] + share[:, None] * (revised - state.draft[:, fdims])
        state.draft[:, fdims] = np.where(unsettled[:, None], moved, state.draft[:, fdims])
    weights = utility.salience_weights(state.salience[:, :, fdims])
    value = utility.utility(state.draft[:, fdims], state.position[:, :, fdims], weights, scenario.width[fdims])
    rule = scenario.spec.acceptance
    noise = draws.uniforms(rngs, (value.shape[1],), live) if rule.rule == "logistic" else None
    answers = acceptance.accepts(value, demand, rule.rule, rule.temperature, noise) & concerned
    accepted[:, k, :] = np.where(live[:, None], answers, accepted[:, k, :])
    valued[:, k, :] = np.where(live[:, None], value, valued[:, k, :])
    return answers


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

    A track with ``framework`` dimensions also has a joint text, the framework
    declaration the signatories settle together (:func:`framework_round`): the
    broker drafts it (first the capability x salience compromise of the
    participants and the counterpart), and until the umbrella launches revises it
    toward those who object to it, as in the mediated protocol but with the step
    scaled by the objectors' share of the capability concerned
    (:math:`\\lambda \\sum_{i \\in O} c_i / \\sum_{i} c_i`), so a lone minor donor
    cannot drag the joint text toward itself. A deal is the pledge and the text
    together: each side values it as :math:`(1 - \\phi) u(y_i) + \\phi u(f)`, with
    :math:`\\phi` its share of salience on the framework dimensions; the participant
    offers the pledge that makes the deal worth its demand, and signs when the
    counterpart's value of the deal meets the counterpart's demand (a text so bad
    for it that no pledge makes up for it keeps it out). The text is frozen when
    the umbrella launches (``min_signatories`` reached); later signatories take it
    as it is.

    Degenerate inputs: a participant with no salience on the track's dimensions is
    indifferent (utility 1 everywhere), so it offers the counterpart's own position
    (:func:`pledge_offers` with :math:`\\delta_i = 0` gives :math:`\\lambda_i = 1`); a
    counterpart with none accepts every pledge; a participant already at the
    counterpart's position pledges it.
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
    def open(scenario: Scenario, track: TrackInfo, state: NegotiationState) -> None:
        """No pledge yet; the framework text (if any) opens at the compromise of everyone concerned."""
        state.draft[:, track.dims] = np.nan
        fdims = track.framework_dims
        if len(fdims):
            concerned = state.participating[:, track.index, :].copy()
            concerned[:, track.counterpart] = True
            state.draft[:, fdims] = compromise(state.position[:, :, fdims], state.salience[:, :, fdims],
                                               state.capability, concerned)

    @staticmethod
    def play_round(scenario: Scenario, track: TrackInfo, state: NegotiationState, round_: int,
                   rngs: Sequence[np.random.Generator]) -> None:
        k, dims, q = track.index, track.dims, track.counterpart
        live = state.open[:, k]
        width = scenario.width[dims]
        position, salience = state.position[:, :, dims], state.salience[:, :, dims]
        weights = utility.salience_weights(salience)
        demand = concession.demand(round_, track.deadline, state.tactic, state.reservation_utility[:, track.index])
        demand = np.broadcast_to(demand, state.capability.shape)
        # With a framework text a deal is the pledge and the text together: each side weighs them by
        # its salience on each (share_f on the framework), and the participant offers the pledge that
        # makes the whole deal worth its demand to it.
        share_f = np.zeros_like(demand)
        framework_value = np.ones_like(demand)
        if len(track.framework_dims):
            framework_round(scenario, track, state, round_, demand, rngs)
            framework_value = state.extra["bilateral.framework_utility"][:, k, :]
            on_framework = state.salience[:, :, track.framework_dims].sum(axis=2)
            total = on_framework + salience.sum(axis=2)
            share_f = np.divide(on_framework, total, out=np.zeros_like(total), where=total > 0)
        on_pledge = 1.0 - share_f
        pledge_demand = np.divide(demand - share_f * framework_value, on_pledge, out=np.array(demand, dtype=float),
                                  where=on_pledge > 1e-12)
        offers = pledge_offers(position, weights, position[:, q, :], np.clip(pledge_demand, 0.0, 1.0), width)
        own_value = on_pledge * utility.utility(offers, position, weights, width) + share_f * framework_value
        their_pledge = utility.utility(offers, position[:, q:q + 1, :], weights[:, q:q + 1, :], width)
        their_value = on_pledge[:, q:q + 1] * their_pledge + share_f[:, q:q + 1] * framework_value[:, q:q + 1]
        their_demand = np.broadcast_to(demand[:, q:q + 1], their_value.shape)
        rule = scenario.spec.acceptance
        noise = draws.uniforms(rngs, (their_value.shape[1],), live) if rule.rule == "logistic" else None
        deal = acceptance.accepts(their_value, their_demand, rule.rule, rule.temperature, noise)
        deal &= own_value >= demand - acceptance.TOLERANCE  # a pledge alone cannot make up for the text

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
