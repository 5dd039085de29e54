import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.bdm import BDMParameters, bdm_round, bdm_run, weighted_median
from sim.runner import run
from tests.conftest import actor, build, scenario_data
from tests.protocols.contract import ProtocolContract


def bdm_data(actors, deadline=10):
    data = scenario_data(actors, rule={"kind": "forecast"}, deadline=deadline)
    data["tracks"][0]["protocol"] = "bdm"
    return data


class TestBDM(ProtocolContract):
    protocol = "bdm"

    def scripted(self):
        return bdm_data([actor("strong", {"d": 0}, capability=3.0), actor("weak", {"d": 100}, capability=1.0)])

    # Worked by hand (Delta = 100, saliences 1): votes 3 and -1 give P = 3/4; risk-neutral EUs +1 and -1,
    # so securities -1 and +1, R = -1 and +1, r = 2 and 1/2. With them, EU(strong -> weak) = 0.75*2 + 0.25*(-2)
    # - (2 - 4/4) = 0 and EU(weak -> strong) = -0.172: no challenge, settled in round 1 on the median, 0.
    expected_rounds = [{"round": 1, "draft.d": 0.0, "talks.open": False}]


def test_exact_risk_exponents_and_expected_utilities():
    record, new = bdm_round(np.array([0.0, 100.0]), np.array([3.0, 1.0]), np.array([1.0, 1.0]), 100.0)
    np.testing.assert_allclose(record.risk, [2.0, 0.5])
    assert record.expected_utility[0, 1] == pytest.approx(0.0, abs=1e-12)
    assert record.expected_utility[1, 0] == pytest.approx(0.25 * 2 - 0.75 * 2 - (2 - 4 * 0.5 ** 0.5))
    np.testing.assert_array_equal(new, [0.0, 100.0])


def test_weighted_median_exact_values():
    assert weighted_median(np.array([10.0, 50.0, 90.0]), np.array([1.0, 1.0, 1.0])) == 50.0
    assert weighted_median(np.array([10.0, 50.0, 90.0]), np.array([5.0, 1.0, 1.0])) == 10.0


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 100), st.floats(0.5, 5), st.floats(0.2, 1)), min_size=3, max_size=7))
def test_one_dimension_forecast_is_the_weighted_median(actors):
    """Single-peaked preferences on one dimension: the forecast is the capability x salience weighted median."""
    position = np.array([a[0] for a in actors])
    capability = np.array([a[1] for a in actors])
    salience = np.array([a[2] for a in actors])
    first = next(bdm_run(position, capability, salience, 100.0))
    assert first.median == weighted_median(position, capability * salience)
    assert position.min() <= first.median <= position.max()


def test_positions_only_move_toward_challengers():
    position = np.array([0.0, 10, 40, 50, 60, 100])
    records = list(bdm_run(position, np.array([1.0, 2, 3, 1, 2, 1]), np.array([0.9, 0.5, 0.6, 0.8, 0.7, 0.4]), 100.0))
    assert len(records) > 1
    for before, after in zip(records, records[1:]):
        assert np.all(after.position >= before.position.min() - 1e-9)
        assert np.all(after.position <= before.position.max() + 1e-9)


@pytest.mark.parametrize("params", [BDMParameters("net"), BDMParameters(capitulation="gain_exceeds_loss")])
def test_the_readings_of_the_paper_are_options(params):
    data = bdm_data([actor("a", {"d": 0}, capability=1.0), actor("b", {"d": 40}, capability=2.0),
                     actor("c", {"d": 100}, capability=1.5, salience={"d": 0.4})])
    data["tracks"][0]["options"] = {"probability": params.probability, "capitulation": params.capitulation}
    outcome = run(build(data)).outcome().track("talks")
    assert 0 <= outcome.statement["d"] <= 100
