"""A Monte Carlo summarised and written as its runs finish: the same numbers as one held whole."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings, strategies as st

from sim.cli import main
from sim.results.output import dumps
from sim.results.layout import read_runs, to_stored
from sim.runner import (ENSEMBLE_BATCH, check_monte_carlo_size, monte_carlo, monte_carlo_bytes, stream_monte_carlo,
                        streamed_bytes)
from sim.scenario import load_scenario
from sim.results.summary import SUMMARY_BLOCK, Summariser, summarise
from tests.conftest import SCENARIOS

VILNIUS = load_scenario(SCENARIOS / "vilnius_2023.toml")
HELD = monte_carlo(VILNIUS, 2 * SUMMARY_BLOCK + 137, seed=4)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=900), min_size=1, max_size=12))
def test_a_summary_does_not_depend_on_how_its_runs_were_handed_over(cuts):
    table = HELD.table
    summariser = Summariser(VILNIUS, HELD.seed)
    start = 0
    for size in cuts:
        summariser.add(table.slice(start, size))
        start += size
    summariser.add(table.slice(start))
    assert dumps(summariser.result()) == dumps(summarise(VILNIUS, table, HELD.seed))


def test_no_run_is_added_once_the_summary_is_taken():
    summariser = Summariser(VILNIUS, HELD.seed)
    summariser.add(HELD.table.slice(0, 10))
    summariser.result()
    with pytest.raises(RuntimeError, match="after the summary"):
        summariser.add(HELD.table.slice(10, 10))


def test_the_streamed_summary_and_runs_equal_the_held_ones(tmp_path):
    written = []
    result = stream_monte_carlo(VILNIUS, HELD.runs, seed=4, write=written.append)
    assert dumps(result) == dumps(summarise(VILNIUS, HELD.table, 4))
    assert [t.num_rows for t in written][:2] == [ENSEMBLE_BATCH, ENSEMBLE_BATCH]
    assert dumps(pa.concat_tables(written).to_pylist()) == dumps(HELD.table.to_pylist())


def test_means_and_shares_are_the_plain_ones():
    """The folded counts and sums give the shares and means computed directly from the columns."""
    result = summarise(VILNIUS, HELD.table, 4)
    consensus = next(t for t in result["tracks"] if t["rule"] == "unanimity")
    for actor, share in consensus["blocking"].items():
        listed = [actor in row for row in HELD.table.column(f"{consensus['track']}.blockers").to_pylist()]
        assert share == sum(listed) / HELD.runs
    for actor, mean in consensus["mean_utility"].items():
        values = HELD.table.column(f"utility.{consensus['track']}.{actor}").to_numpy(zero_copy_only=False)
        assert mean == pytest.approx(np.nanmean(values), rel=1e-12)


def test_the_cli_streams_runs_parquet_and_its_summary(tmp_path):
    out = tmp_path / "mc"
    assert main(["run", str(SCENARIOS / "vilnius_2023.toml"), "--runs", "2500", "--seed", "4", "--out", str(out),
                 "--quiet"]) == 0
    table = read_runs(out / "runs.parquet")
    expected = monte_carlo(VILNIUS, 2500, seed=4).table
    assert table.schema.equals(expected.schema) and dumps(table.to_pylist()) == dumps(expected.to_pylist())
    stored = pq.read_schema(out / "runs.parquet")  # each actor's numbers gathered: a few columns, not one per actor
    assert stored.names == to_stored(expected).column_names and len(stored) < expected.num_columns / 2
    assert json.loads((out / "summary.json").read_text()) == json.loads(dumps(summarise(VILNIUS, expected, 4)))
    assert json.loads((out / "manifest.json").read_text())["runs"] == 2500
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_a_failed_streamed_run_leaves_nothing(tmp_path, monkeypatch):
    import sim.runner

    def broken(*args, **kwargs):
        yield from []
        raise RuntimeError("disk gone")

    monkeypatch.setattr(sim.runner, "_batches", broken)
    out = tmp_path / "made" / "for" / "mc"
    with pytest.raises(RuntimeError, match="disk gone"):
        main(["run", str(SCENARIOS / "vilnius_2023.toml"), "--runs", "10", "--out", str(out), "--quiet"])
    assert not (tmp_path / "made").exists()  # every folder made for the results is gone


def test_an_interruption_after_the_runs_leaves_nothing_either(tmp_path, monkeypatch):
    """Ctrl-C while the summary is printed, or the manifest written: no partial file, no new folder."""
    import sim.text

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sim.text, "format_monte_carlo", interrupted)
    out = tmp_path / "new" / "mc"
    assert main(["run", str(SCENARIOS / "vilnius_2023.toml"), "--runs", "10", "--out", str(out), "--quiet"]) == 130
    assert not (tmp_path / "new").exists()
    kept = tmp_path / "kept"
    kept.mkdir()
    assert main(["run", str(SCENARIOS / "vilnius_2023.toml"), "--runs", "10", "--out", str(kept), "--quiet"]) == 130
    assert kept.is_dir() and not list(kept.iterdir())  # a folder that was there stays, empty


def test_streaming_needs_a_few_numbers_a_run_not_the_runs_table():
    """Held whole, ten million Vilnius runs are refused; streamed, they need the summary's kept columns alone."""
    huge = 10**7
    assert check_monte_carlo_size(VILNIUS, huge)  # held: refused
    assert check_monte_carlo_size(VILNIUS, huge, streamed=True) == []
    per_run_held = monte_carlo_bytes(VILNIUS, 2) - monte_carlo_bytes(VILNIUS, 1)
    per_run_streamed = streamed_bytes(VILNIUS, 2 * huge) - streamed_bytes(VILNIUS, huge)
    assert per_run_streamed / huge < per_run_held / 5


def test_the_streamed_estimate_stops_growing_once_a_file_is_full():
    """runs.parquet starts a new file past FILE_COLUMN_CHUNKS, so beyond the first file's worth of runs
    (here 151 row groups, about 15 million Vilnius runs) nothing in the estimate grows."""
    from sim.results.stream import FILE_COLUMN_CHUNKS
    from sim.runner import FOOTER_BYTES_PER_CELL

    assert streamed_bytes(VILNIUS, 10**7) < streamed_bytes(VILNIUS, 10**8) == streamed_bytes(VILNIUS, 10**12)
    # past SPILL_ROWS and HOLD runs, only the open file's descriptions grew, to their bound
    assert 0 < streamed_bytes(VILNIUS, 10**12) - streamed_bytes(VILNIUS, 10**7) <= 2 * FOOTER_BYTES_PER_CELL * FILE_COLUMN_CHUNKS
    assert check_monte_carlo_size(VILNIUS, 10**12, streamed=True) == []


def test_runs_are_gathered_into_large_row_groups(tmp_path, monkeypatch):
    import sim.results.stream
    from sim.results.records import runs_schema
    from sim.results.stream import ParquetStream

    batches = [HELD.table.slice(start, 500) for start in range(0, HELD.runs, 500)]
    whole = ParquetStream(tmp_path / "whole.parquet", runs_schema(VILNIUS))
    for batch in batches:
        whole.write(batch)
    whole.commit()
    monkeypatch.setattr(sim.results.stream, "ROW_GROUP_BYTES", 1)  # one row group a batch
    apart = ParquetStream(tmp_path / "apart.parquet", runs_schema(VILNIUS))
    for batch in batches:
        apart.write(batch)
    apart.commit()
    assert pq.ParquetFile(tmp_path / "whole.parquet").metadata.num_row_groups == 1
    assert pq.ParquetFile(tmp_path / "apart.parquet").metadata.num_row_groups == len(batches)
    for name in ("whole", "apart"):
        assert dumps(pq.read_table(tmp_path / f"{name}.parquet").to_pylist()) == dumps(HELD.table.to_pylist())


@pytest.mark.parametrize("case,files", [("vilnius", "one"), ("forecast", "one"), ("vilnius", "several")])
def test_kept_columns_spilled_to_disk_give_the_same_summary_and_leave_no_file(case, files, monkeypatch, tmp_path):
    """Beyond SPILL_ROWS runs the summary's kept columns go to a temporary Parquet table, read back a
    column at a time: the summary is the one held in memory gives, and the files are gone after.
    ``several``: a new file every row group (as every few million runs), read back in order."""
    import tempfile

    import sim.results.stream
    import sim.results.summary

    if case == "vilnius":
        scenario, table = VILNIUS, HELD.table
    else:  # KTAB's example under the SMP: a forecast track
        scenario = load_scenario(SCENARIOS.parent / "tests" / "ktab" / "oracle" / "dummyData_3Dim.csv")
        table = monte_carlo(scenario, 2 * SUMMARY_BLOCK + 137, seed=4).table
    held = summarise(scenario, table, 4)
    monkeypatch.setattr(sim.results.summary, "SPILL_ROWS", SUMMARY_BLOCK + 1)  # spills after every second block
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    if files == "several":
        monkeypatch.setattr(sim.results.stream, "FILE_COLUMN_CHUNKS", 1)
    summariser = Summariser(scenario, 4)
    for start in range(0, table.num_rows, 700):
        summariser.add(table.slice(start, 700))
    assert list(tmp_path.glob("negsim-summary-*/.kept.parquet.part/part-*.parquet"))  # while runs came in
    committed = []
    commit = sim.results.stream.ParquetStream.commit
    monkeypatch.setattr(sim.results.stream.ParquetStream, "commit",
                        lambda self: committed.append(len(sim.results.stream.parquet_files(path := commit(self))))
                        or path)
    assert dumps(summariser.result()) == dumps(held)
    assert committed == [1 if files == "one" else 2]  # two spills: a file each when FILE_COLUMN_CHUNKS is 1
    assert not list(tmp_path.iterdir())


def test_the_written_rows_are_flushed_before_the_summary_is_taken(monkeypatch):
    """negsim run writes its last gathered row group before taking the summary, so the two are not
    held together (the summary is the memory peak of a large streamed run)."""
    import sim.results.summary

    events = []
    original = sim.results.summary.Summariser.result
    monkeypatch.setattr(sim.results.summary.Summariser, "result",
                        lambda self: events.append("summary") or original(self))
    result = stream_monte_carlo(VILNIUS, 2500, seed=4, write=lambda table: events.append("write"),
                                written=lambda: events.append("flush"))
    assert events == ["write"] * 3 + ["flush", "summary"]
    assert dumps(result) == dumps(summarise(VILNIUS, monte_carlo(VILNIUS, 2500, seed=4).table, 4))


def test_freed_memory_is_handed_back_before_the_summary(monkeypatch):
    import platform

    import sim.runner

    calls = []
    monkeypatch.setattr(sim.runner, "release_free_memory", lambda: calls.append("released") or True)
    stream_monte_carlo(VILNIUS, 10, seed=1)
    assert calls == ["released"]
    monkeypatch.undo()
    trimmed = sim.runner.release_free_memory()
    assert trimmed == (platform.libc_ver()[0] == "glibc")  # glibc's malloc_trim, where there is one


def test_signatory_quantiles_are_those_of_the_track_s_own_counts():
    """Counted into a histogram as the runs come, the opt-in track's signatories quantiles are
    numpy's over every run's count (an independent count from the lists)."""
    result = summarise(VILNIUS, HELD.table, 4)
    umbrella = next(t for t in result["tracks"] if t["rule"] == "opt_in")
    counts = np.array([len(row) for row in HELD.table.column(f"{umbrella['track']}.signatories").to_pylist()],
                      dtype=float)
    assert umbrella["signatories"] == {f"q{round(q * 100):02d}": float(np.quantile(counts, q))
                                       for q in (0.05, 0.25, 0.5, 0.75, 0.95)} | {"mean": counts.mean()}
    with_a_null = HELD.table.set_column(HELD.table.schema.get_field_index(f"{umbrella['track']}.signatories"),
                                        f"{umbrella['track']}.signatories",
                                        pa.array([None] + HELD.table.column(f"{umbrella['track']}.signatories")
                                                 .to_pylist()[1:], type=pa.list_(pa.string())))
    lacking = next(t for t in summarise(VILNIUS, with_a_null, 4)["tracks"] if t["rule"] == "opt_in")
    assert lacking["signatories"]["q50"] == float(np.quantile(counts[1:], 0.5))  # a run with no list is left out
