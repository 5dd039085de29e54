import numpy as np
import pytest

from sim.protocols.alternating import best_acceptable_point, cheapest_coalition
from sim.runner import run
from tests.conftest import actor, build, scenario_data
from tests.protocols.contract import ProtocolContract


class TestAlternating(ProtocolContract):
    protocol = "alternating"

    def scripted(self):
        # the hawk's capability makes it the proposer in practice (the dove is recognised with odds 1e-12)
        data = scenario_data([
            actor("hawk", {"d": 80}, capability=1e6, tactic=1.0, reservation_utility=0.5),
            actor("dove", {"d": 20}, capability=1e-6, tactic=1.0, reservation_utility=0.5),
        ], deadline=3)
        data["tracks"][0]["protocol"] = "alternating"
        return data

    # Worked by hand: the hawk proposes the point best for itself that the dove accepts at its demand
    # round 1: demand 1: only the dove's ideal, 20; the hawk (utility 0.4) rejects its own proposal
    # round 2: demand 0.75: within 25 of the dove: 45; the hawk (0.65 < 0.75) rejects it
    # round 3: demand 0.5: within 50 of the dove: 70; both accept
    expected_rounds = [
        {"round": 1, "draft.d": 20.0, "talks.accepting": 1, "talks.open": True},
        {"round": 2, "draft.d": 45.0, "talks.accepting": 1, "talks.open": True},
        {"round": 3, "draft.d": 70.0, "talks.accepting": 2, "talks.open": False},
    ]


def test_the_best_acceptable_point_is_a_linear_programme():
    # proposer at (0, 0) weighing the first dimension only; one member at (100, 100) with a budget of 0.5
    point = best_acceptable_point(np.array([0.0, 0.0]), np.array([1.0, 0.0]), np.array([[100.0, 100.0]]),
                                  np.array([[0.5, 0.5]]), np.array([0.5]), np.zeros(2), np.full(2, 100.0))
    # the member needs 0.5*|x1-100|/100 + 0.5*|x2-100|/100 <= 0.5: the proposer concedes all of x2 first
    assert point == pytest.approx([0.0, 100.0], abs=1e-6)
    assert best_acceptable_point(np.zeros(1), np.ones(1), np.array([[100.0]]), np.ones((1, 1)), np.array([-0.1]),
                                 np.zeros(1), np.full(1, 100.0)) is None


def test_cheapest_coalition_takes_blockers_then_the_nearest():
    members = np.ones(5, bool)
    veto = np.array([False, False, True, False, False])
    chosen = cheapest_coalition(np.array([0]), members[None], veto, np.ones((1, 5)),
                                np.array([[0.0, 0.4, 0.9, 0.1, 0.2]]),
                                "qualified_majority", "count", 0.6)
    assert chosen.tolist() == [[True, False, True, True, False]]


def test_under_majority_rule_the_median_proposer_passes_its_ideal_once_a_neighbour_concedes():
    # round 1: demands are 1, so the centre can only offer the left's ideal, and rejects it itself;
    # round 2: the fast-conceding left (beta = 20, reservation 0) accepts anything, so the centre's ideal passes
    data = scenario_data([actor(n, {"d": p}, veto=False, capability=c, tactic=t, reservation_utility=r)
                          for n, p, c, t, r in (("left", 10, 1e-6, 20.0, 0.0), ("centre", 50, 1e6, 1.0, 0.5),
                                                ("right", 90, 1e-6, 1.0, 0.9))],
                         rule={"kind": "simple_majority"}, deadline=5)
    data["tracks"][0]["protocol"] = "alternating"
    track = run(build(data)).outcome().track("talks")
    assert track.agreed and track.round == 2 and track.statement["d"] == pytest.approx(50.0)
    assert track.accepted == ["centre", "left"]
