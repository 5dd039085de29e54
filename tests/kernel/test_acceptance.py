import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.kernel.acceptance import acceptance_probability, accepts


def test_deterministic_threshold_with_rounding_tolerance():
    utility = np.array([[0.5, 0.4999999999999, 0.49]])
    assert accepts(utility, np.full((1, 3), 0.5), "deterministic", 0.05).tolist() == [[True, True, False]]


def test_logistic_exact_value():
    assert acceptance_probability(np.array(0.6), np.array(0.5), 0.1) == pytest.approx(1 / (1 + np.exp(-1)))
    assert acceptance_probability(np.array(0.5), np.array(0.5), 0.1) == pytest.approx(0.5)


def test_logistic_uses_the_draws():
    utility, demand = np.array([[0.6, 0.6]]), np.array([[0.5, 0.5]])
    answers = accepts(utility, demand, "logistic", 0.1, np.array([[0.2, 0.9]]))
    assert answers.tolist() == [[True, False]]


def test_logistic_needs_draws():
    with pytest.raises(ValueError):
        accepts(np.zeros((1, 1)), np.zeros((1, 1)), "logistic", 0.1)


@given(st.floats(-1, 1), st.floats(0.001, 1))
def test_logistic_probability_is_monotone_and_bounded(gap, temperature):
    low = acceptance_probability(np.array(0.5), np.array(0.5 - gap), temperature)
    high = acceptance_probability(np.array(0.5 + 0.01), np.array(0.5 - gap), temperature)
    assert 0 <= low <= high <= 1
