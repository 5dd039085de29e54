"""A Parquet table streamed in bounded memory: one file while it fits, a folder of files beyond, the same rows."""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import sim.results.stream
from sim.cli import main
from sim.errors import InputError
from sim.results.output import dumps, write_runs
from sim.results.records import runs_schema
from sim.results.layout import parquet_options, read_runs, stored_names, stored_schema, to_stored
from sim.results.stream import PART_NAME, ParquetStream, parquet_columns, parquet_files
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
    with pytest.raises(InputError, match="runs.parquet: a folder with no part-N.parquet file"):
        read_runs(tmp_path / "runs.parquet")


@pytest.mark.parametrize("lost", [0, 1, 3])
def test_a_folder_missing_a_part_is_refused_not_read_short(tmp_path, lost):
    _stream(tmp_path / "runs.parquet", file_column_chunks=1).commit()
    (tmp_path / "runs.parquet" / PART_NAME.format(index=lost)).unlink()
    with pytest.raises(InputError, match=f"first missing: part-00000{lost}.parquet.*incomplete or damaged"):
        read_runs(tmp_path / "runs.parquet")


def test_parts_are_ordered_by_number_not_by_name(tmp_path):
    """Past a million parts the names grow a digit: part-1000000 sorts after part-999999."""
    folder = tmp_path / "runs.parquet"
    folder.mkdir()
    for index in (0, 1, 2):
        (folder / f"part-{index:07d}.parquet").touch()
    (folder / "part-10.parquet").touch()
    with pytest.raises(InputError, match="first missing: part-000003"):
        parquet_files(folder)
    for index in range(3, 10):
        (folder / f"part-{index}.parquet").touch()
    (folder / "notes.txt").touch()
    assert [int(f.stem.split("-")[1]) for f in parquet_files(folder)] == list(range(11))


def test_a_failed_commit_leaves_the_previous_table_whole(tmp_path, monkeypatch, written):
    """The table being replaced is moved aside, not deleted, until the new one is in place: if that
    fails, the previous one is put back and the failed stream's files are removed."""
    import os

    target = tmp_path / "runs.parquet"
    _stream(target, file_column_chunks=1).commit()  # the previous table: a folder of 8 files
    stream = _stream(target)
    real = os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: (_ for _ in ()).throw(OSError(28, "No space left on device"))
                        if str(b) == str(target) and ".part" in str(a) else real(a, b))
    with pytest.raises(OSError, match="No space left"):
        stream.commit()
    stream.discard()
    assert_identical(read_runs(target), written)
    assert len(parquet_files(target)) == 8 and [p.name for p in tmp_path.iterdir()] == ["runs.parquet"]


def test_files_left_by_an_interrupted_process_are_removed_by_the_next_stream(tmp_path, written):
    target = tmp_path / "runs.parquet"
    stream = _stream(target, file_column_chunks=1)  # never committed nor discarded: as if killed
    assert (tmp_path / ".runs.parquet.part").is_dir() and stream.files == 8
    (tmp_path / ".runs.parquet.old").write_text("left between moving aside and removing")
    _stream(target).commit()
    assert_identical(read_runs(target), written)
    assert [p.name for p in tmp_path.iterdir()] == ["runs.parquet"]


def test_columns_of_nested_types_are_counted_as_parquet_stores_them():
    assert parquet_columns(pa.float64()) == 1
    assert parquet_columns(pa.list_(pa.string())) == 1
    assert parquet_columns(pa.list_(pa.float64(), 500)) == 1
    assert parquet_columns(pa.struct([("a", pa.int64()), ("b", pa.list_(pa.struct([("c", pa.int8()),
                                                                                   ("d", pa.int8())])))])) == 3
    assert parquet_columns(pa.map_(pa.string(), pa.struct([("x", pa.int64()), ("y", pa.int64())]))) == 3
    schema = stored_schema(runs_schema(VILNIUS))
    with pq.ParquetWriter(pa.BufferOutputStream(), schema) as writer:
        assert sum(parquet_columns(f.type) for f in schema) == len(writer.schema) == 27  # the writer's own count


def test_reading_no_column_gives_the_rows_and_the_metadata_in_either_form(tmp_path):
    _stream(tmp_path / "one.parquet").commit()
    _stream(tmp_path / "many.parquet", file_column_chunks=1).commit()
    one, many = (read_runs(tmp_path / name, columns=[]) for name in ("one.parquet", "many.parquet"))
    assert one.num_rows == many.num_rows == HELD.runs and one.schema.equals(many.schema, check_metadata=True)
    assert one.schema.metadata[b"negsim.columns"]


def test_negsim_report_names_a_damaged_folder_and_exits_2(tmp_path, monkeypatch, capsys):
    import sim.runner

    monkeypatch.setattr(sim.runner, "ENSEMBLE_BATCH", 100)
    monkeypatch.setattr(sim.results.stream, "FILE_COLUMN_CHUNKS", 1)
    monkeypatch.setattr(sim.results.stream, "ROW_GROUP_BYTES", 1)
    out = tmp_path / "out"
    assert main(["run", str(VILNIUS_FILE), "--runs", "300", "--seed", "8", "--out", str(out), "--quiet"]) == 0
    (out / "runs.parquet" / PART_NAME.format(index=0)).unlink()
    capsys.readouterr()
    assert main(["report", str(out)]) == 2
    error = capsys.readouterr().err
    assert "runs.parquet: a folder of 0 part files" not in error and "first missing: part-000000.parquet" in error
    assert str(out / "runs.parquet") in error and "Traceback" not in error


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
