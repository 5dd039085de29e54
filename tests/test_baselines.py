"""Closed-form baselines: exact values and the solution concepts' defining properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.baselines import baselines, nash_bargaining, weighted_medians
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


def test_nash_solution_for_two_symmetric_quadratic_utilities_lies_halfway():
    def utilities(x):
        return np.array([1 - ((x[0] - 20) / 100) ** 2, 1 - ((x[0] - 80) / 100) ** 2])

    point = nash_bargaining(utilities, np.array([0.0, 0.0]), np.array([1.0, 1.0]), np.array([0.0]),
                            np.array([100.0]), np.array([30.0]))
    assert point[0] == pytest.approx(50.0, abs=1e-4)


def test_nash_solution_leans_toward_the_heavier_bargainer():
    def utilities(x):
        return np.array([1 - ((x[0] - 20) / 100) ** 2, 1 - ((x[0] - 80) / 100) ** 2])

    point = nash_bargaining(utilities, np.zeros(2), np.array([3.0, 1.0]), np.zeros(1), np.full(1, 100.0),
                            np.array([50.0]))
    assert point[0] < 50


def test_no_nash_solution_when_the_status_quo_cannot_be_improved_for_all():
    def utilities(x):
        return np.array([1 - abs(x[0] - 0) / 100, 1 - abs(x[0] - 100) / 100])

    assert nash_bargaining(utilities, utilities(np.array([0.0])) + np.array([0.0, 0.5]), np.ones(2),
                           np.zeros(1), np.full(1, 100.0), np.array([50.0])) is None


@settings(max_examples=20, deadline=None)
@given(st.floats(0, 40), st.floats(60, 100))
def test_nash_point_is_individually_rational(low, high):
    def utilities(x):
        return np.array([1 - abs(x[0] - low) / 100, 1 - abs(x[0] - high) / 100])

    status_quo = utilities(np.array([50.0])) - 0.1
    point = nash_bargaining(utilities, status_quo, np.ones(2), np.zeros(1), np.full(1, 100.0), np.array([50.0]))
    assert point is not None and np.all(utilities(point) > status_quo)


def test_vilnius_baselines_table():
    table = baselines(load_scenario(SCENARIOS / "vilnius_2023.toml"))
    assert set(table["track"]) == {"consensus"}  # the opt-in umbrella has no common statement
    assert set(table["baseline"]) == {"compromise", "weighted_median", "nash", "status_quo"}
    assert len(table) == 2 * 4
    assert table["wording"].str.len().gt(0).all()
