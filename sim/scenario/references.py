"""Checks that relate one part of a scenario to another.

Each check yields ``(field_path, message)`` pairs, so that a user sees every
problem at once, each with the place in the file it concerns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from sim.kernel.decision import COLLECTIVE_RULES
from sim.protocols import registry
from sim.scenario import conditions
from sim.scenario.spec import Membership, OptIn, ScenarioSpec, Shift
from sim.scenario.uncertainties import check_uncertainties

Problem = tuple[str, str]


def check_references(spec: ScenarioSpec, *, evidence: bool = False) -> list[Problem]:
    """Return every cross-reference problem in ``spec`` (empty when it is consistent).

    ``evidence``: also check that each quoted position sits in the band its quote
    supports. Done for a scenario as its file is written (:func:`sim.scenario.load_scenario`),
    not for the variants a sweep or ``--set`` makes, which move positions on purpose.
    """
    problems: list[Problem] = []
    checks = (_unique_ids, _actors, _tracks, _events, _packages) + ((_evidence,) if evidence else ()) + (
        check_uncertainties,)
    for check in checks:
        problems.extend(check(spec))
    return problems


def _unique_ids(spec: ScenarioSpec) -> Iterator[Problem]:
    for section in ("dimensions", "actors", "tracks"):
        items = getattr(spec, section)
        counts = Counter(item.id for item in items)
        for index, item in enumerate(items):
            if counts[item.id] > 1:
                yield f"{section}[{index}].id", f"duplicate id '{item.id}'"
                counts[item.id] = 0  # report each duplicate once
    if len(spec.actors) < 2:
        yield "actors", f"a negotiation needs at least two actors, got {len(spec.actors)}"
    for index, dimension in enumerate(spec.dimensions):
        path = f"dimensions[{index}]"
        lower, upper = dimension.range
        if not lower < upper:
            yield f"{path}.range", f"lower bound must be below upper bound, got [{lower:g}, {upper:g}]"
            continue
        if dimension.status_quo is not None and not lower <= dimension.status_quo <= upper:
            yield (
                f"{path}.status_quo",
                f"must be in the range [{lower:g}, {upper:g}], got {dimension.status_quo:g}",
            )
        starts = [band.from_ for band in dimension.wording]
        if starts[0] != lower:
            yield f"{path}.wording[0].from", f"the first band must start at {lower:g}, got {starts[0]:g}"
        for band_index in range(1, len(starts)):
            if not starts[band_index - 1] < starts[band_index] <= upper:
                yield (
                    f"{path}.wording[{band_index}].from",
                    f"bands must start in increasing order within [{lower:g}, {upper:g}], "
                    f"got {starts[band_index]:g} after {starts[band_index - 1]:g}",
                )


def _dimension_ranges(spec: ScenarioSpec) -> dict[str, tuple[float, float]]:
    return {dimension.id: dimension.range for dimension in spec.dimensions}


def _needed_dimensions(spec: ScenarioSpec) -> dict[str, dict[str, str]]:
    """For each actor, the dimensions it must hold a position on, mapped to the track needing it."""
    everyone = [actor.id for actor in spec.actors]
    needed: dict[str, dict[str, str]] = {actor_id: {} for actor_id in everyone}
    joiners = [(e.actor, e.track) for e in spec.events if isinstance(e, Membership) and e.kind == "join"]
    for track in spec.tracks:
        members = set(track.participants if track.participants is not None else everyone)
        if isinstance(track.decision_rule, OptIn):
            members.add(track.decision_rule.counterpart)
        members.update(actor for actor, track_id in joiners if track_id == track.id)
        for actor_id in members & set(everyone):
            for dimension_id in track.dimensions:
                needed[actor_id].setdefault(dimension_id, track.id)
    return needed


def _actors(spec: ScenarioSpec) -> Iterator[Problem]:
    ranges = _dimension_ranges(spec)
    needed = _needed_dimensions(spec)
    for index, actor in enumerate(spec.actors):
        path = f"actors[{index}]"
        for field in ("position", "salience", "position_sd"):
            for dimension_id in getattr(actor, field):
                if dimension_id not in ranges:
                    yield f"{path}.{field}.{dimension_id}", f"unknown dimension '{dimension_id}'"
        for dimension_id, track_id in needed.get(actor.id, {}).items():
            for field in ("position", "salience"):
                if dimension_id not in getattr(actor, field):
                    yield (
                        f"{path}.{field}",
                        f"missing '{dimension_id}' (a dimension of track '{track_id}', "
                        f"in which '{actor.id}' takes part)",
                    )
        if isinstance(actor.reservation_utility, dict):
            track_ids = {track.id for track in spec.tracks}
            for track_id in actor.reservation_utility:
                if track_id not in track_ids:
                    yield f"{path}.reservation_utility.{track_id}", f"unknown track '{track_id}'"
        for dimension_id, value in actor.position.items():
            if dimension_id in ranges:
                lower, upper = ranges[dimension_id]
                if not lower <= value <= upper:
                    yield (
                        f"{path}.position.{dimension_id}",
                        f"must be in the range of '{dimension_id}' [{lower:g}, {upper:g}], got {value:g}",
                    )


def _within(value: float, low: float | None, high: float | None) -> bool:
    return value == value and (low is None or value >= low) and (high is None or value <= high)


def _tracks(spec: ScenarioSpec) -> Iterator[Problem]:
    actor_ids = {actor.id for actor in spec.actors}
    owner: dict[str, str] = {}
    for index, track in enumerate(spec.tracks):
        path = f"tracks[{index}]"
        named = [("dimensions", i, d) for i, d in enumerate(track.dimensions)]
        named += [("framework", i, d) for i, d in enumerate(track.framework)]
        for field, dim_index, dimension_id in named:
            if dimension_id not in _dimension_ranges(spec):
                yield f"{path}.{field}[{dim_index}]", f"unknown dimension '{dimension_id}'"
            elif dimension_id in owner:
                yield (
                    f"{path}.{field}[{dim_index}]",
                    f"'{dimension_id}' already belongs to track '{owner[dimension_id]}'",
                )
            else:
                owner[dimension_id] = track.id
        if track.framework and track.decision_rule.kind != "opt_in":
            yield (f"{path}.framework", "only an opt-in track has a framework text beside its pledges; "
                                        "put these dimensions in 'dimensions'")
        seen: set[str] = set()
        for p_index, actor_id in enumerate(track.participants or []):
            if actor_id not in actor_ids:
                yield f"{path}.participants[{p_index}]", f"unknown actor '{actor_id}'"
            elif actor_id in seen:
                yield f"{path}.participants[{p_index}]", f"'{actor_id}' is listed twice"
            seen.add(actor_id)
        rule = track.decision_rule
        if rule.kind != "forecast":
            for dimension_id in track.dimensions:
                dimension = next((d for d in spec.dimensions if d.id == dimension_id), None)
                if dimension is not None and dimension.status_quo is None:
                    where = [d.id for d in spec.dimensions].index(dimension_id)
                    yield (
                        f"dimensions[{where}].status_quo",
                        f"'{dimension_id}' needs a status quo: track '{track.id}' ({rule.kind.replace('_', ' ')}) "
                        "can fail, and then the status quo holds (only forecast tracks may go without)",
                    )
        if isinstance(rule, OptIn):
            if rule.counterpart not in actor_ids:
                yield f"{path}.decision_rule.counterpart", f"unknown actor '{rule.counterpart}'"
            members = set(track.participants if track.participants is not None else actor_ids)
            members.discard(rule.counterpart)
            joiners = {e.actor for e in spec.events if isinstance(e, Membership) and e.kind == "join"
                       and e.track == track.id}
            reachable = len(members | joiners)
            if rule.min_signatories > reachable:
                yield (
                    f"{path}.decision_rule.min_signatories",
                    f"needs {rule.min_signatories} signatories but only {reachable} actors can sign",
                )
        protocol_name = track.protocol or registry.default_protocol_for(rule.kind)
        if protocol_name not in registry.names():
            yield (
                f"{path}.protocol",
                f"unknown protocol '{protocol_name}'; known: {', '.join(registry.names())}",
            )
        else:
            protocol = registry.get(protocol_name)
            if rule.kind not in protocol.decision_rules:
                supported = ", ".join(protocol.decision_rules)
                yield (
                    f"{path}.decision_rule.kind",
                    f"protocol '{protocol_name}' does not support '{rule.kind}' (it supports: {supported})",
                )
            else:
                yield from protocol.check(spec, index)  # what this protocol refuses (e.g. a forecast nobody weighs)
            for option, value in track.options.items():
                if option not in protocol.options:
                    known = ", ".join(protocol.options) or "none"
                    yield f"{path}.options.{option}", f"protocol '{protocol_name}' has no option '{option}' (its options: {known})"
                elif not isinstance(value, type(protocol.options[option][0])) and not (
                        isinstance(value, (int, float)) and isinstance(protocol.options[option][0], float)):
                    expected = type(protocol.options[option][0]).__name__
                    yield f"{path}.options.{option}", f"must be a {expected}, got {value!r}"
                elif option in protocol.option_bounds and not _within(value, *protocol.option_bounds[option]):
                    low, high = protocol.option_bounds[option]
                    span = f"[{'-inf' if low is None else f'{low:g}'}, {'inf' if high is None else f'{high:g}'}]"
                    yield f"{path}.options.{option}", f"must be in {span}; got {value!r}"
                elif option in protocol.option_choices and value not in protocol.option_choices[option]:
                    allowed = ", ".join(protocol.option_choices[option])
                    yield f"{path}.options.{option}", f"must be one of {allowed}; got {value!r}"
    for dimension in spec.dimensions:
        if dimension.id not in owner:
            index = [d.id for d in spec.dimensions].index(dimension.id)
            yield f"dimensions[{index}]", f"'{dimension.id}' is not negotiated in any track"


def _events(spec: ScenarioSpec) -> Iterator[Problem]:
    actor_ids = {actor.id for actor in spec.actors}
    dimension_ids = set(_dimension_ranges(spec))
    track_ids = {track.id for track in spec.tracks}
    last_round = max([spec.deadline] + [t.deadline for t in spec.tracks if t.deadline is not None])
    rules = {track.id: track.decision_rule.kind for track in spec.tracks}
    for index, event in enumerate(spec.events):
        path = f"events[{index}]"
        if (event.round is None) == (event.when is None):
            yield path, "give exactly one of 'round' (a fixed round) or 'when' (a condition)"
        elif event.round is not None and event.round > last_round:
            yield f"{path}.round", f"must be at most the last deadline ({last_round}), got {event.round}"
        elif event.when is not None:
            try:
                problems = conditions.check(conditions.parse(event.when), rules, dimension_ids)
            except conditions.ConditionError as error:
                problems = [str(error)]
            for problem in problems:
                yield f"{path}.when", problem
        named = event.actors if event.kind == "bilateral" else (event.actor,)
        for position, actor_id in enumerate(named):
            if actor_id not in actor_ids:
                field = f"actors[{position}]" if event.kind == "bilateral" else "actor"
                yield f"{path}.{field}", f"unknown actor '{actor_id}'"
        if event.kind == "bilateral":
            if event.actors[0] == event.actors[1]:
                yield f"{path}.actors", "a bilateral needs two different actors"
            for d_index, dimension_id in enumerate(event.dimensions or []):
                if dimension_id not in dimension_ids:
                    yield f"{path}.dimensions[{d_index}]", f"unknown dimension '{dimension_id}'"
        elif isinstance(event, Shift):
            yield from _shift(event, path, _dimension_ranges(spec), rules)
        elif isinstance(event, Membership) and event.track not in track_ids:
            yield f"{path}.track", f"unknown track '{event.track}'"


def _shift(event: Shift, path: str, ranges: dict[str, tuple[float, float]], rules: dict[str, str]
           ) -> Iterator[Problem]:
    """A shift names what it changes and, with ``to``, a value that attribute can take.

    (``by`` changes are clipped to the valid values when they apply.)
    """
    if (event.to is None) == (event.by is None):
        yield path, "give exactly one of 'to' (new value) or 'by' (change)"
    if event.attribute != "reservation_utility" and event.track is not None:
        yield f"{path}.track", f"a {event.attribute} shift has no track; remove this field"
    if event.attribute == "reservation_utility":
        if event.dimension is not None:
            yield f"{path}.dimension", "a reservation utility has no dimension; name its 'track' instead"
        if event.track is None:
            yield f"{path}.track", "a reservation_utility shift needs the track it applies to"
        elif event.track not in rules:
            yield f"{path}.track", f"unknown track '{event.track}'"
        if event.to is not None and not 0.0 <= event.to <= 1.0:
            yield f"{path}.to", f"a reservation utility must be in [0, 1], got {event.to:g}"
    elif event.attribute == "capability":
        if event.dimension is not None:
            yield f"{path}.dimension", "capability has no dimension; remove this field"
        if event.to is not None and event.to <= 0:
            yield f"{path}.to", f"capability must be > 0, got {event.to:g}"
    elif event.dimension is None:
        yield f"{path}.dimension", f"a {event.attribute} shift needs a dimension"
    elif event.dimension not in ranges:
        yield f"{path}.dimension", f"unknown dimension '{event.dimension}'"
    elif event.to is not None:
        lower, upper = ranges[event.dimension] if event.attribute == "position" else (0.0, 1.0)
        if not lower <= event.to <= upper:
            where = f"the range of '{event.dimension}'" if event.attribute == "position" else "the salience bounds"
            yield f"{path}.to", f"must be in {where} [{lower:g}, {upper:g}], got {event.to:g}"


PACKAGE_PROTOCOLS = ("mediated",)
"""Protocols that can negotiate a track as part of a package (the broker drafts the whole package)."""


def _packages(spec: ScenarioSpec) -> Iterator[Problem]:
    """A package joins two or more collective tracks, each in one package, all drafted by the broker."""
    tracks = {track.id: track for track in spec.tracks}
    owner: dict[str, str] = {}
    seen: set[str] = set()
    for index, package in enumerate(spec.packages):
        path = f"packages[{index}]"
        if package.id in seen or package.id in tracks:
            yield f"{path}.id", f"'{package.id}' is already the id of a {'package' if package.id in seen else 'track'}"
        seen.add(package.id)
        if len(set(package.tracks)) < 2:
            yield f"{path}.tracks", "a package joins at least two different tracks"
        for t_index, track_id in enumerate(package.tracks):
            where = f"{path}.tracks[{t_index}]"
            track = tracks.get(track_id)
            if track is None:
                yield where, f"unknown track '{track_id}'"
                continue
            if track_id in owner and owner[track_id] != package.id:
                yield where, f"'{track_id}' already belongs to package '{owner[track_id]}'"
            owner[track_id] = package.id
            kind = track.decision_rule.kind
            protocol = track.protocol or registry.default_protocol_for(kind)
            if kind not in COLLECTIVE_RULES:
                yield where, (f"'{track_id}' decides by '{kind.replace('_', ' ')}'; a package needs collective "
                              "rules (unanimity or a majority), where members accept or reject one text")
            elif protocol not in PACKAGE_PROTOCOLS:
                yield where, (f"'{track_id}' is negotiated under '{protocol}', which drafts each track on its own; "
                              f"a package's tracks must use {' or '.join(PACKAGE_PROTOCOLS)} (the broker drafts the "
                              "whole package)")


def _evidence(spec: ScenarioSpec) -> Iterator[Problem]:
    """A quote's band: the actor's position sits in the band whose text says what the quote says."""
    dimensions = {d.id: d for d in spec.dimensions}
    for a_index, actor in enumerate(spec.actors):
        for e_index, evidence in enumerate(actor.evidence):
            path = f"actors[{a_index}].evidence[{e_index}]"
            dimension = dimensions.get(evidence.dimension)
            if dimension is None:
                yield f"{path}.dimension", f"unknown dimension '{evidence.dimension}'"
                continue
            starts = [band.from_ for band in dimension.wording]
            if any(b <= a for a, b in zip(starts, starts[1:])):
                continue  # the bands themselves are out of order: reported with the dimension
            if evidence.band not in starts:
                yield f"{path}.band", (f"'{evidence.dimension}' has no wording band starting at {evidence.band:g} "
                                       f"(bands start at {', '.join(f'{s:g}' for s in starts)})")
                continue
            index = starts.index(evidence.band)
            upper = starts[index + 1] if index + 1 < len(starts) else None
            position = actor.position.get(evidence.dimension)
            if position is None:
                yield f"{path}.dimension", f"'{actor.id}' declares no position on '{evidence.dimension}'"
            elif not dimension.range[0] <= position <= dimension.range[1]:
                continue  # out of range: reported with the actor's position
            elif position < evidence.band or (upper is not None and position >= upper):
                span = f"{evidence.band:g}" + (f" to {upper:g}" if upper is not None else " and up")
                yield (f"{path}.band", f"'{actor.id}' sits at {position:g} on '{evidence.dimension}', outside the "
                                       f"band its quote supports ({span}: \"{dimension.wording[index].text}\")")
