"""Design-aware sweep numbers (sim.analysis.points) and what the sweep report shows."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis import points
from sim.analysis.report import report_html
from sim.scenario import load_scenario
from sim.sweeps.sensitivity import variance_decomposition
from tests.conftest import SCENARIOS


def _runs() -> pd.DataFrame:
    """3 points: 4 of 5 replicates agreed at point 0, 0 of 5 at point 1, 5 of 10 at point 2."""
    agreed = [1, 1, 1, 1, 0] + [0] * 5 + [1] * 5 + [0] * 5
    point = [0] * 5 + [1] * 5 + [2] * 10
    flex = [0.1] * 5 + [0.3] * 5 + [0.5] * 10
    return pd.DataFrame({"point": point, "agreed": np.array(agreed, dtype=bool),
                         "param.actors.poland.flexibility": flex,
                         "statement.x": [1.0, 2.0, 3.0, 4.0, np.nan] + [np.nan] * 5 + [5.0] * 5 + [np.nan] * 5})


@pytest.fixture(scope="module")
def vilnius():
    return load_scenario(SCENARIOS / "vilnius_2023.toml")


def test_agreement_per_point_exact():
    table = points.agreement_per_point(_runs())
    assert table["point"].tolist() == [0, 1, 2]
    assert table["runs"].tolist() == [5, 5, 10]
    assert table["agreed"].tolist() == [4, 0, 5]
    assert table["share"].tolist() == [0.8, 0.0, 0.5]
    for row, (k, n) in zip(table.itertuples(), [(4, 5), (0, 5), (5, 10)]):
        ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        assert row.ci_low == pytest.approx(ci.low, abs=1e-15)
        assert row.ci_high == pytest.approx(ci.high, abs=1e-15)


def test_design_summary_is_over_points_not_runs():
    per_point = points.agreement_per_point(_runs())
    row = points.design_summary(per_point, pooled=9 / 20).iloc[0]
    assert row["points"] == 3
    assert row["mean"] == pytest.approx((0.8 + 0.0 + 0.5) / 3)
    assert row["pooled"] == pytest.approx(0.45)  # differs from the design mean: the design weights the points
    assert (row["min"], row["median"], row["max"]) == (0.0, 0.5, 0.8)
    assert row["q25"] == pytest.approx(0.25) and row["q75"] == pytest.approx(0.65)
    assert 0.0 <= row["boot_low"] <= row["mean"] <= row["boot_high"] <= 0.8 + 1e-12
    again = points.design_summary(per_point).iloc[0]
    assert (again["boot_low"], again["boot_high"]) == (row["boot_low"], row["boot_high"])  # seeded


def test_bootstrap_interval_degenerate_and_covering():
    assert points.bootstrap_mean_interval(np.array([0.4])) == (0.4, 0.4)
    assert points.bootstrap_mean_interval(np.array([0.2, 0.2, 0.2])) == (0.2, 0.2)
    values = np.random.default_rng(1).uniform(size=200)
    low, high = points.bootstrap_mean_interval(values)
    se = values.std(ddof=1) / np.sqrt(values.size)
    assert low == pytest.approx(values.mean() - 1.96 * se, abs=0.3 * se)
    assert high == pytest.approx(values.mean() + 1.96 * se, abs=0.3 * se)


def test_parameter_labels(vilnius):
    assert points.parameter_label(vilnius, "actors.poland.flexibility") == "Poland: flexibility"
    assert points.parameter_label(vilnius, "tracks.consensus.deadline") == \
        "Membership language (summit communique): deadline"
    assert points.parameter_label(vilnius, "actors.*.flexibility") == "every actor: flexibility"
    assert points.parameter_label(vilnius, "actors.germany.position.membership_timing") == \
        "Germany: membership timing position"
    assert points.parameter_label(vilnius, "dimensions.aid_level.status_quo").endswith(": status quo")
    assert points.parameter_label(vilnius, "broker.step") == "broker.step"
    assert points.parameter_label(vilnius, "deadline") == "Deadline (every track)"
    assert points.parameter_label(vilnius, "actors.*.salience.*") == "every actor: every dimension salience"


def test_point_table_labels_and_values(vilnius):
    table = points.point_table(_runs(), ["actors.poland.flexibility"], vilnius)
    assert list(table.columns) == ["point", "Poland: flexibility", "runs", "agreed", "share", "ci_low", "ci_high"]
    assert table["Poland: flexibility"].tolist() == [0.1, 0.3, 0.5]
    assert table["share"].tolist() == [0.8, 0.0, 0.5]


def test_variance_split_exact():
    runs = _runs()
    runs["agreed"] = runs["agreed"].astype(float)
    split = points.variance_split(runs, {"agreement": "agreed", "x": "statement.x"}).set_index("outcome")
    x = runs["agreed"].to_numpy()
    means = np.array([0.8] * 5 + [0.0] * 5 + [0.5] * 10)
    assert split.loc["agreement", "within"] == pytest.approx(np.mean((x - means) ** 2))
    assert split.loc["agreement", "between"] == pytest.approx(np.mean((means - x.mean()) ** 2))
    assert split.loc["agreement", "within"] + split.loc["agreement", "between"] == pytest.approx(x.var())
    assert split.loc["x", "runs"] == 9  # only the runs where the statement exists


def test_variance_split_matches_the_sweep(sobol_sweep):
    from sim.experiment.load import load_experiment

    folder = sobol_sweep.folder
    experiment = load_experiment(folder.parent / "sobol.toml")
    expected = variance_decomposition(experiment, folder / "runs.parquet")
    dims = [f"statement.{d}" for d in sobol_sweep.scenario.dimension_ids]
    table = sobol_sweep.table(["point", "agreed", *dims]).copy()
    table["agreed"] = table["agreed"].astype(float)
    split = points.variance_split(table, {"agreement": "agreed", **{d: d for d in dims}}).set_index("outcome")
    for outcome, parts in expected.items():
        assert split.loc[outcome, "runs"] == parts["runs"]
        assert split.loc[outcome, "within"] == pytest.approx(parts["within"])
        assert split.loc[outcome, "between"] == pytest.approx(parts["between"])


def _text_only(results) -> str:
    """The report without its figures (tested in test_figures / test_commands): the sections tested here."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sim.analysis.report.plan", lambda results: [])
        return report_html(results)


@pytest.fixture(scope="module")
def lhs_html(lhs_sweep):
    return _text_only(lhs_sweep)


@pytest.fixture(scope="module")
def sobol_html(sobol_sweep):
    return _text_only(sobol_sweep)


def test_sweep_headline_is_design_aware(lhs_sweep, lhs_html):
    per_point = points.agreement_per_point(lhs_sweep.table(["point", "agreed"]))
    row = points.design_summary(per_point, seed=lhs_sweep.seed).iloc[0]
    assert f"Averaged over the {len(per_point)} design points" in lhs_html
    assert f"{100 * row['mean']:.1f}%" in lhs_html
    assert "bootstrap interval over the points" in lhs_html
    assert "depends on the design" in lhs_html
    assert "Every track agreed in" not in lhs_html  # no binomial headline over pooled runs
    assert "of runs (95% interval" not in lhs_html


def test_sweep_report_per_point_table(lhs_sweep, lhs_html):
    assert "<h2>Agreement per design point</h2>" in lhs_html
    assert "Poland: flexibility" in lhs_html
    assert "Membership language (summit communique): deadline" in lhs_html
    per_point = points.agreement_per_point(lhs_sweep.table(["point", "agreed"]))
    assert len(per_point) <= 30 and f"All {len(per_point)} design points" in lhs_html
    for row in per_point.itertuples():
        assert f"{row.agreed} / {row.runs}</td>" in lhs_html
        assert f"{100 * row.ci_low:.1f}% to {100 * row.ci_high:.1f}%" in lhs_html


def test_sweep_report_baselines_and_variance(lhs_sweep, lhs_html, sobol_html):
    from sim.baselines import baselines

    for page in (lhs_html, sobol_html):
        assert "<h2>Baselines</h2>" in page and "at the base scenario" in page
        assert "weighted median" in page and "<table class='baselines'>" in page
        assert "Variance within and between design points" in page
    frame = baselines(lhs_sweep.scenario)
    for wording in set(frame["wording"]) - {""}:
        assert html.escape(wording) in lhs_html
    assert "<table class='sensitivity'>" not in lhs_html  # an LHS sweep writes no sensitivity.json


def test_sobol_report_sensitivity_and_warnings(sobol_sweep, sobol_html):
    assert "<table class='sensitivity'>" in sobol_html
    assert "Sensitivity (Sobol" in sobol_html
    for metric, table in sobol_sweep.sensitivity["metrics"].items():
        for name, values in table.items():
            assert f"{values['ST']:.3f} +/- {values['ST_conf']:.3f}" in sobol_html
    found = sobol_sweep.sensitivity["warnings"]
    for warning in found:
        assert html.escape(warning) in sobol_html
    if found:
        assert "class='warnings'" in sobol_html
        # prominently: in the key numbers, before the per-point table
        assert sobol_html.index("class='warnings'") < sobol_html.index("<h2>Agreement per design point</h2>")


def test_lhs_report_warns_as_the_sweep_did(lhs_sweep, lhs_html):
    from sim.experiment.load import load_experiment
    from sim.sweeps.sensitivity import sensitivity_warnings

    experiment = load_experiment(lhs_sweep.folder.parent / "lhs.toml")
    found = sensitivity_warnings(variance_decomposition(experiment, lhs_sweep.runs_path))
    assert found  # the small fixture's statements are mostly replicate noise
    assert "class='warnings'" in lhs_html and "from the variance split below" in lhs_html
    for warning in found:
        assert html.escape(warning) in lhs_html


def test_many_points_show_first_and_last_rows(lhs_sweep, monkeypatch):
    from sim.analysis import report

    monkeypatch.setattr(report, "SHOWN", 6)
    page = report._points_section(lhs_sweep)
    assert "points not shown" in page
    assert page.count("</tr>") == 1 + 2 * 2 + 1  # header, 2 highest, 2 lowest, the gap row


def test_monte_carlo_keeps_binomial_headline(monte_carlo):
    from sim.results.summary import agreement_interval

    page = _text_only(monte_carlo)
    table = monte_carlo.table(["agreed"])
    agreed, count = int(table["agreed"].sum()), len(table)
    low, high = agreement_interval(agreed, count)
    assert (f"Every track agreed in {100 * agreed / count:.1f}% of runs (95% interval {100 * low:.1f}% to "
            f"{100 * high:.1f}%)") in page
    assert "Agreement per design point" not in page and "design points" not in page
    assert "<h2>Baselines</h2>" in page and "at the scenario's declared values" in page


def test_morris_report_shows_mu_star(tmp_path):
    from sim.analysis import load_results
    from sim.sweeps import sweep
    from tests.sweeps.conftest import experiment_text

    path = tmp_path / "morris.toml"
    path.write_text(experiment_text(design='design = { kind = "morris", samples = 4, levels = 4 }', replicates=2,
                                    chunk_size=50))
    sweep(path, tmp_path / "out")
    results = load_results(tmp_path / "out")
    page = _text_only(results)
    assert "Sensitivity (Morris" in page and "<th>mu_star (+/- 95%)</th>" in page
    for metric, table in results.sensitivity["metrics"].items():
        for values in table.values():
            assert f"{values['mu_star']:.3f} +/- {values['mu_star_conf']:.3f}" in page
