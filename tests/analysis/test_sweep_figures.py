"""Figures of a sweep read per design point: own deadlines, names not paths, and a title that says it pools."""

from __future__ import annotations

import numpy as np
import pytest

from sim.analysis import figures, numbers


def test_time_to_agreement_runs_to_each_runs_own_deadline(lhs_sweep):
    # the fixture varies the consensus deadline over 8 to 14; the scenario's own is 13
    frame = numbers.time_to_agreement(lhs_sweep)
    table = lhs_sweep.table()
    deadlines = numbers.run_deadlines(lhs_sweep, lhs_sweep.scenario.tracks[0])
    np.testing.assert_array_equal(deadlines, table["param.tracks.consensus.deadline"].to_numpy(dtype=float))
    assert frame["round"].iloc[-1] == table["param.tracks.consensus.deadline"].max() == 14
    assert frame["consensus"].iloc[-1] == pytest.approx(table["consensus.agreed"].mean())
    assert frame["umbrella"].iloc[-1] == pytest.approx(table["umbrella.agreed"].mean())


def test_time_figure_shades_the_deadline_range_and_says_it_pools(lhs_sweep):
    figure = figures.time_to_agreement(lhs_sweep)
    ax = figure.axes[0]
    x, y = ax.lines[0].get_data()
    assert max(x) == 14 and y[-1] == pytest.approx(lhs_sweep.table()["consensus.agreed"].mean())
    assert any("rounds 8 to 14" in t.get_text() for t in ax.texts)
    assert "pooled over the design" in figure.get_suptitle()


def test_parameters_are_labelled_by_name(lhs_sweep):
    label = numbers.parameter_label
    assert label(lhs_sweep, "actors.poland.flexibility") == "Poland: flexibility"
    assert label(lhs_sweep, "actors.germany.position.membership_timing") == "Germany: membership timing position"
    assert label(lhs_sweep, "tracks.consensus.deadline") == "Membership language (summit communique): deadline"
    assert label(lhs_sweep, "deadline") == "Deadline (every track)"
    assert numbers.pooled_parameters(lhs_sweep) == ["Poland: flexibility",
                                                    "Membership language (summit communique): deadline"]


def test_parameter_precision_keeps_close_values_apart():
    places = numbers.parameter_precision([1.05, 1.13, 1.4])
    assert f"{1.05:.{places}f}" != f"{1.13:.{places}f}"
    assert numbers.parameter_precision([9, 12, 16]) == 0


def test_agreement_bins_are_at_most_the_number_asked(lhs_sweep):
    for bins in (3, 8):
        frame = numbers.agreement_bins(lhs_sweep, "actors.poland.flexibility", bins)
        assert 1 <= len(frame) <= bins
    deadline = numbers.agreement_bins(lhs_sweep, "tracks.consensus.deadline", 8)
    assert (deadline["low"] == deadline["high"]).all()  # at most 8 whole values: one bin each


def test_statement_figure_of_a_sweep_says_it_pools(lhs_sweep):
    figure = figures.statement_distribution(lhs_sweep, "membership_timing")
    assert "pooled over the design" in figure.get_suptitle()
    labels = [t.get_text() for t in figure.axes[1].get_legend().get_texts()]
    assert any("at the base scenario" in label for label in labels)
