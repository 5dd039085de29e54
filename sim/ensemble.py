"""The ensemble driver: many replicates of one scenario, played in passes of the kernel.

For the same seeds it gives the same runs as the Mesa model, run by run: each
replicate draws from its own generator, seeded exactly as the Mesa model's
(:mod:`sim.seeding`), and the rounds are played by the same
:func:`sim.dynamics.advance`. Every protocol is batched: one call plays a round for
all the replicates of a pass (array operations, or a compiled loop over them).
Passes are sized by the state's bytes (:func:`replicates_per_pass`), and each is
reduced to its outcome arrays (:func:`outcome_arrays`) before the next is played.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from sim.dynamics import rounds
from sim.kernel.state import NegotiationState, initial_state, opening_positions, shared_inputs
from sim.kernel.compiled_cache import refresh_once
from sim.kernel.inputs import draw_inputs
from sim.outcome import track_arrays
from sim.results.records import runs_schema, seed_text
from sim.results.arrow import column, id_lists, numeric, strings
from sim.scenario.scenario import Scenario
from sim.seeding import ReplicateGenerators, run_seeds
from sim.trace import TraceCollector

__all__ = ["EnsembleResult", "outcome_arrays", "outcome_table", "replicates_per_pass", "run_ensemble", "state_bytes"]


class EnsembleResult:
    """The outcome of a batch, with the coordinates of each replicate.

    ``arrays`` are the per-run outcome arrays (:func:`outcome_arrays`), ``played`` the
    rounds each run played; ``state`` and ``opening`` (the opening positions) are the final
    state when the batch was played in one pass (with a trace or trajectories), else None.
    """

    def __init__(self, scenario: Scenario, arrays: dict[str, np.ndarray], played: np.ndarray,
                 coordinates: dict[str, np.ndarray], trajectory: list[dict[str, Any]] | None,
                 tracer: TraceCollector | None = None, state: NegotiationState | None = None,
                 opening: np.ndarray | None = None):
        self.scenario = scenario
        self.arrays = arrays
        self.played = played
        self.coordinates = coordinates
        self.trajectory = trajectory
        self.tracer = tracer
        self.state = state
        self.opening = opening

    def table(self) -> pa.Table:
        """One row per run, with the same columns as :meth:`sim.outcome.RunOutcome.to_record`."""
        return outcome_table(self.scenario, self.arrays, self.coordinates)

    def trajectory_table(self) -> pa.Table:
        """One row per (run, round) it played, run by run: the draft on every dimension and each track's open flag."""
        if self.trajectory is None:
            raise RuntimeError("run_ensemble was called without trajectories=True")
        played = self.played
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


def outcome_arrays(scenario: Scenario, state: NegotiationState, opening: np.ndarray) -> dict[str, np.ndarray]:
    """A finished batch reduced to what its runs table holds, as arrays with a leading run axis.

    Per track ``T`` (``"T:<name>"``): ``agreed``, ``round``, ``blockers`` and ``signatories``
    (members' flags, (R, A)), ``statement`` and ``band`` (on its dimensions, then its
    framework's), ``forecast`` (median and mean at the last round, (R, 2, D_T)),
    ``utility`` and ``concession`` ((R, A), NaN for non-members) and, on an opt-in track,
    ``pledge`` ((R, A, D_T), NaN for non-signatories); and ``agreed`` and ``rounds`` per run.
    Small next to the state, so passes are reduced to these before the next is played.
    """
    per_track = {track.id: track_arrays(scenario, track, state, opening) for track in scenario.tracks}
    arrays: dict[str, np.ndarray] = {
        "agreed": np.all([values["agreed"] for values in per_track.values()], axis=0),
        "rounds": state.rounds_played,
    }
    for track in scenario.tracks:
        values = per_track[track.id]
        members = values["members"]
        prefix = f"{track.id}:"
        arrays[prefix + "agreed"] = values["agreed"]
        arrays[prefix + "round"] = values["round"]
        arrays[prefix + "blockers"] = values["blocked"] & members
        arrays[prefix + "signatories"] = values["signed"] & members
        arrays[prefix + "statement"] = np.concatenate([values["statement"], values["framework"]], axis=1)
        arrays[prefix + "band"] = values["band"]
        if values["forecast"] is not None:
            last = values["last_round"]
            arrays[prefix + "forecast"] = values["forecast"][np.arange(len(last)), :2, last, :]
        arrays[prefix + "utility"] = np.where(members, values["value"], np.nan)
        arrays[prefix + "concession"] = np.where(members, values["conceded"], np.nan)
        if track.rule_kind == "opt_in":
            signed = values["signed"] & members
            arrays[prefix + "pledge"] = np.where(signed[:, :, None], values["pledge"], np.nan)
    return arrays


def outcome_table(scenario: Scenario, arrays: dict[str, np.ndarray], coordinates: dict[str, np.ndarray]) -> pa.Table:
    """Columnar outcomes of a batch (:func:`outcome_arrays`), in the canonical schema
    (:func:`sim.results.records.runs_schema`)."""
    ids = strings(scenario.actor_ids)
    values: dict[str, Any] = {
        "run_id": coordinates["run_id"],
        "replicate": coordinates["replicate"],
        "seed": coordinates["seed"],
        "run_seed": coordinates["run_seed"],
        "agreed": arrays["agreed"],
        "rounds": arrays["rounds"],
    }
    for track in scenario.tracks:
        prefix = f"{track.id}:"
        agreed = arrays[prefix + "agreed"]
        values[f"{track.id}.agreed"] = agreed
        values[f"{track.id}.round"] = numeric(arrays[prefix + "round"], pa.int64(), mask=~agreed)
        values[f"{track.id}.blockers"] = id_lists(ids, arrays[prefix + "blockers"])
        values[f"{track.id}.signatories"] = id_lists(ids, arrays[prefix + "signatories"])
        statement = np.ascontiguousarray(arrays[prefix + "statement"].T)
        band = np.ascontiguousarray(arrays[prefix + "band"].T)
        for j, d in enumerate(track.all_dims):
            dim_id = scenario.dimension_ids[d]
            values[f"statement.{dim_id}"] = statement[j]
            values[f"band.{dim_id}"] = numeric(band[j], pa.int64(), mask=band[j] < 0)
        if prefix + "forecast" in arrays:
            forecast = arrays[prefix + "forecast"]
            for n, name in enumerate(("median", "mean")):
                for j, d in enumerate(track.dims):
                    values[f"forecast.{name}.{scenario.dimension_ids[d]}"] = forecast[:, n, j]
        for kind in ("utility", "concession"):
            per_actor = np.ascontiguousarray(arrays[prefix + kind].T)
            for i, actor_id in enumerate(scenario.actor_ids):
                values[f"{kind}.{track.id}.{actor_id}"] = per_actor[i]
        if prefix + "pledge" in arrays:
            pledge = np.ascontiguousarray(np.moveaxis(arrays[prefix + "pledge"], 0, -1))  # (A, D_T, R)
            for i, actor_id in enumerate(scenario.actor_ids):
                for j, d in enumerate(track.dims):
                    values[f"pledge.{actor_id}.{scenario.dimension_ids[d]}"] = pledge[i, j]
    schema = runs_schema(scenario)
    return pa.Table.from_arrays([column(values[f.name], f.type) for f in schema], schema=schema)


PASS_BYTES = 32_000_000
"""About how much state one pass of the kernel holds, at most (:func:`replicates_per_pass`)."""
MAX_PASS = 1000
"""The most replicates in one pass, however small the scenario."""


def state_bytes(scenario: Scenario) -> int:
    """About how many bytes one replicate's state takes during a run.

    At most eight arrays over actors x dimensions (positions, saliences, their opening
    copies where something can move them, pledges on an opt-in track, the protocols' own)
    and twelve over tracks x actors, 8 bytes a number; a forecast track adds its per-round
    history, three forecasts a dimension. An upper bound: most scenarios hold fewer. Where
    positions or saliences are shared by every replicate (:func:`sim.kernel.state.shared_inputs`:
    mediated tracks only, nothing moving them), a replicate holds only the other of the two.
    """
    actors, dims, tracks = len(scenario.actor_ids), len(scenario.dimension_ids), len(scenario.tracks)
    history = sum(3 * (track.deadline + 1) * len(track.dims) for track in scenario.tracks
                  if track.rule_kind == "forecast")
    shared = shared_inputs(scenario)
    tables = 2 - len(shared) if shared else 8
    return 8 * (tables * actors * dims + 12 * tracks * actors + history + 4 * dims)


def replicates_per_pass(scenario: Scenario, budget: int | None = None) -> int:
    """How many replicates one pass of the kernel plays together: chunked by size, not by count.

    As many as fit ``budget`` bytes of state (:func:`state_bytes`), at least 1 and at
    most :data:`MAX_PASS`. At 500 actors x 10 dimensions on mediated tracks: 662 replicates
    where positions and saliences are shared, 362 where every position is drawn, 86 for
    other protocols (the upper bound of eight tables a replicate). A pass's memory is
    bounded whatever the Monte Carlo's size; its replicates are played one after another inside
    each round's compiled pass, each while its positions are in the core's cache, and a larger
    pass shares Python's per-round cost among more replicates (at 500 x 10, with nothing shared,
    passes of 16 MB ran about 15% slower than 32 MB ones and those about 10% slower than 64 MB
    ones; with both shared, passes of 500 or 1,000 replicates ran 7% faster than passes of 173,
    and as fast as each other). 64 MB passes took a 50,000-run Monte Carlo of 500 x 10 with every position
    drawn to 499 MB at its peak, 32 MB ones to 462 MB (``benchmarks/bench_memory.py``).
    """
    budget = PASS_BYTES if budget is None else budget
    return int(min(MAX_PASS, max(1, budget // state_bytes(scenario))))


def _play(scenario: Scenario, root_seed: int, replicates: list[int], seeds: list[int], ids: np.ndarray,
          trajectory: list | None, tracer: TraceCollector | None) -> tuple[NegotiationState, np.ndarray]:
    """Play some replicates to their end; returns the final state and the opening positions."""
    rngs = ReplicateGenerators(seeds)  # made only if the run draws
    # with a trace or trajectories the final state is kept (EnsembleResult.state): a table per replicate
    shared = shared_inputs(scenario) if tracer is None and trajectory is None else ()
    state = initial_state(scenario, draw_inputs(scenario, root_seed, replicates, shared))  # by (root, replicate) alone
    opening = opening_positions(scenario, state)
    for current in rounds(scenario, state, rngs, tracer):
        if trajectory is not None:
            for r in range(len(replicates)):
                row: dict[str, Any] = {"_index": r, "run_id": int(ids[r]), "round": current.round}
                for d, dim_id in enumerate(scenario.dimension_ids):
                    row[f"draft.{dim_id}"] = float(current.draft[r, d])
                for track in scenario.tracks:
                    row[f"{track.id}.open"] = bool(current.open[r, track.index])
                trajectory.append(row)
    return state, opening


def run_ensemble(scenario: Scenario, root_seed: int, replicates: Sequence[int], *, point: int | None = None,
                 run_ids: Sequence[int] | None = None, trajectories: bool = False,
                 trace: bool = False) -> EnsembleResult:
    """Run the given replicates of ``scenario``, a pass of the kernel at a time.

    Without a trace or trajectories, the replicates are played in passes of
    :func:`replicates_per_pass` (by the state's size), and each pass is reduced to its
    outcome columns before the next starts, so memory stays bounded at any actor count;
    a replicate's run does not depend on which pass it is in.

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
    refresh_once()
    replicates = list(replicates)
    seeds = run_seeds(root_seed, replicates)
    ids = np.asarray(run_ids if run_ids is not None else replicates, dtype=np.int64)
    trajectory: list[dict[str, Any]] | None = [] if trajectories else None
    tracer = TraceCollector(scenario, ids) if trace else None
    if trajectories or trace:  # one pass: the collectors see every replicate together
        state, opening = _play(scenario, root_seed, replicates, seeds, ids, trajectory, tracer)
        arrays = outcome_arrays(scenario, state, opening)
        played = state.rounds_played
    else:
        size = replicates_per_pass(scenario)
        parts = []
        for start in range(0, len(replicates), size):
            state, opening = _play(scenario, root_seed, replicates[start:start + size], seeds[start:start + size],
                                   ids[start:start + size], None, None)
            parts.append(outcome_arrays(scenario, state, opening))
            del state, opening
        if not parts:  # no replicates: the arrays of an empty state, so the table has its columns
            empty, opening = _play(scenario, root_seed, [], [], ids, None, None)
            parts.append(outcome_arrays(scenario, empty, opening))
        arrays = {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}
        played, state, opening = arrays["rounds"], None, None
    coordinates = {
        "run_id": ids,
        "point": np.full(len(replicates), -1 if point is None else point, dtype=np.int64),
        "replicate": np.asarray(replicates, dtype=np.int64),
        "seed": np.full(len(replicates), seed_text(root_seed), dtype=object),  # any size: decimal text
        "run_seed": np.asarray(seeds, dtype=np.uint64),
    }
    return EnsembleResult(scenario, arrays, played, coordinates, trajectory, tracer, state, opening)
