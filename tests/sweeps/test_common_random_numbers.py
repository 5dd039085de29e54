"""Common random numbers across a sweep's design points: an inert lever changes no row, has a total
Sobol' index of zero, and the variance of its outcomes is all within points (replicate noise)."""

from __future__ import annotations

import json

import pytest
import tomli_w

from sim.experiment.load import experiment_from_dict
from sim.results.output import dumps
from sim.seeding import run_seed
from sim.sweeps import sweep
from sim.sweeps.sensitivity import sensitivity_warnings
from tests.conftest import actor, scenario_data

OUTCOMES = ("replicate", "seed", "run_seed", "agreed", "rounds", "talks.agreed", "statement.d")


@pytest.fixture
def scenario_dir(tmp_path):
    """Two allies in a bloc and a loner in none (so the loner's flexibility cannot matter), logistic
    acceptance (so every run draws from its generator) and no declared uncertainty (so replicates
    differ by the run generator alone)."""
    data = scenario_data([
        actor("hawk", {"d": 80}, capability=2.0, tactic=0.5, reservation_utility=0.5, flexibility=0.3, bloc="b"),
        actor("dove", {"d": 20}, capability=1.0, tactic=2.0, reservation_utility=0.4, flexibility=0.3, bloc="b"),
        actor("loner", {"d": 60}, capability=1.0, tactic=1.0, reservation_utility=0.45, flexibility=0.2),
    ], deadline=8, acceptance={"rule": "logistic", "temperature": 0.05})
    (tmp_path / "s.toml").write_text(tomli_w.dumps(data))
    return tmp_path


def experiment(folder, design, levers, replicates):
    return experiment_from_dict({"name": "crn", "scenario": "s.toml", "seed": 5, "replicates": replicates,
                                 "design": design, "levers": levers}, base_dir=folder)


def test_an_inert_lever_leaves_every_row_identical_across_design_points(scenario_dir):
    inert = experiment(scenario_dir, {"kind": "grid"},
                       [{"path": "actors.loner.flexibility", "values": [0.0, 0.3, 0.9]}], replicates=8)
    result = sweep(inert, scenario_dir / "out")
    rows = result.table().to_pylist()
    by_point = [[{k: row[k] for k in OUTCOMES} for row in rows if row["point"] == p] for p in range(3)]
    assert dumps(by_point[0]) == dumps(by_point[1]) == dumps(by_point[2])
    # the run generator is exercised: with no declared uncertainty, replicates differ by it alone
    assert len({(row["rounds"], row["statement.d"]) for row in by_point[0]}) > 1
    assert [row["run_seed"] for row in by_point[0]] == [run_seed(5, r) for r in range(8)]
    # so all of the variance is replicate noise, and the sweep says so
    statement = result.variance["statement.d"]
    assert statement["within"] > 0 and statement["between"] == pytest.approx(0, abs=1e-12)
    assert statement["within_share"] == pytest.approx(1)
    assert any(w.startswith("statement.d: replicate noise dominates") for w in result.warnings)


def test_an_inert_lever_has_a_total_sobol_index_near_zero(scenario_dir):
    design = {"kind": "sobol_sensitivity", "samples": 16, "second_order": False}
    levers = [{"path": "actors.loner.flexibility", "range": [0.0, 0.9]},
              {"path": "actors.hawk.reservation_utility", "range": [0.3, 0.7]},
              {"path": "actors.dove.position.d", "range": [10, 50]}]
    result = sweep(experiment(scenario_dir, design, levers, replicates=4), scenario_dir / "out")
    written = json.loads((scenario_dir / "out" / "sensitivity.json").read_text())
    assert written == json.loads(dumps(result.sensitivity))
    indices = written["metrics"]["statement.d"]
    assert indices["actors.loner.flexibility"]["ST"] < 0.05
    assert indices["actors.dove.position.d"]["ST"] > 0.5
    assert set(written["variance"]) == {"agreement", "statement.d"}
    assert written["variance"]["statement.d"]["within"] < written["variance"]["statement.d"]["between"]
    assert written["warnings"] == result.warnings


def test_warnings_for_noise_and_for_indices_outside_0_1():
    variance = {"agreement": {"runs": 10, "within": 0.2, "between": 0.1, "within_share": 2 / 3},
                "statement.d": {"runs": 10, "within": 1.0, "between": 9.0, "within_share": 0.1},
                "statement.e": {"runs": 0, "within": None, "between": None, "within_share": None}}
    metrics = {"statement.d": {"a": {"S1": -0.3, "S1_conf": 0.1, "ST": 1.28, "ST_conf": 0.5},
                               "b": {"S1": -0.05, "S1_conf": 0.1, "ST": 1.3, "ST_conf": 0.2}}}
    found = sensitivity_warnings(variance, metrics)
    assert found[0].startswith("agreement: replicate noise dominates (67% of its variance")
    assert [w.split(" is ")[0] for w in found[1:]] == ["statement.d: S1 of a", "statement.d: ST of b"]


def test_negsim_sweep_prints_the_variance_decomposition(scenario_dir, capsys):
    from sim.cli import main

    (scenario_dir / "e.toml").write_text(tomli_w.dumps({
        "name": "crn", "scenario": "s.toml", "seed": 5, "replicates": 8, "design": {"kind": "grid"},
        "levers": [{"path": "actors.loner.flexibility", "values": [0.0, 0.9]}]}))
    assert main(["sweep", str(scenario_dir / "e.toml"), "--out", str(scenario_dir / "out"),
                 "--executor", "serial", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "within design points (replicate noise) and between them" in printed
    assert "warning: statement.d: replicate noise dominates (100% of its variance" in printed


def test_a_sweep_seeded_by_point_cannot_be_resumed(scenario_dir):
    from sim.errors import InputError

    inert = experiment(scenario_dir, {"kind": "grid"}, [{"path": "actors.loner.flexibility", "values": [0.0, 0.9]}],
                       replicates=2)
    out = scenario_dir / "out"
    sweep(inert, out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seeding"].startswith("common random numbers")
    del manifest["seeding"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="before common random numbers"):
        sweep(inert, out, resume=True)
