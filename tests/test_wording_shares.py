"""Forecasts as probabilities: the share of runs in each wording band, and numbers at the dimension's precision."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from scipy import stats

from sim import wording
from sim.analysis import load_results, numbers
from sim.analysis.report import report_html
from sim.results.layout import read_runs
from sim.results.output import write_runs
from sim.results.summary import summarise
from sim.runner import monte_carlo
from sim.scenario import load_scenario
from sim.text import _band_lines, clip, decimals, format_monte_carlo, format_number
from tests.conftest import ROOT, SCENARIOS, actor, build, dimension, scenario_data

VILNIUS = SCENARIOS / "vilnius_2023.toml"


def _scenario(rule: dict | None = None, lower: float = 0, upper: float = 100):
    """One dimension ``d`` on [lower, upper] with two bands: 'd low' from lower, 'd high' from the middle."""
    actors = [actor("hawk", {"d": upper}), actor("dove", {"d": lower})]
    if rule and rule["kind"] == "opt_in":
        actors.append(actor("partner", {"d": lower}, veto=False))
    data = scenario_data(actors, dims=[dimension("d", lower, upper, status_quo=lower)], rule=rule)
    if rule and rule["kind"] == "forecast":
        data["tracks"][0]["protocol"] = "bdm"
    return build(data)


def _table(agreed: list[bool], statement: list[float], **extra) -> pa.Table:
    columns = {"talks.agreed": pa.array(agreed), "statement.d": pa.array(statement, type=pa.float64())}
    return pa.table(columns | extra)


def _wilson(successes: int, trials: int) -> list[float]:
    """The Wilson score interval in closed form, z the 97.5% normal quantile."""
    z = stats.norm.ppf(0.975)
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z / (1 + z * z / trials) * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials))
    return [centre - half, centre + half]


# --- bands of values ---------------------------------------------------------------------------------

def test_band_index_follows_the_scenario_wording():
    data = scenario_data([actor("hawk", {"d": 90}), actor("dove", {"d": 10})], dims=[{
        "id": "d", "range": [0, 100], "status_quo": 0,
        "wording": [{"from": 0, "text": "none"}, {"from": 25, "text": "some"}, {"from": 45, "text": "more"},
                    {"from": 70, "text": "most"}, {"from": 90, "text": "all"}]}])
    scenario = build(data)
    values = [0, 24.99, 25, 44.9, 45, 69.999, 70, 90, 100, np.nan, -3]
    index = wording.band_index(scenario, "d", values)
    assert index.tolist() == [0, 0, 1, 1, 2, 2, 3, 4, 4, -1, 0]
    texts = [b.text for b in scenario.dimensions[0].wording]
    for value, k in zip(values, index):
        if value == value:
            assert texts[k] == scenario.wording("d", value)


# --- shares on hand-built runs tables ----------------------------------------------------------------

def test_a_58_42_split_is_reported_as_such_with_wilson_intervals():
    scenario = _scenario()
    statements = [75.0] * 58 + [10.0] * 42
    rows, modal = wording.shares_from_table(scenario, _table([True] * 100, statements), "d")
    high, low = rows[1], rows[0]
    assert (low["text"], low["from"], low["count"], low["share"]) == ("d low", 0.0, 42, 0.42)
    assert (high["text"], high["from"], high["count"], high["share"]) == ("d high", 50.0, 58, 0.58)
    assert modal == 1
    interval = stats.binomtest(58, 100).proportion_ci(confidence_level=0.95, method="wilson")
    assert high["ci95"] == [interval.low, interval.high]
    assert high["ci95"] == pytest.approx(_wilson(58, 100), abs=1e-12)
    assert low["ci95"] == pytest.approx(_wilson(42, 100), abs=1e-12)
    assert rows[2] == {"band": None, "text": "no agreement (status quo holds)", "from": None, "count": 0,
                       "share": 0.0, "ci95": pytest.approx(_wilson(0, 100), abs=1e-12)}


def test_runs_without_agreement_are_their_own_row_and_shares_sum_to_one():
    scenario = _scenario()
    agreed = [True] * 80 + [False] * 20
    # a non-agreed run counts as no agreement even if a number were recorded for it
    statements = [10.0] * 50 + [60.0] * 30 + [np.nan] * 19 + [60.0]
    rows, modal = wording.shares_from_table(scenario, _table(agreed, statements), "d")
    assert [(r["band"], r["count"], r["share"]) for r in rows] == [(0, 50, 0.5), (1, 30, 0.3), (None, 20, 0.2)]
    assert rows[2]["text"] == "no agreement (status quo holds)"
    assert rows[2]["ci95"] == pytest.approx(_wilson(20, 100), abs=1e-12)
    assert [r["share_of_statements"] for r in rows[:2]] == [50 / 80, 30 / 80]
    assert rows[0]["ci95_of_statements"] == pytest.approx(_wilson(50, 80), abs=1e-12)
    assert modal == 0
    assert sum(r["share"] for r in rows) == pytest.approx(1)


def test_no_agreement_in_any_run():
    rows, modal = wording.shares_from_table(_scenario(), _table([False] * 5, [np.nan] * 5), "d")
    assert [r["count"] for r in rows] == [0, 0, 5] and modal is None
    assert rows[0]["share_of_statements"] is None


def test_a_forecast_track_counts_every_run_and_has_no_no_agreement_row():
    scenario = _scenario({"kind": "forecast"})
    agreed = [True] * 3 + [False] * 7  # settled or not, the forecast is the statement
    rows, modal = wording.shares_from_table(scenario, _table(agreed, [70.0] * 6 + [20.0] * 4), "d")
    assert [(r["band"], r["count"], r["share"]) for r in rows] == [(0, 4, 0.4), (1, 6, 0.6)]
    assert modal == 1


def test_an_opt_in_track_that_did_not_launch_is_its_own_row():
    scenario = _scenario({"kind": "opt_in", "counterpart": "partner", "min_signatories": 2})
    rows, _ = wording.shares_from_table(scenario, _table([True, True, False, True], [60, 20, np.nan, 70]), "d")
    assert [(r["band"], r["count"]) for r in rows] == [(0, 1), (1, 2), (None, 1)]
    assert rows[2]["text"] == "not launched (too few signatories)"


def test_a_band_column_takes_precedence_over_the_statement():
    scenario = _scenario()
    statements = [75.0] * 6 + [10.0] * 4  # would give 6 high, 4 low
    given = pa.array([0, 0, 0, 0, 0, 0, 1, 1, None, 1], type=pa.int64())  # per-run edges said otherwise
    table = _table([True] * 10, statements, **{"band.d": given})
    rows, modal = wording.shares_from_table(scenario, table, "d")
    assert [(r["band"], r["count"]) for r in rows] == [(0, 6), (1, 3), (None, 1)]
    assert modal == 0
    frame = table.to_pandas()  # a pandas table (float with NaN, or nullable Int64) reads the same
    assert wording.run_bands(scenario, frame, "d").tolist() == [0] * 6 + [1, 1, -1, 1]
    frame["band.d"] = frame["band.d"].astype("Int64")
    assert wording.run_bands(scenario, frame, "d").tolist() == [0] * 6 + [1, 1, -1, 1]
    bad = _table([True] * 2, [1.0, 2.0], **{"band.d": pa.array([0, 2])})
    with pytest.raises(ValueError, match=r"band.d: band indices must be integers in \[0, 1\]"):
        wording.run_bands(scenario, bad, "d")


def test_the_summary_and_the_report_use_a_band_column(tmp_path, capsys):
    from sim.cli import main

    out = tmp_path / "mc"
    assert main(["run", str(SCENARIOS / "minimal.toml"), "--runs", "12", "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    scenario = load_scenario(SCENARIOS / "minimal.toml")
    table = read_runs(out / "runs.parquet")
    forced = pa.array([2] * 9 + [0] * 3, type=pa.int64())
    table = table.set_column(table.schema.get_field_index("band.timing"), "band.timing", forced)
    write_runs(out / "runs.parquet", table)
    entry = summarise(scenario, table, 1)["tracks"][0]
    assert [r["count"] for r in entry["wording_shares"]["timing"]] == [3, 0, 9, 0]
    assert entry["modal_band"]["timing"] == 2
    frame = numbers.wording_shares(load_results(out), "timing")
    assert frame["count"].tolist() == [3, 0, 9, 0] and frame["band"].tolist() == [0, 1, 2, -1]
    assert frame["modal"].tolist() == [False, False, True, False]
    page = report_html(load_results(out))
    assert "<tr style='font-weight:600'><td>80</td><td>We invite the candidate to join.</td><td>75.0%</td>" in page


# --- number formatting -------------------------------------------------------------------------------

def test_decimals_follow_the_range_width():
    assert [decimals(w) for w in (100, 10, 6, 2, 1, 0.1, 1000, 1e6)] == [1, 2, 2, 3, 3, 4, 0, 0]
    assert decimals(float("nan")) == 2 and decimals(0) == 2


def test_format_number_exact_strings():
    assert format_number(44.4444, 100) == "44.4"
    assert format_number(5.9612, 10) == "5.96"
    assert format_number(1.03456, 2) == "1.035"
    assert format_number(1.0, 2) == "1.000"
    assert format_number(0.012345, 0.1) == "0.0123"
    assert format_number(1234.56, 1000) == "1235"
    assert format_number(float("nan"), 100) == "-"


def test_clip_cuts_long_band_texts_at_a_word():
    text = "Allies will be in a position to invite Ukraine when Allies agree and conditions are met."
    assert clip(text) == "Allies will be in a position to invite Ukraine when..."
    assert clip("short") == "short"
    assert len(clip("x" * 80)) == 60


def test_a_two_wide_range_prints_three_decimals_and_the_band_table():
    data = scenario_data([actor("hawk", {"d": 1.6}, capability=2.0, tactic=0.5, position_sd={"d": 0.2}),
                          actor("dove", {"d": 0.4}, tactic=2.0, position_sd={"d": 0.2})],
                         dims=[dimension("d", 0, 2, status_quo=0)])
    scenario = build(data)
    mc = monte_carlo(scenario, 30, seed=5)
    summary = summarise(scenario, mc.table, mc.seed)
    lines = format_monte_carlo(scenario, summary).splitlines()
    q = summary["tracks"][0]["statement"]["d"]
    expected = "    d                   " + "".join(f"{q[k]:.3f}".rjust(7) for k in ("q05", "q25", "q50", "q75", "q95"))
    assert expected in lines
    at = lines.index(expected)
    assert lines[at + 1].startswith("       share  95% CI")
    assert "wording band (share of all 30 runs; * modal)" in lines[at + 1]
    rows = summary["tracks"][0]["wording_shares"]["d"]
    for line, row in zip(lines[at + 2:at + 5], rows):
        low, high = row["ci95"]
        assert f"{100 * row['share']:.1f}%" in line and f"{100 * low:.1f}-{100 * high:.1f}%" in line
        assert line.startswith("    *") == (row["band"] == summary["tracks"][0]["modal_band"]["d"])
    assert lines[at + 4].endswith("no agreement (status quo holds)")


def test_a_band_line_exact():
    scenario = _scenario()
    statements = [75.0] * 57 + [10.0] * 42 + [np.nan]
    rows, modal = wording.shares_from_table(scenario, _table([True] * 99 + [False], statements), "d")

    assert _band_lines(rows, modal, 100, "if agreed") == [
        "       share  95% CI        if agreed    from  wording band (share of all 100 runs; * modal)",
        "       42.0%  32.8-51.8%        42.4%       0  \"d low\"",
        "    *  57.0%  47.2-66.3%        57.6%      50  \"d high\"",
        "        1.0%  0.2-5.4%                         no agreement (status quo holds)",
    ]


# --- end to end --------------------------------------------------------------------------------------

def test_negsim_run_json_shares_sum_to_one_and_match_a_recount(tmp_path):
    out = tmp_path / "vilnius"
    done = subprocess.run([sys.executable, "-m", "sim", "run", str(VILNIUS), "--runs", "200", "--seed", "11",
                           "--json", "--out", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert json.loads((out / "summary.json").read_text())["tracks"] == summary["tracks"]
    scenario = load_scenario(VILNIUS)
    runs = pd.read_parquet(out / "runs.parquet")
    shared = [dim for track in summary["tracks"] for dim in track["wording_shares"]]
    assert shared == list(scenario.dimension_ids)  # every dimension, a framework text's too
    for track in summary["tracks"]:
        for dim, rows in track["wording_shares"].items():
            assert sum(r["share"] for r in rows) == pytest.approx(1, abs=1e-12)
            assert sum(r["count"] for r in rows) == 200
            # recount: the runs table's per-run band (edges are drawn per run), else the declared bands
            agreed = runs[f"{track['track']}.agreed"].astype(bool) | (track["rule"] == "forecast")
            texts = [band.text for band in scenario.dimensions[scenario.dimension_index[dim]].wording]
            if f"band.{dim}" in runs:
                outcome = [texts[int(b)] if ok and b == b else "none" for ok, b in zip(agreed, runs[f"band.{dim}"])]
            else:
                values = runs[f"statement.{dim}"]
                outcome = [scenario.wording(dim, v) if ok else "none" for ok, v in zip(agreed, values)]
            recount = pd.Series(outcome).value_counts()
            for row in rows:
                key = row["text"] if row["band"] is not None else "none"
                assert row["count"] == recount.get(key, 0), (dim, row)
                assert row["share"] == row["count"] / 200
                assert row["ci95"] == pytest.approx(_wilson(row["count"], 200), abs=1e-12)
            assert rows[-1]["band"] is None  # both Vilnius tracks can fail: no agreement, or not launched
            banded = [r for r in rows if r["band"] is not None]
            assert track["modal_band"][dim] == max(banded, key=lambda r: r["count"])["band"]
    text = format_monte_carlo(scenario, summary)
    assert "no agreement (status quo holds)" in text and "not launched (too few signatories)" in text
