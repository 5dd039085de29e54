"""The frozen, numeric form of a validated scenario.

Actors are held in order of their ids, whatever their order in the file, so
a deterministic outcome cannot depend on how a file lists them. Dimensions
and tracks keep their file order (it is the order a statement is printed in).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from sim.protocols import registry
from sim.scenario import conditions
from sim.scenario.spec import Actor, Dimension, OptIn, QualifiedMajority, ScenarioSpec

__all__ = ["PackageInfo", "Scenario", "TrackInfo", "scenario_record"]


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


@dataclass(frozen=True)
class TrackInfo:
    """One track in array form.

    Attributes
    ----------
    index : int
        Position of the track in the scenario.
    dims : numpy.ndarray
        Indices of the track's dimensions into the scenario's dimension axis.
    participants : numpy.ndarray
        Boolean mask over actors: who takes part at the start.
    counterpart : int
        Actor index of the counterpart on an opt-in track, else -1.
    """

    index: int
    id: str
    name: str
    dims: np.ndarray
    participants: np.ndarray
    rule_kind: str
    rule_by: str
    threshold: float
    counterpart: int
    min_signatories: int
    protocol: str
    deadline: int
    options: dict = field(default_factory=dict)
    package: int = -1
    """Index of the package the track belongs to, or -1."""
    framework_dims: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    """Opt-in tracks: dimensions of the framework text the signatories settle together."""

    @property
    def all_dims(self) -> np.ndarray:
        """The track's pledge (or statement) dimensions, then its framework dimensions."""
        return np.concatenate([self.dims, self.framework_dims])


@dataclass(frozen=True)
class PackageInfo:
    """Tracks negotiated as one text (:class:`sim.scenario.spec.Package`) in array form.

    Attributes
    ----------
    tracks : tuple of int
        Indices of the member tracks.
    dims : numpy.ndarray
        Their dimensions, in track order.
    deadline : int
        The earliest member deadline: nothing is agreed after it.
    """

    index: int
    id: str
    name: str
    tracks: tuple[int, ...]
    dims: np.ndarray
    deadline: int
    linkage: bool


DEFAULT_RESERVATION_UTILITY = 0.5


def _reservation(actor: Actor, track_id: str) -> float:
    value = actor.reservation_utility
    if isinstance(value, dict):
        return value.get(track_id, DEFAULT_RESERVATION_UTILITY)
    return value


class Scenario:
    """A validated scenario, ready to simulate. Build one with :func:`sim.load_scenario`.

    Parameters
    ----------
    spec : ScenarioSpec
        The validated contents of a scenario file (cross-references already checked).
    """

    def __init__(self, spec: ScenarioSpec):
        self.spec = spec
        actors = sorted(spec.actors, key=lambda actor: actor.id)
        self.actors: tuple[Actor, ...] = tuple(actors)
        self.actor_ids: tuple[str, ...] = tuple(actor.id for actor in actors)
        self.actor_index = {actor_id: i for i, actor_id in enumerate(self.actor_ids)}
        self.dimensions: tuple[Dimension, ...] = tuple(spec.dimensions)
        self.dimension_ids: tuple[str, ...] = tuple(d.id for d in spec.dimensions)
        self.dimension_index = {d_id: i for i, d_id in enumerate(self.dimension_ids)}
        self.lower = _frozen(np.array([d.range[0] for d in self.dimensions], dtype=float))
        self.upper = _frozen(np.array([d.range[1] for d in self.dimensions], dtype=float))
        self.width = _frozen(self.upper - self.lower)
        self.status_quo = _frozen(np.array([np.nan if d.status_quo is None else d.status_quo
                                            for d in self.dimensions], dtype=float))
        """array (D,): what holds if nothing is agreed; NaN where the scenario declares none."""
        self.position = _frozen(self._per_dimension("position", np.where(np.isnan(self.status_quo),
                                                                         self.lower, self.status_quo)))
        self.salience = _frozen(self._per_dimension("salience", np.zeros(len(self.dimensions))))
        self.position_sd = _frozen(self._per_dimension("position_sd", np.zeros(len(self.dimensions))))
        self.capability = _frozen(np.array([a.capability for a in actors], dtype=float))
        self.veto = _frozen(np.array([a.veto for a in actors], dtype=bool))
        self.flexibility = _frozen(np.array([a.flexibility for a in actors], dtype=float))
        self.tactic = _frozen(np.array([a.tactic for a in actors], dtype=float))
        blocs = sorted({a.bloc for a in actors if a.bloc is not None})
        self.bloc_ids: tuple[str, ...] = tuple(blocs)
        self.bloc = _frozen(np.array([blocs.index(a.bloc) if a.bloc else -1 for a in actors], dtype=int))
        self.track_index = {track.id: index for index, track in enumerate(spec.tracks)}
        package_of = {self.track_index[t]: p for p, package in enumerate(spec.packages) for t in package.tracks}
        self.tracks: tuple[TrackInfo, ...] = tuple(self._track(i, package_of.get(i, -1))
                                                   for i in range(len(spec.tracks)))
        self.packages: tuple[PackageInfo, ...] = tuple(
            PackageInfo(index=p, id=package.id, name=package.name or package.id,
                        tracks=tuple(self.track_index[t] for t in package.tracks),
                        dims=_frozen(np.concatenate([self.tracks[self.track_index[t]].dims for t in package.tracks])),
                        deadline=min(self.tracks[self.track_index[t]].deadline for t in package.tracks),
                        linkage=package.linkage)
            for p, package in enumerate(spec.packages))
        self.reservation_utility = _frozen(np.array(
            [[_reservation(a, track.id) for a in actors] for track in self.tracks], dtype=float))
        """array (K, A): each actor's reservation utility on each track."""
        self.deadline = max(track.deadline for track in self.tracks)
        self.events = tuple(spec.events)
        self.conditions = {index: conditions.parse(event.when) for index, event in enumerate(self.events)
                           if event.when is not None}
        """Parsed ``when`` conditions by event index (events with a fixed round have none)."""

    def _per_dimension(self, field: str, default: np.ndarray) -> np.ndarray:
        table = np.tile(default, (len(self.actors), 1)).astype(float)
        for i, actor in enumerate(self.actors):
            for dimension_id, value in getattr(actor, field).items():
                table[i, self.dimension_index[dimension_id]] = value
        return table

    def _track(self, index: int, package: int = -1) -> TrackInfo:
        track = self.spec.tracks[index]
        rule = track.decision_rule
        counterpart = self.actor_index[rule.counterpart] if isinstance(rule, OptIn) else -1
        members = track.participants if track.participants is not None else self.actor_ids
        participants = np.zeros(len(self.actor_ids), dtype=bool)
        participants[[self.actor_index[m] for m in members]] = True
        if counterpart >= 0:
            participants[counterpart] = False
        return TrackInfo(
            index=index,
            id=track.id,
            name=track.name or track.id,
            dims=_frozen(np.array([self.dimension_index[d] for d in track.dimensions], dtype=int)),
            participants=_frozen(participants),
            rule_kind=rule.kind,
            rule_by=getattr(rule, "by", "count"),
            threshold=rule.threshold if isinstance(rule, QualifiedMajority) else 0.5,
            counterpart=counterpart,
            min_signatories=getattr(rule, "min_signatories", 0),
            protocol=track.protocol or registry.default_protocol_for(rule.kind),
            deadline=track.deadline or self.spec.deadline,
            options=dict(track.options),
            package=package,
            framework_dims=_frozen(np.array([self.dimension_index[d] for d in track.framework], dtype=int)),
        )

    def event_index(self, event) -> int | None:
        """The index of one of this scenario's events in ``events`` (the same object, else an equal
        one); None for an event that is not the scenario's."""
        for index, candidate in enumerate(self.events):
            if candidate is event:
                return index
        return self.events.index(event) if event in self.events else None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def seed(self) -> int:
        return self.spec.seed

    @property
    def has_uncertainty(self) -> bool:
        """Whether a Monte Carlo draws anything: uncertain inputs, logistic acceptance or a random protocol."""
        return (bool(self.uncertain_inputs) or self.spec.acceptance.rule == "logistic"
                or any(registry.get(track.protocol).is_stochastic(track) for track in self.tracks))

    @cached_property
    def uncertain_inputs(self) -> tuple:
        """Every uncertain number (``[[uncertainties]]`` and ``position_sd``), resolved: a tuple of
        :class:`sim.scenario.uncertainties.UncertainInput`, drawn by :func:`sim.kernel.inputs.draw_inputs`."""
        from sim.scenario.uncertainties import resolve

        return tuple(resolve(self.spec.model_dump(mode="json", by_alias=True), list(self.spec.uncertainties))[0])

    @cached_property
    def digest(self) -> str:
        """SHA-256 of the scenario's canonical JSON: equal for equal contents, whatever the file layout."""
        canonical = json.dumps(self.spec.model_dump(mode="json", by_alias=True), sort_keys=True)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def wording(self, dimension_id: str, value: float) -> str:
        """The draft statement wording for ``value`` on a dimension (its wording band)."""
        bands = self.dimensions[self.dimension_index[dimension_id]].wording
        text = bands[0].text
        for band in bands:
            if value >= band.from_:
                text = band.text
        return text

    def __repr__(self) -> str:
        return (
            f"Scenario({self.name!r}, actors={len(self.actor_ids)}, "
            f"dimensions={len(self.dimension_ids)}, tracks={[t.id for t in self.tracks]})"
        )


def scenario_record(scenario: Scenario, path: str = "") -> dict:
    """What a results manifest keeps of a scenario: enough to rebuild it exactly."""
    return {"name": scenario.name, "path": str(path), "digest": scenario.digest,
            "data": scenario.spec.model_dump(mode="json", by_alias=True)}
