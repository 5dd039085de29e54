"""Running a sweep: chunks to an executor, parts to disk as they finish, a manifest, resume."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import InputError
from sim.experiment.load import Experiment, load_experiment
from sim.output import dumps, write_parquet, write_text
from sim.scenario.scenario import scenario_record
from sim.sweeps.sensitivity import SENSITIVITY_DESIGNS, sensitivity, sensitivity_warnings, variance_decomposition
from sim.sweeps.task import Chunk, ChunkTask, chunk_plan, run_chunk

__all__ = ["FORMAT", "SweepResult", "sweep"]

FORMAT = "negsim-sweep/1"
_ARTIFACTS = ("parts", "trajectories", "manifest.json", "points.parquet", "runs.parquet", "sensitivity.json")
SEEDING = "common random numbers: replicate r's generator and inputs are keyed by (seed, r), at every point"
"""The manifest's ``seeding``: how its runs were seeded (:mod:`sim.seeding`). A sweep written before
the run generator stopped depending on the design point has none and cannot be resumed."""
MANIFEST_INTERVAL = 2.0
"""Seconds between manifest updates while a sweep runs (parts on disk are the record of what is done)."""


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

    def table(self) -> pa.Table:
        """The consolidated table: one row per run, in run-id order."""
        return pq.read_table(self.runs_path)


def _version() -> str:
    from sim import __version__

    return __version__


def _prepare(out: Path, experiment: Experiment, resume: bool, overwrite: bool) -> None:
    """Refuse to mix sweeps: a non-empty folder needs --resume (same experiment) or --overwrite."""
    if out.exists() and not out.is_dir():
        raise InputError(str(out), ["exists and is not a folder"])
    present = [name for name in _ARTIFACTS if (out / name).exists()] if out.exists() else []
    others = [p.name for p in out.iterdir() if p.name not in _ARTIFACTS] if out.exists() else []
    if overwrite:
        for name in present:
            target = out / name
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        return
    if resume:
        manifest_path = out / "manifest.json"
        if not manifest_path.exists():
            raise InputError(str(out), ["nothing to resume: no manifest.json here"])
        manifest = json.loads(manifest_path.read_text())
        if manifest.get("format") != FORMAT:
            raise InputError(str(manifest_path), [f"not a sweep manifest of format {FORMAT}"])
        if manifest["experiment"]["digest"] != experiment.digest:
            raise InputError(str(out), ["the experiment or its scenario changed since this sweep started; "
                                        "use --overwrite to start again"])
        if manifest.get("seeding") != SEEDING:
            raise InputError(str(out), ["this sweep was started with seeds by (point, replicate), before common "
                                        "random numbers; use --overwrite to start again"])
        return
    if present or others:
        raise InputError(str(out), ["is not empty; use --resume to continue the sweep in it, "
                                    "or --overwrite to start again"])


def _manifest(experiment: Experiment, chunks: list[Chunk], done: set[int], engine: str, status: str) -> dict:
    spec = experiment.spec
    return {
        "format": FORMAT,
        "status": status,
        "experiment": {"name": spec.name, "source": experiment.source, "digest": experiment.digest,
                       "text": experiment.text},
        "scenario": scenario_record(experiment.scenario, experiment.scenario_path),
        "package_version": _version(),
        "seed": spec.seed,
        "seeding": SEEDING,
        "replicates": spec.replicates,
        "design": {"kind": spec.design.kind, "samples": spec.design.samples, "points": experiment.points.count,
                   "parameters": list(experiment.points.names)},
        "engine": engine,
        "chunk_size": spec.chunk_size,
        "total_runs": experiment.total_runs,
        "chunks": [{"index": c.index, "first_run": c.first_run, "runs": c.runs, "file": f"parts/{c.file}",
                    "status": "done" if c.index in done else "pending"} for c in chunks],
    }


def _points_table(experiment: Experiment) -> pa.Table:
    columns = {"point": pa.array(range(experiment.points.count), type=pa.int64())}
    for j, name in enumerate(experiment.points.names):
        columns[f"param.{name}"] = pa.array(experiment.points.values[:, j], type=pa.float64())
    return pa.table(columns)


def _task(experiment: Experiment, chunk: Chunk, engine: str) -> ChunkTask:
    replicates = experiment.replicates
    first, last = chunk.first_run // replicates, (chunk.first_run + chunk.runs - 1) // replicates
    values = {p: tuple(map(float, experiment.points.values[p])) for p in range(first, last + 1)}
    return ChunkTask(chunk, experiment.base_data, experiment.points.names, values, replicates,
                     experiment.spec.seed, engine, experiment.spec.outputs.trajectories)


ROW_GROUP = 16_384
"""Rows per row group of the consolidated table: few groups (flat writer metadata), bounded buffer."""


def _consolidate(parts: Path, chunks: list[Chunk], target: Path) -> None:
    """Stream the parts, in order, into one Parquet file, buffering at most one row group."""
    temporary = target.with_name(f".{target.name}.part")
    writer = None
    buffered: list[pa.Table] = []
    rows = 0
    try:
        for chunk in chunks:
            table = pq.read_table(parts / chunk.file)
            if writer is None:
                writer = pq.ParquetWriter(temporary, table.schema)
            buffered.append(table)
            rows += table.num_rows
            if rows >= ROW_GROUP:
                writer.write_table(pa.concat_tables(buffered), row_group_size=ROW_GROUP)
                buffered, rows = [], 0
        if writer is not None:
            if buffered:
                writer.write_table(pa.concat_tables(buffered), row_group_size=ROW_GROUP)
            writer.close()
            writer = None
            temporary.replace(target)
    finally:
        if writer is not None:
            writer.close()
        temporary.unlink(missing_ok=True)


def sweep(experiment: Experiment | str | Path, out: str | Path, *, executor: Executor | None = None,
          workers: int = 1, engine: str = "ensemble", resume: bool = False, overwrite: bool = False,
          progress: Callable[[int], None] | None = None,
          on_part: Callable[[int], None] | None = None) -> SweepResult:
    """Run an experiment's every run, in chunks, on ``executor``; write the results under ``out``.

    Writes ``parts/part-NNNNNN.parquet`` as chunks finish (each to a temporary name,
    then renamed), ``manifest.json`` (experiment, scenario digest, package version,
    seeds, design, chunks and their status), ``points.parquet`` (the design), and at
    the end the consolidated ``runs.parquet`` (one row per run: run id, design point,
    replicate, seeds, every varied parameter, the outcome columns) and, for Sobol'
    and Morris designs, ``sensitivity.json`` (indices on per-point means, the variance
    within and between points, warnings). ``SweepResult.variance`` and ``.warnings``
    hold the variance decomposition and its warnings for every design.

    Parameters
    ----------
    experiment : Experiment or path
    executor : concurrent.futures.Executor, optional
        Any executor, e.g. ``ProcessPoolExecutor`` or ``distributed.Client(...).get_executor()``;
        in this process if omitted.
    workers : int
        Tasks the executor runs at once; at most twice as many chunks are in flight.
    engine : {"ensemble", "mesa"}
        How each chunk's runs are simulated (both give the same rows).
    resume : bool
        Continue a sweep in ``out`` from the parts already written (same experiment).
    overwrite : bool
        Delete a previous sweep's results in ``out`` first.
    progress : callable, optional
        Called with the number of runs in each chunk as it is written (and once, at
        the start, with the runs already on disk when resuming).
    on_part : callable, optional
        Called with each chunk's index after its part is written.
    """
    from sim.sweeps.executors import SerialExecutor

    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    out = Path(out)
    _prepare(out, experiment, resume, overwrite)
    parts = out / "parts"
    parts.mkdir(parents=True, exist_ok=True)
    trajectories = out / "trajectories"
    if experiment.spec.outputs.trajectories:
        trajectories.mkdir(exist_ok=True)
    chunks = chunk_plan(experiment.total_runs, experiment.spec.chunk_size)
    done = {c.index for c in chunks if (parts / c.file).exists()}
    write_text(out / "manifest.json", dumps(_manifest(experiment, chunks, done, engine, "running")))
    if not (out / "points.parquet").exists():
        write_parquet(out / "points.parquet", _points_table(experiment))
    if progress is not None and done:
        progress(sum(c.runs for c in chunks if c.index in done))

    pending = [c for c in chunks if c.index not in done]
    executor = executor or SerialExecutor()
    limit = max(2, 2 * workers)
    in_flight: dict[Future, Chunk] = {}
    last_manifest = time.monotonic()
    ran = 0
    try:
        queue = iter(pending)
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
                index, table, trajectory = future.result()
                if trajectory is not None:
                    write_parquet(trajectories / chunk.file, trajectory)
                write_parquet(parts / chunk.file, table)
                del future, table, trajectory  # let the executor release the result
                done.add(index)
                ran += 1
                if progress is not None:
                    progress(chunk.runs)
                if on_part is not None:
                    on_part(index)
            if time.monotonic() - last_manifest > MANIFEST_INTERVAL:
                write_text(out / "manifest.json", dumps(_manifest(experiment, chunks, done, engine, "running")))
                last_manifest = time.monotonic()
    except BaseException:
        for future in in_flight:
            future.cancel()
        write_text(out / "manifest.json", dumps(_manifest(experiment, chunks, done, engine, "interrupted")))
        raise
    runs_path = out / "runs.parquet"
    _consolidate(parts, chunks, runs_path)
    variance = variance_decomposition(experiment, runs_path)
    result_sensitivity = None
    if experiment.spec.design.kind in SENSITIVITY_DESIGNS:
        result_sensitivity = sensitivity(experiment, runs_path, variance)
        write_text(out / "sensitivity.json", dumps(result_sensitivity))
        found = result_sensitivity["warnings"]
    else:
        found = sensitivity_warnings(variance)
    write_text(out / "manifest.json", dumps(_manifest(experiment, chunks, done, engine, "complete")))
    return SweepResult(out, experiment.total_runs, len(chunks), ran, runs_path, result_sensitivity, variance, found)
