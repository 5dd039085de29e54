"""Scenario discovery (PRIM): a planted box is found, the outcome grammar, and `negsim discover` end to end."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from sim.analysis import load_results
from sim.analysis.discovery import Outcome, discover, discover_results, parse_outcome, prim, tradeoff_figure
from sim.analysis.report import report_html
from sim.cli import main
from sim.errors import InputError


def _planted(seed: int = 1, n: int = 1000):
    """x1, x2, x3 uniform on [0, 1]; the outcome is true in 90% of runs with x1 > 0.7 and x2 < 0.4, 3% elsewhere."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.uniform(size=(n, 3)), columns=["x1", "x2", "x3"])
    box = ((x["x1"] > 0.7) & (x["x2"] < 0.4)).to_numpy()
    y = np.where(box, rng.uniform(size=n) < 0.9, rng.uniform(size=n) < 0.03)
    return x, y, box


def test_a_planted_box_is_recovered_and_the_irrelevant_input_left_free():
    x, y, box = _planted()
    found = discover(x, y, "planted")
    chosen = found.chosen
    assert chosen.restricted == ["x1", "x2"]
    assert "x3" not in chosen.restricted
    assert chosen.limits["x1"][0] == pytest.approx(0.7, abs=0.05)
    assert chosen.limits["x1"][1] == x["x1"].max()  # no upper limit on x1
    assert chosen.limits["x2"][1] == pytest.approx(0.4, abs=0.05)
    assert chosen.limits["x2"][0] == x["x2"].min()
    true_coverage, true_density = y[box].sum() / y.sum(), y[box].mean()
    assert chosen.coverage == pytest.approx(true_coverage, abs=0.1)
    assert chosen.density == pytest.approx(true_density, abs=0.06)
    assert chosen.mass == pytest.approx(box.mean(), abs=0.03)
    low, high = ([chosen.limits[c][k] for c in x.columns] for k in (0, 1))
    inside = ((x >= low) & (x <= high)).all(axis=1)
    assert chosen.count == inside.sum() and chosen.density == pytest.approx(y[inside].mean())
    assert all(qp < 1e-10 for qp in chosen.qp.values())


def test_an_outcome_unrelated_to_the_inputs_restricts_nothing():
    x, _, _ = _planted(seed=2)
    y = np.random.default_rng(3).uniform(size=len(x)) < 0.3
    chosen = discover(x, y).chosen
    assert chosen.restricted == [] and chosen.coverage == 1.0


def test_the_peeling_trajectory_shrinks_from_the_full_box_to_the_minimum_mass():
    x, y, _ = _planted()
    steps = prim(x, y, alpha=0.1, mass_min=0.1)
    data = x.to_numpy()
    assert np.array_equal(steps[0], np.column_stack([data.min(axis=0), data.max(axis=0)]))
    masses = [np.all((data >= s[:, 0]) & (data <= s[:, 1]), axis=1).mean() for s in steps]
    assert all(later < earlier for earlier, later in zip(masses, masses[1:]))
    assert masses[-1] >= 0.1 and masses[-1] < 0.1 / 0.9 + 0.01
    found = discover(x, y)
    assert list(found.trajectory["coverage"])[0] == 1.0
    assert found.alternatives and found.chosen_step not in found.alternatives


@pytest.mark.parametrize("text, expected", [
    ("consensus.agreed", Outcome("consensus.agreed")),
    ("not consensus.agreed", Outcome("consensus.agreed", negate=True)),
    ("statement.membership_timing >= 45", Outcome("statement.membership_timing", ">=", 45.0)),
    ("  utility.consensus.usa<0.5 ", Outcome("utility.consensus.usa", "<", 0.5)),
    ("not rounds == 12", Outcome("rounds", "==", 12.0, negate=True)),
    ("agreed > -1e-3", Outcome("agreed", ">", -0.001)),
])
def test_outcome_expressions_that_parse(text, expected):
    assert parse_outcome(text) == expected


@pytest.mark.parametrize("text", ["", "not", "agreed >", "agreed = 1", "agreed >= x", "__import__('os')",
                                  "agreed and umbrella.agreed", "rounds >= 3 4", "1 < rounds", "not not agreed"])
def test_outcome_expressions_that_do_not(text):
    with pytest.raises(InputError, match="expected \\[not\\] COLUMN \\[OP NUMBER\\]"):
        parse_outcome(text)


def test_outcome_columns_are_checked_against_the_runs_table():
    table = pd.DataFrame({"consensus.agreed": [True, False, True], "rounds": [3, 4, 5],
                          "statement.membership_timing": [40.0, np.nan, 50.0], "consensus.blockers": [[], ["x"], []]})
    with pytest.raises(InputError, match="no column 'consensus.agred'.*nearest: consensus.agreed"):
        parse_outcome("consensus.agred", table)
    with pytest.raises(InputError, match="'rounds' is a number, not yes/no: compare it"):
        parse_outcome("rounds", table)
    with pytest.raises(InputError, match="holds lists or text"):
        parse_outcome("consensus.blockers", table)
    outcome = parse_outcome("statement.membership_timing >= 45", table)
    assert outcome.evaluate(table[outcome.column]).tolist() == [False, False, True]  # no statement: false
    outcome = parse_outcome("not consensus.agreed", table)
    assert outcome.evaluate(table[outcome.column]).tolist() == [False, True, False]


@pytest.fixture
def sweep_copy(lhs_sweep, tmp_path):
    """A copy of the session's LHS sweep, so the default RESULTS/discovery does not leak into other tests."""
    shutil.copytree(lhs_sweep.folder, tmp_path / "sweep")
    return tmp_path / "sweep"


def test_discover_on_a_sweep_end_to_end(sweep_copy, capsys):
    # in the small sweep the consensus deadline (8 to 14 rounds) decides whether it is reached by round 9
    assert main(["discover", str(sweep_copy), "--outcome", "consensus.round <= 9"]) == 0
    out = capsys.readouterr().out
    assert "Scenario discovery (PRIM) for: consensus.round <= 9" in out
    assert "restricted:\n      tracks.consensus.deadline  <= 10 " in out
    assert "unrestricted: actors.poland.flexibility" in out
    assert "alternatives along the peeling trajectory" in out
    result = json.loads((sweep_copy / "discovery" / "discovery.json").read_text())
    table = pd.read_parquet(sweep_copy / "runs.parquet")
    y = table["consensus.round"] <= 9
    inside = table["param.tracks.consensus.deadline"] <= 10
    assert result["chosen"]["restricted"] == {"tracks.consensus.deadline": [8.0, 10.0]}
    assert result["chosen"]["coverage"] == pytest.approx((y & inside).sum() / y.sum())
    assert result["chosen"]["density"] == pytest.approx(y[inside].mean())
    assert f"coverage {100 * result['chosen']['coverage']:.1f}%" in out
    assert (sweep_copy / "discovery" / "discovery_tradeoff.png").stat().st_size > 10_000
    page = report_html(load_results(sweep_copy))
    assert "<h2>Scenario discovery</h2>" in page and "consensus.round &lt;= 9" in page
    assert "alt='discovery_tradeoff'" in page


def test_the_tradeoff_figure_marks_the_chosen_box(lhs_sweep):
    found = discover_results(lhs_sweep, "consensus.round <= 9").to_dict()
    figure = tradeoff_figure(lhs_sweep, found)
    ax = figure.axes[0]
    assert "Scenario discovery (PRIM)" in figure.get_suptitle() and "sweep of 72 runs" in figure.get_suptitle()
    assert "coverage" in ax.get_xlabel() and "density" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(label.startswith("chosen box") for label in labels)
    shown = " ".join(t.get_text().replace("\n", " ") for t in ax.texts)
    assert "Membership language (summit communique): deadline <= 10" in shown  # by name, not by path


def _bad(args, capsys) -> str:
    assert main(args) == 2
    return capsys.readouterr().err


def test_bad_input_exits_2_with_one_line(lhs_sweep, monte_carlo, tmp_path, capsys):
    folder, out = str(lhs_sweep.folder), ["--out", str(tmp_path)]
    err = _bad(["discover", folder, "--outcome", "consensus.agreed = 1", *out], capsys)
    assert err.count("\n") == 1 and "error: --outcome: cannot read" in err
    err = _bad(["discover", folder, "--outcome", "statement.membership_timng >= 45", *out], capsys)
    assert "no column 'statement.membership_timng'" in err and "statement.membership_timing" in err
    assert "always true" in _bad(["discover", folder, "--outcome", "umbrella.agreed", *out], capsys)
    assert "needs a sweep" in _bad(["discover", str(monte_carlo.folder), "--outcome", "agreed", *out], capsys)
    assert "--min-coverage: must be in (0, 1)" in _bad(["discover", folder, "--outcome", "agreed",
                                                         "--min-coverage", "1.5", *out], capsys)
    assert not list(tmp_path.iterdir())
