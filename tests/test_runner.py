"""Monte Carlo: reproducible by seed, re-creatable run by run, summarised honestly."""

from __future__ import annotations

import numpy as np
import pytest

from sim.results.output import dumps
from sim.results.records import table_from_records
from sim.results.summary import agreement_interval, summarise
from sim.runner import monte_carlo, run
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS


@pytest.fixture(scope="module")
def vilnius():
    return load_scenario(SCENARIOS / "vilnius_2023.toml")


def test_same_seed_same_runs_and_different_seed_different_runs(vilnius):
    first = monte_carlo(vilnius, 20, seed=4).records()
    again = monte_carlo(vilnius, 20, seed=4).records()
    other = monte_carlo(vilnius, 20, seed=5).records()
    assert [r["run_seed"] for r in first] == [r["run_seed"] for r in again]
    assert [r["statement.membership_timing"] for r in first] == [r["statement.membership_timing"] for r in again]
    assert [r["statement.membership_timing"] for r in first] != [r["statement.membership_timing"] for r in other]


def test_any_replicate_can_be_recreated_alone(vilnius):
    mc = monte_carlo(vilnius, 8, seed=21)
    alone = run(vilnius, seed=21, replicate=6, collect=False).outcome(run_id=6)
    assert dumps(table_from_records([alone.to_record()], vilnius).to_pylist()) == dumps(mc.records()[6:7])


def test_replicates_do_not_depend_on_how_many_ran(vilnius):
    short = monte_carlo(vilnius, 3, seed=8).records()
    long = monte_carlo(vilnius, 10, seed=8).records()[:3]
    assert [r["run_seed"] for r in short] == [r["run_seed"] for r in long]
    assert dumps([r["statement.aid_level"] for r in short]) == dumps([r["statement.aid_level"] for r in long])


def test_monte_carlo_inputs_vary_but_single_runs_use_declared_inputs(vilnius):
    a = run(vilnius, seed=1).outcome().to_record()
    b = run(vilnius, seed=2).outcome().to_record()
    assert a["statement.membership_timing"] == b["statement.membership_timing"]  # deterministic scenario
    runs = monte_carlo(vilnius, 10, seed=1).records()
    assert len({r["statement.membership_timing"] for r in runs}) > 1


def test_summary_matches_the_runs(vilnius):
    mc = monte_carlo(vilnius, 40, seed=3)
    summary = summarise(vilnius, mc.table, mc.seed)
    records = mc.records()
    consensus = summary["tracks"][0]
    agreed = [r["consensus.agreed"] for r in records]
    assert consensus["agreement"]["probability"] == np.mean(agreed)
    low, high = consensus["agreement"]["ci95"]
    assert low <= np.mean(agreed) <= high
    timings = [r["statement.membership_timing"] for r in records if r["consensus.agreed"]]
    assert consensus["statement"]["membership_timing"]["q50"] == pytest.approx(np.median(timings))
    quantiles = [consensus["statement"]["membership_timing"][k] for k in ("q05", "q25", "q50", "q75", "q95")]
    assert quantiles == sorted(quantiles)
    for actor_id, share in consensus["blocking"].items():
        assert share == np.mean([actor_id in r["consensus.blockers"] for r in records])
    umbrella = summary["tracks"][1]
    assert umbrella["signing"]["usa"] == np.mean(["usa" in r["umbrella.signatories"] for r in records])


def test_wilson_interval_exact_value():
    low, high = agreement_interval(8, 10)
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(0.9433, abs=1e-4)
    assert agreement_interval(0, 5)[0] == 0.0


def test_runs_must_be_positive(vilnius):
    with pytest.raises(ValueError):
        monte_carlo(vilnius, 0)


def test_both_engines_give_the_same_table(vilnius):
    ensemble = monte_carlo(vilnius, 30, seed=12, engine="ensemble").table
    mesa = monte_carlo(vilnius, 30, seed=12, engine="mesa").table
    assert ensemble.schema.equals(mesa.schema)
    assert dumps(ensemble.to_pylist()) == dumps(mesa.to_pylist())


def test_unknown_engine(vilnius):
    with pytest.raises(ValueError):
        monte_carlo(vilnius, 3, engine="abacus")


def test_both_engines_give_the_same_trajectories(vilnius):
    ensemble = monte_carlo(vilnius, 6, seed=2, engine="ensemble", trajectories=True).trajectories
    mesa = monte_carlo(vilnius, 6, seed=2, engine="mesa", trajectories=True).trajectories
    assert ensemble.schema.equals(mesa.schema)
    assert dumps(ensemble.to_pylist()) == dumps(mesa.to_pylist())


def test_a_monte_carlo_too_big_for_memory_or_disk_is_refused_before_any_run(tmp_path, capsys, monkeypatch):
    from sim.cli import main
    from sim.limits import MAX_MONTE_CARLO_BYTES
    from sim.runner import check_monte_carlo_size, monte_carlo_bytes

    vilnius = load_scenario(SCENARIOS / "vilnius_2023.toml")
    per_run = monte_carlo_bytes(vilnius, 2) - monte_carlo_bytes(vilnius, 1)
    fits = (MAX_MONTE_CARLO_BYTES - monte_carlo_bytes(vilnius, 0)) // per_run
    assert check_monte_carlo_size(vilnius, fits) == []
    assert check_monte_carlo_size(vilnius, fits + 1)
    assert monte_carlo_bytes(vilnius, 10, trace=True) > monte_carlo_bytes(vilnius, 10, trajectories=True) > \
        monte_carlo_bytes(vilnius, 10)
    with pytest.raises(ValueError, match="GB of memory"):
        monte_carlo(vilnius, 10**9)
    out = tmp_path / "out"
    status = main(["run", str(SCENARIOS / "vilnius_2023.toml"), "--runs", str(10**9), "--out", str(out), "--trace"])
    err = capsys.readouterr().err  # held whole (with its trace): memory
    assert status == 2 and err.startswith("error: --runs: 1,000,000,000 runs with every run's trace would take about")
    assert not out.exists()
    import sim.results.output  # streamed: memory is bounded, but runs.parquet must fit on the disk

    monkeypatch.setattr(sim.results.output, "free_bytes", lambda path: 10**10)
    status = main(["run", str(SCENARIOS / "vilnius_2023.toml"), "--runs", str(10**9), "--out", str(out)])
    err = capsys.readouterr().err
    assert status == 2 and "1,000,000,000 runs would write about 571.0 GB to" in err, err
    assert "only 10.0 GB is free there (room for about 17,513,134 runs)" in err and not out.exists()


def test_the_runs_file_estimate_is_near_the_file_written_and_not_below_it(tmp_path):
    """runs_file_bytes, which gates --out on the free disk, against the size of a file actually written."""
    from sim.cli import main
    from sim.runner import runs_file_bytes

    vilnius = load_scenario(SCENARIOS / "vilnius_2023.toml")
    assert main(["run", str(SCENARIOS / "vilnius_2023.toml"), "--runs", "3000", "--out", str(tmp_path / "mc"),
                 "--quiet"]) == 0
    written = (tmp_path / "mc" / "runs.parquet").stat().st_size
    assert written <= runs_file_bytes(vilnius, 3000) <= 1.5 * written
