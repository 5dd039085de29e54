"""The compiled SMP kernels: NumPy's summation order, exact small cases, and the batch = its runs one by one."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.ktab.assessment import salience_distance
from sim.ktab.batch import play_turns
from sim.ktab.challenges import _BOUND_MARGIN, contest, estimator_view, gain_bounds
from sim.ktab.elections import PROP, coalition_strengths, conditional_pce
from sim.ktab.numpy_sum import _block_sum, pairwise_plan, pairwise_sum, planned_sum
from sim.ktab.smp_math import SMPParameters

FINITE = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


def test_pairwise_sum_adds_in_numpys_order_not_left_to_right():
    values = np.array([1e16, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0])  # 9 numbers: 8 lanes, then one more
    left_to_right = 0.0
    for v in values:
        left_to_right += v
    assert left_to_right == 1e16  # each 1 is lost against 1e16
    # lanes: r0 = 1e16 + 1 (lost), r1..r7 = 1: ((1e16 + 1) + (1 + 1)) + ((1 + 1) + (1 + 1)) + 1
    assert pairwise_sum(values, 0, 9) == np.sum(values) == 1e16 + 8.0
    assert pairwise_sum(values, 1, 8) == 8.0


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(0, 700), elements=FINITE), st.integers(0, 5))
def test_pairwise_sum_equals_numpy_sum(values, skip):
    start = min(skip, len(values))
    assert pairwise_sum(values, start, len(values) - start) == np.sum(values[start:])


@settings(max_examples=40, deadline=None)
@given(arrays(np.float64, st.integers(1, 1200), elements=FINITE))
def test_the_pairwise_plan_executed_is_numpys_sum(values):
    partial = []
    for start, length in pairwise_plan(len(values)):
        if length < 0:
            right = partial.pop()
            partial.append(partial.pop() + right)
        else:
            partial.append(_block_sum(values, start, length))
    assert partial == [np.sum(values)]
    plan = pairwise_plan(len(values))
    assert planned_sum(values, 0, plan, np.empty(len(plan) + 1)) == np.sum(values)


def test_coalition_strengths_by_hand():
    weight = np.array([2.0, 1.0])
    utility = np.array([[1.0, 0.5], [0.0, 1.0]])
    # c_01 = 1e-8 + max(0, 2 (1 - 0.5)) + max(0, 1 (0 - 1)) = 1 + 1e-8; c_10 = 1e-8 + 0 + 1
    expected = np.array([[1e-8, 1e-8 + 1.0], [1e-8 + 1.0, 1e-8]])
    np.testing.assert_array_equal(coalition_strengths(weight, utility, PROP), expected)
    np.testing.assert_array_equal(coalition_strengths(weight, utility, PROP, True), expected)
    victory = np.array([[0.5, 0.75], [0.25, 0.5]])
    # beats all: 0.375 and 0.125, normalised
    np.testing.assert_array_equal(conditional_pce(victory), [0.75, 0.25])


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 300), st.integers(1, 9), st.integers(0, 2 ** 32 - 1))
def test_voters_summed_pairwise_as_numpy_did_on_a_column_major_table(voters, options, seed):
    rng = np.random.default_rng(seed)
    utility, weight = np.asfortranarray(rng.uniform(0, 1, (voters, options))), rng.uniform(0, 100, voters)
    votes = weight[:, None, None] * (utility[:, :, None] - utility[:, None, :])
    expected = 1e-8 + np.maximum(votes, 0.0).sum(axis=0)
    np.fill_diagonal(expected, 1e-8)
    np.testing.assert_array_equal(coalition_strengths(weight, np.ascontiguousarray(utility), PROP, True), expected)


def test_salience_distance_by_hand():
    ideal = np.array([[0.0, 0.0], [1.0, 1.0]])
    salience = np.array([[0.6, 0.8], [0.0, 0.0]])
    distance = salience_distance(ideal, np.array([[0.5, 1.0]]), salience)
    # sqrt((0.36 * 0.25 + 0.64 * 1) / (0.36 + 0.64)) = sqrt(0.73); the indifferent actor: 0
    assert distance[0, 0] == pytest.approx(np.sqrt(0.73), abs=1e-15) and distance[1, 0] == 0.0


def _state(rng, actors, dims):
    position = rng.uniform(0, 1, (actors, dims))
    salience = rng.uniform(0.05, 1, (actors, dims))
    salience /= np.maximum(salience.sum(axis=1, keepdims=True), 1.0)
    return position, salience, rng.uniform(1, 100, actors)


@settings(max_examples=25, deadline=None)
@given(st.integers(3, 25), st.integers(1, 4), st.integers(0, 2 ** 32 - 1))
def test_no_gain_exceeds_its_bound_and_the_pruned_search_finds_the_scans_target(actors, dims, seed):
    position, salience, capability = _state(np.random.default_rng(seed), actors, dims)
    played = play_turns(position[None], salience[None], capability[None])
    distance = salience_distance(position, position, salience)
    total = salience.sum(axis=1)
    weight, columns = total * capability, np.ascontiguousarray(distance.T)
    scratch, plan = np.empty((5, actors + 8)), pairwise_plan(actors - 2)
    for i in range(actors):
        view = estimator_view(distance, played.risk[0], 1, i, i)
        bound = gain_bounds(view[1][i], view[0][i], distance[i], total)
        best, best_gain = -1, -1.0
        for j in range(actors):  # KTAB's scan: every target, the first of the best
            if j != i:
                gain = contest(*view, columns[j], weight, total, i, i, j, PROP, 1, scratch, plan)[1]
                assert gain <= bound[j] + _BOUND_MARGIN
                if 1e-5 < gain and best_gain < gain:
                    best, best_gain = j, gain
        assert played.target[0, i] == best
        assert best < 0 or played.gain[0, i] == best_gain


@pytest.mark.parametrize("options", [{}, {"StateTransitions": "Stochastic", "BargnModel": "InitRcvrInterp"}])
def test_a_batch_of_turns_equals_its_replicates_one_by_one(options):
    rng = np.random.default_rng(4)
    states = [_state(rng, 9, 3) for _ in range(5)]
    position, salience, capability = (np.array([s[n] for s in states]) for n in range(3))
    params = SMPParameters(**options)
    batch = play_turns(position, salience, capability, params, [np.random.default_rng(r) for r in range(5)])
    for r in range(5):
        alone = play_turns(position[r:r + 1], salience[r:r + 1], capability[r:r + 1], params,
                           [np.random.default_rng(r)])
        for name in ("risk", "win", "target", "gain", "chosen", "chosen_probability", "next_position"):
            np.testing.assert_array_equal(getattr(batch, name)[r], getattr(alone, name)[0], err_msg=name)
