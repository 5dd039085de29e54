"""KTAB's Spatial Model of Politics as a protocol."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.kernel.state import NegotiationState
from sim.ktab.batch import assess_states, play_turns
from sim.ktab.smp import state_distances
from sim.ktab.smp_math import SMPParameters
from sim.protocols.base import Protocol
from sim.protocols.forecasting import (
    close_forecast,
    extra,
    from_unit,
    salience_problems,
    to_unit,
    unit_salience,
)
from sim.protocols.registry import register
from sim.scenario.scenario import Scenario, TrackInfo

if TYPE_CHECKING:
    from sim.scenario.spec import ScenarioSpec

__all__ = ["SpatialModelOfPolitics"]


@register
class SpatialModelOfPolitics(Protocol):
    """KTAB's SMP: challenges, interpolated bargains and probabilistic Condorcet elections.

    Each round is one KTAB turn (:func:`sim.ktab.batch.play_turns`, every open replicate
    at once) among the track's participants, on positions rescaled to [0, 1] by each dimension's range and
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
    recorded (``state.extra["smp.risk"]``, ``["smp.win_probability"]``, (R, K, A)),
    with the challenges and bargains KTAB's log reports (:meth:`trace`).
    Blocs and events move positions between turns, as in every protocol.

    Deterministic unless the track sets ``StateTransitions = "Stochastic"``: then
    each actor draws its bargain from the run's generator (:meth:`is_stochastic`).

    Degenerate inputs: an actor with no salience on any dimension is indifferent
    (distance 0, utility 1 to every position: :func:`sim.ktab.smp_math.salience_distance`)
    and its vote weight is 0, so it never challenges; on a dimension nobody gives any
    salience (after an event or a draw; a file declaring it is refused, :meth:`check`)
    every bargain leaves each position unmoved there (to KTAB's four-decimal rounding),
    so the forecast on it is the winning actor's own position; with every actor at one position nobody challenges
    and the forecast is that position.
    """

    name = "smp"
    citation = ("Wise, B. et al. (2015-2017). KTAB: the KAPSARC Toolkit for Behavioral Analysis, "
                "Spatial Model of Politics (MIT licence); defaults as in KTAB's smpc")
    summary = ("KTAB's spatial model: challenges, interpolated bargains, probabilistic Condorcet elections "
               "(random only with StateTransitions = 'Stochastic')")
    stochastic = False
    batched = True
    decision_rules = ("forecast",)
    options = {"min_delta_ratio": (0.02, "stop when a turn moves less than this share of the first turn's move")} | {
        name: (getattr(SMPParameters(), name), "KTAB's " + name + ": " + " | ".join(choices))
        for name, choices in SMPParameters.CHOICES.items()}
    option_choices = dict(SMPParameters.CHOICES)

    @classmethod
    def check(cls, spec: ScenarioSpec, index: int) -> list[tuple[str, str]]:
        """Refuses a dimension of the track that no participant gives any salience (:func:`salience_problems`)."""
        return salience_problems(spec, index)

    @classmethod
    def is_stochastic(cls, track: TrackInfo) -> bool:
        """Random only with KTAB's ``StateTransitions = "Stochastic"`` (bargains drawn, not the most probable)."""
        return str(cls.option(track, "StateTransitions")) == "Stochastic"

    @classmethod
    def trace(cls, scenario: Scenario, track: TrackInfo, state: NegotiationState) -> dict[str, np.ndarray]:
        """What KTAB's log reports per actor for the turn just played (positions on the scenario's scale).

        - ``smp.risk``: inferred risk attitude R_i in [-1, 1] (KTAB's "Inferred risk attitudes");
        - ``smp.win_probability``: probability that its position wins the probabilistic
          Condorcet election of the state the turn started from;
        - ``smp.challenge``: the actor it challenged ("" if no challenge was worth making),
          ``smp.challenge_probability`` its estimate that it prevails, ``smp.challenge_gain``
          its expected gain (KTAB's "Est by i of prob p that [i> j], with expected gain");
        - ``smp.bargain``: the bargain it adopted as ``"initiator:target"`` (its own id twice
          when it kept its position), ``smp.bargain_probability`` that bargain's probability
          in its election among the bargains involving it;
        - ``smp.adopted.<dim>``: the position it adopted (where the next turn starts).
        """
        k = track.index
        shape = (state.replicates, len(scenario.actor_ids))
        ids = np.array(scenario.actor_ids, dtype=object)

        def stored(name: str) -> np.ndarray:
            values = state.extra.get(name)
            return values[:, k] if values is not None else np.full(shape, np.nan)

        def named(index: np.ndarray) -> np.ndarray:
            text = np.full(shape, "", dtype=object)
            known = ~np.isnan(index)
            text[known] = ids[index[known].astype(int)]
            return text

        initiator, target = named(stored("smp.bargain_initiator")), named(stored("smp.bargain_target"))
        bargain = np.where(initiator != "", initiator + ":" + target, "")
        columns = {
            "smp.risk": stored("smp.risk"),
            "smp.win_probability": stored("smp.win_probability"),
            "smp.challenge": named(stored("smp.challenge")),
            "smp.challenge_probability": stored("smp.challenge_probability"),
            "smp.challenge_gain": stored("smp.challenge_gain"),
            "smp.bargain": bargain,
            "smp.bargain_probability": stored("smp.bargain_probability"),
        }
        adopted = state.extra.get("smp.adopted")
        for d in track.dims:
            columns[f"smp.adopted.{scenario.dimension_ids[d]}"] = (
                adopted[:, k, :, d] if adopted is not None else np.full(shape, np.nan))
        return columns

    @classmethod
    def play_round(cls, scenario: Scenario, track: TrackInfo, state: NegotiationState, round_: int,
                   rngs: Sequence[np.random.Generator]) -> None:
        k, dims = track.index, track.dims
        shape = state.participating.shape
        first_move = extra(state, "smp.first_move", shape[:2])
        risk = extra(state, "smp.risk", shape)
        win = extra(state, "smp.win_probability", shape)
        challenge = {name: extra(state, f"smp.{name}", shape) for name in (
            "challenge", "challenge_probability", "challenge_gain", "bargain_initiator", "bargain_target",
            "bargain_probability")}
        adopted = extra(state, "smp.adopted", shape + (state.position.shape[2],))
        ratio = float(cls.option(track, "min_delta_ratio"))
        params = SMPParameters(**{name: str(cls.option(track, name)) for name in SMPParameters.CHOICES})
        replicates = np.flatnonzero(state.open[:, k])
        if not len(replicates):
            return
        # replicates whose participants are the same play as one batch (usually all of them)
        patterns, which = np.unique(state.participating[replicates, k], axis=0, return_inverse=True)
        for pattern, batch in zip(patterns, (replicates[which.ravel() == g] for g in range(len(patterns)))):
            members = np.flatnonzero(pattern)
            at = np.ix_(batch, members, dims)
            position = to_unit(scenario, track, state.position[at])
            salience = unit_salience(state.salience[at])
            capability = state.capability[np.ix_(batch, members)]
            played = play_turns(position, salience, capability, params, [rngs[r] for r in batch])
            rows, cols = batch[:, None], members[None, :]
            risk[rows, k, cols] = played.risk
            win[rows, k, cols] = played.win
            made = played.target >= 0
            challenge["challenge"][rows, k, cols] = np.where(made, members[played.target], np.nan)
            challenge["challenge_probability"][rows, k, cols] = played.probability
            challenge["challenge_gain"][rows, k, cols] = played.gain
            challenge["bargain_initiator"][rows, k, cols] = members[played.adopted[..., 0]]
            challenge["bargain_target"][rows, k, cols] = members[played.adopted[..., 1]]
            challenge["bargain_probability"][rows, k, cols] = played.chosen_probability
            new = played.next_position
            state.position[at] = from_unit(scenario, track, new)
            adopted[batch[:, None, None], k, members[None, :, None], np.asarray(dims)[None, None, :]] = state.position[at]
            moved = state_distances(position, new)
            if round_ == 1:
                first_move[batch, k] = moved + 1e-4
            final = assess_states(new, salience, capability, params)[3]
            favourite = new[np.arange(len(batch)), np.argmax(final, axis=1)]
            state.draft[np.ix_(batch, dims)] = from_unit(scenario, track, favourite)
            state.accepts[rows, k, cols] = True
            settled = round_ >= 2 and moved / first_move[batch, k] < ratio
            close_forecast(state, track, batch, round_, settled)
