"""The ensemble driver: many replicates of one scenario in one pass of the kernel.

For the same seeds it gives the same runs as the Mesa model, run by run: each
replicate draws from its own generator, seeded exactly as the Mesa model's
(:mod:`sim.seeding`), and the rounds are played by the same
:func:`sim.dynamics.advance`. Protocols declared ``batched`` compute all
replicates with array operations; the others loop over them inside each round.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from sim.dynamics import rounds
from sim.kernel.state import NegotiationState, initial_state
from sim.kernel.inputs import draw_inputs
from sim.outcome import track_arrays
from sim.records import runs_schema, seed_text
from sim.scenario.scenario import Scenario
from sim.seeding import run_seed
from sim.trace import TraceCollector

__all__ = ["EnsembleResult", "outcome_table", "run_ensemble"]


class EnsembleResult:
    """The finished state of a batch, with the coordinates of each replicate."""

    def __init__(self, scenario: Scenario, state: NegotiationState, opening: np.ndarray,
                 coordinates: dict[str, np.ndarray], trajectory: list[dict[str, Any]] | None,
                 tracer: TraceCollector | None = None):
        self.scenario = scenario
        self.state = state
        self.opening = opening
        self.coordinates = coordinates
        self.trajectory = trajectory
        self.tracer = tracer

    def table(self) -> pa.Table:
        """One row per run, with the same columns as :meth:`sim.outcome.RunOutcome.to_record`."""
        return outcome_table(self.scenario, self.state, self.opening, self.coordinates)

    def trajectory_table(self) -> pa.Table:
        """One row per (run, round) it played, run by run: the draft on every dimension and each track's open flag."""
        if self.trajectory is None:
            raise RuntimeError("run_ensemble was called without trajectories=True")
        played = self.state.rounds_played
        rows = sorted((row for row in self.trajectory if row["round"] <= played[row["_index"]]),
                      key=lambda row: (row["_index"], row["round"]))
        names = [key for key in self.trajectory[0] if key != "_index"] if self.trajectory else []
        types = {"run_id": pa.int64(), "round": pa.int64()}
        columns = {}
        for name in names:
            kind = types.get(name, pa.bool_() if name.endswith(".open") else pa.float64())
            columns[name] = pa.array([row[name] for row in rows], type=kind)
        return pa.table(columns)

    def trace_table(self) -> pa.Table:
        """The per-round trace (:mod:`sim.trace`): one row per (run, round it played, actor), run by run."""
        if self.tracer is None:
            raise RuntimeError("run_ensemble was called without trace=True")
        return self.tracer.table()


def run_ensemble(scenario: Scenario, root_seed: int, replicates: Sequence[int], *, point: int | None = None,
                 run_ids: Sequence[int] | None = None, trajectories: bool = False,
                 trace: bool = False) -> EnsembleResult:
    """Run the given replicates of ``scenario`` in one pass.

    Parameters
    ----------
    root_seed : int
        Root of the seed tree; replicate r is seeded as in :func:`sim.seeding.run_seed`,
        at every design point alike (common random numbers).
    replicates : sequence of int
        Replicate indices (inputs are drawn from the declared uncertainty, as in a Monte Carlo).
    point : int, optional
        Design point, for sweeps: fills the ``point`` column; no seed depends on it.
    run_ids : sequence of int, optional
        Row identifiers (default: the replicate indices).
    trajectories : bool
        Keep each round's draft per run (:meth:`EnsembleResult.trajectory_table`).
    trace : bool
        Keep the per-round trace, one row per actor (:meth:`EnsembleResult.trace_table`).
    """
    replicates = list(replicates)
    seeds = [run_seed(root_seed, r) for r in replicates]
    rngs = [np.random.default_rng(seed) for seed in seeds]
    state = initial_state(scenario, draw_inputs(scenario, root_seed, replicates))  # by (root, replicate) alone
    opening = state.position.copy()
    ids = np.asarray(run_ids if run_ids is not None else replicates, dtype=np.int64)
    trajectory: list[dict[str, Any]] | None = [] if trajectories else None
    tracer = TraceCollector(scenario, ids) if trace else None
    for current in rounds(scenario, state, rngs, tracer):
        if trajectory is not None:
            for r in range(len(replicates)):
                row: dict[str, Any] = {"_index": r, "run_id": int(ids[r]), "round": current.round}
                for d, dim_id in enumerate(scenario.dimension_ids):
                    row[f"draft.{dim_id}"] = float(current.draft[r, d])
                for track in scenario.tracks:
                    row[f"{track.id}.open"] = bool(current.open[r, track.index])
                trajectory.append(row)
    coordinates = {
        "run_id": ids,
        "point": np.full(len(replicates), -1 if point is None else point, dtype=np.int64),
        "replicate": np.asarray(replicates, dtype=np.int64),
        "seed": np.full(len(replicates), seed_text(root_seed), dtype=object),  # any size: decimal text
        "run_seed": np.asarray(seeds, dtype=np.uint64),
    }
    return EnsembleResult(scenario, state, opening, coordinates, trajectory, tracer)


def _id_lists(ids: tuple[str, ...], mask: np.ndarray) -> list[list[str]]:
    return [[ids[i] for i in np.flatnonzero(row)] for row in mask]


def outcome_table(scenario: Scenario, state: NegotiationState, opening: np.ndarray,
                  coordinates: dict[str, np.ndarray]) -> pa.Table:
    """Columnar outcomes of a finished batch, in the canonical schema (:func:`sim.records.runs_schema`)."""
    ids = scenario.actor_ids
    per_track = {track.id: track_arrays(scenario, track, state, opening) for track in scenario.tracks}
    values: dict[str, Any] = {
        "run_id": coordinates["run_id"],
        "replicate": coordinates["replicate"],
        "seed": coordinates["seed"],
        "run_seed": coordinates["run_seed"],
        "agreed": np.all([arrays["agreed"] for arrays in per_track.values()], axis=0),
        "rounds": state.rounds_played,
    }
    for track in scenario.tracks:
        arrays = per_track[track.id]
        members = arrays["members"]
        values[f"{track.id}.agreed"] = arrays["agreed"]
        values[f"{track.id}.round"] = pa.array(arrays["round"], mask=~arrays["agreed"], type=pa.int64())
        values[f"{track.id}.blockers"] = _id_lists(ids, arrays["blocked"] & members)
        values[f"{track.id}.signatories"] = _id_lists(ids, arrays["signed"] & members)
        signed = arrays["signed"] & members
        for j, d in enumerate(track.dims):
            dim_id = scenario.dimension_ids[d]
            values[f"statement.{dim_id}"] = arrays["statement"][:, j]
            if arrays["forecast"] is not None:
                last = arrays["last_round"]
                for n, name in enumerate(("median", "mean")):
                    values[f"forecast.{name}.{dim_id}"] = arrays["forecast"][np.arange(len(last)), n, last, j]
            for i in range(len(ids)):
                values[f"pledge.{ids[i]}.{dim_id}"] = np.where(signed[:, i], arrays["pledge"][:, i, j], np.nan)
        for j, d in enumerate(track.framework_dims):
            values[f"statement.{scenario.dimension_ids[d]}"] = arrays["framework"][:, j]
        for j, d in enumerate(track.all_dims):
            values[f"band.{scenario.dimension_ids[d]}"] = pa.array(arrays["band"][:, j], mask=arrays["band"][:, j] < 0,
                                                                   type=pa.int64())
        for i in range(len(ids)):
            values[f"utility.{track.id}.{ids[i]}"] = np.where(members[:, i], arrays["value"][:, i], np.nan)
            values[f"concession.{track.id}.{ids[i]}"] = np.where(members[:, i], arrays["conceded"][:, i], np.nan)
    schema = runs_schema(scenario)
    return pa.Table.from_arrays([pa.array(values[f.name], type=f.type) for f in schema], schema=schema)
