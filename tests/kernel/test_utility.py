import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.kernel.utility import distance, salience_weights, utility

unit = st.floats(0, 1, allow_nan=False)


def test_exact_value():
    positions = np.array([[[20.0, 5.0]]])
    weights = salience_weights(np.array([[[0.6, 0.2]]]))
    np.testing.assert_allclose(weights, [[[0.75, 0.25]]])
    # 0.75 * |50-20|/100 + 0.25 * |5-5|/10 = 0.225
    assert distance(np.array([[50.0, 5.0]]), positions, weights, np.array([100.0, 10.0]))[0, 0] == pytest.approx(0.225)
    assert utility(np.array([[50.0, 5.0]]), positions, weights, np.array([100.0, 10.0]))[0, 0] == pytest.approx(0.775)


def test_zero_salience_means_indifference():
    weights = salience_weights(np.zeros((1, 1, 2)))
    assert utility(np.array([[0.0, 0.0]]), np.array([[[100.0, 100.0]]]), weights, np.array([100.0, 100.0]))[0, 0] == 1.0


@given(arrays(float, (3, 4, 2), elements=st.floats(0, 100)), arrays(float, (3, 2), elements=st.floats(0, 100)),
       arrays(float, (3, 4, 2), elements=unit))
def test_utility_lies_in_unit_interval_and_peaks_at_the_ideal(positions, point, salience):
    weights = salience_weights(salience)
    width = np.array([100.0, 100.0])
    value = utility(point, positions, weights, width)
    assert np.all(value >= -1e-12) and np.all(value <= 1 + 1e-12)
    at_ideal = utility(positions, positions, weights, width)
    np.testing.assert_allclose(at_ideal, 1.0)
    assert np.all(at_ideal >= value - 1e-12)


@given(arrays(float, (2, 3, 1), elements=st.floats(0, 50)), st.floats(-40, 40))
def test_shifting_everything_keeps_utility(positions, shift):
    weights = salience_weights(np.ones((2, 3, 1)))
    point = np.full((2, 1), 25.0)
    before = utility(point, positions, weights, np.array([100.0]))
    after = utility(point + shift, positions + shift, weights, np.array([100.0]))
    np.testing.assert_allclose(before, after, atol=1e-9)
