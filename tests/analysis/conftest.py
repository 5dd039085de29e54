"""Small real results folders: a Monte Carlo with trajectories, an LHS sweep, a Sobol' sweep."""

from __future__ import annotations

import pytest

from sim.analysis import load_results
from sim.cli import main
from sim.sweeps import sweep
from tests.conftest import SCENARIOS
from tests.sweeps.conftest import experiment_text


@pytest.fixture(scope="session")
def monte_carlo(tmp_path_factory):
    out = tmp_path_factory.mktemp("mc") / "vilnius"
    assert main(["run", str(SCENARIOS / "vilnius_2023.toml"), "--runs", "80", "--seed", "4", "--out", str(out),
                 "--trajectories", "--quiet"]) == 0
    return load_results(out)


@pytest.fixture(scope="session")
def lhs_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lhs")
    path = folder / "lhs.toml"
    path.write_text(experiment_text(design='design = { kind = "lhs", samples = 12 }', replicates=6, chunk_size=30))
    sweep(path, folder / "out")
    return load_results(folder / "out")


@pytest.fixture(scope="session")
def sobol_sweep(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sobol")
    path = folder / "sobol.toml"
    path.write_text(experiment_text(design='design = { kind = "sobol_sensitivity", samples = 8 }', replicates=2,
                                    chunk_size=50))
    sweep(path, folder / "out")
    return load_results(folder / "out")
