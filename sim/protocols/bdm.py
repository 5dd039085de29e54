"""Bueno de Mesquita's expected utility model as a protocol, dimension by dimension."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.bdm import BDMParameters, bdm_round
from sim.kernel.state import NegotiationState
from sim.protocols.base import Protocol
from sim.protocols.forecasting import close_forecast, extra, unit_salience
from sim.protocols.registry import register
from sim.scenario.scenario import Scenario, TrackInfo

__all__ = ["ExpectedUtility"]


@register
class ExpectedUtility(Protocol):
    """BDM's expected utility model (Scholz, Calbert & Smith 2011), one dimension at a time.

    Each round, on each of the track's dimensions separately, among the participants
    (:func:`sim.bdm.bdm_round`):

    1. votes :math:`v_k(i,j) = c_k s_k [(|x_k - x_j|/\\Delta)^{r_k} - (|x_k - x_i|/\\Delta)^{r_k}]`
       give :math:`P_{ij}`, the chance that i beats j;
    2. expected utilities of challenging,
       :math:`EU_{ij} = s_j[P_{ij}U^s + (1 - P_{ij})U^f] + (1 - s_j)U^s - QU^{sq} - (1-Q)[TU^b + (1-T)U^w]`,
       first with :math:`r = 1`, give each actor's security and so its risk exponent
       :math:`r_i = (1 - R_i/3)/(1 + R_i/3)`; the utilities are then recomputed with it;
    3. every actor challenges those it expects to gain from; each target takes, among
       conflict (move to the challenger), compromise (move :math:`|EU_{ji}|/EU_{ij}` of
       the way) and capitulation (move all the way), the offer that moves it least.

    Δ is the dimension's declared range; salience is the actor's salience on the
    dimension, scaled so an actor's saliences on the track sum to at most 1. The
    track settles when no position moves by more than ``tolerance`` of the range; the
    statement is the weighted median on each dimension (the weighted mean is recorded
    too, ``state.extra["bdm.mean"]``, (R, D)). Risk exponents are recorded per actor
    and dimension in ``state.extra["bdm.risk"]``, (R, A, D).

    Options ``probability`` ("positive" | "net") and ``capitulation``
    ("loss_exceeds_gain" | "gain_exceeds_loss") choose between published readings;
    see :mod:`sim.bdm`. The defaults are Scholz et al.'s.
    """

    name = "bdm"
    citation = ("Bueno de Mesquita, B. (1994). Political forecasting: an expected utility method. "
                "In European Community Decision Making, Yale UP; as stated by Scholz, Calbert & Smith (2011), "
                "J. Theoretical Politics 23(4)")
    summary = "BDM's expected utility model: challenges, compromise, capitulation; weighted-median forecast"
    stochastic = False
    batched = False
    decision_rules = ("forecast",)
    options = {
        "probability": ("positive", "P from votes favouring i ('positive') or clipped net votes ('net')"),
        "capitulation": ("loss_exceeds_gain", "when a target gives in fully ('loss_exceeds_gain' | 'gain_exceeds_loss')"),
        "status_quo_probability": (1.0, "Q: chance nothing changes absent a challenge"),
        "improvement_probability": (1.0, "T: chance a change helps the challenger"),
        "tolerance": (1e-6, "settled when no position moves more than this share of the range"),
    }
    option_choices = {"probability": ("positive", "net"), "capitulation": ("loss_exceeds_gain", "gain_exceeds_loss")}

    @classmethod
    def play_round(cls, scenario: Scenario, track: TrackInfo, state: NegotiationState, round_: int,
                   rngs: Sequence[np.random.Generator]) -> None:
        k, dims = track.index, track.dims
        params = BDMParameters(
            probability=str(cls.option(track, "probability")),
            capitulation=str(cls.option(track, "capitulation")),
            status_quo_probability=float(cls.option(track, "status_quo_probability")),
            improvement_probability=float(cls.option(track, "improvement_probability")),
        )
        tolerance = float(cls.option(track, "tolerance"))
        risk = extra(state, "bdm.risk", state.position.shape)
        mean = extra(state, "bdm.mean", state.draft.shape)
        for r in np.flatnonzero(state.open[:, k]):
            members = np.flatnonzero(state.participating[r, k])
            salience = unit_salience(state.salience[r][np.ix_(members, dims)])
            capability = state.capability[r, members]
            largest_move = 0.0
            for column, d in enumerate(dims):
                position = state.position[r, members, d]
                record, new = bdm_round(position, capability, salience[:, column], scenario.width[d],
                                        params, round_)
                risk[r, members, d] = record.risk
                mean[r, d] = record.mean
                state.draft[r, d] = record.median
                state.position[r, members, d] = new
                largest_move = max(largest_move, float(np.max(np.abs(new - position))) / scenario.width[d])
            state.accepts[r, k, members] = True
            close_forecast(state, track, r, round_, largest_move <= tolerance)
