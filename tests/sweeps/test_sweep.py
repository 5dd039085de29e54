"""Sweeps: every run once, re-creatable alone, the same on every executor and engine, resumable."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pyarrow.parquet as pq
import pytest

from sim.errors import InputError
from sim.experiment.load import load_experiment
from sim.results.layout import read_runs
from sim.results.output import dumps
from sim.results.records import table_from_records
from sim.runner import run
from sim.sweeps import sweep
from sim.sweeps.executors import executor_for
from tests.conftest import ROOT
from tests.sweeps.conftest import experiment_text


def rows(path):
    return read_runs(path).to_pylist()


def test_every_run_once_with_its_coordinates(small_experiment, tmp_path):
    experiment = load_experiment(small_experiment)
    result = sweep(experiment, tmp_path / "out")
    table = result.table()
    assert table.num_rows == experiment.total_runs == 30
    assert table.column("run_id").to_pylist() == list(range(30))
    assert table.column("point").to_pylist() == [i // 5 for i in range(30)]
    assert table.column("replicate").to_pylist() == [i % 5 for i in range(30)]
    assert table.column_names[:7] == ["run_id", "point", "replicate", "seed", "run_seed",
                                      "param.actors.poland.flexibility", "param.tracks.consensus.deadline"]
    points = pq.read_table(tmp_path / "out" / "points.parquet").to_pandas()
    frame = table.to_pandas()
    merged = frame.merge(points, on="point", suffixes=("", "_design"))
    assert (merged["param.actors.poland.flexibility"] == merged["param.actors.poland.flexibility_design"]).all()
    assert sorted(p.name for p in (tmp_path / "out" / "parts").iterdir()) == [f"part-{i:06d}.parquet" for i in range(5)]
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["total_runs"] == 30
    assert manifest["scenario"]["digest"] == experiment.scenario.digest
    assert manifest["plan"] == {"total_runs": 30, "chunk_size": 7, "chunks": 5, "files": "parts/part-{index:06d}.parquet"}
    assert sorted(manifest["done"]) == [str(i) for i in range(5)] and "chunks" not in manifest
    assert "actors.poland.flexibility" in manifest["experiment"]["text"]


def test_any_row_can_be_recreated_alone(small_experiment, tmp_path):
    experiment = load_experiment(small_experiment)
    table = sweep(experiment, tmp_path / "out").table().to_pylist()
    for row in (table[0], table[13], table[29]):
        scenario = experiment.point_scenario(row["point"])
        model = run(scenario, seed=row["seed"], replicate=row["replicate"], point=row["point"], collect=False)
        alone = table_from_records([model.outcome(run_id=row["run_id"]).to_record()], scenario).to_pylist()[0]
        assert dumps({k: v for k, v in row.items() if not k.startswith(("param.", "point"))}) == dumps(alone)


def test_engines_and_executors_give_the_same_table(small_experiment, tmp_path):
    reference = rows(sweep(small_experiment, tmp_path / "serial").runs_path)
    assert dumps(rows(sweep(small_experiment, tmp_path / "mesa", engine="mesa").runs_path)) == dumps(reference)
    with ThreadPoolExecutor(2) as threads:
        assert dumps(rows(sweep(small_experiment, tmp_path / "threads", executor=threads, workers=2).runs_path)) \
            == dumps(reference)
    with executor_for("processes", 2) as (pool, slots):
        assert dumps(rows(sweep(small_experiment, tmp_path / "processes", executor=pool, workers=slots).runs_path)) \
            == dumps(reference)


def test_a_non_empty_folder_needs_resume_or_overwrite(small_experiment, tmp_path):
    out = tmp_path / "out"
    sweep(small_experiment, out)
    with pytest.raises(InputError, match="is not empty; use --resume"):
        sweep(small_experiment, out)
    result = sweep(small_experiment, out, overwrite=True)
    assert result.chunks_run == 5
    again = sweep(small_experiment, out, resume=True)
    assert again.chunks_run == 0 and again.table().num_rows == 30


def test_resume_refuses_a_changed_experiment(small_experiment, tmp_path):
    out = tmp_path / "out"
    sweep(small_experiment, out)
    small_experiment.write_text(small_experiment.read_text().replace("seed = 3", "seed = 4"))
    with pytest.raises(InputError, match="changed since this sweep started"):
        sweep(small_experiment, out, resume=True)


def test_a_sweep_of_the_earlier_format_is_read_but_not_resumed(small_experiment, tmp_path):
    """Format 1 parts have a column per actor: they are not mixed with stored ones, but the table reads."""
    from sim.analysis.results import load_results

    out = tmp_path / "out"
    table = sweep(small_experiment, out).table()
    wide = read_runs(out / "runs.parquet")
    pq.write_table(wide, out / "runs.parquet")
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps(manifest | {"format": "negsim-sweep/1"}))
    with pytest.raises(InputError, match="negsim-sweep/1, written by an earlier negsim.*use --overwrite"):
        sweep(small_experiment, out, resume=True)
    assert load_results(out).kind == "sweep"
    assert dumps(read_runs(out / "runs.parquet").to_pylist()) == dumps(table.to_pylist())


def test_a_large_sweep_table_is_a_folder_of_files_read_as_one(small_experiment, tmp_path, monkeypatch):
    """Past a file's bound the consolidated runs.parquet is a folder of parts in run order: the sweep's
    table, its results and a resumed format-2 sweep read it as the one file."""
    import sim.results.stream
    import sim.sweeps.runner
    from sim.analysis.results import load_results
    from sim.results.stream import parquet_files

    reference = dumps(rows(sweep(small_experiment, tmp_path / "one").runs_path))
    monkeypatch.setattr(sim.sweeps.runner, "ROW_GROUP_BYTES", 1)  # a row group a part
    monkeypatch.setattr(sim.results.stream, "FILE_COLUMN_CHUNKS", 1)  # a file a row group
    out = tmp_path / "out"
    result = sweep(small_experiment, out)
    assert result.runs_path.is_dir() and len(parquet_files(result.runs_path)) == 5
    assert dumps(result.table().to_pylist()) == reference
    assert load_results(out).table().equals(load_results(tmp_path / "one").table())
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format"] == "negsim-sweep/3"
    (out / "manifest.json").write_text(json.dumps(manifest | {"format": "negsim-sweep/2"}))  # same parts
    (out / "parts" / "part-000002.parquet").unlink()
    assert sweep(small_experiment, out, resume=True).chunks_run == 1
    assert dumps(rows(out / "runs.parquet")) == reference


def test_resume_after_parts_went_missing_gives_the_same_table(small_experiment, tmp_path):
    out = tmp_path / "out"
    reference = dumps(rows(sweep(small_experiment, out).runs_path))
    for name in ("part-000001.parquet", "part-000003.parquet"):
        (out / "parts" / name).unlink()
    (out / "runs.parquet").unlink()
    result = sweep(small_experiment, out, resume=True)
    assert result.chunks_run == 2
    assert dumps(rows(result.runs_path)) == reference


def test_trajectories_on_request(tmp_path):
    path = tmp_path / "traj.toml"
    path.write_text(experiment_text(extra="outputs = { trajectories = true }"))
    result = sweep(path, tmp_path / "out")
    trajectories = pq.read_table(tmp_path / "out" / "trajectories").to_pandas()
    last_round = trajectories.groupby("run_id")["round"].max()
    assert last_round.to_dict() == result.table().to_pandas().set_index("run_id")["rounds"].to_dict()
    assert "draft.membership_timing" in trajectories.columns


@pytest.mark.parametrize("design, keys", [
    ('design = { kind = "sobol_sensitivity", samples = 8 }', {"S1", "S1_conf", "ST", "ST_conf"}),
    ('design = { kind = "morris", samples = 6 }', {"mu", "mu_star", "sigma", "mu_star_conf"}),
])
def test_sensitivity_designs_write_indices(tmp_path, design, keys):
    path = tmp_path / "sens.toml"
    path.write_text(experiment_text(design=design, replicates=2, chunk_size=40))
    result = sweep(path, tmp_path / "out")
    written = json.loads((tmp_path / "out" / "sensitivity.json").read_text())
    assert written == json.loads(dumps(result.sensitivity))
    assert written["metrics"], written
    for metric in written["metrics"].values():
        assert set(metric) == {"actors.poland.flexibility", "tracks.consensus.deadline"}
        for values in metric.values():
            assert set(values) == keys


def test_a_sweep_row_can_be_recreated_with_negsim_run(small_experiment, tmp_path):
    table = sweep(small_experiment, tmp_path / "out").table().to_pylist()
    row = table[17]
    command = [sys.executable, "-m", "sim", "run", str(load_experiment(small_experiment).scenario_path),
               "--set", f"actors.poland.flexibility={row['param.actors.poland.flexibility']!r}",
               "--set", f"tracks.consensus.deadline={row['param.tracks.consensus.deadline']!r}",
               "--seed", str(row["seed"]), "--replicate", str(row["replicate"]),
               "--json"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    alone = json.loads(done.stdout)
    assert alone["run_seed"] == row["run_seed"]
    consensus = alone["tracks"][0]
    assert consensus["agreed"] == row["consensus.agreed"]
    if row["consensus.agreed"]:
        assert consensus["statement"]["membership_timing"] == row["statement.membership_timing"]
    else:
        assert consensus["statement"]["membership_timing"] is None


def test_trajectories_are_the_same_from_either_engine(tmp_path):
    path = tmp_path / "traj.toml"
    path.write_text(experiment_text(extra="outputs = { trajectories = true }", replicates=3))
    sweep(path, tmp_path / "ensemble")
    sweep(path, tmp_path / "mesa", engine="mesa")
    ensemble = pq.read_table(tmp_path / "ensemble" / "trajectories")
    mesa = pq.read_table(tmp_path / "mesa" / "trajectories")
    assert ensemble.schema.equals(mesa.schema)
    assert dumps(ensemble.to_pylist()) == dumps(mesa.to_pylist())


def test_an_experiment_s_uncertainties_are_drawn_and_a_row_recreated_from_the_experiment(tmp_path):
    from sim.cli import main

    path = tmp_path / "uncertain.toml"
    path.write_text(experiment_text(replicates=3, extra='[[uncertainties]]\n'
                                    'path = "actors.germany.position.membership_timing"\n'
                                    'distribution = { kind = "uniform", low = 20, high = 60 }\n'
                                    'note = "Berlin between a date and no date"\n'))
    table = sweep(load_experiment(path), tmp_path / "out").table().to_pylist()
    row = table[7]
    assert main(["run", str(path), "--point", str(row["point"]), "--replicate", str(row["replicate"]),
                 "--out", str(tmp_path / "one")]) == 0
    alone = rows(tmp_path / "one" / "runs.parquet")[0]
    keep = [k for k in alone if k != "run_id"]
    assert dumps({k: row[k] for k in keep}) == dumps({k: alone[k] for k in keep})
    assert main(["run", str(path), "--replicate", "1"]) == 2  # an experiment needs --point too


class RecordingExecutor(ThreadPoolExecutor):
    """Runs tasks on a thread and notes which functions it was given, in order."""

    def __init__(self):
        super().__init__(max_workers=1)
        self.functions: list[str] = []

    def submit(self, fn, /, *args, **kwargs):
        self.functions.append(fn.__name__)
        return super().submit(fn, *args, **kwargs)


def test_the_estimate_is_timed_on_the_executor_and_the_workers_released_before_gathering(small_experiment,
                                                                                         tmp_path):
    """The calibration runs go to the executor (a worker loads the kernels, not the sweep's own process),
    and ``on_runs_done`` comes once, after every part is written and before runs.parquet."""
    out = tmp_path / "out"
    seen: list[tuple[int, bool]] = []
    with RecordingExecutor() as executor:
        result = sweep(load_experiment(small_experiment), out, executor=executor,
                       on_runs_done=lambda: seen.append((len(list((out / "parts").glob("part-*.parquet"))),
                                                         (out / "runs.parquet").exists())))
    assert executor.functions == ["calibrate"] + ["run_chunk"] * result.chunks  # one task times the first runs
    assert seen == [(result.chunks, False)]
    assert result.estimate.seconds > 0
