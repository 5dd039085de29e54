"""The state of a negotiation, for R replicates at once."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.kernel.decision import COLLECTIVE_RULES
from sim.kernel.inputs import Inputs, declared_inputs, draw_plan
from sim.scenario.scenario import Scenario

__all__ = ["NegotiationState", "SHARED_PROTOCOLS", "initial_state", "opening_positions", "positions_can_move", "saliences_can_change",
           "shared_inputs"]


@dataclass
class NegotiationState:
    """Everything that changes during a negotiation.

    Shapes: R replicates, A actors, D dimensions, K tracks.

    Attributes
    ----------
    position, salience : array (R, A, D), or (1, A, D)
        Current stances (moved by blocs and events); one table every replicate shares where no
        replicate draws or moves them (:func:`shared_inputs`).
    capability : array (R, A)
    participating : array (R, K, A) of bool
        Who takes part in each track now (changed by join / leave events).
    draft : array (R, D)
        The text on the table, on every dimension.
    utility, demand : array (R, K, A)
        Each actor's utility of the last draft (or its pledge) and its demand then.
    accepts : array (R, K, A) of bool
        Each actor's last answer.
    open : array (R, K) of bool
        Whether each track is still negotiating.
    agreed_round : array (R, K) of int
        The round a track closed with agreement, 0 if it has not.
    closed_round : array (R, K) of int
        The round a track closed, agreed or not; 0 while it is open.
    signed : array (R, K, A) of bool
        Signatories of opt-in tracks.
    reservation_utility : array (R, K, A)
        Each actor's reservation utility on each track (moved by events).
    pledge : array (R, A, D)
        Each signatory's pledge on opt-in dimensions (NaN where none; read-only NaN without an opt-in track).
    tactic, flexibility : array (R, A)
        Faratin's beta and the share of the gap to its bloc an actor closes each round.
    broker_step : array (R,)
        The broker's revision step.
    status_quo : array (R, D)
        What holds if nothing is agreed (NaN where the scenario declares none).
    band_from : array (R, D, B)
        Where each wording band starts (+inf past a dimension's last band).
    event_strength, event_round, event_amount : array (R, E)
        Each event's strength (bilateral; NaN otherwise), the round it fires before
        (0 for an event that fires on a condition) and a shift's ``to`` or ``by``.
    opening_salience : array (R, A, D), or (1, A, D) when shared
        Saliences before round 1 (concessions are measured with them); the ``salience`` array
        itself when nothing can change a salience (:func:`saliences_can_change`).

    Every input a Monte Carlo may draw (:mod:`sim.kernel.inputs`) is held here per
    replicate; the kernel and the protocols read it from the state, never from the scenario.
    round : int
        Rounds played so far.
    extra : dict of str to array
        Arrays a protocol keeps between rounds or reports per round (e.g. the SMP's
        inferred risk attitudes, ``(R, K, A)``), keyed ``"<protocol>.<name>"``.
    """

    position: np.ndarray
    salience: np.ndarray
    capability: np.ndarray
    participating: np.ndarray
    draft: np.ndarray
    utility: np.ndarray
    demand: np.ndarray
    accepts: np.ndarray
    open: np.ndarray
    agreed_round: np.ndarray
    closed_round: np.ndarray
    signed: np.ndarray
    pledge: np.ndarray
    reservation_utility: np.ndarray
    tactic: np.ndarray
    flexibility: np.ndarray
    broker_step: np.ndarray
    status_quo: np.ndarray
    band_from: np.ndarray
    event_strength: np.ndarray
    event_round: np.ndarray
    event_amount: np.ndarray
    opening_salience: np.ndarray
    round: int = 0
    extra: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def replicates(self) -> int:
        return self.open.shape[0]

    @property
    def rounds_played(self) -> np.ndarray:
        """array (R,): rounds each replicate played (until its last track closed)."""
        return np.where(self.closed_round > 0, self.closed_round, self.round).max(axis=1)

    @property
    def agreed(self) -> np.ndarray:
        """array (R, K) of bool: tracks that reached agreement."""
        return self.agreed_round > 0


def positions_can_move(scenario: Scenario) -> bool:
    """Whether anything in a run can move a position: blocs, a bilateral event or a shift of a
    position, or a forecasting model (BDM and the SMP move the actors' stances)."""
    return bool((scenario.bloc >= 0).any()
                or any(event.kind == "bilateral" or getattr(event, "attribute", None) == "position"
                       for event in scenario.events)
                or any(track.rule_kind == "forecast" for track in scenario.tracks))


def saliences_can_change(scenario: Scenario) -> bool:
    """Whether anything in a run can change a salience (only a shift event of a salience can)."""
    return any(getattr(event, "attribute", None) == "salience" for event in scenario.events)


SHARED_PROTOCOLS = ("mediated",)
"""The protocols whose rounds read positions and saliences shared by every replicate (one (1, A, D)
table): the compiled mediated round, the members' answers and the outcome's distances."""


def shared_inputs(scenario: Scenario) -> tuple[str, ...]:
    """Which of ``position`` and ``salience`` a batch of replicates can hold once, as one (1, A, D) table.

    Those no replicate draws (no uncertain input names them) and nothing moves (no bloc or event:
    :func:`positions_can_move`, :func:`saliences_can_change`), when every track is a mediated one
    (:data:`SHARED_PROTOCOLS`) outside a package under a collective rule. Every replicate then
    reads the same numbers from one table, which stays in the core's cache, instead of R copies.
    """
    if not all(track.protocol in SHARED_PROTOCOLS and track.package < 0 and track.rule_kind in COLLECTIVE_RULES
               for track in scenario.tracks):
        return ()
    drawn = draw_plan(scenario).cells  # the fields uncertain inputs fill (worked out once per scenario)
    shared = []
    if "position" not in drawn and not positions_can_move(scenario):
        shared.append("position")
    if "salience" not in drawn and not saliences_can_change(scenario):
        shared.append("salience")
    return tuple(shared)


def opening_positions(scenario: Scenario, state: NegotiationState) -> np.ndarray:
    """The positions before round 1, kept for the outcome (concessions are measured from them): a
    copy where anything can move a position (:func:`positions_can_move`), else the state's own array."""
    return state.position.copy() if positions_can_move(scenario) else state.position


def initial_state(scenario: Scenario, inputs: Inputs | np.ndarray | None = None) -> NegotiationState:
    """The state before round 1.

    Parameters
    ----------
    scenario : Scenario
    inputs : Inputs, optional
        Each replicate's inputs (:func:`sim.kernel.inputs.draw_inputs` for a Monte
        Carlo); the scenario's declared inputs, as one replicate, if omitted. An
        array (R, A, D) is taken as opening positions, with the other inputs declared.
        Its arrays become the state's (not copied): pass inputs drawn for this state alone.
    """
    if inputs is None:
        inputs = declared_inputs(scenario)
    elif isinstance(inputs, np.ndarray):
        position = inputs
        inputs = declared_inputs(scenario, position.shape[0])
        inputs.position = np.array(position, dtype=float)
    position = inputs.position
    replicates, (actors, dims) = inputs.replicates, position.shape[1:]
    tracks = len(scenario.tracks)
    participating = np.stack([track.participants for track in scenario.tracks])
    return NegotiationState(  # the inputs' arrays become the state's (both callers draw them fresh)
        position=np.asarray(position, dtype=float),
        salience=inputs.salience,
        capability=inputs.capability,
        participating=np.broadcast_to(participating, (replicates, tracks, actors)).copy(),
        draft=inputs.status_quo.copy(),
        utility=np.full((replicates, tracks, actors), np.nan),
        demand=np.full((replicates, tracks, actors), np.nan),
        accepts=np.zeros((replicates, tracks, actors), dtype=bool),
        open=np.ones((replicates, tracks), dtype=bool),
        agreed_round=np.zeros((replicates, tracks), dtype=int),
        closed_round=np.zeros((replicates, tracks), dtype=int),
        signed=np.zeros((replicates, tracks, actors), dtype=bool),
        # only an opt-in track pledges: without one, a read-only NaN stands for every pledge
        pledge=(np.full((replicates, actors, dims), np.nan) if any(t.rule_kind == "opt_in" for t in scenario.tracks)
                else np.broadcast_to(np.nan, (replicates, actors, dims))),
        reservation_utility=inputs.reservation_utility,
        tactic=inputs.tactic,
        flexibility=inputs.flexibility,
        broker_step=inputs.broker_step,
        status_quo=inputs.status_quo,
        band_from=inputs.band_from,
        event_strength=inputs.event_strength,
        event_round=inputs.event_round,
        event_amount=inputs.event_amount,
        opening_salience=inputs.salience.copy() if saliences_can_change(scenario) else inputs.salience,
    )
