"""KTAB's Spatial Model of Politics as a protocol."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.ktab.smp import assess_state, smp_turn, state_distance
from sim.ktab.smp_math import SMPParameters
from sim.kernel.state import NegotiationState
from sim.protocols.base import Protocol
from sim.protocols.forecasting import close_forecast, extra, from_unit, to_unit, unit_salience
from sim.protocols.registry import register
from sim.scenario.scenario import Scenario, TrackInfo

__all__ = ["SpatialModelOfPolitics"]


@register
class SpatialModelOfPolitics(Protocol):
    """KTAB's SMP: challenges, interpolated bargains and probabilistic Condorcet elections.

    Each round is one KTAB turn (:func:`sim.ktab.smp.smp_turn`) among the track's
    participants, on positions rescaled to [0, 1] by each dimension's range and
    saliences scaled to sum to at most 1 per actor. With KTAB's defaults (Linear
    victory model, Prop voting, Conditional PCE, Deterministic transitions, Mid risk
    range, OneThird risk adjustment, SemiCommit third parties, S2P2 bargains,
    InitOnlyInterp), in turn t:

    1. risk-neutral utilities :math:`1 - d_{ij}`, with
       :math:`d_{ij} = \\sqrt{\\sum_k s_{ik}^2 (x_{ik} - x_{jk})^2 / \\sum_k s_{ik}^2}`;
    2. a Conditional PCE over positions gives each actor's probability :math:`p_i`;
       risk attitudes :math:`R_i = (3p_i - p_{\\max} - 2p_{\\min}) / (2(p_{\\max} - p_{\\min}))`;
       utilities :math:`u = (1 - d)(1 + dR)`, actor h seeing i's risk as :math:`(2R_h + R_i)/3`;
    3. each actor challenges the target of greatest expected gain (third parties
       weighing in, SemiCommit) and proposes the S2P2 bargain;
    4. each actor adopts the most probable of the bargains involving it (or stays).

    The track settles (is agreed) by KTAB's stopping rule: from turn 2, when the
    turn's total move falls below ``min_delta_ratio`` (2%) of the first turn's. Its
    statement is the forecast: the position most likely to win the final election.
    Per round, the inferred risk attitudes and each actor's winning probability are
    recorded (``state.extra["smp.risk"]``, ``["smp.win_probability"]``, (R, K, A)).
    Blocs and events move positions between turns, as in every protocol.
    """

    name = "smp"
    citation = ("Wise, B. et al. (2015-2017). KTAB: the KAPSARC Toolkit for Behavioral Analysis, "
                "Spatial Model of Politics (MIT licence); defaults as in KTAB's smpc")
    summary = ("KTAB's spatial model: challenges, interpolated bargains, probabilistic Condorcet elections "
               "(random only with StateTransitions = 'Stochastic')")
    stochastic = False
    batched = False
    decision_rules = ("forecast",)
    options = {"min_delta_ratio": (0.02, "stop when a turn moves less than this share of the first turn's move")} | {
        name: (getattr(SMPParameters(), name), "KTAB's " + name + ": " + " | ".join(choices))
        for name, choices in SMPParameters.CHOICES.items()}
    option_choices = dict(SMPParameters.CHOICES)

    @classmethod
    def play_round(cls, scenario: Scenario, track: TrackInfo, state: NegotiationState, round_: int,
                   rngs: Sequence[np.random.Generator]) -> None:
        k, dims = track.index, track.dims
        shape = state.participating.shape
        first_move = extra(state, "smp.first_move", shape[:2])
        risk = extra(state, "smp.risk", shape)
        win = extra(state, "smp.win_probability", shape)
        ratio = float(cls.option(track, "min_delta_ratio"))
        params = SMPParameters(**{name: str(cls.option(track, name)) for name in SMPParameters.CHOICES})
        for r in np.flatnonzero(state.open[:, k]):
            members = np.flatnonzero(state.participating[r, k])
            position = to_unit(scenario, track, state.position[r][np.ix_(members, dims)])
            salience = unit_salience(state.salience[r][np.ix_(members, dims)])
            capability = state.capability[r, members]
            record, new = smp_turn(position, salience, capability, round_ - 1, params, rngs[r])
            risk[r, k, members] = record.risk
            win[r, k, members] = record.win_probability
            state.position[r][np.ix_(members, dims)] = from_unit(scenario, track, new)
            moved = state_distance(position, new)
            if round_ == 1:
                first_move[r, k] = moved + 1e-4
            final = assess_state(new, salience, capability, params)[3]
            state.draft[r, dims] = from_unit(scenario, track, new[int(np.argmax(final))])
            state.accepts[r, k, members] = True
            settled = round_ >= 2 and moved / first_move[r, k] < ratio
            close_forecast(state, track, r, round_, settled)

