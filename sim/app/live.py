"""The live Monte Carlo: runs, their summary and what the page shows of them, abandoned when stale.

:func:`compute` runs a scenario's Monte Carlo through the ensemble in small batches
(:data:`APP_BATCH`), so a newer input can stop it between batches: each computation
carries a generation number from a :class:`Generations` counter and stops, raising
:class:`Stale`, as soon as a newer one has started. The table it returns equals
``sim.monte_carlo(scenario, runs, seed=seed).table`` (every replicate draws from its own
seeds, whatever the batch).
"""

from __future__ import annotations

import functools
import io
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from sim.scenario import Scenario

__all__ = ["APP_BATCH", "Generations", "LiveResult", "Stale", "compute"]

APP_BATCH = 250
"""Replicates per ensemble pass in the app: a stale computation stops within one pass (~40 ms on Vilnius)."""


class Stale(Exception):
    """A computation abandoned because a newer input arrived."""


class Generations:
    """A counter of computations: starting one makes every earlier one stale.

    Thread-safe; one per page session.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current = 0

    def start(self) -> int:
        """A new generation number; every earlier one is now stale."""
        with self._lock:
            self._current += 1
            return self._current

    def current(self) -> int:
        with self._lock:
            return self._current

    def is_current(self, generation: int) -> bool:
        return self.current() == generation


@dataclass(frozen=True)
class LiveResult:
    """One Monte Carlo as the page shows it.

    Attributes
    ----------
    scenario : Scenario
    runs, seed : int
    table : pyarrow.Table
        One row per run (:func:`sim.results.records.runs_schema`).
    summary : dict
        :func:`sim.results.summary.summarise` of the table.
    seconds : float
        Wall time of the runs and the summary.
    """

    scenario: Scenario
    runs: int
    seed: int
    table: pa.Table
    summary: dict[str, Any]
    seconds: float

    def agreement(self) -> list[dict[str, Any]]:
        """Per track: id, name, probability, 95% interval, runs agreed (from the summary)."""
        rows = []
        for info, entry in zip(self.scenario.tracks, self.summary["tracks"]):
            agreement = entry["agreement"]
            rows.append({"track": entry["track"], "name": info.name or entry["track"], "rule": entry["rule"],
                         "protocol": entry["protocol"], "probability": agreement["probability"],
                         "low": agreement["ci95"][0], "high": agreement["ci95"][1],
                         "agreed": agreement.get("count"), "runs": self.runs})
        return rows

    def wording_shares(self) -> list[dict[str, Any]]:
        """Per track and dimension: the share of runs in each wording band (and with no statement)."""
        rows = []
        for entry in self.summary["tracks"]:
            for dim, shares in entry["wording_shares"].items():
                rows.append({"track": entry["track"], "dimension": dim, "bands": shares,
                             "modal": entry["modal_band"][dim]})
        return rows

    def blocking(self) -> dict[str, dict[str, float]]:
        """Per track: each actor's share of runs in which it blocked (nonzero shares, largest first)."""
        return {entry["track"]: dict(sorted(((a, s) for a, s in entry.get("blocking", {}).items() if s),
                                            key=lambda item: -item[1]))
                for entry in self.summary["tracks"]}

    def csv_bytes(self) -> bytes:
        """The runs table as CSV (list columns joined by ``;``)."""
        import pyarrow.csv as pacsv

        table = self.table
        for index, column in enumerate(table.schema):
            if pa.types.is_list(column.type):
                joined = [";".join(map(str, items)) if items is not None else None
                          for items in table.column(index).to_pylist()]
                table = table.set_column(index, column.name, pa.array(joined, type=pa.string()))
        sink = io.BytesIO()
        pacsv.write_csv(table, sink)
        return sink.getvalue()

    def parquet_bytes(self) -> bytes:
        """The runs table as Parquet."""
        import pyarrow.parquet as pq

        sink = io.BytesIO()
        pq.write_table(self.table, sink)
        return sink.getvalue()

    @functools.cached_property
    def figure_png(self) -> bytes:
        """:meth:`figure` as PNG bytes (matplotlib's Agg backend, no pyplot), drawn once."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        figure = self.figure()
        FigureCanvasAgg(figure)
        sink = io.BytesIO()
        figure.savefig(sink, format="png", dpi=80)
        return sink.getvalue()

    def figure(self):
        """The statement distribution: a histogram per dimension over the runs with a statement,
        each actor's ideal point marked, the wording bands' edges dashed (a matplotlib Figure)."""
        from matplotlib.figure import Figure

        dims = list(self.scenario.dimension_ids)
        cols, rows = 1, len(dims)  # one column: legible in a narrow window too
        figure = Figure(figsize=(5.0, 0.4 + 1.9 * rows))
        figure.subplots_adjust(left=0.1, right=0.97, bottom=0.35 / (0.4 + 1.9 * rows),
                               top=1 - 0.3 / (0.4 + 1.9 * rows), hspace=0.55)
        axes = figure.subplots(rows, cols, squeeze=False).ravel()
        spec = {d.id: d for d in self.scenario.spec.dimensions}
        for ax, dim in zip(axes, dims):
            low, high = spec[dim].range
            values = self.table.column(f"statement.{dim}").to_numpy(zero_copy_only=False).astype(float)
            values = values[np.isfinite(values)]
            ax.hist(values, bins=np.linspace(low, high, 41), color="#4c72b0", alpha=0.85)
            for band in spec[dim].wording[1:]:
                ax.axvline(band.from_, color="#999999", linestyle="--", linewidth=0.8)
            ideal = [(actor.id, actor.position[dim]) for actor in self.scenario.spec.actors if dim in actor.position]
            top = ax.get_ylim()[1]
            ax.plot([p for _, p in ideal], [top * 0.02] * len(ideal), "v", color="#c44e52", markersize=6,
                    label="ideal points", clip_on=False)  # a point at the range's end drawn whole
            ax.set_xlim(low, high)
            ax.set_title(f"{spec[dim].name or dim} ({len(values):,} of {self.runs:,} runs)", fontsize=9)
            ax.tick_params(labelsize=8)
        for ax in axes[len(dims):]:
            ax.set_visible(False)
        axes[0].legend(fontsize=7, loc="upper left")
        return figure


def compute(scenario: Scenario, runs: int, *, seed: int | None = None, generations: Generations | None = None,
            generation: int | None = None, batch: int = APP_BATCH,
            progress: Callable[[int, int], None] | None = None) -> LiveResult:
    """The Monte Carlo of ``runs`` replicates and its summary, as ``sim.monte_carlo`` + ``summarise`` give them.

    Parameters
    ----------
    generations, generation : optional
        When given, the computation raises :class:`Stale` between batches (and before
        summarising) as soon as ``generation`` is no longer current.
    batch : int
        Replicates per ensemble pass.
    progress : callable, optional
        Called with (runs done, runs) after each batch.

    Raises
    ------
    Stale
        A newer generation started.
    ValueError
        ``runs`` < 1, or more than memory allows (:func:`sim.runner.check_monte_carlo_size`).
    """
    from sim.ensemble import run_ensemble
    from sim.results.summary import summarise
    from sim.runner import check_monte_carlo_size

    def check() -> None:
        if generations is not None and generation is not None and not generations.is_current(generation):
            raise Stale(f"generation {generation} superseded by {generations.current()}")

    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    if too_big := check_monte_carlo_size(scenario, runs):
        raise ValueError(too_big[0])
    started = time.perf_counter()
    root = scenario.seed if seed is None else int(seed)
    parts = []
    for start in range(0, runs, batch):
        check()
        chunk = range(start, min(start + batch, runs))
        parts.append(run_ensemble(scenario, root, chunk).table())
        if progress is not None:
            progress(chunk.stop, runs)
    check()
    table = pa.concat_tables(parts)
    summary = summarise(scenario, table, root)
    return LiveResult(scenario, runs, root, table, summary, time.perf_counter() - started)
