"""Running a sweep: chunks to an executor, parts to disk as they finish, a manifest, resume.

Before any run, the sweep is sized (:mod:`sim.sweeps.estimate`) and refused if it cannot fit.
Chunks are made one at a time as slots free up, each with only its own design points. Each
part's SHA-256 goes into the manifest (:mod:`sim.sweeps.manifest`); ``resume`` re-reads the
manifest, checks every part it lists against its checksum and re-runs those that are missing
or differ. A failure to write (a full disk, a read-only folder) stops the sweep with one line
saying what could not be written and how to continue.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.experiment.load import Experiment, load_experiment
from sim.results.output import dumps, write_parquet_checksummed, write_text
from sim.results.layout import parquet_options, read_runs, to_stored
from sim.results.stream import ParquetStream
from sim.sweeps import limits
from sim.sweeps.estimate import Estimate, check_plan, estimate
from sim.sweeps.folder import clear_folder, prepare_folder
from sim.sweeps.manifest import FORMAT, SEEDING, build_manifest, read_manifest, sha256_file
from sim.sweeps.sensitivity import SENSITIVITY_DESIGNS, sensitivity, sensitivity_warnings, variance_decomposition
from sim.sweeps.task import Chunk, ChunkPlan, ChunkTask, run_chunk

__all__ = ["FORMAT", "SEEDING", "SweepResult", "sweep"]

MANIFEST_INTERVAL = 2.0
"""Seconds between manifest updates while a sweep runs (a part finished since the last update is
re-run on resume: only parts with a recorded checksum are trusted)."""
ROW_GROUP_BYTES = 16_000_000
"""In-memory bytes a row group of the consolidated ``runs.parquet`` gathers (a few MB of writer
descriptions at most: :mod:`sim.results.stream`)."""


@dataclass
class SweepResult:
    """Where a sweep's results are, and what it did this time."""

    out: Path
    total_runs: int
    chunks: int
    chunks_run: int
    runs_path: Path
    sensitivity: dict[str, Any] | None
    variance: dict[str, dict[str, Any]] | None = None
    """Per outcome, its variance within and between design points (:func:`variance_decomposition`)."""
    warnings: list[str] = field(default_factory=list)
    """Replicate noise that dominates an outcome, indices outside [0, 1] (:func:`sensitivity_warnings`)."""
    estimate: Estimate | None = None
    repaired: int = 0
    """Parts listed as done whose file was missing or differed from its checksum, re-run on resume."""

    def table(self) -> pa.Table:
        """The consolidated table: one row per run, in run-id order."""
        return read_runs(self.runs_path)


def _task(experiment: Experiment, chunk: Chunk, engine: str) -> ChunkTask:
    """A chunk's task, with its own design points only."""
    replicates = experiment.replicates
    first, last = chunk.first_run // replicates, (chunk.first_run + chunk.runs - 1) // replicates
    return ChunkTask(chunk, experiment.base_data, experiment.points.names, first,
                     experiment.points.block(first, last + 1), replicates, experiment.spec.seed, engine,
                     experiment.spec.outputs.trajectories)


def _verified(folder: Path, plan: ChunkPlan, checksums: dict[int, str]) -> dict[int, str]:
    """The entries whose file is there, a plain file, with the recorded checksum; the others' files removed."""
    kept = {}
    for index, expected in checksums.items():
        path = folder / plan.chunk(index).file
        if path.is_file() and not path.is_symlink() and sha256_file(path) == expected:
            kept[index] = expected
        elif path.is_symlink() or path.exists():
            path.unlink()
    return kept


def _write_points(experiment: Experiment, target: Path) -> bool:
    """Write ``points.parquet`` block by block (through a temporary name); False if the design is too large."""
    points = experiment.points
    if points.count > limits.MAX_POINTS_TABLE:
        return False
    schema = pa.schema([("point", pa.int64())] + [(f"param.{name}", pa.float64()) for name in points.names])
    temporary = target.with_name(f".{target.name}.part")
    try:
        with pq.ParquetWriter(temporary, schema) as writer:
            for start in range(0, points.count, limits.POINTS_BLOCK):
                stop = min(points.count, start + limits.POINTS_BLOCK)
                values = points.block(start, stop)
                writer.write_table(pa.table([pa.array(range(start, stop), type=pa.int64()),
                                             *(pa.array(values[:, j], type=pa.float64())
                                               for j in range(len(points.names)))], schema=schema))
        temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)
    return True


def _consolidate(parts: Path, plan: ChunkPlan, target: Path) -> None:
    """Stream the parts, in order, into ``runs.parquet`` (one file, or a folder of files when large:
    :class:`sim.results.stream.ParquetStream`), buffering at most one row group."""
    stream = None
    try:
        for chunk in plan:
            try:
                table = pq.read_table(parts / chunk.file)
            except pa.ArrowException as error:  # changed on disk after it was checked or written
                raise InputError(str(parts / chunk.file), [f"cannot be read ({str(error).splitlines()[0]}); "
                                                           f"--resume checks it and runs it again"]) from None
            if stream is None:
                stream = ParquetStream(target, table.schema, options=parquet_options(table.schema),
                                       row_group_bytes=ROW_GROUP_BYTES)
            stream.write(table)
        if stream is not None:
            stream.commit()
            stream = None
    finally:
        if stream is not None:
            stream.discard()


def _write_failed(out: Path, error: OSError, parts_done: int) -> InputError:
    what = error.filename or out
    reason = error.strerror or str(error)
    if (out / "manifest.json").exists():
        then = (f"the {parts_done} finished parts are kept: free space or fix the permissions, then continue "
                f"with --resume")
    else:
        then = "nothing was written: free space or fix the permissions, then run it again"
    return InputError(str(out), [f"cannot write {what}: {reason}; {then}"])


def _pending(plan: ChunkPlan, done: dict[int, str]) -> Iterator[Chunk]:
    return (plan.chunk(index) for index in range(plan.count) if index not in done)


def _analyse(experiment: Experiment, out: Path, runs_path: Path) -> tuple[dict | None, dict | None, list[str]]:
    if experiment.total_runs > limits.MAX_RUNS_ANALYSED:
        return None, None, [f"the variance decomposition and sensitivity indices are skipped: {experiment.total_runs:,} "
                            f"runs are more than they read into memory ({limits.MAX_RUNS_ANALYSED:,}, "
                            f"sim/sweeps/limits.py); runs.parquet has every run"]
    variance = variance_decomposition(experiment, runs_path)
    if experiment.spec.design.kind in SENSITIVITY_DESIGNS:
        found = sensitivity(experiment, runs_path, variance)
        write_text(out / "sensitivity.json", dumps(found))
        return found, variance, found["warnings"]
    return None, variance, sensitivity_warnings(variance)


def sweep(experiment: Experiment | str | Path, out: str | Path, *, executor: Executor | None = None,
          workers: int = 1, engine: str = "ensemble", resume: bool = False, overwrite: bool = False,
          progress: Callable[[int], None] | None = None, on_part: Callable[[int], None] | None = None,
          on_estimate: Callable[[Estimate], None] | None = None, estimate_only: bool = False,
          on_runs_done: Callable[[], None] | None = None) -> SweepResult:
    """Run an experiment's every run, in chunks, on ``executor``; write the results under ``out``.

    Writes ``manifest.json`` (experiment, scenario digest, package version, seeds, design,
    the chunk plan and each finished part's SHA-256), ``parts/part-NNNNNN.parquet`` as chunks
    finish (each to a temporary name, then renamed), ``points.parquet`` (the design, up to
    :data:`~sim.sweeps.limits.MAX_POINTS_TABLE` points), and at the end the consolidated
    ``runs.parquet`` (one row per run: run id, design point, replicate, seeds, every varied
    parameter, the outcome columns) and, for Sobol' and Morris designs, ``sensitivity.json``.
    ``SweepResult.variance`` and ``.warnings`` hold the variance decomposition and its warnings.

    Parameters
    ----------
    experiment : Experiment or path
    executor : concurrent.futures.Executor, optional
        Any executor, e.g. :class:`~sim.sweeps.executors.RestartingProcessPool` or
        ``distributed.Client(...).get_executor()``; in this process if omitted.
    workers : int
        Tasks the executor runs at once; at most twice as many chunks are in flight.
    engine : {"ensemble", "mesa"}
        How each chunk's runs are simulated (both give the same rows).
    resume : bool
        Continue a sweep in ``out`` (same experiment): parts whose checksum matches the
        manifest are kept, the others re-run.
    overwrite : bool
        Delete a previous sweep's results in ``out`` first (after the new sweep is found to fit).
    progress : callable, optional
        Called with the number of runs in each chunk as it is written (and once, at
        the start, with the runs already on disk when resuming).
    on_part : callable, optional
        Called with each chunk's index after its part is written.
    on_estimate : callable, optional
        Called with the sweep's :class:`~sim.sweeps.estimate.Estimate` before it is checked and started.
    on_runs_done : callable, optional
        Called once every chunk is written, before the parts are gathered into ``runs.parquet``
        (``negsim sweep`` shuts its worker processes down there, so their memory is free meanwhile).
    estimate_only : bool
        Size the sweep (``SweepResult.estimate``), check that it fits, and stop: nothing is run
        in ``out`` and nothing is written.

    Raises
    ------
    InputError
        The sweep does not fit (with the figure), the folder holds another sweep or links,
        the manifest was damaged or edited, a file cannot be written, or a worker kept dying.
    """
    from sim.sweeps.executors import SerialExecutor

    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    out = Path(out)
    plan = ChunkPlan(experiment.total_runs, experiment.spec.chunk_size)
    check_plan(experiment, plan)
    to_clear = prepare_folder(out, resume, overwrite)
    parts, trajectories = out / "parts", out / "trajectories"
    keep_trajectories = experiment.spec.outputs.trajectories
    done: dict[int, str] = {}
    trajectory_done: dict[int, str] = {}
    listed = 0
    if resume:
        done, trajectory_done = read_manifest(out / "manifest.json", experiment, plan)
        listed = len(done)
        done = _verified(parts, plan, done)
        if keep_trajectories:
            trajectory_done = _verified(trajectories, plan, trajectory_done)
            done = {i: s for i, s in done.items() if i in trajectory_done}
    repaired = listed - len(done)
    done_runs = sum(plan.chunk(i).runs for i in done)
    sized = estimate(experiment, plan, plan.total_runs - done_runs, workers, out,
                     lambda chunk: _task(experiment, chunk, engine), executor)
    if on_estimate is not None:
        on_estimate(sized)
    sized.check(experiment.source)
    if estimate_only:
        return SweepResult(out, experiment.total_runs, plan.count, 0, out / "runs.parquet", None, None, [], sized,
                           repaired)

    points_table = experiment.points.count <= limits.MAX_POINTS_TABLE

    def manifest(status: str) -> None:
        write_text(out / "manifest.json", dumps(build_manifest(experiment, plan, done, trajectory_done, engine,
                                                               status, points_table)))

    executor = executor or SerialExecutor()
    in_flight: dict[Future, Chunk] = {}
    ran = 0
    try:
        out.mkdir(parents=True, exist_ok=True)
        clear_folder(out, to_clear)
        manifest("running")
        parts.mkdir(exist_ok=True)
        if keep_trajectories:
            trajectories.mkdir(exist_ok=True)
        _write_points(experiment, out / "points.parquet")
        if progress is not None and done_runs:
            progress(done_runs)
        queue = _pending(plan, done)
        limit = max(2, 2 * workers)
        last_manifest = time.monotonic()
        exhausted = False
        while True:
            while not exhausted and len(in_flight) < limit:
                chunk = next(queue, None)
                if chunk is None:
                    exhausted = True
                    break
                in_flight[executor.submit(run_chunk, _task(experiment, chunk, engine))] = chunk
            if not in_flight:
                break
            finished, _ = wait(list(in_flight), return_when=FIRST_COMPLETED)
            for future in finished:
                chunk = in_flight.pop(future)
                try:
                    index, table, trajectory = future.result()
                except BrokenProcessPool as error:
                    raise InputError(str(out), [f"a worker process died running chunk {chunk.index} each time it "
                                                f"was tried ({error}); the finished parts are kept: continue with "
                                                f"--resume"]) from None
                except OSError as error:  # a worker's, not a write here: keep it apart from _write_failed
                    raise RuntimeError(f"chunk {chunk.index} failed: {error}") from error
                if trajectory is not None:
                    trajectory_done[index] = write_parquet_checksummed(trajectories / chunk.file, trajectory)
                stored = to_stored(table)
                done[index] = write_parquet_checksummed(parts / chunk.file, stored, **parquet_options(stored.schema))
                del future, table, trajectory  # let the executor release the result
                ran += 1
                if progress is not None:
                    progress(chunk.runs)
                if on_part is not None:
                    on_part(index)
            if time.monotonic() - last_manifest > MANIFEST_INTERVAL:
                manifest("running")
                last_manifest = time.monotonic()
        if on_runs_done is not None:
            on_runs_done()
        runs_path = out / "runs.parquet"
        _consolidate(parts, plan, runs_path)
        result_sensitivity, variance, found = _analyse(experiment, out, runs_path)
        manifest("complete")
    except BaseException as error:
        for future in in_flight:
            future.cancel()
        if (out / "manifest.json").exists():
            try:
                manifest("interrupted")
            except OSError:
                pass  # the last manifest written stays; its parts are all checked on resume
        if isinstance(error, OSError):
            raise _write_failed(out, error, len(done)) from None
        raise
    return SweepResult(out, experiment.total_runs, plan.count, ran, runs_path, result_sensitivity, variance, found,
                       sized, repaired)
