import numpy as np
import pytest

from sim.protocols.concession import offers
from sim.runner import run
from tests.conftest import actor, build, scenario_data
from tests.protocols.contract import ProtocolContract


class TestConcession(ProtocolContract):
    protocol = "concession"

    def scripted(self):
        data = scenario_data([
            actor("hawk", {"d": 80}, capability=2.0, tactic=0.5, reservation_utility=0.5),
            actor("dove", {"d": 20}, capability=1.0, tactic=2.0, reservation_utility=0.5),
        ], deadline=3)
        data["tracks"][0]["protocol"] = "concession"
        return data

    # Worked by hand:
    # round 1: alpha = 0: offers are the ideals, candidate = (2*80 + 20)/3 = 60; demands 1: no one accepts
    # round 2: tau = 1/2: alpha_hawk = 0.5**2 = 0.25, alpha_dove = 0.5**0.5; offers 80 - 0.25*20 = 75 and
    #          20 + 0.7071*40 = 48.284; candidate (2*75 + 48.284)/3 = 66.0948; demands 0.875 and 0.6464:
    #          utilities 0.861 and 0.539, no one accepts
    # round 3: alpha = 1: offers = 66.0948, candidate 66.0948; demands 0.5: both accept
    expected_rounds = [
        {"round": 1, "draft.d": 60.0, "talks.accepting": 0, "talks.open": True},
        {"round": 2, "draft.d": (150 + 20 + 40 * 0.5 ** 0.5) / 3, "talks.accepting": 0, "talks.open": True},
        {"round": 3, "draft.d": (150 + 20 + 40 * 0.5 ** 0.5) / 3, "talks.accepting": 2, "talks.open": False},
    ]


def test_offers_move_by_the_concession_fraction():
    moved = offers(np.array([[[0.0], [100.0]]]), np.array([[40.0]]), np.array([0.25, 1.0]))
    np.testing.assert_allclose(moved[0, :, 0], [10.0, 40.0])


def test_identical_positions_agree_at_once():
    data = scenario_data([actor("a", {"d": 33}), actor("b", {"d": 33}, capability=4)])
    data["tracks"][0]["protocol"] = "concession"
    track = run(build(data)).outcome().track("talks")
    assert track.round == 1 and track.statement["d"] == pytest.approx(33)
