"""Any whole number >= 0 is a root seed, everywhere: the run, the ensemble, the runs table and the seed streams."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim import runner
from sim.errors import InputError
from sim.results.records import COORDINATES
from sim.scenario import load_scenario, scenario_from_dict
from sim.seeding import run_seed, stable_hash, stream_state, stream_uniforms
from tests.hardening.invoke import invoke

MINIMAL = "scenarios/minimal.toml"
HUGE = [2 ** 63, 2 ** 64 - 1, 2 ** 64, 2 ** 200 + 12345, 10 ** 1000 + 7]


def _with_seed(seed):
    data = load_scenario(MINIMAL).spec.model_dump(mode="json", by_alias=True)
    return scenario_from_dict(data | {"seed": seed})


@pytest.mark.parametrize("root", HUGE)
def test_seed_streams_match_numpy_for_huge_roots(root):
    assert run_seed(root, 3) == int(np.random.SeedSequence(root, spawn_key=(3,)).generate_state(1, np.uint64)[0])
    assert run_seed(root) == int(np.random.SeedSequence(root).generate_state(1, np.uint64)[0])
    state = stream_state(root, [0, 5, 2 ** 40], ["a.b", "factor:F"], 2)
    for i, r in enumerate([0, 5, 2 ** 40]):
        for j, name in enumerate(["a.b", "factor:F"]):
            expected = np.random.SeedSequence(root, spawn_key=(r, stable_hash(name))).generate_state(2)
            assert list(state[i, j]) == list(expected)
    assert np.all((stream_uniforms(root, [0, 1], ["x"]) > 0) & (stream_uniforms(root, [0, 1], ["x"]) < 1))


@pytest.mark.parametrize("root", HUGE)
def test_huge_seeds_run_in_both_engines_and_the_table(root):
    scenario = _with_seed(root)
    assert scenario.seed == root
    single = runner.run(scenario)
    assert single.outcome().seed == root
    for engine in ("ensemble", "mesa"):
        mc = runner.monte_carlo(scenario, 3, engine=engine)
        assert mc.table.schema.field("seed").type == "string"
        assert [int(s) for s in mc.table.column("seed").to_pylist()] == [root] * 3


def test_the_seed_column_is_text_whatever_the_seed():
    assert dict(COORDINATES)["seed"] == "string"
    small = runner.monte_carlo(_with_seed(1), 2).table
    big = runner.monte_carlo(_with_seed(2 ** 70), 2).table
    assert small.schema == big.schema


def test_a_huge_seed_from_a_file_is_written_and_read_back(tmp_path):
    scenario_file = tmp_path / "big.toml"
    text = open(MINIMAL).read().replace("\nseed = 1 ", f"\nseed = {2 ** 80} ")
    assert f"seed = {2 ** 80}" in text
    scenario_file.write_text(text)
    for extra in ([], ["--runs", "4"]):
        out = tmp_path / f"out{len(extra)}"
        result = invoke(["run", str(scenario_file), "--out", str(out), *extra])
        assert result.status == 0, result.stderr
        column = pq.read_table(out / "runs.parquet").column("seed").to_pylist()
        assert {int(value) for value in column} == {2 ** 80}


@pytest.mark.parametrize("seed, words", [(-1, "got -1"), (1.5, "got float 1.5"), (True, "got bool True"),
                                         ("7", "got str '7'"), (None, "got NoneType None"), ([1], "got list")])
def test_anything_but_a_whole_number_at_least_zero_is_refused(seed, words):
    with pytest.raises(InputError) as error:
        _with_seed(seed)
    assert any(problem.startswith("seed: a seed must be a whole number >= 0") and words in problem
               for problem in error.value.problems), error.value.problems


def test_a_sweep_with_a_huge_seed_writes_it_as_text(tmp_path):
    experiment = tmp_path / "big_seed.toml"
    experiment.write_text(f'''name = "big_seed"
scenario = "{(__import__("pathlib").Path(MINIMAL).resolve())}"
seed = {2 ** 70}
replicates = 2
chunk_size = 4
design = {{ kind = "grid" }}
[[levers]]
path = "actors.hawk.capability"
values = [1.0, 2.0]
''')
    for engine in ("ensemble", "mesa"):
        out = tmp_path / engine
        result = invoke(["sweep", str(experiment), "--out", str(out), "--executor", "serial", "--engine", engine,
                         "--quiet"])
        assert result.status == 0, result.stderr
        table = pq.read_table(out / "runs.parquet")
        assert table.schema.field("seed").type == "string"
        assert set(table.column("seed").to_pylist()) == {str(2 ** 70)}
