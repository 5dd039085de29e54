"""A forecast's results folder: plots, report and baselines speak of forecasts, never of agreement or a status quo."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.analysis import figures, load_results
from sim.baselines import baselines
from sim.cli import main
from sim.scenario import load_scenario

EU_CSV = Path(__file__).parents[2] / "scenarios" / "data" / "bdm_eu_emissions.csv"


@pytest.fixture(scope="module")
def forecast_results(tmp_path_factory):
    out = tmp_path_factory.mktemp("eu") / "eu"
    assert main(["run", str(EU_CSV), "--set", "deadline=10", "--runs", "12", "--out", str(out), "--quiet"]) == 0
    return load_results(out)


def test_without_a_status_quo_nash_and_status_quo_baselines_are_empty(capsys):
    table = baselines(load_scenario(EU_CSV)).set_index("baseline")["value"]
    assert table["compromise"] == pytest.approx(5.003 / 0.677)
    assert table["weighted_median"] == 7.0
    assert table[["nash", "status_quo"]].isna().all()
    assert main(["run", str(EU_CSV), "--baselines"]) == 0
    assert "nash                  -  (no status quo declared)" in capsys.readouterr().out


def test_the_statement_figure_of_a_forecast_counts_every_run(forecast_results):
    figure = figures.statement_distribution(forecast_results, "issue")
    text = " ".join(t.get_text() for ax in figure.axes for t in ax.texts) + figure.texts[0].get_text()
    assert "Forecast on" in text and "settled in 0.0% of runs" in text and "n = 12 runs" in text
    assert "agreed" not in text


def test_plot_and_report_of_a_forecast_exit_0(forecast_results, tmp_path, capsys):
    assert main(["plot", str(forecast_results.folder), "--out", str(tmp_path / "figures")]) == 0
    assert main(["report", str(forecast_results.folder), "--out", str(tmp_path / "report.html")]) == 0
    html = (tmp_path / "report.html").read_text()
    assert "0.0% settled" in html and "runs' forecasts" in html
