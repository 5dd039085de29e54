"""Scheduled events, applied to the state of every replicate at once."""

from __future__ import annotations

import numpy as np

from sim.kernel.inputs import event_input
from sim.kernel.state import NegotiationState
from sim.scenario import conditions
from sim.scenario.scenario import Scenario
from sim.scenario.spec import Bilateral, Event, Membership, Shift

__all__ = ["apply_event", "describe_event", "fire_conditional_events"]

MIN_CAPABILITY = 1e-9


def apply_event(scenario: Scenario, state: NegotiationState, event: Event,
                active: np.ndarray | None = None) -> None:
    """Apply one event to ``state`` in place (it takes effect before its round is played).

    ``active`` (R,) limits it to some replicates (by default all).

    - ``shift``: :math:`v \\leftarrow` ``to``, or :math:`v \\leftarrow v +` ``by``, for an actor's
      position (clipped to the range), salience (clipped to [0, 1]), capability (kept > 0) or
      reservation utility on a track (clipped to [0, 1]).
    - ``bilateral``: actors a and b each move ``strength`` of the way to their
      capability-weighted midpoint :math:`m = (c_a p_a + c_b p_b) / (c_a + c_b)`.
    - ``join`` / ``leave``: the actor starts or stops taking part in the track.
    """
    rows = slice(None) if active is None else np.flatnonzero(active)
    if isinstance(event, Shift):
        _shift(scenario, state, event, rows)
    elif isinstance(event, Bilateral):
        _bilateral(scenario, state, event, rows)
    elif isinstance(event, Membership):
        actor = scenario.actor_index[event.actor]
        track = scenario.track_index[event.track]
        state.participating[rows, track, actor] = event.kind == "join"
    else:  # pragma: no cover - the schema admits no other kind
        raise TypeError(f"unknown event {event!r}")


def _shift(scenario: Scenario, state: NegotiationState, event: Shift, rows) -> None:
    actor = scenario.actor_index[event.actor]
    amount = event_input(scenario, state, event, rows, "amount")  # its to or by, per replicate (may be drawn)
    if event.attribute == "reservation_utility":
        track = scenario.track_index[event.track]
        current = state.reservation_utility[rows, track, actor]
        new = amount if event.to is not None else current + amount
        state.reservation_utility[rows, track, actor] = np.clip(new, 0.0, 1.0)
        return
    if event.attribute == "capability":
        current = state.capability[rows, actor]
        new = amount if event.to is not None else current + amount
        state.capability[rows, actor] = np.maximum(new, MIN_CAPABILITY)
        return
    dim = scenario.dimension_index[event.dimension]
    table = state.position if event.attribute == "position" else state.salience
    current = table[rows, actor, dim]
    new = amount if event.to is not None else current + amount
    lower, upper = (scenario.lower[dim], scenario.upper[dim]) if event.attribute == "position" else (0.0, 1.0)
    table[rows, actor, dim] = np.clip(new, lower, upper)


def _bilateral(scenario: Scenario, state: NegotiationState, event: Bilateral, rows) -> None:
    a, b = (scenario.actor_index[actor_id] for actor_id in event.actors)
    if event.dimensions is not None:
        names = event.dimensions
    else:
        held = [set(scenario.actors[i].position) for i in (a, b)]
        names = [d for d in scenario.dimension_ids if d in held[0] & held[1]]
    dims = np.array([scenario.dimension_index[d] for d in names], dtype=int)
    rows = np.arange(state.replicates)[rows]
    c_a, c_b = state.capability[rows, a, None], state.capability[rows, b, None]
    p_a, p_b = state.position[np.ix_(rows, [a], dims)][:, 0], state.position[np.ix_(rows, [b], dims)][:, 0]
    midpoint = (c_a * p_a + c_b * p_b) / (c_a + c_b)
    strength = np.reshape(event_input(scenario, state, event, rows, "strength"), (-1, 1))  # per replicate, maybe drawn
    state.position[np.ix_(rows, [a], dims)] = (p_a + strength * (midpoint - p_a))[:, None, :]
    state.position[np.ix_(rows, [b], dims)] = (p_b + strength * (midpoint - p_b))[:, None, :]


def fire_conditional_events(scenario: Scenario, state: NegotiationState, active: np.ndarray | None = None
                            ) -> np.ndarray:
    """Fire every conditional event whose condition now holds, once per replicate, before a round.

    An event with ``when`` fires in a replicate the first time its condition
    (:mod:`sim.scenario.conditions`) holds on the state as it stands (after the
    previous round), in replicates still negotiating (``active``, (R,)). Which
    have fired is kept in ``state.extra["events.fired"]``, (R, E).

    Returns
    -------
    array (R, E) of bool: the events fired now, per replicate.
    """
    fired_now = np.zeros((state.replicates, len(scenario.events)), dtype=bool)
    if not scenario.conditions:
        return fired_now
    fired = state.extra.setdefault("events.fired", np.zeros_like(fired_now))
    live = np.ones(state.replicates, dtype=bool) if active is None else active
    for index, condition in scenario.conditions.items():
        holds = conditions.evaluate(condition, scenario, state) & live & ~fired[:, index]
        if holds.any():
            apply_event(scenario, state, scenario.events[index], holds)
            fired[:, index] |= holds
            fired_now[:, index] = holds
    return fired_now


def describe_event(event: Event, round_: int | None = None) -> str:
    """A short human-readable line for an event (``round_``: when a conditional event fired)."""
    if isinstance(event, Shift):
        change = f"to {event.to:g}" if event.to is not None else f"by {event.by:+g}"
        where = f" on {event.dimension}" if event.dimension else (f" on track {event.track}" if event.track else "")
        text = f"{event.actor} {event.attribute}{where} {change}"
    elif isinstance(event, Bilateral):
        text = f"bilateral {event.actors[0]}-{event.actors[1]} (strength {event.strength:g})"
    else:
        text = f"{event.actor} {event.kind}s track {event.track}"
    if event.when is not None:
        timing = f"when {event.when}" + (f" (fired before round {round_})" if round_ is not None else "")
    else:
        timing = f"round {event.round}"
    return f"{timing}: {text}" + (f" - {event.note}" if event.note else "")
