import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.kernel.concession import concession_fraction, demand


def test_exact_values():
    tactic = np.array([0.5, 1.0, 2.0])
    # round 3 of 5: tau = 0.5; alpha = 0.5 ** (1 / beta)
    np.testing.assert_allclose(concession_fraction(3, 5, tactic), [0.25, 0.5, 0.5 ** 0.5])
    np.testing.assert_allclose(demand(3, 5, np.array([1.0]), np.array([0.4])), [0.7])


def test_demand_runs_from_one_to_the_reservation():
    tactic, reservation = np.array([0.3, 1.0, 4.0]), np.array([0.2, 0.5, 0.9])
    np.testing.assert_allclose(demand(1, 8, tactic, reservation), 1.0)
    np.testing.assert_allclose(demand(8, 8, tactic, reservation), reservation)
    np.testing.assert_allclose(demand(20, 8, tactic, reservation), reservation)


def test_single_round_deadline_concedes_at_once():
    np.testing.assert_allclose(demand(1, 1, np.array([0.5]), np.array([0.3])), [0.3])


@given(st.integers(2, 30), st.floats(0.05, 20), st.floats(0, 1))
def test_demand_never_rises(deadline, beta, reservation):
    path = [demand(t, deadline, np.array([beta]), np.array([reservation]))[0] for t in range(1, deadline + 1)]
    assert all(later <= earlier + 1e-12 for earlier, later in zip(path, path[1:]))


@given(st.integers(3, 30), st.floats(0.05, 0.95), st.floats(1.05, 20))
def test_boulware_holds_out_longer_than_conceder(deadline, boulware, conceder):
    for t in range(2, deadline):
        hard, soft = demand(t, deadline, np.array([boulware, conceder]), np.array([0.0, 0.0]))
        assert hard >= soft - 1e-12


@pytest.mark.parametrize("initial", [0.0, 0.3])
def test_initial_concession(initial):
    assert concession_fraction(1, 10, np.array([1.0]), initial)[0] == pytest.approx(initial)
