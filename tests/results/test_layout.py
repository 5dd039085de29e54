"""The stored layout of a runs table: per-actor columns gathered into list columns, and back, exactly."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings, strategies as st

from sim.cli import main
from sim.results.arrow import numeric, to_numpy
from sim.results.layout import (COLUMNS_KEY, MEMBERS_KEY, from_stored, group_of, parquet_options, read_runs,
                                stored_schema, to_stored)
from sim.runner import monte_carlo
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS


def assert_identical(a: pa.Table, b: pa.Table) -> None:
    """Same schema (metadata included), same nulls, and the same bits in every float (NaN included)."""
    assert a.schema.equals(b.schema, check_metadata=True), (a.schema, b.schema)
    for name in a.column_names:
        x, y = a.column(name), b.column(name)
        assert to_numpy(x.is_null()).tolist() == to_numpy(y.is_null()).tolist(), name
        if x.type == pa.float64():
            assert np.array_equal(to_numpy(x).view(np.int64), to_numpy(y).view(np.int64)), name
        else:
            assert x.to_pylist() == y.to_pylist(), name


def test_group_of_names_the_list_column_and_the_member():
    assert group_of("utility.consensus.usa") == ("utility.consensus", "usa")
    assert group_of("concession.umbrella.uk") == ("concession.umbrella", "uk")
    assert group_of("pledge.germany.aid_level") == ("pledge.aid_level", "germany")
    for other in ("statement.aid_level", "utility.consensus", "consensus.agreed", "param.actors.usa.x", "agreed"):
        assert group_of(other) is None


def test_an_exact_small_table():
    wide = pa.table({
        "run_id": pa.array([0, 1], pa.int64()),
        "utility.t.a": pa.array([0.5, None], pa.float64()),
        "statement.d": pa.array([1.0, 2.0]),
        "utility.t.b": pa.array([float("nan"), 0.25]),
        "pledge.a.d": pa.array([3.0, 4.0]),
        "pledge.b.d": pa.array([5.0, None], pa.float64()),
    })
    stored = to_stored(wide)
    assert stored.column_names == ["run_id", "utility.t", "statement.d", "pledge.d"]
    assert stored.schema.field("utility.t").metadata == {MEMBERS_KEY: b"a,b"}
    assert stored.schema.field("pledge.d").metadata == {MEMBERS_KEY: b"a,b"}
    assert stored.column("pledge.d").to_pylist() == [[3.0, 5.0], [4.0, None]]
    first, second = stored.column("utility.t").to_pylist()
    assert first[0] == 0.5 and np.isnan(first[1]) and second == [None, 0.25]
    assert json.loads(stored.schema.metadata[COLUMNS_KEY]) == wide.column_names
    assert_identical(from_stored(stored), wide)


def test_a_name_a_list_column_would_take_stays_wide():
    wide = pa.table({"utility.t": pa.array([1.0]), "utility.t.a": pa.array([2.0]), "concession.t.a": pa.array([3.0])})
    stored = to_stored(wide)
    assert stored.column_names == ["utility.t", "utility.t.a", "concession.t"]
    assert_identical(from_stored(stored), wide)


def test_a_table_without_per_actor_columns_is_stored_as_it_is():
    table = pa.table({"run_id": pa.array([1, 2]), "agreed": pa.array([True, False])})
    assert to_stored(table) is table and from_stored(table) is table


@settings(max_examples=60, deadline=None)
@given(rows=st.integers(0, 12), actors=st.integers(1, 6), dims=st.integers(0, 3), seed=st.integers(0, 2**32 - 1),
       null_share=st.sampled_from([0.0, 0.3, 1.0]))
def test_storing_and_restoring_any_runs_table_gives_it_back_exactly(rows, actors, dims, seed, null_share):
    rng = np.random.default_rng(seed)
    columns: dict[str, pa.Array] = {"run_id": numeric(np.arange(rows), pa.int64())}

    def values() -> pa.Array:
        data = rng.normal(size=rows)
        data[rng.random(rows) < 0.2] = np.nan
        return numeric(data, pa.float64(), mask=rng.random(rows) < null_share)

    for kind in ("utility", "concession"):
        for track in ("t1", "t2"):
            for a in rng.permutation(actors):
                columns[f"{kind}.{track}.a{a}"] = values()
    columns["statement.d0"] = values()
    for a in range(actors):
        for d in range(dims):
            columns[f"pledge.a{a}.d{d}"] = values()
    wide = pa.table(columns)
    stored = to_stored(wide)
    assert stored.num_columns == 2 + 4 + dims
    assert_identical(from_stored(stored), wide)


@pytest.fixture(scope="module")
def vilnius_tables():
    scenario = load_scenario(SCENARIOS / "vilnius_2023.toml")
    return {engine: monte_carlo(scenario, 12, seed=3, engine=engine).table for engine in ("ensemble", "mesa")}


@pytest.mark.parametrize("engine", ["ensemble", "mesa"])
def test_a_runs_file_reads_back_as_the_runs_table_in_either_layout(vilnius_tables, engine, tmp_path):
    table = vilnius_tables[engine]
    stored = to_stored(table)
    pq.write_table(stored, tmp_path / "stored.parquet", **parquet_options(stored.schema))
    pq.write_table(table, tmp_path / "wide.parquet")  # the layout of files written before (format 1)
    expected = pq.read_table(tmp_path / "wide.parquet")  # (Parquet names a list's item "element")
    for name in ("stored", "wide"):
        assert_identical(read_runs(tmp_path / f"{name}.parquet"), expected)
        some = ["pledge.uk.aid_level", "agreed", "utility.umbrella.usa", "concession.consensus.ukraine"]
        assert_identical(read_runs(tmp_path / f"{name}.parquet", some), expected.select(some))
    assert stored_schema(table.schema).equals(stored.schema, check_metadata=True)
    assert stored.num_columns == 27 and table.num_columns == 74


def test_the_gathered_numbers_are_not_dictionary_encoded(vilnius_tables, tmp_path):
    stored = to_stored(vilnius_tables["ensemble"])
    pq.write_table(stored, tmp_path / "runs.parquet", **parquet_options(stored.schema))
    row_group = pq.ParquetFile(tmp_path / "runs.parquet").metadata.row_group(0)
    encodings = {row_group.column(i).path_in_schema: row_group.column(i).encodings
                 for i in range(row_group.num_columns)}
    assert "RLE_DICTIONARY" not in encodings["utility.consensus.list.element"]
    assert "RLE_DICTIONARY" in encodings["seed"] and "RLE_DICTIONARY" in encodings["consensus.blockers.list.element"]


def test_a_format_1_results_folder_still_loads(tmp_path):
    """A folder written before the stored layout (wide columns, format negsim-run/1) plots as before."""
    from sim.analysis.results import load_results

    out = tmp_path / "mc"
    assert main(["run", str(SCENARIOS / "vilnius_2023.toml"), "--runs", "20", "--seed", "5", "--out", str(out),
                 "--quiet"]) == 0
    current = load_results(out).table()
    wide = read_runs(out / "runs.parquet")
    pq.write_table(wide, out / "runs.parquet")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "negsim-run/3"
    (out / "manifest.json").write_text(json.dumps(manifest | {"format": "negsim-run/1"}))
    old = load_results(out)
    assert old.table().equals(current)
    assert old.table(["utility.consensus.usa"]).equals(current[["utility.consensus.usa"]])


def test_reading_no_column_gives_the_rows(vilnius_tables, tmp_path):
    stored = to_stored(vilnius_tables["ensemble"])
    pq.write_table(stored, tmp_path / "runs.parquet")
    assert read_runs(tmp_path / "runs.parquet", []).num_rows == 12 == pq.read_table(tmp_path / "runs.parquet",
                                                                                  columns=[]).num_rows
