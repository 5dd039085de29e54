"""A sweep's size before it starts: runs, chunks, time, memory and disk, and whether it fits.

The time comes from a calibration: the sweep's first few runs (:data:`~sim.sweeps.limits.CALIBRATION_RUNS`)
are run and timed before any chunk is sent out, on the sweep's executor (by a worker, so this
process never loads the compiled kernels; in this process with ``--estimate`` alone), so the figure
is for this scenario, engine and protocol on this machine (an upper-side figure: a real chunk
spreads its fixed costs over more runs, and a cluster's workers may be faster). Memory is a chunk's size
times the measured width of a row in memory; disk is the measured Parquet bytes of a row times
the runs, twice (the parts, then ``runs.parquet``). A design past a limit of
:mod:`sim.sweeps.limits` is refused with the figure that does not fit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.experiment.load import Experiment
from sim.results.layout import parquet_options, to_stored
from sim.results.output import free_bytes
from sim.sweeps import limits
from sim.sweeps.task import Chunk, ChunkPlan, ChunkTask, run_chunk

__all__ = ["Estimate", "calibrate", "check_plan", "estimate", "human_bytes", "human_seconds"]


def human_bytes(count: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if abs(count) < 1000 or unit == "PB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.3g} {unit}"
        count /= 1000
    raise AssertionError


def human_seconds(seconds: float) -> str:
    for size, unit in ((86400 * 365, "years"), (86400, "days"), (3600, "h"), (60, "min")):
        if seconds >= 2 * size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.2g} s"


def check_plan(experiment: Experiment, plan: ChunkPlan) -> None:
    """Refuse a sweep with more runs or chunks than :mod:`sim.sweeps.limits` allows (before any run)."""
    runs, chunks = plan.total_runs, plan.count
    if runs > limits.MAX_RUNS:
        raise InputError(experiment.source, [
            f"{runs:,} runs ({experiment.points.count:,} design points x {experiment.replicates:,} replicates) "
            f"is more than a sweep may hold ({limits.MAX_RUNS:,}, sim/sweeps/limits.py)"])
    if chunks > limits.MAX_CHUNKS:
        need = -(-runs // limits.MAX_CHUNKS)
        raise InputError(experiment.source, [
            f"chunk_size: {runs:,} runs in chunks of {plan.chunk_size:,} make {chunks:,} chunks; a sweep has at "
            f"most {limits.MAX_CHUNKS:,} (sim/sweeps/limits.py): set chunk_size to at least {need:,}"])


@dataclass(frozen=True)
class Estimate:
    """What a sweep will take, from its plan and a short calibration."""

    runs: int
    points: int
    replicates: int
    chunks: int
    chunk_size: int
    pending_runs: int
    workers: int
    seconds_per_run: float
    calibration_runs: int
    row_bytes: float
    disk_row_bytes: float
    design_bytes: int
    free_bytes: int | None

    @property
    def seconds(self) -> float:
        return self.pending_runs * self.seconds_per_run / max(1, self.workers)

    @property
    def chunk_bytes(self) -> float:
        return min(self.chunk_size, self.runs) * self.row_bytes

    @property
    def in_flight(self) -> int:
        return min(self.chunks, max(2, 2 * self.workers))

    @property
    def disk_bytes(self) -> float:
        return (self.pending_runs + self.runs) * self.disk_row_bytes

    def lines(self) -> list[str]:
        """The estimate as the CLI prints it."""
        resumed = f"; {self.pending_runs:,} still to run" if self.pending_runs != self.runs else ""
        design = "streamed in chunks" if not self.design_bytes else f"{human_bytes(self.design_bytes)} held whole"
        free = f", {human_bytes(self.free_bytes)} free there" if self.free_bytes is not None else ""
        return [
            f"estimate: {self.runs:,} runs ({self.points:,} design points x {self.replicates:,} replicates) in "
            f"{self.chunks:,} chunks of {self.chunk_size:,}{resumed}",
            f"  time: about {human_seconds(self.seconds)} on {self.workers} worker{'s' * (self.workers != 1)}, plus "
            f"start-up ({self.seconds_per_run * 1e3:.3g} ms a run, {self.calibration_runs} runs timed)",
            f"  memory: about {human_bytes(self.chunk_bytes)} a chunk ({human_bytes(self.row_bytes)} a row), "
            f"{human_bytes(self.chunk_bytes * self.in_flight)} for {self.in_flight} chunks in flight; design "
            f"points {design}",
            f"  disk: about {human_bytes(self.disk_bytes)} (parts, then runs.parquet; "
            f"{human_bytes(self.disk_row_bytes)} a row){free}"]

    def check(self, source: str) -> None:
        """Refuse a chunk too large for memory, or parts that alone would not fit on the disk (the
        measured row size is from a small table, so it errs large: the whole estimate is not
        held against the free space), with the figures."""
        problems = []
        if self.chunk_bytes > limits.MAX_CHUNK_BYTES:
            most = max(1, int(limits.MAX_CHUNK_BYTES // self.row_bytes))
            problems.append(f"chunk_size: a chunk of {min(self.chunk_size, self.runs):,} runs takes about "
                            f"{human_bytes(self.chunk_bytes)} in memory ({human_bytes(self.row_bytes)} a row); at "
                            f"most {human_bytes(limits.MAX_CHUNK_BYTES)} (sim/sweeps/limits.py): set chunk_size to "
                            f"at most {most:,}")
        parts = self.pending_runs * self.disk_row_bytes
        if self.free_bytes is not None and parts > self.free_bytes:
            problems.append(f"the parts alone need about {human_bytes(parts)} on disk ({self.pending_runs:,} runs "
                            f"x {human_bytes(self.disk_row_bytes)} a row; runs.parquet as much again) and only "
                            f"{human_bytes(self.free_bytes)} is free there")
        if problems:
            raise InputError(source, problems)


def _parquet_bytes(table: pa.Table) -> int:
    """Bytes of the table as a part is written (the stored layout, :mod:`sim.results.layout`)."""
    stored = to_stored(table)
    sink = pa.BufferOutputStream()
    pq.write_table(stored, sink, **parquet_options(stored.schema))
    return sink.getvalue().size


def calibrate(one: ChunkTask, batch: ChunkTask) -> tuple[float, float, pa.Table, pa.Table | None]:
    """Time a sweep's first runs, all in the process this runs in: ``one`` untimed (imports, the
    compiled kernels), then timed, then ``batch``. Returns the two times and the batch's rows."""
    run_chunk(one)
    started = time.perf_counter()
    run_chunk(one)
    single = time.perf_counter() - started
    started = time.perf_counter()
    _, table, trajectory = run_chunk(batch)
    return single, time.perf_counter() - started, table, trajectory


def estimate(experiment: Experiment, plan: ChunkPlan, pending_runs: int, workers: int, out: Path,
             task_for: Callable[[Chunk], ChunkTask], executor: Executor | None = None) -> Estimate:
    """Time the sweep's first runs and size the whole sweep from them.

    The runs are timed on ``executor`` (by one of the workers that will run the sweep, as one
    task, so this process never loads the compiled kernels a worker needs) if one is given;
    else here. If the executor's workers die on them, they are timed here, as they were
    before the sweep had an executor to time them on (the sweep's own loop then reports the
    dying workers).
    """
    runs = min(limits.CALIBRATION_RUNS, plan.chunk(0).runs)
    tasks = task_for(Chunk(0, 0, 1)), task_for(Chunk(0, 0, runs))
    timed = None
    if executor is not None:
        try:
            timed = executor.submit(calibrate, *tasks).result()
        except BrokenProcessPool:
            timed = None
    single, elapsed, table, trajectory = timed if timed is not None else calibrate(*tasks)
    # a chunk pays a fixed cost per design point (its scenario built) and a cost per run
    per_run = max((elapsed - single) / (runs - 1), 0.0) if runs > 1 else elapsed
    per_point = max(single - per_run, 0.0)
    seconds_per_run = per_run + per_point / min(experiment.replicates, plan.chunk_size)
    row_bytes = (table.nbytes + (trajectory.nbytes if trajectory is not None else 0)) / runs
    disk = _parquet_bytes(table) - _parquet_bytes(table.slice(0, 0))
    if trajectory is not None:
        disk += _parquet_bytes(trajectory) - _parquet_bytes(trajectory.slice(0, 0))
    points = experiment.points
    design_bytes = 0 if points.streamed else points.count * len(points.names) * 16
    return Estimate(plan.total_runs, points.count, experiment.replicates, plan.count, plan.chunk_size,
                    pending_runs, workers, seconds_per_run, runs + 2, row_bytes, max(disk, 1) / runs, design_bytes,
                    free_bytes(out))
