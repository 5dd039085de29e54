"""Every figure on a small real run: it draws, it says what it shows, and its numbers are the table's."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

from sim.analysis import figures, numbers, write_figures
from sim.results.summary import agreement_interval


def _save(figure: Figure, tmp_path, name: str):
    path = tmp_path / f"{name}.png"
    figure.savefig(path)
    assert path.exists() and path.stat().st_size > 10_000
    return path


def test_statement_distribution(monte_carlo, tmp_path):
    figure = figures.statement_distribution(monte_carlo, "membership_timing")
    _save(figure, tmp_path, "statement")
    bars, ax = figure.axes[:2]
    assert ax.get_xlabel() == "Membership timing (0 to 100)"
    assert ax.get_xlim() == (0.0, 100.0)
    assert "Agreed statement on Membership timing" in figure.get_suptitle()
    assert "vilnius_2023: Monte Carlo of 80 runs" in figure.get_suptitle()
    assert "pooled" not in figure.get_suptitle()  # a Monte Carlo pools no design
    table = monte_carlo.table()
    share = 1 - table["consensus.agreed"].mean()
    assert any(f"no agreement in {100 * share:.1f}% of runs" in t.get_text() for t in ax.texts)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(label.startswith("compromise") for label in labels)
    assert any(label.startswith("weighted median") for label in labels)
    assert any(label.startswith("nash") for label in labels)
    wording = [t.get_text().replace("\n", " ") for t in ax.texts]
    assert any("Ukraine can join only once the war has ended." in w for w in wording)
    heights = sum(patch.get_height() for patch in ax.patches if patch.get_height() > 0 and patch.get_width() < 5)
    assert heights == pytest.approx(1 - share, rel=1e-6)  # each bar is its bin's share of all runs
    assert "density" not in ax.get_ylabel() and "how many runs land" in ax.get_title().lower()


def test_statement_figure_leads_with_the_share_of_runs_in_each_wording_band(monte_carlo):
    figure = figures.statement_distribution(monte_carlo, "membership_timing")
    bars = figure.axes[0]
    shares = numbers.wording_shares(monte_carlo, "membership_timing")
    widths = [patch.get_width() for patch in bars.patches]
    assert widths == pytest.approx(list(shares["share"]))
    ticks = [t.get_text().replace("\n", " ") for t in bars.get_yticklabels()]
    assert "Ukraine can join only once the war has ended." in ticks[1]
    assert all(len(line) <= 46 for t in bars.get_yticklabels() for line in t.get_text().split("\n"))


def test_baseline_legend_values_keep_the_dimension_precision(monte_carlo):
    from sim.text import format_number

    figure = figures.statement_distribution(monte_carlo, "membership_timing")  # width 100: one decimal
    labels = [t.get_text() for t in figure.axes[1].get_legend().get_texts()]
    lines = numbers.baseline_lines(monte_carlo)
    row = lines[(lines["dimension"] == "membership_timing") & (lines["baseline"] == "compromise")].iloc[0]
    assert any(f"compromise ({format_number(row['value'], 100.0)})" in label for label in labels)


def test_agreement_vs_parameter_plots_binned_shares_with_wilson_intervals(lhs_sweep, tmp_path):
    parameter = "actors.poland.flexibility"
    figure = figures.agreement_vs_parameter(lhs_sweep, parameter, bins=4)
    _save(figure, tmp_path, "agreement")
    ax = figure.axes[0]
    assert ax.get_xlabel().startswith("Poland: flexibility")
    assert ax.get_ylabel() == "agreement probability (every track)"
    assert "pooled over the design" in figure.get_suptitle()
    x, y = (np.asarray(values, dtype=float) for values in ax.lines[0].get_data())
    assert len(x) == 4  # four bins, not one whisker per design point
    table = lhs_sweep.table()
    frame = numbers.agreement_bins(lhs_sweep, parameter, 4)
    assert frame["runs"].sum() == len(table) and frame["points"].sum() == lhs_sweep.manifest["design"]["points"]
    for row in frame.itertuples():
        inside = table[(table[f"param.{parameter}"] >= row.low) & (table[f"param.{parameter}"] <= row.high)]
        assert row.probability == pytest.approx(inside["agreed"].mean())
        assert (row.ci_low, row.ci_high) == pytest.approx(agreement_interval(int(inside["agreed"].sum()), len(inside)))
    np.testing.assert_allclose(y, frame["probability"])


def test_heatmap_of_two_parameters(lhs_sweep, tmp_path):
    first, second = lhs_sweep.parameters[:2]
    figure = figures.agreement_heatmap(lhs_sweep, first, second)
    _save(figure, tmp_path, "heatmap")
    ax = figure.axes[0]
    assert ax.get_xlabel().startswith("Poland: flexibility")
    assert ax.get_ylabel().replace("\n", " ").startswith("Membership language (summit communique): deadline")
    grid = numbers.agreement_grid(lhs_sweep, first, second)
    values = grid.to_numpy(dtype=float)
    np.testing.assert_allclose(np.ma.filled(ax.images[0].get_array(), np.nan), values)
    if np.nanmax(values) > np.nanmin(values):
        assert ax.images[0].get_clim() == pytest.approx((np.nanmin(values), np.nanmax(values)))
    assert sum(1 for t in ax.texts if t.get_text().endswith("%")) == np.isfinite(values).sum()
    assert all(t.get_text() == f"{int(round(v))}" for t, v in zip(ax.get_yticklabels(), grid.index))


def test_time_to_agreement(monte_carlo, tmp_path):
    figure = figures.time_to_agreement(monte_carlo)
    _save(figure, tmp_path, "time")
    ax = figure.axes[0]
    assert ax.get_xlabel() == "round" and ax.get_ylabel() == "share of runs agreed"
    table = monte_carlo.table()
    x, y = ax.lines[0].get_data()
    by_round = dict(zip(x, y))
    for r in (10, 12, 13):
        assert by_round[r] == pytest.approx((table["consensus.round"] <= r).mean())


def test_blocking_and_concessions(monte_carlo, tmp_path):
    figure = figures.blocking_and_concessions(monte_carlo, "consensus")
    _save(figure, tmp_path, "blocking")
    bars, concession, utility = figure.axes
    table = monte_carlo.table()
    widths = {label.get_text(): patch.get_width() for label, patch in zip(bars.get_yticklabels(), bars.patches)}
    for actor, width in widths.items():
        assert width == pytest.approx(np.mean([actor in b for b in table["consensus.blockers"]]))
    assert concession.get_xlabel() == "concession (0 = got its ideal)"
    assert utility.get_xlabel() == "utility of what it ended with"


def test_trajectories(monte_carlo, tmp_path):
    figure = figures.trajectories(monte_carlo, "consensus")
    _save(figure, tmp_path, "trajectories")
    first = figure.axes[0]
    assert first.get_ylabel() == "Membership timing (0 to 100)"
    x, y = first.lines[0].get_data()
    frame = monte_carlo.trajectories()
    np.testing.assert_allclose(y, frame.groupby("round")["draft.membership_timing"].median().loc[x].to_numpy())
    assert any("round 11: bilateral usa-uk" in t.get_text() for t in first.texts)


def test_sensitivity_bars_are_the_indices_written(sobol_sweep, tmp_path):
    figure = figures.sensitivity(sobol_sweep)
    _save(figure, tmp_path, "sensitivity")
    metric = next(iter(sobol_sweep.sensitivity["metrics"]))
    ax = next(a for a in figure.axes if a.get_title() == metric)
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    s1 = [patch.get_width() for patch in bars[0].patches]
    expected = [values["S1"] for values in sobol_sweep.sensitivity["metrics"][metric].values()]
    assert s1 == pytest.approx(expected)


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_write_figures_in_each_format(monte_carlo, tmp_path, fmt):
    written = write_figures(monte_carlo, tmp_path / fmt, fmt, ["time", "blocking"])
    assert [p.name for p in written] == [f"time_to_agreement.{fmt}", f"blocking_consensus.{fmt}",
                                         f"blocking_umbrella.{fmt}"]
    assert all(p.stat().st_size > 5_000 for p in written)
