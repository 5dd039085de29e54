"""The Nash bargaining baseline is exact: analytic answers, brute force on grids, and properties."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import OptimizeResult

import sim.baselines
from sim.baselines import nash_bargaining
from sim.kernel import utility


def _problem(position, salience, status_quo, weights, lower=0.0, upper=100.0):
    position = np.asarray(position, dtype=float)
    dims = position.shape[1]
    low, high = np.full(dims, float(lower)), np.full(dims, float(upper))
    return dict(position=position, salience_weights=utility.salience_weights(np.asarray(salience, float)[None])[0],
                width=high - low, status_quo=np.asarray(status_quo, dtype=float),
                weights=np.asarray(weights, dtype=float), lower=low, upper=high)


def _solve(problem):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Nash bargaining")  # an unverified optimum fails the test
        return nash_bargaining(**problem)


def _gains(points, problem):
    """Every actor's gain over the status quo, with the engine's utility: array (R, A)."""
    points = np.atleast_2d(points)
    shape = (len(points),) + problem["position"].shape
    position, weights = np.broadcast_to(problem["position"], shape), np.broadcast_to(problem["salience_weights"], shape)
    status_quo = utility.utility(problem["status_quo"][None], position[:1], weights[:1], problem["width"])
    return utility.utility(points, position, weights, problem["width"]) - status_quo


def _objective(points, problem):
    """sum_i w_i log(gain_i) with normalised weights, -inf where someone does not gain: array (R,)."""
    gains = _gains(points, problem)
    weights = problem["weights"] / problem["weights"].sum()
    return np.where((gains > 0).all(axis=1), np.log(np.where(gains > 0, gains, 1.0)) @ weights, -np.inf)


def _brute_force(problem, steps):
    """Best point of a grid with `steps` points per dimension plus every actor's and the status quo's coordinates
    (the optimum of a piecewise-linear log problem often lies on such a kink)."""
    axes = [np.unique(np.r_[np.linspace(problem["lower"][d], problem["upper"][d], steps), problem["position"][:, d],
                            problem["status_quo"][d]]) for d in range(len(problem["lower"]))]
    grid = np.array(list(itertools.product(*axes)))
    values = _objective(grid, problem)
    return grid[np.argmax(values)], values.max(), (problem["upper"] - problem["lower"]) / (steps - 1)


@pytest.mark.parametrize(("weight", "expected"), [(0.25, 20.0), (0.5, 20.0), (0.75, 30.0), (0.9, 36.0)])
def test_two_actors_on_one_dimension_with_the_status_quo_at_one_end(weight, expected):
    """Actors at 20 and 80 on [0, 100], status quo 0, weights 1 - w and w; u_i(x) = 1 - |x - p_i| / 100.

    Gains g_1 = (20 - |x - 20|)/100 and g_2 = (80 - |x - 80|)/100.
    - On (0, 20] both equal x/100 and rise with x, so the optimum is at x >= 20.
    - On [20, 80], g_1 = (40 - x)/100 (positive only below 40) and g_2 = x/100:
      F = (1 - w) log(40 - x) + w log(x) + const, F' = -(1 - w)/(40 - x) + w/x = 0 at x = 40 w.
    So x* = max(20, 40 w): with equal weights exactly 20, the nearer actor's position (a kink, where the
    stationary point of the right-hand piece falls), 30 for w = 3/4, 36 for w = 0.9, and 20 for w = 1/4.
    """
    point = _solve(_problem([[20], [80]], np.ones((2, 1)), [0], [1 - weight, weight]))
    assert point[0] == pytest.approx(expected, abs=1e-12)


def test_kink_solutions_are_exact_not_approximate():
    point = _solve(_problem([[20], [80]], np.ones((2, 1)), [0], [1.0, 1.0]))
    assert point[0] == 20.0


# (position, salience, status quo, capability): optima checked unique (an LP over {x : g(x) >= g(x*) - 1e-9}
# pins every coordinate within 1e-5)
OLD_SLSQP_STOPPED_SHORT = ([[13.0, 66.9], [22.6, 16.5]], [[0.88, 0.26], [0.63, 0.34]], [77.4, 76.8], [1.7, 2.8])
UNIQUE_CASES = [
    OLD_SLSQP_STOPPED_SHORT,
    ([[25.9, 24.2, 88.8], [22.6, 12.5, 28.8]], [[0.63, 0.6, 0.83], [0.6, 0.36, 0.47]], [95.9, 36.9, 55.3], [2.5, 2.1]),
    ([[76.9, 88.6, 30.2], [5.2, 90.8, 57.7], [4.4, 77.6, 32.2], [95.2, 98.5, 60.3]],
     [[0.92, 0.42, 0.35], [0.76, 0.6, 0.12], [0.41, 0.11, 0.38], [0.52, 0.43, 0.57]], [60.6, 67.1, 32.1],
     [0.6, 2.9, 1.0, 0.7]),
]


@pytest.mark.parametrize("case", UNIQUE_CASES, ids=["2d_old_stopped_short", "3d_two_actors", "3d_four_actors"])
def test_matches_brute_force_where_the_optimum_is_unique(case):
    problem = _problem(*case)
    point = _solve(problem)
    best, best_value, step = _brute_force(problem, 201 if len(point) == 2 else 41)
    assert _objective(point, problem)[0] >= best_value - 1e-12
    assert np.all(np.abs(point - best) <= step)


def test_old_slsqp_stopped_short_where_the_exact_solution_does_not():
    """The replaced solver (SLSQP on the kinked objective, from the compromise) returned (22.465, 16.500) with
    objective -0.7706008852; the optimum is (16.2561327..., 16.5), objective -0.7655697831, on actor 2's kink
    x_2 = 16.5 (best point of a 0.5-step grid: -0.7655772578)."""
    problem = _problem(*OLD_SLSQP_STOPPED_SHORT)
    point = _solve(problem)
    value = _objective(point, problem)[0]
    assert value >= _brute_force(problem, 201)[1] - 1e-12
    assert value > -0.7706008852 + 1e-3
    assert point[1] == 16.5
    # on x_2 = 16.5 and 13 < x_1 < 22.6, g_1 = g0_1 - c_11 h and g_2 = g0_2 + c_21 h with h = x_1 - 13, gains g0 at
    # x_1 = 13 and c = salience weight / width; w_1 c_11 / g_1 = w_2 c_21 / g_2 gives
    # h = (w_2 c_21 g0_1 - w_1 c_11 g0_2) / ((w_1 + w_2) c_11 c_21)
    c, w = problem["salience_weights"][:, 0] / 100, problem["weights"]
    g0 = _gains(np.array([13.0, 16.5]), problem)[0]
    h = (w[1] * c[1] * g0[0] - w[0] * c[0] * g0[1]) / ((w[0] + w[1]) * c[0] * c[1])
    assert point[0] == pytest.approx(13.0 + h, abs=1e-10)


@pytest.mark.parametrize("case", UNIQUE_CASES + [([[20], [80]], np.ones((2, 1)), [0], [1.0, 3.0])])
def test_the_polish_alone_finds_the_optimum_if_slsqp_does_not_move(case, monkeypatch):
    """The active-set polish is what makes the answer exact: started from the LP's max-min vertex (SLSQP replaced
    by a solver that returns its start), it must reach the same verified optimum, releasing kinks as needed."""
    problem = _problem(*case)
    expected = _solve(problem)
    monkeypatch.setattr(sim.baselines, "minimize", lambda fun, x0, **kwargs: OptimizeResult(x=x0))
    assert _solve(problem) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("seed", range(10))
def test_never_beaten_by_a_grid_with_kinks(seed):
    rng = np.random.default_rng(seed)
    dims = 2 + seed % 2
    actors = int(rng.integers(2, 5))
    problem = _problem(np.round(rng.uniform(0, 100, (actors, dims))), rng.integers(0, 3, (actors, dims)) + 0.5 * (
        rng.uniform(size=(actors, dims)) < 0.3), np.round(rng.uniform(0, 100, dims)), rng.integers(1, 4, actors))
    point = _solve(problem)
    best, best_value, _ = _brute_force(problem, 101 if dims == 2 else 31)
    if point is None:
        assert best_value == -np.inf
    else:
        assert _objective(point, problem)[0] >= best_value - 1e-12


def test_no_solution_when_nobody_can_be_made_better_off_without_hurting_another():
    # two actors at opposite corners with equal saliences: u_1 + u_2 is constant on the square
    assert _solve(_problem([[0, 0], [100, 100]], np.ones((2, 2)), [30, 60], [1.0, 1.0])) is None
    # an actor caring about nothing cannot gain
    assert _solve(_problem([[10, 10], [90, 90]], [[0, 0], [1, 1]], [50, 50], [1.0, 1.0])) is None
    # an exact tie: status quo on the Pareto set, best common gain exactly zero
    assert _solve(_problem([[20], [80]], np.ones((2, 1)), [80], [1.0, 1.0])) is None


def test_ties_go_to_the_maximiser_nearest_the_status_quo():
    """Actors at (20, 20) and (80, 80), saliences 1:1, status quo (100, 0): both utilities are 0.5 there. On the
    square [20, 80]^2 the two city-block distances sum to 120, so u_1 + u_2 = 1.4 (less outside it): the product
    of gains is largest at u_1 = u_2 = 0.7, on the whole segment x_1 + x_2 = 100 of the square. Its point nearest
    the status quo is the end (80, 20)."""
    problem = _problem([[20, 20], [80, 80]], np.ones((2, 2)), [100, 0], [1.0, 1.0])
    point = _solve(problem)
    assert _gains(point, problem)[0] == pytest.approx([0.2, 0.2], abs=1e-12)
    assert point == pytest.approx([80.0, 20.0], abs=1e-9)
    assert _solve({**problem, "status_quo": np.array([0.0, 100.0])}) == pytest.approx([20.0, 80.0], abs=1e-9)


coordinate = st.one_of(st.integers(0, 10).map(lambda k: 10.0 * k), st.floats(0, 100))


@st.composite
def problems(draw):
    actors, dims = draw(st.integers(2, 4)), draw(st.integers(1, 3))
    def matrix(elements):
        return draw(st.lists(st.lists(elements, min_size=dims, max_size=dims), min_size=actors, max_size=actors))
    salience = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.01, 1))
    return _problem(matrix(coordinate), matrix(salience), draw(st.lists(coordinate, min_size=dims, max_size=dims)),
                    draw(st.lists(st.floats(0.1, 10), min_size=actors, max_size=actors)))


@settings(max_examples=60, deadline=None)
@given(problems(), st.integers(0, 2 ** 32 - 1))
def test_solution_is_feasible_and_no_random_point_is_better(problem, seed):
    point = _solve(problem)
    rng = np.random.default_rng(seed)
    low, high = problem["lower"], problem["upper"]
    samples = rng.uniform(low, high, (2000, len(low)))
    if point is None:
        assert _gains(samples, problem).min(axis=1).max() <= 1e-7
        return
    assert np.all((low <= point) & (point <= high))
    assert np.all(_gains(point, problem) > 0)
    assert _solve({**problem, "weights": 1000 * problem["weights"]}) == pytest.approx(point, abs=1e-9)  # normalised
    near = np.clip(point + rng.normal(size=(600, len(low))) * np.repeat([1.0, 1e-3, 1e-6], 200)[:, None], low, high)
    assert _objective(np.vstack([samples, near]), problem).max() <= _objective(point, problem)[0] + 1e-9
