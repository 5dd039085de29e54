"""Closed-form baselines: exact values and the solution concepts' defining properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.baselines import baselines, nash_bargaining, weighted_medians
from sim.kernel import utility
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS, actor, build, scenario_data


def test_compromise_is_the_weighted_mean_and_status_quo_is_declared():
    scenario = build(scenario_data([
        actor("a", {"d": 10}, capability=1.0, salience={"d": 1.0}),
        actor("b", {"d": 40}, capability=2.0, salience={"d": 0.5}),
        actor("c", {"d": 90}, capability=4.0, salience={"d": 0.25}),
    ], dims=[{"id": "d", "range": [0, 100], "status_quo": 5, "wording": [{"from": 0, "text": "x"}]}]))
    table = baselines(scenario).set_index("baseline")["value"]
    assert table["compromise"] == pytest.approx((10 + 40 + 90) / 3)  # weights 1, 1, 1
    assert table["status_quo"] == 5
    assert table["weighted_median"] == 40


def test_weighted_median_is_the_condorcet_winner_in_one_dimension():
    position = np.array([[0.0], [30.0], [35.0], [80.0], [100.0]])
    assert weighted_medians(position, np.ones((5, 1)), np.array([1.0, 1, 1, 1, 1]))[0] == 35.0
    assert weighted_medians(position, np.ones((5, 1)), np.array([5.0, 1, 1, 1, 1]))[0] == 0.0


def _nash(position, salience, status_quo, weights, lower=0.0, upper=100.0):
    """nash_bargaining with the engine's salience weights and a common range."""
    position = np.asarray(position, dtype=float)
    dims = position.shape[1]
    weights_ = utility.salience_weights(np.asarray(salience, dtype=float)[None])[0]
    low, high = np.full(dims, float(lower)), np.full(dims, float(upper))
    return nash_bargaining(position, weights_, high - low, np.asarray(status_quo, dtype=float),
                           np.asarray(weights, dtype=float), low, high)


def test_nash_solution_for_two_symmetric_actors_lies_halfway():
    """Actors at (20, 0) and (80, 0), equal saliences, status quo (50, 100).

    Both gain by lowering x_2, so x_2 = 0. For 20 <= x_1 <= 80 the sum of the two gains is constant, so the
    product is largest where they are equal: x_1 = 50 (outside [20, 80] both gains fall).
    """
    point = _nash([[20, 0], [80, 0]], np.ones((2, 2)), [50, 100], [1.0, 1.0])
    assert point == pytest.approx([50.0, 0.0], abs=1e-9)


def test_nash_solution_leans_toward_the_heavier_bargainer():
    """Same actors, weights 3:1. On 20 <= x_1 <= 80, g_1 = 0.65 - (x_1 - 20)/200 and g_2 = 0.65 - (80 - x_1)/200;
    the stationarity condition 3/g_1 = 1/g_2 gives x_1 = 0, outside the piece, so the optimum is the kink x_1 = 20:
    the heavier bargainer gets its own position."""
    point = _nash([[20, 0], [80, 0]], np.ones((2, 2)), [50, 100], [3.0, 1.0])
    assert point[0] == 20.0 and point[1] == 0.0


def test_no_nash_solution_when_the_status_quo_cannot_be_improved_for_all():
    assert _nash([[0], [100]], np.ones((2, 1)), [30], np.ones(2)) is None  # between them: Pareto optimal already
    assert _nash([[20], [80]], np.ones((2, 1)), [20], np.ones(2)) is None  # the first actor has its ideal point


@settings(max_examples=20, deadline=None)
@given(st.floats(0, 40), st.floats(60, 100), st.floats(0, 100))
def test_nash_point_is_individually_rational(low, high, status_quo):
    point = _nash([[low], [high]], np.ones((2, 1)), [status_quo], np.ones(2))
    if low <= status_quo <= high:
        assert point is None  # every move hurts one of them
    elif min(abs(status_quo - low), abs(status_quo - high)) > 1e-6:  # else the best common gain may be below tol
        ideal = np.array([low, high])
        assert point is not None and np.all(np.abs(point[0] - ideal) < np.abs(status_quo - ideal))


def test_nash_baseline_of_a_scenario_uses_capability_and_the_status_quo():
    """One dimension, actors at 20 and 80 with capability 1 and 3, status quo at the lower bound: on [20, 80]
    the gains are (40 - x)/100 and x/100, and 1/(40 - x) = 3/x gives x = 30 (see test_nash_exact)."""
    scenario = build(scenario_data([
        actor("a", {"d": 20}, capability=1.0),
        actor("b", {"d": 80}, capability=3.0),
    ]))
    table = baselines(scenario).set_index("baseline")["value"]
    assert table["nash"] == pytest.approx(30.0, abs=1e-9)


def test_vilnius_baselines_table():
    table = baselines(load_scenario(SCENARIOS / "vilnius_2023.toml"))
    assert set(table["track"]) == {"consensus"}  # the opt-in umbrella has no common statement
    assert set(table["baseline"]) == {"compromise", "weighted_median", "nash", "status_quo"}
    assert len(table) == 2 * 4
    assert table["wording"].str.len().gt(0).all()
