"""A negotiation's rounds, for any number of replicates.

:func:`advance` is the one definition of what a round does; the Mesa model
calls it once per step (with its events fired by Mesa's scheduler), and
:func:`rounds` drives it for a batch of replicates, firing events itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from sim.kernel.blocs import pull_toward_blocs
from sim.kernel.events import apply_event, fire_conditional_events
from sim.kernel.state import NegotiationState
from sim.protocols import registry
from sim.protocols.forecasting import record_forecast
from sim.protocols.package import play_package
from sim.scenario.scenario import Scenario

if TYPE_CHECKING:
    from sim.trace import TraceCollector

__all__ = ["advance", "rounds", "finished"]


def advance(scenario: Scenario, state: NegotiationState, round_: int,
            rngs: Sequence[np.random.Generator], trace: TraceCollector | None = None) -> None:
    """Play round ``round_`` in place: events for it must already have been applied.

    1. from round 2 on, bloc members move toward their bloc's position
       (:func:`~sim.kernel.blocs.pull_toward_blocs`), in replicates still negotiating;
    2. in round 1, each track's protocol puts its first text on the table;
    3. each track still open in some replicate plays its protocol's round (the tracks of a
       package play one package round, :func:`~sim.protocols.package.play_package`);
    4. a forecast track records the round's forecasts (:func:`~sim.protocols.forecasting.record_forecast`;
       round 0, before round 1, too).

    ``trace``, if given, sees the positions the round is played on (after step 1)
    and records the round once it is played (:class:`sim.trace.TraceCollector`).
    """
    state.round = round_
    if round_ > 1 and (scenario.bloc >= 0).any():
        active = state.open.any(axis=1)[:, None, None]  # finished replicates stay as they ended
        pulled = pull_toward_blocs(state.position, state.salience, state.capability, scenario.bloc,
                                   state.flexibility)
        state.position = np.where(active, pulled, state.position)
    was_open = state.open.copy()
    if trace is not None:
        trace.start_round(state)
    if round_ == 1:  # every first text is on the table before anything is played (a package spans tracks)
        for track in scenario.tracks:
            registry.get(track.protocol).open(scenario, track, state)
            if track.rule_kind == "forecast":
                everyone = np.arange(state.replicates)
                record_forecast(scenario, track, state, 0, everyone, np.full((len(everyone), len(track.dims)), np.nan))
    for track in scenario.tracks:
        protocol = registry.get(track.protocol)
        if track.package >= 0:
            package = scenario.packages[track.package]
            if track.index == package.tracks[0] and state.open[:, track.index].any():
                play_package(scenario, package, state, round_, rngs)  # all member tracks at once
        elif state.open[:, track.index].any():
            protocol.play_round(scenario, track, state, round_, rngs)
            if track.rule_kind == "forecast":
                played = np.flatnonzero(was_open[:, track.index])
                record_forecast(scenario, track, state, round_, played, state.draft[played][:, track.dims])
    state.closed_round[was_open & ~state.open] = round_
    if trace is not None:
        trace.end_round(state)


def finished(scenario: Scenario, state: NegotiationState) -> bool:
    """Whether every track of every replicate has closed (or the last deadline has passed)."""
    return not state.open.any() or state.round >= scenario.deadline


def rounds(scenario: Scenario, state: NegotiationState, rngs: Sequence[np.random.Generator],
           trace: TraceCollector | None = None) -> Iterator[NegotiationState]:
    """Play a negotiation to its end, yielding the state after each round.

    Events scheduled for a round are applied just before it, to the replicates
    still negotiating, as the Mesa model does (a finished run fires no more
    events); then the conditional events whose conditions now hold
    (:func:`~sim.kernel.events.fire_conditional_events`). ``rngs`` holds one generator per replicate; ``trace`` is passed to :func:`advance`.
    """
    scheduled = [index for index, event in enumerate(scenario.events) if event.round is not None]
    round_ = state.round
    while not (round_ > 0 and finished(scenario, state)):
        round_ += 1
        active = state.open.any(axis=1) if round_ > 1 else None
        for index in scheduled:  # at each replicate's own round for it (``state.event_round``, maybe drawn)
            fires = state.event_round[:, index] == round_
            if active is not None:
                fires &= active
            if fires.any():
                apply_event(scenario, state, scenario.events[index], fires)
        fire_conditional_events(scenario, state, active)
        advance(scenario, state, round_, rngs, trace)
        yield state
