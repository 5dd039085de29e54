import numpy as np
import pytest

from sim.protocols.bilateral import pledge_offers, umbrella_statement
from sim.runner import run
from tests.conftest import actor, build, dimension
from tests.protocols.contract import ProtocolContract


def umbrella(min_signatories=1, deadline=3, donors=((40, 0.7), (60, 0.7))):
    actors = [actor(f"donor{i}", {"d": p}, tactic=1.0, reservation_utility=r) for i, (p, r) in enumerate(donors)]
    actors.append(actor("recipient", {"d": 100}, veto=False, tactic=1.0, reservation_utility=0.5))
    return {
        "name": "umbrella", "deadline": deadline, "dimensions": [dimension("d")], "actors": actors,
        "tracks": [{"id": "talks", "dimensions": ["d"], "decision_rule": {
            "kind": "opt_in", "counterpart": "recipient", "min_signatories": min_signatories}}],
    }


class TestBilateral(ProtocolContract):
    protocol = "bilateral"

    def scripted(self):
        return umbrella()

    # Worked by hand:
    # round 1: demands 1: offers at own positions 40 and 60; the recipient (demand 1) refuses both
    # round 2: donors' demand 0.85, recipient's 0.75. donor0 offers 40 + (0.15/0.6)*60 = 55 (worth 0.55
    #          to the recipient: refused); donor1 offers 60 + (0.15/0.4)*40 = 75 (worth 0.75: signed)
    # round 3: donors 0.7, recipient 0.5: donor0 offers 40 + 0.5*60 = 70 and signs; umbrella = 72.5
    expected_rounds = [
        {"round": 1, "talks.accepting": 0, "talks.open": True},
        {"round": 2, "draft.d": 75.0, "talks.accepting": 1, "talks.open": True},
        {"round": 3, "draft.d": 72.5, "talks.accepting": 2, "talks.open": False},
    ]

    def test_scripted_outcome(self):
        track = run(build(self.scripted())).outcome().track("talks")
        assert track.agreed and track.round == 2
        assert track.signatories == ["donor0", "donor1"]
        assert track.pledges == {"donor0": {"d": pytest.approx(70.0)}, "donor1": {"d": pytest.approx(75.0)}}
        assert track.statement["d"] == pytest.approx(72.5)


def test_not_enough_signatories_means_no_umbrella():
    data = umbrella(min_signatories=2, donors=((40, 0.7), (0, 1.0)))
    track = run(build(data)).outcome().track("talks")
    assert not track.agreed
    assert track.signatories == ["donor0"]
    assert np.isnan(track.statement["d"])


def test_a_donor_already_at_the_recipients_position_signs_at_once():
    data = umbrella(donors=((100, 0.9), (10, 0.9)))
    track = run(build(data)).outcome().track("talks")
    assert track.round == 1 and track.pledges["donor0"]["d"] == pytest.approx(100.0)


def test_offers_stop_at_the_counterparts_position():
    offers = pledge_offers(np.array([[[40.0]]]), np.ones((1, 1, 1)), np.array([[100.0]]), np.array([[0.0]]),
                           np.array([100.0]))
    assert offers[0, 0, 0] == pytest.approx(100.0)


def test_umbrella_statement_weights_by_capability_and_is_nan_without_signatories():
    pledge = np.array([[[10.0], [40.0], [np.nan]]])
    signed = np.array([[True, True, False]])
    assert umbrella_statement(pledge, signed, np.array([[1.0, 3.0, 5.0]]))[0, 0] == pytest.approx(32.5)
    assert np.isnan(umbrella_statement(pledge, np.zeros((1, 3), bool), np.ones((1, 3)))[0, 0])
