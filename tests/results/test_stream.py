"""A Parquet table streamed in bounded memory: one file while it fits, a folder of files beyond, the same rows."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import sim.results.stream
from sim.cli import main
from sim.output import dumps, write_runs
from sim.records import runs_schema
from sim.results.layout import parquet_options, read_runs, stored_names, stored_schema, to_stored
from sim.results.stream import PART_NAME, ParquetStream, parquet_files
from sim.runner import monte_carlo
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS
from tests.results.test_layout import assert_identical

VILNIUS_FILE = SCENARIOS / "vilnius_2023.toml"
VILNIUS = load_scenario(VILNIUS_FILE)
HELD = monte_carlo(VILNIUS, 1200, seed=8)


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> pa.Table:
    """``HELD`` as one file written whole reads back (list columns name their items ``element``), the
    reference every streamed form must equal; its values are the held table's."""
    path = write_runs(tmp_path_factory.mktemp("whole") / "runs.parquet", HELD.table)
    table = read_runs(path)
    assert dumps(table.to_pylist()) == dumps(HELD.table.to_pylist())
    return table


def _stream(path, *, rows=150, **keywords) -> ParquetStream:
    """``HELD`` streamed in batches of ``rows`` runs, stored, each batch its own row group unless told."""
    schema = stored_schema(runs_schema(VILNIUS))
    stream = ParquetStream(path, schema, prepare=to_stored, options=parquet_options(schema),
                           **({"row_group_bytes": 0} | keywords))
    for start in range(0, HELD.runs, rows):
        stream.write(HELD.table.slice(start, rows))
    return stream


def test_a_table_that_fits_one_file_is_that_file(tmp_path, written):
    stream = _stream(tmp_path / "runs.parquet")
    assert stream.commit() == tmp_path / "runs.parquet" and (tmp_path / "runs.parquet").is_file()
    assert stream.files == 1 and pq.ParquetFile(tmp_path / "runs.parquet").metadata.num_row_groups == 8
    assert_identical(read_runs(tmp_path / "runs.parquet"), written)
    assert [p.name for p in tmp_path.iterdir()] == ["runs.parquet"]  # no temporary left beside it


def test_beyond_a_files_column_chunks_the_table_is_a_folder_of_files_in_row_order(tmp_path, written):
    columns = len(stored_schema(runs_schema(VILNIUS)))
    stream = _stream(tmp_path / "runs.parquet", file_column_chunks=3 * columns)  # three row groups a file
    stream.commit()
    files = parquet_files(tmp_path / "runs.parquet")
    assert (tmp_path / "runs.parquet").is_dir() and stream.files == 3
    assert [f.name for f in files] == [PART_NAME.format(index=i) for i in range(3)]
    assert [pq.ParquetFile(f).metadata.num_row_groups for f in files] == [3, 3, 2]  # 8 batches
    assert [pq.ParquetFile(f).metadata.num_rows for f in files] == [450, 450, 300]
    assert_identical(read_runs(tmp_path / "runs.parquet"), written)
    wanted = ["run_id", "utility.consensus.usa", "statement.aid_level", "consensus.agreed"]
    assert_identical(read_runs(tmp_path / "runs.parquet", columns=wanted), written.select(wanted))
    assert read_runs(tmp_path / "runs.parquet", columns=[]).num_rows == HELD.runs
    assert stored_names(tmp_path / "runs.parquet") == stored_schema(runs_schema(VILNIUS)).names
    # other tools read the folder as one table, in the same row order
    assert pq.read_table(tmp_path / "runs.parquet", columns=["run_id"]).column("run_id").to_pylist() == list(range(HELD.runs))
    assert pd.read_parquet(tmp_path / "runs.parquet", columns=["run_id"])["run_id"].tolist() == list(range(HELD.runs))
    assert [p.name for p in tmp_path.iterdir()] == ["runs.parquet"]


def test_the_default_bound_is_a_few_thousand_column_chunks_a_file(tmp_path, monkeypatch):
    """Without a keyword the module's bound applies: a file never holds more than FILE_COLUMN_CHUNKS."""
    columns = len(stored_schema(runs_schema(VILNIUS)))
    monkeypatch.setattr(sim.results.stream, "FILE_COLUMN_CHUNKS", 2 * columns + 1)
    _stream(tmp_path / "runs.parquet", rows=400).commit()
    files = parquet_files(tmp_path / "runs.parquet")
    assert [pq.ParquetFile(f).metadata.num_row_groups for f in files] == [2, 1]


@pytest.mark.parametrize("before", ["file", "folder"])
@pytest.mark.parametrize("after", ["file", "folder"])
def test_commit_replaces_what_was_at_the_path(tmp_path, written, before, after):
    target = tmp_path / "runs.parquet"
    if before == "file":
        target.write_text("old")
    else:
        target.mkdir()
        (target / PART_NAME.format(index=0)).write_text("old")
        (target / PART_NAME.format(index=7)).write_text("old")
    _stream(target, file_column_chunks=None if after == "file" else 1).commit()
    assert target.is_file() == (after == "file")
    assert_identical(read_runs(target), written)
    assert [p.name for p in tmp_path.iterdir()] == ["runs.parquet"]


def test_discard_leaves_nothing(tmp_path):
    stream = _stream(tmp_path / "runs.parquet", file_column_chunks=1)
    assert stream.files == 8
    stream.discard()
    assert list(tmp_path.iterdir()) == []


def test_an_empty_stream_is_an_empty_file_with_the_schema(tmp_path):
    schema = stored_schema(runs_schema(VILNIUS))
    ParquetStream(tmp_path / "runs.parquet", schema).commit()
    table = pq.read_table(tmp_path / "runs.parquet")
    assert table.num_rows == 0 and table.schema.names == schema.names and table.schema.metadata == schema.metadata


def test_a_folder_with_no_part_is_refused_by_name(tmp_path):
    (tmp_path / "runs.parquet").mkdir()
    with pytest.raises(FileNotFoundError, match="runs.parquet is a folder with no part"):
        read_runs(tmp_path / "runs.parquet")


def test_a_large_streamed_monte_carlo_writes_a_folder_that_every_command_reads(tmp_path, written, monkeypatch, capsys):
    """negsim run --out, past a file's bound: runs.parquet is a folder, read back as the held table,
    and report, plot and a sweep-free analysis read it as they read one file."""
    import sim.runner

    monkeypatch.setattr(sim.results.stream, "FILE_COLUMN_CHUNKS", 1)  # a file a row group
    monkeypatch.setattr(sim.results.stream, "ROW_GROUP_BYTES", 1)  # a row group a batch
    monkeypatch.setattr(sim.runner, "ENSEMBLE_BATCH", 300)
    out = tmp_path / "out"
    assert main(["run", str(VILNIUS_FILE), "--runs", "1200", "--seed", "8", "--out", str(out), "--quiet"]) == 0
    assert "runs.parquet/, a folder of 4 Parquet files read as one table" in capsys.readouterr().out
    files = parquet_files(out / "runs.parquet")
    assert (out / "runs.parquet").is_dir() and len(files) == 4
    assert_identical(read_runs(out / "runs.parquet"), written)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "negsim-run/3" and manifest["runs"] == 1200
    assert main(["report", str(out)]) == 0
    assert main(["plot", str(out)]) == 0
    assert (out / "report.html").is_file() and any((out / "figures").iterdir())
    capsys.readouterr()
    assert main(["run", str(VILNIUS_FILE), "--runs", "1200", "--seed", "8", "--out", str(out), "--quiet",
                 "--overwrite"]) == 0  # a folder is replaced as a file is
    assert len(parquet_files(out / "runs.parquet")) == 4
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "runs.parquet", "summary.json"]
