"""Running a scenario: one run, or a Monte Carlo of many."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from sim.ensemble import run_ensemble
from sim.kernel.compiled_cache import refresh_once
from sim.results.records import runs_schema, table_from_records
from sim.scenario.scenario import Scenario

if TYPE_CHECKING:  # Mesa (with pandas and networkx) is loaded only by the runs that use it
    from sim.model import NegotiationModel

__all__ = ["ENGINES", "MonteCarlo", "check_monte_carlo_size", "monte_carlo", "monte_carlo_bytes", "run",
           "runs_file_bytes", "stream_monte_carlo", "streamed_bytes"]

ENGINES = ("ensemble", "mesa")
ENSEMBLE_BATCH = 1000
"""Replicates per ensemble pass: large enough to amortise Python overhead, small enough for memory."""


def run(scenario: Scenario, *, seed: int | None = None, replicate: int | None = None,
        point: int | None = None, collect: bool = True, trace: bool | None = None) -> NegotiationModel:
    """Run one negotiation to its end with the Mesa model and return the finished model.

    Parameters
    ----------
    scenario : Scenario
    seed : int, optional
        Root seed (the scenario's ``seed`` if omitted).
    replicate : int, optional
        Re-create this replicate of a Monte Carlo (inputs drawn from the declared
        uncertainty); omitted, the run uses the declared inputs.
    point : int, optional
        With ``replicate``, the run of a sweep's design point (give the scenario with
        the point's parameter values); it changes no seed: every design point's replicate r
        draws the same numbers (common random numbers, :mod:`sim.seeding`).
    collect : bool
        Keep per-round data (``model.trajectory()``).
    trace : bool, optional
        Keep the per-round trace (``model.trace()``, a pandas DataFrame; :mod:`sim.trace`);
        by default, as ``collect``.

    Returns
    -------
    NegotiationModel
        ``model.outcome()`` is the :class:`~sim.outcome.RunOutcome`.
    """
    refresh_once()
    from sim.model import NegotiationModel

    model = NegotiationModel(scenario, seed=seed, replicate=replicate, point=point, collect=collect, trace=trace)
    model.run()
    return model


@dataclass
class MonteCarlo:
    """The runs of a Monte Carlo: one row per replicate, in replicate order.

    ``trajectories`` (when asked for) has one row per run and round: the draft on
    every dimension and whether each track was still open. ``trace`` (when asked
    for) has one row per run, round and actor (:mod:`sim.trace`).
    """

    scenario: Scenario
    seed: int
    table: pa.Table
    engine: str = "ensemble"
    trajectories: pa.Table | None = None
    trace: pa.Table | None = None

    @property
    def runs(self) -> int:
        return self.table.num_rows

    def records(self) -> list[dict]:
        """One flat dict per run."""
        return self.table.to_pylist()


BASE_BYTES = 300_000_000
"""The interpreter, numpy, pyarrow, pandas and Mesa loaded (measured: about 250 MB)."""


def monte_carlo_bytes(scenario: Scenario, runs: int, *, trajectories: bool = False, trace: bool = False) -> int:
    """An estimate of a Monte Carlo's peak memory: it holds its tables whole, and summarises them.

    ``BASE_BYTES + 2.5 x runs x row + 1.2 x runs x (trajectory + trace)``, where a row of the runs
    table is 8 bytes a number and 32 a list or text column, a run's trajectory 16 bytes per
    round x dimension and its trace 8 bytes per round x actor x (3 per dimension + 8) columns,
    every round to the deadline counted. The factors cover the copies the summary and the writers
    make; measured on Vilnius (712 B a row, 23 kB of trace a run): 2,000,000 runs peaked at
    3.3 GB (estimate 3.9 GB), 100,000 runs with their trace at 2.7 GB (estimate 3.2 GB).
    """
    schema = runs_schema(scenario)
    row = sum(32 if pa.types.is_list(f.type) or pa.types.is_string(f.type) else 8 for f in schema)
    actors, dimensions, rounds = len(scenario.actor_ids), len(scenario.dimension_ids), scenario.deadline
    extra = 0
    if trajectories:
        extra += 16 * rounds * dimensions
    if trace:
        extra += 8 * rounds * actors * (3 * dimensions + 8)
    return BASE_BYTES + int(runs * (2.5 * row + 1.2 * extra))


def streamed_bytes(scenario: Scenario, runs: int) -> int:
    """An estimate of a streamed Monte Carlo's peak memory (:func:`stream_monte_carlo`).

    ``BASE_BYTES`` + two batches of the runs table (one being built, one being written) + one
    pass of the kernel (:data:`sim.ensemble.PASS_BYTES`, or one replicate's state if larger) + the
    rows gathered for one row group of ``runs.parquet`` (:data:`sim.results.stream.ROW_GROUP_BYTES`; the
    forecasting models' and the linear programme's per-round temporaries are not counted) + what
    grows with the runs, up to a bound: ``2 x 8`` bytes for each number a run the summary keeps in memory
    (:func:`sim.results.summary.kept_columns`, for at most :data:`sim.results.summary.SPILL_ROWS` runs; the rest go to
    a temporary file), ``2 x 8`` bytes for each number its quantiles gather (at most
    :data:`sim.results.quantiles.HOLD`), and the descriptions of the row groups of the open file of
    ``runs.parquet`` its writer holds until it closes the file, and copies into the footer then
    (:data:`FOOTER_BYTES_PER_CELL` a stored column and row group, twice; a file holds at most
    :data:`sim.results.stream.FILE_COLUMN_CHUNKS` of them).
    """
    from sim.ensemble import PASS_BYTES, state_bytes
    from sim.results.layout import stored_schema
    from sim.results.quantiles import HOLD
    from sim.results.stream import FILE_COLUMN_CHUNKS, ROW_GROUP_BYTES
    from sim.results.summary import SPILL_ROWS, kept_columns

    schema = runs_schema(scenario)
    row = sum(32 if pa.types.is_list(f.type) or pa.types.is_string(f.type) else 8 for f in schema)
    batch = 2 * 2.5 * row * min(runs, ENSEMBLE_BATCH)
    one_pass = max(PASS_BYTES, state_bytes(scenario))  # a pass holds at least one replicate
    kept = 16 * len(kept_columns(scenario)) * min(runs, SPILL_ROWS)
    read_back = 16 * min(runs, HOLD)
    row_groups = -(-runs * row // ROW_GROUP_BYTES)
    footer = 2 * FOOTER_BYTES_PER_CELL * min(len(stored_schema(schema)) * row_groups, FILE_COLUMN_CHUNKS)
    return BASE_BYTES + int(batch) + one_pass + ROW_GROUP_BYTES + kept + read_back + footer


FOOTER_BYTES_PER_CELL = 860
"""Memory the Parquet writer holds for each column of each row group it has written, until it closes
(measured: pyarrow 1,030 columns x 500 row groups, with or without statistics)."""


def runs_file_bytes(scenario: Scenario, runs: int) -> int:
    """About how many bytes ``runs.parquet`` takes for ``runs`` runs: 8 a number (its stored layout,
    :mod:`sim.results.layout`; compression saves little on drawn numbers), 8 a list of ids or a string.
    Measured: 8.1 kB a run at 500 actors x 10 dimensions, where this gives 8.2."""
    from sim.results.layout import stored_schema

    row = 0
    for field in stored_schema(runs_schema(scenario)):
        row += 8 * field.type.list_size if pa.types.is_fixed_size_list(field.type) else \
            1 if pa.types.is_boolean(field.type) else 8
    return row * runs


def check_monte_carlo_size(scenario: Scenario, runs: int, *, trajectories: bool = False,
                           trace: bool = False, streamed: bool = False, out: str | Path | None = None) -> list[str]:
    """Why a Monte Carlo of ``runs`` cannot be held in memory (:data:`sim.limits.MAX_MONTE_CARLO_BYTES`), or
    its ``runs.parquet`` written to ``out`` (:func:`runs_file_bytes` against the free space there); empty if it can.

    ``streamed``: the runs are summarised and written as they finish (:func:`stream_monte_carlo`),
    not held (:func:`streamed_bytes`).
    """
    from sim.limits import MAX_MONTE_CARLO_BYTES
    from sim.results.output import free_bytes

    problems = []
    need = (streamed_bytes(scenario, runs) if streamed
            else monte_carlo_bytes(scenario, runs, trajectories=trajectories, trace=trace))
    if need > MAX_MONTE_CARLO_BYTES:
        what = " with every run's trace" if trace else " with every run's trajectory" if trajectories else ""
        per_run = (need - BASE_BYTES) / runs
        fits = max(1, int((MAX_MONTE_CARLO_BYTES - BASE_BYTES) // per_run))
        problems.append(f"{runs:,} runs{what} would take about {need / 1e9:,.1f} GB of memory; a Monte Carlo may "
                        f"take at most {MAX_MONTE_CARLO_BYTES / 1e9:g} GB (about {fits:,} runs of this scenario): run "
                        f"fewer" + ("" if trace or trajectories else
                                    ", or run them as a sweep (`negsim sweep` writes its runs to disk in parts)"))
    if out is not None and (free := free_bytes(out)) is not None and (disk := runs_file_bytes(scenario, runs)) > free:
        fits = max(1, free // max(1, disk // runs))
        problems.append(f"{runs:,} runs would write about {disk / 1e9:,.1f} GB to {out}/runs.parquet and only "
                        f"{free / 1e9:,.1f} GB is free there (room for about {fits:,} runs): run fewer, or write "
                        f"elsewhere")
    return problems


def monte_carlo(scenario: Scenario, runs: int, *, seed: int | None = None, engine: str = "ensemble",
                progress: Callable[[int], None] | None = None, trajectories: bool = False,
                trace: bool = False) -> MonteCarlo:
    """Run ``runs`` replicates, each with inputs drawn from the scenario's declared uncertainty.

    Replicate r's generator is seeded by ``SeedSequence(seed, spawn_key=(r,))``, so any
    replicate can be re-created alone with ``run(scenario, seed=seed, replicate=r)``.
    Both engines give the same table: ``"ensemble"`` runs replicates in batches
    through the array kernel, ``"mesa"`` runs the Mesa model once per replicate.

    Parameters
    ----------
    progress : callable, optional
        Called with the number of runs just finished (e.g. ``tqdm.update``).
    trajectories : bool
        Also keep every run's draft per round (``MonteCarlo.trajectories``).
    trace : bool
        Also keep every run's per-round trace (``MonteCarlo.trace``, a pyarrow Table like
        ``trajectories``; ``.to_pandas()`` for a DataFrame). The same from both engines.
    """
    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if too_big := check_monte_carlo_size(scenario, runs, trajectories=trajectories, trace=trace):
        raise ValueError(too_big[0])
    refresh_once()
    root = scenario.seed if seed is None else int(seed)
    parts, paths, traces = [], [], []
    for table, path, trace_part in _batches(scenario, runs, root, engine, progress, trajectories, trace):
        parts.append(table)
        if trajectories:
            paths.append(path)
        if trace:
            traces.append(trace_part)
    return MonteCarlo(scenario=scenario, seed=root, table=pa.concat_tables(parts), engine=engine,
                      trajectories=pa.concat_tables(paths) if trajectories else None,
                      trace=pa.concat_tables(traces) if trace else None)


def _batches(scenario: Scenario, runs: int, root: int, engine: str, progress: Callable[[int], None] | None,
             trajectories: bool = False, trace: bool = False
             ) -> Iterator[tuple[pa.Table, pa.Table | None, pa.Table | None]]:
    """The runs in replicate order, :data:`ENSEMBLE_BATCH` at a time: (runs, trajectories, trace) tables."""
    if engine == "ensemble":
        for start in range(0, runs, ENSEMBLE_BATCH):
            batch = range(start, min(start + ENSEMBLE_BATCH, runs))
            result = run_ensemble(scenario, root, batch, trajectories=trajectories, trace=trace)
            yield (result.table(), result.trajectory_table() if trajectories else None,
                   result.trace_table() if trace else None)
            if progress is not None:
                progress(len(batch))
        return
    from sim.model import NegotiationModel

    for start in range(0, runs, ENSEMBLE_BATCH):
        records, paths, traces = [], [], []
        for replicate in range(start, min(start + ENSEMBLE_BATCH, runs)):
            model = NegotiationModel(scenario, seed=root, replicate=replicate, collect=trajectories, trace=trace)
            model.run()
            records.append(model.outcome(run_id=replicate).to_record())
            if trajectories:
                paths.append(_model_trajectory(model, replicate))
            if trace:
                traces.append(model.trace_table())
            if progress is not None:
                progress(1)
        yield (table_from_records(records, scenario), pa.concat_tables(paths) if trajectories else None,
               pa.concat_tables(traces) if trace else None)


def stream_monte_carlo(scenario: Scenario, runs: int, *, seed: int | None = None, engine: str = "ensemble",
                       progress: Callable[[int], None] | None = None,
                       write: Callable[[pa.Table], None] | None = None,
                       written: Callable[[], None] | None = None) -> dict:
    """Run ``runs`` replicates and summarise them as they finish, in memory bounded whatever ``runs`` is.

    The runs are those of :func:`monte_carlo` (same seeds, same rows); each batch of
    :data:`ENSEMBLE_BATCH` is handed to ``write`` (e.g. a Parquet writer's ``write_table``)
    and folded into a :class:`sim.results.summary.Summariser`, then dropped; ``written`` is called once
    the last batch is handed over, before the summary is taken (e.g. a Parquet stream's ``flush``,
    so its gathered rows are not held meanwhile). Memory holds one batch, one pass of the kernel
    (:func:`sim.ensemble.replicates_per_pass`) and the few numbers a run the summary keeps for its
    quantiles (:func:`streamed_bytes`).

    Returns
    -------
    dict
        :func:`sim.results.summary.summarise` of all the runs.
    """
    from sim.results.summary import Summariser

    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if too_big := check_monte_carlo_size(scenario, runs, streamed=True):
        raise ValueError(too_big[0])
    refresh_once()
    root = scenario.seed if seed is None else int(seed)
    summariser = Summariser(scenario, root)
    for table, _, _ in _batches(scenario, runs, root, engine, progress):
        if write is not None:
            write(table)
        summariser.add(table)
    if written is not None:
        written()
    release_free_memory()  # the batches' freed memory, before the summary's own peak
    return summariser.result()


def release_free_memory() -> bool:
    """Hand memory the process has freed back to the system: Arrow's pool's, and (with glibc) the C
    heap's, which keeps freed blocks for reuse. After a long streamed run that is about 120 MB at
    300,000 runs of 500 actors x 10 dimensions, which the summary would otherwise add its own peak to.
    Returns whether the C heap was trimmed (only where glibc's ``malloc_trim`` exists)."""
    import ctypes
    import ctypes.util

    pa.default_memory_pool().release_unused()
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        trim = None
    if trim is None:
        return False
    trim(0)
    return True


def _model_trajectory(model: NegotiationModel, run_id: int) -> pa.Table:
    """A Mesa run's per-round drafts in the ensemble's trajectory columns."""
    frame = model.trajectory()
    columns = {"run_id": pa.array([run_id] * len(frame), type=pa.int64()),
               "round": pa.array(frame["round"], type=pa.int64())}
    for dim_id in model.case.dimension_ids:
        columns[f"draft.{dim_id}"] = pa.array(frame[f"draft.{dim_id}"], type=pa.float64())
    for track in model.case.tracks:
        columns[f"{track.id}.open"] = pa.array(frame[f"{track.id}.open"], type=pa.bool_())
    return pa.table(columns)
