"""Summaries of a runs table: probabilities with intervals, quantiles, who blocks and signs."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim import wording as bands
from sim.results.arrow import strings, to_numpy
from sim.results.quantiles import finite_quantiles
from sim.results.records import possible_members
from sim.results.stream import ParquetStream, parquet_files
from sim.scenario.scenario import Scenario

__all__ = ["QUANTILES", "SPILL_ROWS", "SUMMARY_BLOCK", "Summariser", "agreement_interval", "kept_columns", "summarise"]

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def agreement_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (``scipy.stats.binomtest``, imported here: it is
    tens of megabytes a Monte Carlo that only summarises need not hold while it runs)."""
    from scipy import stats

    interval = stats.binomtest(successes, trials).proportion_ci(confidence_level=confidence, method="wilson")
    return float(interval.low), float(interval.high)


def _probability(successes: int, trials: int) -> dict[str, Any]:
    low, high = agreement_interval(successes, trials)
    return {"probability": successes / trials, "ci95": [low, high], "count": successes}


def _quantiles(blocks: Callable[[], Iterable[np.ndarray]]) -> dict[str, float] | None:
    """``numpy.quantile`` at :data:`QUANTILES` and the mean of the finite numbers ``blocks()`` yields,
    read block by block (:func:`sim.results.quantiles.finite_quantiles`); None if there are none."""
    found = finite_quantiles(blocks, QUANTILES)
    if found is None:
        return None
    return {f"q{round(q * 100):02d}": value for q, value in zip(QUANTILES, found.values)} | {"mean": found.mean}


def _histogram_blocks(counts: np.ndarray, size: int = 65_536) -> Callable[[], Iterable[np.ndarray]]:
    """Blocks of the numbers a histogram counts (``counts[v]`` times ``v``), at most ``size`` at a time."""
    def blocks() -> Iterable[np.ndarray]:
        for value, count in enumerate(counts.tolist()):
            for start in range(0, count, size):
                yield np.full(min(size, count - start), float(value))
    return blocks


def _column(table: pa.Table, name: str) -> np.ndarray:
    return to_numpy(table.column(name))


SUMMARY_BLOCK = 1000
"""Rows the summary folds in at a time: sums are taken per block of this many runs, then added in
order, so a summary does not depend on how its runs were handed over (at once, or batch by batch)."""

SPILL_ROWS = 50_000
"""Runs whose kept columns (:func:`kept_columns`) a :class:`Summariser` holds in memory; beyond them
it writes them to a temporary Parquet file and reads them back a block of this many runs at a time for
the result (23 numbers a run at 500 actors x 10 dimensions: 170 MB a million runs, held, before)."""


def kept_columns(scenario: Scenario) -> list[str]:
    """The columns a summary keeps whole, for its quantiles and band shares: a few numbers a run."""
    names = ["agreed"]
    for track in scenario.tracks:
        names += [f"{track.id}.agreed", f"{track.id}.round"]
        for d in track.all_dims:
            names += [f"statement.{scenario.dimension_ids[d]}", f"band.{scenario.dimension_ids[d]}"]
        if track.rule_kind == "forecast":
            names += [f"forecast.{name}.{scenario.dimension_ids[d]}" for name in ("median", "mean") for d in track.dims]
    return names


class Summariser:
    """The Monte Carlo summary of a runs table, folded in batch by batch, in bounded memory.

    ``add`` takes the runs in any batches, in run order; ``result`` gives what
    :func:`summarise` gives for the whole table. Per run it keeps only the columns the
    quantiles and wording shares need (:func:`kept_columns`: the agreement flags and
    rounds, the statements and their bands, the forecasts), in memory for the first
    :data:`SPILL_ROWS` runs and then in a temporary file; who blocks and signs is counted, and
    mean utilities and concessions are summed (per block of :data:`SUMMARY_BLOCK` runs), as they
    come. The result reads the kept columns back block by block: agreement and wording bands are
    counted, and quantiles found holding at most :data:`sim.results.quantiles.HOLD` numbers
    (:func:`sim.results.quantiles.finite_quantiles`: ``numpy.quantile``'s, bit for bit but for a zero's
    sign; means are correctly rounded sums over counts), so its memory does not grow with the runs either.
    """

    def __init__(self, scenario: Scenario, seed: int):
        self.scenario = scenario
        self.seed = seed
        self.runs = 0
        self._kept_names = kept_columns(scenario)
        self._kept = _KeptColumns(self._kept_names)
        self._pending: list[pa.Table] = []
        self._pending_rows = 0
        self._ids = strings(scenario.actor_ids)  # (pyarrow.array would load pandas: sim.results.arrow)
        self._members = {track.id: [scenario.actor_ids[i] for i in np.flatnonzero(possible_members(scenario, track))]
                         for track in scenario.tracks}
        actors = len(scenario.actor_ids)
        self._listed = {(track.id, kind): np.zeros(actors, dtype=np.int64) for track in scenario.tracks
                        for kind in ("blockers", "signatories")}
        self._signatory_counts = {track.id: np.zeros(actors + 1, dtype=np.int64) for track in scenario.tracks}
        self._sums = {(kind, track.id, a): [0.0, 0] for kind in ("utility", "concession")
                      for track in scenario.tracks for a in self._members[track.id]}
        self._finished = False

    def add(self, table: pa.Table) -> None:
        """Fold in the next runs (rows in run order, with the runs table's columns)."""
        if self._finished:
            raise RuntimeError("runs added after the summary was taken: make a new Summariser")
        if table.num_rows == 0:
            return
        self._pending.append(table)
        self._pending_rows += table.num_rows
        if self._pending_rows >= SUMMARY_BLOCK:
            pending = pa.concat_tables(self._pending)
            whole = (pending.num_rows // SUMMARY_BLOCK) * SUMMARY_BLOCK
            for start in range(0, whole, SUMMARY_BLOCK):
                self._fold(pending.slice(start, SUMMARY_BLOCK))
            rest = pending.slice(whole)
            self._pending, self._pending_rows = ([rest] if rest.num_rows else []), rest.num_rows

    def _fold(self, block: pa.Table) -> None:
        import pyarrow.compute as pc

        self.runs += block.num_rows
        self._kept.add(block.select(self._kept_names))
        for track in self.scenario.tracks:
            for kind in ("blockers", "signatories"):
                listed = block.column(f"{track.id}.{kind}")
                names = pc.list_flatten(listed)
                if len(names):
                    index = to_numpy(pc.index_in(names, value_set=self._ids))
                    self._listed[(track.id, kind)] += np.bincount(index, minlength=len(self._ids))
            if track.rule_kind == "opt_in":
                lengths = to_numpy(pc.drop_null(pc.list_value_length(block.column(f"{track.id}.signatories"))))
                self._signatory_counts[track.id] += np.bincount(lengths, minlength=len(self._ids) + 1)
            for kind in ("utility", "concession"):
                for a in self._members[track.id]:
                    values = _column(block, f"{kind}.{track.id}.{a}")
                    finite = values[np.isfinite(values)]
                    total = self._sums[(kind, track.id, a)]
                    total[0] += float(finite.sum())
                    total[1] += finite.size

    def _mean(self, kind: str, track: str, actor: str) -> float | None:
        total, count = self._sums[(kind, track, actor)]
        return total / count if count else None

    def result(self) -> dict[str, Any]:
        """The summary of every run added (see :func:`summarise`); no run can be added after it."""
        self._finished = True
        if self._pending:  # the last, partial block
            self._fold(pa.concat_tables(self._pending))
            self._pending, self._pending_rows = [], 0
        if self.runs == 0:
            raise ValueError("no runs to summarise")
        with self._kept as kept:
            return self._summary(kept)

    def _summary(self, kept: _KeptColumns) -> dict[str, Any]:
        scenario, runs = self.scenario, self.runs
        summary: dict[str, Any] = {
            "scenario": scenario.name,
            "runs": runs,
            "seed": self.seed,
            "agreement": _probability(kept.count("agreed"), runs),
            "tracks": [],
        }
        for track in scenario.tracks:
            agreed = f"{track.id}.agreed"
            dims = [scenario.dimension_ids[d] for d in track.all_dims]
            forecast = track.rule_kind == "forecast"
            counted = None if forecast else agreed  # a forecast is the outcome, settled or not
            statement = {d: _quantiles(kept.values(f"statement.{d}", where=counted)) for d in dims}
            wording = {d: scenario.wording(d, q["q50"]) for d, q in statement.items() if q is not None}
            actors = self._members[track.id]
            index = scenario.actor_index
            entry: dict[str, Any] = {
                "track": track.id,
                "rule": track.rule_kind,
                "protocol": track.protocol,
                "agreement": _probability(kept.count(agreed), runs),
                "rounds": _quantiles(kept.values(f"{track.id}.round", where=agreed)),
                "statement": statement,
                "wording_at_median": wording,
                "wording_shares": {},
                "modal_band": {},
                "blocking": {a: int(self._listed[(track.id, "blockers")][index[a]]) / runs for a in actors},
                "mean_utility": {a: self._mean("utility", track.id, a) for a in actors},
                "mean_concession": {a: self._mean("concession", track.id, a) for a in actors},
            }
            for d in dims:
                names = [f"{other.id}.agreed" for other in scenario.tracks] + [f"statement.{d}", f"band.{d}"]
                counts = sum(np.bincount(bands.run_bands(scenario, block, d) + 1, minlength=len(
                    scenario.dimensions[scenario.dimension_index[d]].wording) + 1) for block in kept.blocks(names))
                rows = bands.band_shares_from_counts(scenario, d, counts[1:], int(counts[0]),
                                                     bands.no_statement_label(track))
                entry["wording_shares"][d], entry["modal_band"][d] = rows, bands.modal_band(rows)
            if forecast:
                entry["forecast"] = {name: {d: _quantiles(kept.values(f"forecast.{name}.{d}")) for d in dims}
                                     for name in ("median", "mean")}
                entry["settled"] = entry["agreement"]  # for a forecast, agreement means the model settled
                del entry["blocking"]  # nobody blocks a forecast
            if track.rule_kind == "opt_in":
                entry["signing"] = {a: int(self._listed[(track.id, "signatories")][index[a]]) / runs for a in actors}
                entry["signatories"] = _quantiles(_histogram_blocks(self._signatory_counts[track.id]))
            summary["tracks"].append(entry)
        return summary


class _KeptColumns:
    """The kept columns of every run folded in, in run order: in memory up to :data:`SPILL_ROWS` runs,
    then in a temporary Parquet table (:class:`sim.results.stream.ParquetStream`: a row group a block, and
    a new file every few million runs, so its writer's memory stays bounded), read back a few columns and
    :data:`SPILL_ROWS` runs at a time. A context manager for the result: leaving it removes the files."""

    def __init__(self, names: list[str]):
        self.names = names
        self._blocks: list[pa.Table] = []
        self._rows = 0
        self._folder: tempfile.TemporaryDirectory | None = None
        self._stream: ParquetStream | None = None
        self._path: Path | None = None

    def add(self, block: pa.Table) -> None:
        self._blocks.append(block.combine_chunks())
        self._rows += block.num_rows
        if self._rows >= SPILL_ROWS:
            self._spill()

    def _spill(self) -> None:
        if not self._blocks:
            return
        gathered = pa.concat_tables(self._blocks)
        if self._stream is None:
            self._folder = tempfile.TemporaryDirectory(prefix="negsim-summary-")
            self._stream = ParquetStream(Path(self._folder.name) / "kept.parquet", gathered.schema, row_group_bytes=0)
        self._stream.write(gathered)
        self._blocks, self._rows = [], 0

    def blocks(self, names: list[str]) -> Iterable[pa.Table]:
        """These columns of every run, in run order, a block at a time (at most :data:`SPILL_ROWS` runs)."""
        if self._path is None:
            for block in self._blocks:
                yield block.select(names)
            return
        for file in parquet_files(self._path):
            for batch in pq.ParquetFile(file).iter_batches(batch_size=SPILL_ROWS, columns=names, use_threads=False):
                yield pa.Table.from_batches([batch])

    def values(self, name: str, where: str | None = None) -> Callable[[], Iterable[np.ndarray]]:
        """A column's numbers (in the runs where column ``where`` is true), block by block, as often as asked."""
        def blocks() -> Iterable[np.ndarray]:
            for block in self.blocks([name] if where is None else [name, where]):
                numbers = _column(block, name).astype(np.float64)
                yield numbers if where is None else numbers[_column(block, where).astype(bool)]
        return blocks

    def count(self, name: str) -> int:
        """How many runs a boolean column is true in."""
        return sum(int(_column(block, name).sum()) for block in self.blocks([name]))

    def __enter__(self) -> _KeptColumns:
        if self._stream is not None:  # spilled: the rest joins the file(s), which are then read back
            self._spill()
            self._path = self._stream.commit()
            self._stream = None
        return self

    def __exit__(self, *exc) -> None:
        self._blocks = []
        if self._stream is not None:
            self._stream.discard()
            self._stream = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None


def summarise(scenario: Scenario, table: pa.Table, seed: int) -> dict[str, Any]:
    """The Monte Carlo summary of a runs table (:func:`sim.results.records.runs_schema`), JSON-ready.

    Agreement probabilities carry 95% Wilson intervals; rounds and statements are
    quantiles over the runs that agreed (for a forecast track, ``agreement`` is the
    share of runs in which the model settled, and the statement, the model's
    forecast, is over every run, with the weighted median and mean under ``forecast``);
    blocking and signing are shares of all runs; mean utility and concession are over
    the runs where they are defined.

    ``wording_shares`` gives, per dimension, the share of *all* runs landing in each
    wording band with its 95% Wilson interval, then a row for the runs with no
    statement (no agreement, or an opt-in track not launched; none on a forecast
    track), so the shares sum to 1 (:func:`sim.wording.band_shares`); ``modal_band``
    is the band most runs land in. ``wording_at_median`` is the wording of the median
    statement, kept for compatibility.

    The same as folding the table into a :class:`Summariser` in batches of any size.
    """
    summariser = Summariser(scenario, seed)
    summariser.add(table)
    return summariser.result()
