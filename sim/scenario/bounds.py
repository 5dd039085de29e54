"""The size limits of :mod:`sim.limits` checked on a validated scenario, before anything is built from it.

Each check yields ``(field_path, message)`` pairs, as :mod:`sim.scenario.references` does.
"""

from __future__ import annotations

from collections.abc import Iterator

from sim import limits
from sim.protocols import registry
from sim.scenario.spec import Membership, OptIn, ScenarioSpec, Track

__all__ = ["check_limits"]

Problem = tuple[str, str]

_SEE = "see README, 'Limits'"


def check_limits(spec: ScenarioSpec) -> Iterator[Problem]:
    """Every way ``spec`` exceeds the declared limits: actors, dimensions, events, uncertainties, and each track's
    actors, actor-steps (:data:`sim.limits.MAX_TRACK_STEPS`) and work under its protocol
    (:data:`sim.limits.PROTOCOL_LIMITS`)."""
    if len(spec.actors) > limits.MAX_ACTORS:
        yield "actors", f"{len(spec.actors):,} actors; the limit is {limits.MAX_ACTORS:,} ({_SEE})"
    if len(spec.dimensions) > limits.MAX_DIMENSIONS:
        yield "dimensions", f"{len(spec.dimensions):,} dimensions; the limit is {limits.MAX_DIMENSIONS:,} ({_SEE})"
    if len(spec.events) > limits.MAX_EVENTS:
        yield "events", f"{len(spec.events):,} events; the limit is {limits.MAX_EVENTS:,} ({_SEE})"
    else:
        longest = max([spec.deadline] + [track.deadline for track in spec.tracks if track.deadline])
        if len(spec.events) * longest > limits.MAX_EVENT_ROUNDS:
            yield "events", (f"{len(spec.events):,} events x {longest:,} rounds = {len(spec.events) * longest:,} "
                             f"event checks; the limit is {limits.MAX_EVENT_ROUNDS:,} ({_SEE})")
    if len(spec.uncertainties) > limits.MAX_UNCERTAINTIES:
        yield "uncertainties", (f"{len(spec.uncertainties):,} uncertainties; the limit is "
                                f"{limits.MAX_UNCERTAINTIES:,} ({_SEE})")
    for index, track in enumerate(spec.tracks):
        protocol = track.protocol or registry.default_protocol_for(track.decision_rule.kind)
        bound = limits.protocol_limits(protocol)
        actors = _track_actors(spec, track)
        if actors > bound.actors:
            yield (f"tracks[{index}]", f"{actors:,} actors take part; the {protocol} protocol takes at most "
                                       f"{bound.actors:,} ({_SEE})")
            continue
        deadline = track.deadline or spec.deadline
        dimensions = len(track.dimensions) + len(track.framework)
        steps = actors * dimensions * deadline
        if steps > limits.MAX_TRACK_STEPS:
            yield (f"tracks[{index}]", f"{actors} actors x {dimensions} dimension(s) x {deadline} rounds = "
                                       f"{steps:,} actor-steps; the limit is {limits.MAX_TRACK_STEPS:,} ({_SEE})")
            continue
        work = bound.cost(actors, dimensions, deadline)
        if bound.work is not None and work > bound.work:
            yield (f"tracks[{index}]", f"{actors} actors x {dimensions} dimension(s) x {deadline} rounds is "
                                       f"too much work for the {protocol} protocol: {bound.formula} = {work:,}, "
                                       f"the limit is {bound.work:,} ({_SEE})")


def _track_actors(spec: ScenarioSpec, track: Track) -> int:
    """Actors who can take part in ``track``: participants (every actor if none are listed),
    the opt-in counterpart and anyone a ``join`` event brings in."""
    ids = set(track.participants) if track.participants is not None else {actor.id for actor in spec.actors}
    if isinstance(track.decision_rule, OptIn):
        ids.add(track.decision_rule.counterpart)
    ids.update(event.actor for event in spec.events
               if isinstance(event, Membership) and event.kind == "join" and event.track == track.id)
    return len(ids)
