"""The per-round trace: one row per (run, round, actor) for every round a run played.

A :class:`TraceCollector` is handed to :func:`sim.dynamics.advance` (through the
Mesa model or :func:`sim.ensemble.run_ensemble`); it sees the positions each
round is played on and records the round once it is played. Both engines record
through it, so for the same seeds they give the same trace, row for row. When
no trace is asked for, no collector exists and nothing is recorded.

Columns, in this order (``D`` a dimension id, ``T`` a track id):

- ``run_id``, ``round``, ``actor`` (the actor's id);
- ``position.D``: the actor's position the round was played on (after events and
  bloc cohesion, before the protocol moved it: the SMP and BDM move positions);
- ``draft.D``: the text on the table once the round was played (the draft members
  answered; a forecasting model's forecast; an umbrella's mean pledge);
- per track ``T``: ``T.participates``, ``T.accepts`` (its answer: accepts the
  draft, signed, or takes the forecast), ``T.demand`` and ``T.utility`` (its
  demand and its utility of the draft or its pledge), ``T.open`` (still
  negotiating after the round) and ``T.agreed`` (agreed by then). For a track
  that closed in an earlier round these keep the values it closed with;
- per track ``T``, the columns of its protocol's :meth:`~sim.protocols.base.Protocol.trace`,
  prefixed ``T.`` (e.g. ``consensus.mediated.weight``, ``talks.smp.risk``): NaN
  (float), ``""`` (text) or False where the quantity does not apply: for actors
  not taking part, and in rounds the track did not play.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from sim.kernel.state import NegotiationState
from sim.protocols import registry
from sim.scenario.scenario import Scenario

__all__ = ["TRACK_COLUMNS", "TraceCollector", "empty_trace", "track_columns"]

TRACK_COLUMNS = ("participates", "accepts", "demand", "utility", "open", "agreed")
"""The generic per-track columns, each named ``"<track id>.<column>"``."""
_BOOL = ("participates", "accepts", "open", "agreed")


def track_columns(scenario: Scenario) -> list[str]:
    """The generic columns of a scenario's trace, in order (protocol columns follow each track's)."""
    return list(_generic_kinds(scenario))


def _generic_kinds(scenario: Scenario) -> dict[str, str]:
    kinds = {"run_id": "int", "round": "int", "actor": "str"}
    kinds |= {f"position.{d}": "float" for d in scenario.dimension_ids}
    kinds |= {f"draft.{d}": "float" for d in scenario.dimension_ids}
    for track in scenario.tracks:
        kinds |= {f"{track.id}.{c}": "bool" if c in _BOOL else "float" for c in TRACK_COLUMNS}
    return kinds


def _kind(values: np.ndarray) -> str:
    if values.dtype.kind == "b":
        return "bool"
    if values.dtype.kind in "USO":
        return "str"
    return "float"


_ARROW = {"bool": pa.bool_(), "str": pa.string(), "float": pa.float64(), "int": pa.int64()}
_MISSING = {"bool": False, "str": "", "float": np.nan}


class TraceCollector:
    """Collects the trace of a batch of runs, round by round.

    Parameters
    ----------
    scenario : Scenario
    run_ids : sequence of int
        The run id of each replicate of the state it will see, in order.
    """

    def __init__(self, scenario: Scenario, run_ids: Sequence[int]):
        self.scenario = scenario
        self.run_ids = np.asarray(run_ids, dtype=np.int64)
        self.protocols = [registry.get(track.protocol) for track in scenario.tracks]
        self._chunks: list[dict[str, np.ndarray]] = []
        self._kinds: dict[str, str] = _generic_kinds(scenario)
        self._order: list[tuple[int, str]] = []  # (track index, column) of protocol columns, first seen first
        self._active: np.ndarray | None = None
        self._was_open: np.ndarray | None = None
        self._position: np.ndarray | None = None

    def start_round(self, state: NegotiationState) -> None:
        """Note which runs play this round, which tracks are open and the positions it is played on."""
        self._active = np.flatnonzero(state.open.any(axis=1))
        self._was_open = state.open[self._active]
        self._position = state.position[self._active].copy()

    def end_round(self, state: NegotiationState) -> None:
        """Record the round just played: one row per actor of every run that played it."""
        scenario, rows = self.scenario, self._active
        if rows is None:
            raise RuntimeError("end_round called without start_round")
        actors = len(scenario.actor_ids)
        n = len(rows)
        flat = n * actors

        def per_actor(values: np.ndarray) -> np.ndarray:  # (n, A) -> (n * A,)
            return np.ascontiguousarray(values).reshape(flat)

        def per_run(values: np.ndarray) -> np.ndarray:  # (n,) -> (n * A,)
            return np.repeat(values, actors)

        chunk: dict[str, np.ndarray] = {
            "_index": per_run(rows),
            "_actor": np.tile(np.arange(actors), n),
            "run_id": per_run(self.run_ids[rows]),
            "round": np.full(flat, state.round, dtype=np.int64),
            "actor": np.tile(np.asarray(scenario.actor_ids, dtype=object), n),
        }
        for d, dim_id in enumerate(scenario.dimension_ids):
            chunk[f"position.{dim_id}"] = per_actor(self._position[:, :, d])
        for d, dim_id in enumerate(scenario.dimension_ids):
            chunk[f"draft.{dim_id}"] = per_run(state.draft[rows, d])
        for track, protocol in zip(scenario.tracks, self.protocols):
            k = track.index
            members = state.participating[rows, k, :]
            chunk[f"{track.id}.participates"] = per_actor(members)
            chunk[f"{track.id}.accepts"] = per_actor(state.accepts[rows, k, :])
            chunk[f"{track.id}.demand"] = per_actor(state.demand[rows, k, :])
            chunk[f"{track.id}.utility"] = per_actor(state.utility[rows, k, :])
            chunk[f"{track.id}.open"] = per_run(state.open[rows, k])
            chunk[f"{track.id}.agreed"] = per_run(state.agreed_round[rows, k] > 0)
            applies = members & self._was_open[:, k, None]
            for name, values in protocol.trace(scenario, track, state).items():
                values = np.asarray(values)[rows]
                kind = _kind(values)
                if kind == "str":
                    values = values.astype(object)
                elif kind == "float":
                    values = values.astype(float)
                column = f"{track.id}.{name}"
                chunk[column] = per_actor(np.where(applies, values, _MISSING[kind]))
                if column not in self._kinds:
                    self._kinds[column] = kind
                    self._order.append((k, column))
        self._chunks.append(chunk)
        self._active = self._was_open = self._position = None

    def table(self) -> pa.Table:
        """The trace: one row per (run, round, actor), run by run, then round, then actor."""
        if not self._chunks:
            return empty_trace(self.scenario)
        names = track_columns(self.scenario)
        for track in self.scenario.tracks:  # each track's protocol columns right after its generic ones
            own = [column for k, column in self._order if k == track.index]
            at = names.index(f"{track.id}.{TRACK_COLUMNS[-1]}") + 1
            names[at:at] = own
        index = np.concatenate([c["_index"] for c in self._chunks])
        rounds = np.concatenate([c["round"] for c in self._chunks])
        actor = np.concatenate([c["_actor"] for c in self._chunks])
        order = np.lexsort((actor, rounds, index))
        columns: dict[str, Any] = {}
        for name in names:
            kind = self._kinds[name]
            parts = [c[name] if name in c else np.full(len(c["round"]), _MISSING[kind], dtype=_dtype(kind))
                     for c in self._chunks]
            values = np.concatenate(parts)[order]
            columns[name] = pa.array(values, type=_ARROW[kind])
        return pa.table(columns)


def _dtype(kind: str) -> Any:
    return {"bool": bool, "str": object, "float": float}[kind]


def empty_trace(scenario: Scenario) -> pa.Table:
    """A trace with the generic columns and no rows."""
    return pa.table({name: pa.array([], type=_ARROW[kind]) for name, kind in _generic_kinds(scenario).items()})
