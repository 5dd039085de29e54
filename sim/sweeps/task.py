"""One chunk of a sweep: a picklable task any executor (local processes, Dask workers) can run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from sim.ensemble import run_ensemble
from sim.experiment.paths import apply
from sim.results.arrow import numeric
from sim.results.records import table_from_records
from sim.scenario.load import scenario_from_dict

__all__ = ["Chunk", "ChunkPlan", "ChunkTask", "run_chunk"]


@dataclass(frozen=True)
class Chunk:
    """Runs ``first_run`` .. ``first_run + runs - 1`` of a sweep (run id = point x replicates + replicate)."""

    index: int
    first_run: int
    runs: int

    @property
    def file(self) -> str:
        return f"part-{self.index:06d}.parquet"


@dataclass(frozen=True)
class ChunkPlan:
    """Consecutive chunks of at most ``chunk_size`` runs covering every run once, computed on demand
    (a billion-run sweep's plan is two numbers, not a list)."""

    total_runs: int
    chunk_size: int

    @property
    def count(self) -> int:
        return -(-self.total_runs // self.chunk_size)

    def chunk(self, index: int) -> Chunk:
        if not 0 <= index < self.count:
            raise IndexError(f"chunk {index} outside the plan's {self.count}")
        first = index * self.chunk_size
        return Chunk(index, first, min(self.chunk_size, self.total_runs - first))

    def __iter__(self):
        return (self.chunk(i) for i in range(self.count))


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs for one chunk, and nothing it has to read from disk."""

    chunk: Chunk
    base_data: dict[str, Any]
    names: tuple[str, ...]
    first_point: int
    values: np.ndarray
    """The chunk's own design points, ``first_point`` onwards: ``values[p - first_point, j]``."""
    replicates: int
    seed: int
    engine: str
    trajectories: bool


def _runs_by_point(task: ChunkTask) -> dict[int, list[int]]:
    groups: dict[int, list[int]] = {}
    for run_id in range(task.chunk.first_run, task.chunk.first_run + task.chunk.runs):
        groups.setdefault(run_id // task.replicates, []).append(run_id % task.replicates)
    return groups


def _with_coordinates(table: pa.Table, point: int, values: tuple[float, ...], names: tuple[str, ...]) -> pa.Table:
    rows = table.num_rows
    table = table.add_column(1, "point", numeric(np.full(rows, point), pa.int64()))
    at = table.schema.get_field_index("run_seed") + 1
    for offset, (name, value) in enumerate(zip(names, values)):
        table = table.add_column(at + offset, f"param.{name}", numeric(np.full(rows, value), pa.float64()))
    return table


def run_chunk(task: ChunkTask) -> tuple[int, pa.Table, pa.Table | None]:
    """Run a chunk; return its index, its rows and (if asked) its per-round trajectories."""
    parts, trajectories = [], []
    for point, replicates in _runs_by_point(task).items():
        values = tuple(map(float, task.values[point - task.first_point]))
        scenario = scenario_from_dict(apply(task.base_data, dict(zip(task.names, values))),
                                      source=f"design point {point}")
        run_ids = [point * task.replicates + r for r in replicates]
        if task.engine == "ensemble":
            result = run_ensemble(scenario, task.seed, replicates, point=point, run_ids=run_ids,
                                  trajectories=task.trajectories)
            table = result.table()
            if task.trajectories:
                trajectories.append(result.trajectory_table())
        else:
            from sim.model import NegotiationModel  # Mesa is loaded only for the mesa engine

            records = []
            for r, run_id in zip(replicates, run_ids):
                model = NegotiationModel(scenario, seed=task.seed, replicate=r, point=point,
                                         collect=task.trajectories)
                model.run()
                records.append(model.outcome(run_id=run_id).to_record())
                if task.trajectories:
                    frame = model.trajectory().drop(columns=[c for c in model.trajectory().columns
                                                              if c.endswith(".accepting")])
                    frame.insert(0, "run_id", run_id)
                    trajectories.append(pa.Table.from_pandas(frame, preserve_index=False))
            table = table_from_records(records, scenario)
        parts.append(_with_coordinates(table, point, values, task.names))
    trajectory = pa.concat_tables(trajectories) if trajectories else None
    return task.chunk.index, pa.concat_tables(parts), trajectory
