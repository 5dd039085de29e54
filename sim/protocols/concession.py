"""Time-dependent concession toward the compromise (Faratin, Sierra & Jennings 1998)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.kernel import concession, decision
from sim.kernel.state import NegotiationState
from sim.protocols.base import Protocol
from sim.protocols.collective import answer_draft
from sim.protocols.mediated import compromise
from sim.protocols.registry import register
from sim.scenario.scenario import Scenario, TrackInfo

__all__ = ["Concession", "offers"]


def offers(position: np.ndarray, target: np.ndarray, fraction: np.ndarray) -> np.ndarray:
    """Each actor's stated offer: its ideal moved a share of the way to the compromise.

    .. math:: y_i(t) = p_i + \\alpha_i(t) \\, (\\hat x(t-1) - p_i)

    Parameters
    ----------
    position : array (R, A, D)
    target : array (R, D)
        The previous round's compromise of offers.
    fraction : array (R, A)
        Faratin's :math:`\\alpha_i(t)`.
    """
    return position + fraction[..., None] * (target[:, None, :] - position)


@register
class Concession(Protocol):
    """Every actor concedes toward the current compromise on its own time-dependent curve.

    Each round t of a track with deadline T:

    1. every participant states an offer :math:`y_i(t) = p_i + \\alpha_i(t)(\\hat x(t-1) - p_i)`
       with Faratin's :math:`\\alpha_i(t) = ((t-1)/(T-1))^{1/\\beta_i}` (β < 1 Boulware,
       β > 1 Conceder), :math:`\\hat x(0)` being the compromise of ideal points;
    2. the candidate is the compromise of the offers,
       :math:`\\hat x(t) = \\sum_i c_i s_{id} y_{id} / \\sum_i c_i s_{id}`;
    3. each participant accepts it when :math:`u_i(\\hat x(t)) \\ge a_i(t)`, its demand
       :math:`r_i + (1 - r_i)(1 - \\alpha_i(t))` (or with the logistic probability);
    4. the track closes on the candidate when its decision rule is met, or at the deadline.

    Its trace (:meth:`trace`) gives each actor's :math:`\\alpha_i(t)` and stated offer.

    Degenerate inputs: on a dimension no member gives any salience the candidate is
    the capability-weighted mean of the offers (:func:`~sim.protocols.mediated.compromise`);
    an actor with no salience anywhere values every candidate at 1; with every member
    at one position every offer and the candidate are that position.
    """

    name = "concession"
    citation = ("Faratin, P., Sierra, C. & Jennings, N. R. (1998). Negotiation decision functions for "
                "autonomous agents. Robotics and Autonomous Systems 24(3-4), 159-182")
    summary = "time-dependent tactics: each actor's offer follows its beta curve toward the compromise"
    stochastic = False
    batched = True
    decision_rules = decision.COLLECTIVE_RULES

    @classmethod
    def trace(cls, scenario: Scenario, track: TrackInfo, state: NegotiationState) -> dict[str, np.ndarray]:
        """Each actor's concession this round.

        - ``concession.alpha``: Faratin's :math:`\\alpha_i(t)`, the share of the way from its
          ideal to the last compromise it offers (its demand is :math:`r_i + (1 - r_i)(1 - \\alpha_i(t))`);
        - ``concession.offer.<dim>``: its stated offer :math:`y_i(t)`.
        """
        k, shape = track.index, state.capability.shape
        fraction = concession.concession_fraction(state.round, track.deadline, state.tactic)
        offer = state.extra.get("concession.offer")
        columns = {"concession.alpha": np.broadcast_to(fraction, shape).astype(float)}
        for d in track.dims:
            columns[f"concession.offer.{scenario.dimension_ids[d]}"] = (
                offer[:, k, :, d] if offer is not None else np.full(shape, np.nan))
        return columns

    @staticmethod
    def open(scenario: Scenario, track: TrackInfo, state: NegotiationState) -> None:
        dims = track.dims
        state.draft[:, dims] = compromise(state.position[:, :, dims], state.salience[:, :, dims],
                                          state.capability, state.participating[:, track.index, :])

    @staticmethod
    def play_round(scenario: Scenario, track: TrackInfo, state: NegotiationState, round_: int,
                   rngs: Sequence[np.random.Generator]) -> None:
        k, dims = track.index, track.dims
        live = state.open[:, k]
        members = state.participating[:, k, :]
        position, salience = state.position[:, :, dims], state.salience[:, :, dims]
        fraction = concession.concession_fraction(round_, track.deadline, state.tactic)
        stated = offers(position, state.draft[:, dims], fraction)
        if "concession.offer" not in state.extra:
            state.extra["concession.offer"] = np.full(state.participating.shape + (state.draft.shape[1],), np.nan)
        kept = state.extra["concession.offer"][:, k]
        kept[:, :, dims] = np.where(live[:, None, None], stated, kept[:, :, dims])
        candidate = compromise(stated, salience, state.capability, members)
        state.draft[:, dims] = np.where(live[:, None], candidate, state.draft[:, dims])
        answer_draft(scenario, track, state, round_, rngs)
