"""The city-block programme solver against hand-worked cases and against scipy's HiGHS."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from sim.kernel.city_block_lp import FEASIBILITY, best_point, best_points

LOWER, UPPER = np.zeros(2), np.full(2, 100.0)
HIGHS_TIGHT = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


def objective(point, ideal, weights, width):
    return float((weights * np.abs(point - ideal) / width).sum())


def spent(point, ideals, weights, width):
    return (weights * np.abs(point[None, :] - ideals) / width).sum(axis=1)


# ---------------------------------------------------------------- hand-worked cases

def test_an_ideal_every_member_accepts_is_returned_as_it_is():
    ideal = np.array([33.3, 66.6])
    point = best_point(ideal, np.array([0.5, 0.5]), np.array([[40.0, 60.0]]), np.array([[0.5, 0.5]]),
                       np.array([0.2]), LOWER, UPPER)
    assert point.tolist() == ideal.tolist()


def test_on_a_line_the_proposer_goes_just_far_enough_for_the_most_demanding_member():
    # members at 60 (budget 0.3: x >= 30) and 100 (budget 0.5: x >= 50); the proposer at 0 stops at 50
    point = best_point(np.zeros(1), np.ones(1), np.array([[60.0], [100.0]]), np.ones((2, 1)), np.array([0.3, 0.5]),
                       np.zeros(1), np.full(1, 100.0))
    assert point.tolist() == pytest.approx([50.0], abs=1e-12)


def test_members_too_far_apart_make_the_programme_infeasible():
    # |x| <= 30 and |x - 100| <= 30 cannot both hold
    assert best_point(np.zeros(1), np.ones(1), np.array([[0.0], [100.0]]), np.ones((2, 1)), np.array([0.3, 0.3]),
                      np.zeros(1), np.full(1, 100.0)) is None
    # a demand above 1 is a negative budget: nothing meets it, not even the member's own position
    points, feasible = best_points(np.zeros((1, 1)), np.ones((1, 1)), np.array([[[100.0]]]), np.ones((1, 1, 1)),
                                   np.array([[-0.1]]), np.ones((1, 1), bool), np.zeros(1), np.full(1, 100.0))
    assert not feasible[0] and points.tolist() == [[0.0]]


def test_members_compatible_two_by_two_can_still_be_incompatible_together():
    # A (caring for x1 only) needs x1 <= 30, B (x2 only) x2 <= 30, C at (100, 100) weighing both halves
    # x1 + x2 >= 200 - 200 b_C: any two of them agree, all three only if b_C >= 0.7
    ideals = np.array([[0.0, 0.0], [0.0, 0.0], [100.0, 100.0]])
    weights = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    assert best_point(np.zeros(2), np.array([0.5, 0.5]), ideals, weights, np.array([0.3, 0.3, 0.6]),
                      LOWER, UPPER) is None
    point = best_point(np.zeros(2), np.array([0.5, 0.5]), ideals, weights, np.array([0.3, 0.3, 0.7]), LOWER, UPPER)
    assert point.tolist() == pytest.approx([30.0, 30.0], abs=1e-12)


def test_the_proposer_concedes_first_where_it_cares_least():
    # member at (100, 100) weighing both halves needs x1 + x2 >= 100; the proposer at (0, 0) weighs
    # x1 three times x2, so it gives all of x2: (0, 100), at a cost of 0.25
    point = best_point(np.zeros(2), np.array([0.75, 0.25]), np.array([[100.0, 100.0]]), np.array([[0.5, 0.5]]),
                       np.array([0.5]), LOWER, UPPER)
    assert point.tolist() == pytest.approx([0.0, 100.0], abs=1e-12)


def test_two_members_pin_the_proposal_to_a_vertex():
    # A at (100, 0) caring for x1 only, budget 0.4: x1 >= 60; B at (0, 100) caring for x2 only, budget 0.7: x2 >= 30
    point = best_point(np.zeros(2), np.array([0.5, 0.5]), np.array([[100.0, 0.0], [0.0, 100.0]]),
                       np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0.4, 0.7]), LOWER, UPPER)
    assert point.tolist() == pytest.approx([60.0, 30.0], abs=1e-12)
    assert objective(point, np.zeros(2), np.array([0.5, 0.5]), 100.0) == pytest.approx(0.45, abs=1e-12)


def test_ties_go_to_the_point_nearest_the_proposer_on_the_first_dimension():
    # every point with x1 + x2 = 100 costs the even-handed proposer 0.5: it keeps x1 and gives x2
    point = best_point(np.zeros(2), np.array([0.5, 0.5]), np.array([[100.0, 100.0]]), np.array([[0.5, 0.5]]),
                       np.array([0.5]), LOWER, UPPER)
    assert point.tolist() == pytest.approx([0.0, 100.0], abs=1e-12)
    # with the dimensions swapped it keeps the (new) first one
    point = best_point(np.array([0.0, 0.0]), np.array([0.5, 0.5]), np.array([[100.0, 100.0]]),
                       np.array([[0.5, 0.5]]), np.array([0.75]), LOWER, UPPER)
    assert point.tolist() == pytest.approx([0.0, 50.0], abs=1e-12)


def test_on_a_dimension_it_ignores_the_proposer_stays_nearest_its_own_position():
    # indifferent on the first dimension, the proposer at 40 moves to 30, the nearest point the member
    # (at 10, budget 0.2 on that dimension alone) accepts, not to a bound of the range
    point = best_point(np.array([40.0, 60.0]), np.array([0.0, 1.0]), np.array([[10.0, 90.0]]),
                       np.array([[1.0, 0.0]]), np.array([0.2]), LOWER, UPPER)
    assert point.tolist() == pytest.approx([30.0, 60.0], abs=1e-12)
    # indifferent everywhere, facing a member who needs (10, 90) within 0.1 on the second: it moves only there
    point = best_point(np.array([40.0, 60.0]), np.zeros(2), np.array([[10.0, 90.0]]), np.array([[0.0, 1.0]]),
                       np.array([0.1]), LOWER, UPPER)
    assert point.tolist() == pytest.approx([40.0, 80.0], abs=1e-12)


def test_a_row_of_a_batch_is_the_problem_solved_alone():
    rng = np.random.default_rng(3)
    rows, actors, dims = 40, 6, 3
    ideal, weight = rng.uniform(0, 100, (rows, dims)), rng.dirichlet(np.ones(dims), rows)
    ideals, weights = rng.uniform(0, 100, (rows, actors, dims)), rng.dirichlet(np.ones(dims), (rows, actors))
    budgets, members = rng.uniform(0.1, 0.7, (rows, actors)), rng.random((rows, actors)) < 0.6
    lower, upper = np.zeros(dims), np.full(dims, 100.0)
    points, feasible = best_points(ideal, weight, ideals, weights, budgets, members, lower, upper)
    assert feasible.any() and not feasible.all()
    for n in range(rows):
        alone = best_point(ideal[n], weight[n], ideals[n, members[n]], weights[n, members[n]],
                           budgets[n, members[n]], lower, upper)
        assert (alone is None) == (not feasible[n])
        assert (points[n] == (ideal[n] if alone is None else alone)).all()


# ---------------------------------------------------------------- against HiGHS

def posed(ideal, weights, ideals, member_weights, budgets, lower, upper):
    """The programme as the protocol used to pose it to HiGHS: variables x, then e[person, d] >= |x_d - p_d|.

    Returns the cost, the inequality rows and right-hand sides, and the bounds.
    """
    members, dims = ideals.shape
    width = upper - lower
    everyone = np.vstack([ideal[None, :], ideals])
    n_vars = dims + (members + 1) * dims
    cost = np.zeros(n_vars)
    cost[dims:2 * dims] = weights / width
    rows, rhs = [], []
    for person in range(members + 1):
        for d in range(dims):
            for sign in (1.0, -1.0):
                row = np.zeros(n_vars)
                row[d], row[dims + person * dims + d] = sign, -1.0
                rows.append(row)
                rhs.append(sign * everyone[person, d])
    for m in range(members):
        row = np.zeros(n_vars)
        row[dims + (m + 1) * dims:dims + (m + 2) * dims] = member_weights[m] / width
        rows.append(row)
        rhs.append(budgets[m])
    bounds = [(lower[d], upper[d]) for d in range(dims)] + [(0, None)] * ((members + 1) * dims)
    return cost, np.array(rows), np.array(rhs), bounds


def highs(*problem):
    cost, rows, rhs, bounds = posed(*problem)
    return linprog(cost, A_ub=rows, b_ub=rhs, bounds=bounds, method="highs", options=HIGHS_TIGHT)


def lexicographic_highs(ideal, weights, ideals, member_weights, budgets, lower, upper, slack=1e-10):
    """The tie rule by stages: each objective minimised with the earlier ones held at their optima (+ slack)."""
    cost, rows, rhs, bounds = posed(ideal, weights, ideals, member_weights, budgets, lower, upper)
    dims, width = len(ideal), upper - lower
    stages = [cost]
    idle = np.flatnonzero(weights <= 0)
    for chosen in ([idle] if len(idle) else []) + [np.array([d]) for d in range(dims)]:
        stage = np.zeros(len(cost))
        stage[dims + chosen] = 1.0 / width[chosen]
        stages.append(stage)
    for stage in stages:
        result = linprog(stage, A_ub=rows, b_ub=rhs, bounds=bounds, method="highs", options=HIGHS_TIGHT)
        assert result.status == 0
        rows, rhs = np.vstack([rows, stage]), np.append(rhs, result.fun + slack)
    return result.x[:dims]


def least_violation(ideals, member_weights, budgets, lower, upper):
    """min over the box of max_i (g_i(x) - b_i): negative when every budget can be met with room to spare."""
    members, dims = ideals.shape
    width = upper - lower
    n_vars = dims + members * dims + 1
    cost = np.zeros(n_vars)
    cost[-1] = 1.0
    rows, rhs = [], []
    for m in range(members):
        for d in range(dims):
            for sign in (1.0, -1.0):
                row = np.zeros(n_vars)
                row[d], row[dims + m * dims + d] = sign, -1.0
                rows.append(row)
                rhs.append(sign * ideals[m, d])
        row = np.zeros(n_vars)
        row[dims + m * dims:dims + (m + 1) * dims] = member_weights[m] / width
        row[-1] = -1.0
        rows.append(row)
        rhs.append(budgets[m])
    bounds = [(lower[d], upper[d]) for d in range(dims)] + [(0, None)] * (members * dims) + [(None, None)]
    return linprog(cost, A_ub=np.array(rows), b_ub=np.array(rhs), bounds=bounds, method="highs",
                   options=HIGHS_TIGHT).fun


@st.composite
def programmes(draw):
    """1-4 dimensions, 1-6 members; positions often on a coarse grid (ties), weights often 0."""
    dims = draw(st.integers(1, 4))
    members = draw(st.integers(1, 6))
    width = np.array(draw(st.lists(st.sampled_from([10.0, 100.0]), min_size=dims, max_size=dims)))
    coordinate = st.one_of(st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]), st.floats(0.0, 1.0))
    weight = st.one_of(st.just(0.0), st.floats(0.05, 1.0))

    def point():
        return np.array(draw(st.lists(coordinate, min_size=dims, max_size=dims))) * width

    def normalised():
        w = np.array(draw(st.lists(weight, min_size=dims, max_size=dims)))
        return w / w.sum() if w.sum() > 0 else w

    ideal, weights = point(), normalised()
    ideals = np.array([point() for _ in range(members)])
    member_weights = np.array([normalised() for _ in range(members)])
    budgets = np.array(draw(st.lists(st.one_of(st.sampled_from([0.0, 0.25, 0.5]), st.floats(-0.1, 1.0)),
                                      min_size=members, max_size=members)))
    return ideal, weights, ideals, member_weights, budgets, np.zeros(dims), width


@settings(max_examples=300, deadline=None, derandomize=True)
@given(programmes())
def test_the_optimum_is_highs_optimum(problem):
    ideal, weights, ideals, member_weights, budgets, lower, upper = problem
    width = upper - lower
    point = best_point(*problem)
    reference = highs(*problem)
    margin = least_violation(ideals, member_weights, budgets, lower, upper)
    if margin > 1e-7:  # clearly infeasible
        assert point is None and reference.status == 2
    elif margin < -1e-7:  # clearly feasible
        assert point is not None and reference.status == 0
    if point is not None:
        assert ((lower <= point) & (point <= upper)).all()
        assert (spent(point, ideals, member_weights, width) <= budgets + FEASIBILITY).all()
        if reference.status == 0:
            assert objective(point, ideal, weights, width) == pytest.approx(reference.fun, abs=1e-9)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(programmes())
def test_ties_follow_the_stated_order(problem):
    """Against HiGHS in stages: the proposer's distance, its idle-dimension distance, each dimension's in order."""
    _, _, ideals, member_weights, budgets, lower, upper = problem
    if least_violation(ideals, member_weights, budgets, lower, upper) > -1e-6:
        return  # infeasible or on the edge: no tie to break
    point = best_point(*problem)
    # the stages' slack (1e-10 each) lets HiGHS's point drift by a little more than that
    np.testing.assert_allclose(point, lexicographic_highs(*problem), rtol=0, atol=1e-6 * (upper - lower).max())
