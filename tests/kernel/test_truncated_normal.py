"""The truncated normal's inverse CDF the Monte Carlo draws positions through, against scipy's."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sim.kernel.uncertainty import FAR_TAIL, truncated_normal_masses, truncated_normal_ppf


def ppf(q, a, b) -> np.ndarray:
    a, b = np.atleast_1d(np.asarray(a, dtype=float)), np.atleast_1d(np.asarray(b, dtype=float))
    parameters = {"a": a, "b": b} | truncated_normal_masses(a, b)
    return truncated_normal_ppf(np.atleast_2d(np.asarray(q, dtype=float)).reshape(-1, len(a)), parameters)


def test_exact_values():
    assert ppf(0.5, -2.0, 2.0)[0, 0] == 0.0  # the median of a symmetric truncation
    assert ppf(0.5, -np.inf, np.inf)[0, 0] == 0.0
    assert ppf(0.975, -np.inf, np.inf)[0, 0] == pytest.approx(1.959963984540054, abs=1e-15)
    assert ppf(0.025, -np.inf, np.inf)[0, 0] == pytest.approx(-1.959963984540054, abs=1e-15)
    # the median of N(0, 1) truncated to [0, inf) is Phi^-1(3/4)
    assert ppf(0.5, 0.0, np.inf)[0, 0] == pytest.approx(0.6744897501960817, abs=1e-15)
    assert ppf(2.0 ** -54, 1.0, 2.0)[0, 0] == pytest.approx(1.0, abs=1e-12)
    assert ppf(1 - 2.0 ** -53, 1.0, 2.0)[0, 0] == pytest.approx(2.0, abs=1e-12)


def test_agrees_with_scipy_on_a_wide_grid_including_both_tails():
    rng = np.random.default_rng(0)
    a = rng.uniform(-12, 12, 4000)
    b = a + rng.exponential(2.0, 4000) + 1e-6
    q = (rng.integers(0, 2 ** 53, (25, 4000)) + 0.5) / 2 ** 53
    np.testing.assert_allclose(ppf(q, a, b), stats.truncnorm.ppf(q, a, b), rtol=0, atol=1e-12)


def test_bounds_far_in_a_tail_are_scipy_s_own():
    a, b = np.array([-40.0, 36.0, -3.0]), np.array([-38.0, 40.0, 3.0])
    parameters = {"a": a, "b": b} | truncated_normal_masses(a, b)
    assert parameters["far"].tolist() == [True, True, False]
    q = np.array([[0.1, 0.5, 0.9], [1e-9, 0.3, 1 - 1e-9]])
    z = truncated_normal_ppf(q, parameters)
    assert np.array_equal(z[:, :2], stats.truncnorm.ppf(q[:, :2], a[:2], b[:2]))
    assert FAR_TAIL < 37.5  # where the normal's tail mass would reach subnormal numbers


def _solves_its_equation(z: float, q: float, a: float, b: float) -> bool:
    """Whether z solves Phi(z) - Phi(a) = q (Phi(b) - Phi(a)), checked in the tail z lies in (where the
    normal's masses keep their digits): an independent check, not another implementation's answer."""
    from scipy.special import ndtr

    mass = ndtr(-a) - ndtr(-b) if a > -b else ndtr(b) - ndtr(a)
    if z >= 0:
        lhs, rhs = ndtr(-z) - ndtr(-b), (1.0 - q) * mass
    else:
        lhs, rhs = ndtr(z) - ndtr(a), q * mass
    density = np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)
    return abs(lhs - rhs) <= 1e-7 * rhs + 1e-14 * density * max(1.0, abs(z))


def test_near_one_the_upper_tail_keeps_its_digits():
    """q = 1 - 2^-53 on [-1, 6]: 50-digit arithmetic gives 5.9999999846264273416; scipy's truncnorm is
    1.8e-9 off there, taking the probability from the wrong tail."""
    q = 0.9999999999999999
    assert ppf(q, -1.0, 6.0)[0, 0] == pytest.approx(5.9999999846264273416, abs=1e-14)
    assert abs(stats.truncnorm.ppf(q, -1.0, 6.0) - 5.9999999846264273416) > 1e-9
    assert _solves_its_equation(5.9999999846264273416, q, -1.0, 6.0)
    assert not _solves_its_equation(float(stats.truncnorm.ppf(q, -1.0, 6.0)), q, -1.0, 6.0)


@settings(max_examples=300, deadline=None)
@given(st.floats(-30, 30), st.floats(1e-6, 20), st.lists(st.floats(2.0 ** -54, 1 - 2.0 ** -53), min_size=2,
                                                          max_size=2))
def test_within_the_bounds_increasing_and_solving_its_equation(a, width, probabilities):
    b = a + width
    low, high = sorted(probabilities)
    z = ppf([[low], [high]], a, b)[:, 0]
    assert a <= z[0] <= z[1] <= b
    for value, q in zip(z, (low, high)):
        assert _solves_its_equation(value, q, a, b), (value, q, a, b)


def test_uniform_and_triangular_are_scipy_s_numbers_bit_for_bit():
    """Computed without importing scipy.stats, they are its formulas: the same bits."""
    from sim.kernel.uncertainty import Marginals
    from sim.scenario.distributions import Triangular, Uniform
    from sim.scenario.uncertainties import UncertainInput

    def item(distribution) -> UncertainInput:
        return UncertainInput(path="x", quantity="capability", keys=("a",), declared=1.0, lower=0.0, upper=10.0,
                              open_lower=False, integer=False, distribution=distribution, factor=None, loading=0.0,
                              entry=0, what="x")

    items = [item(Uniform(kind="uniform", low=0.5, high=3.0)), item(Triangular(kind="triangular", low=0.2, high=2.5)),
             item(Triangular(kind="triangular", low=0.0, high=10.0, mode=9.5))]
    u = (np.random.default_rng(1).integers(0, 2 ** 53, (5000, 3)) + 0.5) / 2 ** 53
    values = Marginals(items).quantiles(u)
    assert np.array_equal(values[:, 0], stats.uniform.ppf(u[:, 0], loc=0.5, scale=2.5))
    assert np.array_equal(values[:, 1], stats.triang.ppf(u[:, 1], (1.0 - 0.2) / 2.3, loc=0.2, scale=2.3))
    assert np.array_equal(values[:, 2], stats.triang.ppf(u[:, 2], 0.95, loc=0.0, scale=10.0))
