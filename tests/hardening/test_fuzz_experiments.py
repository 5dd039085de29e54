"""Mutated copies of the shipped experiment files never crash ``negsim validate`` or ``negsim sweep
--estimate``: status 0 or 2, no traceback, every error line naming the file, and nothing written."""

from __future__ import annotations

import tempfile
import tomllib
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hardening.invoke import check_contract, invoke
from tests.hardening.test_fuzz import HOSTILE_VALUES, mutate_values, write_mutant

ROOT = Path(__file__).resolve().parents[2]
EXPERIMENTS = sorted((ROOT / "experiments").glob("*.toml"))

SWEEP_VALUES = HOSTILE_VALUES + [10**9, 2**63, 2**64 + 5, 10**12, "../../outside", "/tmp/outside", "lhs", "grid",
                                 "sobol", "morris", "sobol_sensitivity", {"kind": "grid"}, 1.5]

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _shipped(path: Path) -> dict:
    data = tomllib.loads(path.read_text())
    data["scenario"] = str((path.parent / data["scenario"]).resolve())  # the copy lives elsewhere
    return data


@st.composite
def experiment_mutations(draw) -> tuple[str, dict]:
    data = _shipped(draw(st.sampled_from(EXPERIMENTS)))
    mutate_values(draw, data, SWEEP_VALUES)
    return draw(st.sampled_from([".toml", ".yaml"])), data


@SETTINGS
@given(experiment_mutations())
def test_mutated_experiments(mutation):
    suffix, data = mutation
    with tempfile.TemporaryDirectory() as folder:
        path = write_mutant(folder, suffix, data)
        check_contract(invoke(["validate", str(path)]), str(path))
        out = Path(folder) / "out"
        result = invoke(["sweep", str(path), "--estimate", "--out", str(out), "--executor", "serial"])
        check_contract(result, str(path))
        assert not out.exists()  # an estimate writes nothing, whether it fits or not
        assert sorted(p.name for p in Path(folder).iterdir()) == [path.name]


def test_an_estimate_writes_nothing_and_says_whether_it_fits(tmp_path):
    out = tmp_path / "out"
    result = invoke(["sweep", str(EXPERIMENTS[0]), "--estimate", "--out", str(out)])
    assert result.status == 0, result.stderr
    assert result.stdout.startswith("estimate: ") and "fits: run it without --estimate" in result.stdout
    assert not out.exists()
