"""Design size: sized before it starts, refused with the figure when it cannot fit, streamed when it can."""

from __future__ import annotations

import json
import time

import numpy as np
import pyarrow.parquet as pq
import pytest

import sim.sweeps.estimate as estimate_module
from sim.cli import main
from sim.errors import InputError
from sim.experiment.load import load_experiment
from sim.sweeps import limits, sweep
from sim.sweeps.runner import _task
from sim.sweeps.task import Chunk
from tests.sweeps.conftest import VILNIUS, experiment_text


def one_point(replicates: int, chunk_size: int) -> str:
    return f'''
name = "huge"
scenario = "{VILNIUS}"
seed = 3
replicates = {replicates}
chunk_size = {chunk_size}
design = {{ kind = "grid" }}

[[levers]]
path = "actors.poland.flexibility"
values = [0.3]
'''


def write(tmp_path, text: str):
    path = tmp_path / "experiment.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("design, expected", [
    ('design = { kind = "sobol", samples = 9223372036854775808 }', "a 'sobol' design has at most 1,073,741,824"),
    ('design = { kind = "sobol", samples = 100000000 }', "require n to be a power of 2"),
    ('design = { kind = "random", samples = 9223372036854775807 }', "a 'random' design has at most"),
    ('design = { kind = "lhs", samples = 100000000 }', "'lhs' design is built whole in memory: 100,000,000 points"),
    ('design = { kind = "sobol_sensitivity", samples = 1099511627776 }', "more than its limit of 2,000,000 points"),
    ('design = { kind = "morris", samples = 100000000 }', "300,000,000 points x 2 parameters"),
])
def test_an_oversized_sample_is_refused_at_once_with_its_figure(tmp_path, design, expected):
    started = time.monotonic()
    with pytest.raises(InputError, match="design: ") as caught:
        load_experiment(write(tmp_path, experiment_text(design=design)))
    assert expected in str(caught.value)
    assert time.monotonic() - started < 5


def test_a_million_grid_levels_stream_and_too_many_are_refused(tmp_path):
    text = experiment_text(design='design = { kind = "grid" }').replace(
        'range = [0.0, 0.6]', 'range = [0.0, 0.6]\nlevels = 1000000')
    experiment = load_experiment(write(tmp_path, text))  # 7 million points, never built whole
    assert experiment.points.count == 7_000_000 and experiment.points.streamed
    block = experiment.points.block(3_500_000, 3_500_003)
    assert block[:, 0] == pytest.approx([0.3] * 3, abs=1e-6)
    with pytest.raises(InputError, match="grid levels; at most 1,000,000"):
        load_experiment(write(tmp_path, text.replace("levels = 1000000", "levels = 1000001")))
    with pytest.raises(InputError, match=r"make 70,000 chunks|is more than a sweep may hold|at most 100,000"):
        sweep(write(tmp_path, text.replace("replicates = 5", "replicates = 1000")), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_billion_replicates_with_small_chunks_is_refused_before_anything_is_written(tmp_path, capsys):
    path = write(tmp_path, one_point(10**9, 500))
    started = time.monotonic()
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial", "--quiet"]) == 2
    assert time.monotonic() - started < 10
    err = capsys.readouterr().err
    assert "1,000,000,000 runs in chunks of 500 make 2,000,000 chunks" in err
    assert "set chunk_size to at least 10,000" in err and err.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_a_chunk_too_large_for_memory_is_refused_with_the_figure(tmp_path, capsys):
    path = write(tmp_path, one_point(10**9, 10**9))
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial", "--quiet"]) == 2
    captured = capsys.readouterr()
    assert captured.out.startswith("estimate: 1,000,000,000 runs (1 design points x 1,000,000,000 replicates)")
    assert "a chunk of 1,000,000,000 runs takes about" in captured.err and "set chunk_size to at most" in captured.err


def test_results_too_large_for_the_disk_are_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(estimate_module, "free_bytes", lambda out: 5000)
    path = write(tmp_path, experiment_text())
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "the parts alone need about" in err and "and only 5 kB is free there" in err and err.count("\n") == 1
    previous = tmp_path / "previous"
    monkeypatch.undo()
    sweep(path, previous)
    monkeypatch.setattr(estimate_module, "free_bytes", lambda out: 5000)
    assert main(["sweep", str(path), "--out", str(previous), "--overwrite", "--executor", "serial", "--quiet"]) == 2
    assert (previous / "runs.parquet").exists(), "a refused --overwrite deletes nothing"
    assert not (tmp_path / "out").exists()


def test_a_billion_run_sweep_streams_with_a_compact_manifest(tmp_path, monkeypatch):
    """10^9 runs in 100,000 chunks: it starts at once, each task holds its own points only, and the
    manifest records the plan in three numbers and the finished parts, not a billion entries."""
    monkeypatch.setattr(estimate_module, "free_bytes", lambda out: None)
    experiment = load_experiment(write(tmp_path, one_point(10**9, 10**4)))
    seen = []

    def stop(index: int) -> None:
        raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        sweep(experiment, tmp_path / "out", on_part=stop, on_estimate=seen.append)
    assert time.monotonic() - started < 30
    assert seen[0].runs == 10**9 and seen[0].chunks == limits.MAX_CHUNKS
    assert seen[0].lines()[0] == ("estimate: 1,000,000,000 runs (1 design points x 1,000,000,000 replicates) in "
                                  "100,000 chunks of 10,000")
    manifest_path = tmp_path / "out" / "manifest.json"
    assert manifest_path.stat().st_size < 100_000  # the scenario's data, the plan, one checksum
    manifest = json.loads(manifest_path.read_text())
    assert manifest["status"] == "interrupted" and len(manifest["done"]) == 1
    assert manifest["plan"] == {"total_runs": 10**9, "chunk_size": 10**4, "chunks": 100_000,
                                "files": "parts/part-{index:06d}.parquet"}


def test_each_task_holds_only_its_own_points(tmp_path):
    experiment = load_experiment(write(tmp_path, experiment_text(
        design='design = { kind = "sobol", samples = 1048576 }', replicates=3, chunk_size=10)))
    task = _task(experiment, Chunk(1000, 10_000, 10), "ensemble")
    assert task.first_point == 3333 and task.values.shape == (4, 2)
    assert np.array_equal(task.values, experiment.points.block(3333, 3337))


@pytest.mark.parametrize("design", ['design = { kind = "grid" }', 'design = { kind = "random", samples = 37 }',
                                    'design = { kind = "sobol", samples = 32 }'])
def test_streamed_blocks_are_the_whole_design(tmp_path, design):
    points = load_experiment(write(tmp_path, experiment_text(design=design))).points
    whole = points.block(0, points.count)
    assert np.array_equal(np.vstack([points.block(i, min(i + 5, points.count)) for i in range(0, points.count, 5)]),
                          whole)


def test_points_table_is_written_in_blocks_and_capped(tmp_path, monkeypatch):
    path = write(tmp_path, experiment_text(design='design = { kind = "random", samples = 13 }', replicates=1))
    monkeypatch.setattr(limits, "POINTS_BLOCK", 4)
    sweep(path, tmp_path / "blocks")
    table = pq.read_table(tmp_path / "blocks" / "points.parquet")
    assert table.column("point").to_pylist() == list(range(13))
    assert np.array_equal(np.column_stack([table.column(i).to_numpy() for i in (1, 2)]),
                          load_experiment(path).points.values)
    monkeypatch.setattr(limits, "MAX_POINTS_TABLE", 12)
    sweep(path, tmp_path / "capped")
    assert not (tmp_path / "capped" / "points.parquet").exists()
    assert json.loads((tmp_path / "capped" / "manifest.json").read_text())["design"]["points_file"] is None


@pytest.mark.parametrize("name", ["../../x", "/tmp/x", "a/b", "a\\b", "..", ".hidden", ""])
def test_a_name_is_a_name_never_a_path(tmp_path, name):
    text = experiment_text().replace('name = "small"', f'name = {json.dumps(name)}')
    with pytest.raises(InputError, match="name: .*must be a plain name|name: "):
        load_experiment(write(tmp_path, text))


def test_a_seed_beyond_64_bits_sweeps_and_a_negative_one_is_refused(tmp_path):
    path = write(tmp_path, experiment_text().replace("seed = 3", f"seed = {2**64 + 5}"))
    table = sweep(path, tmp_path / "out").table()
    assert table.num_rows == 30 and set(table.column("seed").to_pylist()) == {str(2**64 + 5)}
    with pytest.raises(InputError, match="seed: a seed must be a whole number >= 0"):
        load_experiment(write(tmp_path, experiment_text().replace("seed = 3", "seed = -1")))
