import numpy as np
import pytest

from sim.protocols.mediated import compromise, revise_draft
from sim.runner import run
from tests.conftest import actor, build, scenario_data
from tests.protocols.contract import ProtocolContract


class TestMediated(ProtocolContract):
    protocol = "mediated"

    def scripted(self):
        return scenario_data([
            actor("hawk", {"d": 80}, capability=2.0, tactic=1.0, reservation_utility=0.5),
            actor("dove", {"d": 20}, capability=1.0, tactic=1.0, reservation_utility=0.5),
        ], deadline=3)

    # Worked by hand (README, "The mediated protocol"):
    # round 1: draft = (2*80 + 1*20)/3 = 60; demands 1; utilities 0.8 and 0.6: both object;
    #          weights 2*(1-0.8) = 0.4 and 1*(1-0.6) = 0.4 -> target 50 -> draft 60 + 0.3*(50-60) = 57
    # round 2: demands 0.75; hawk 0.77 accepts, dove 0.63 objects -> draft 57 + 0.3*(20-57) = 45.9
    # round 3: demands 0.5; hawk 0.659, dove 0.741: both accept -> agreed on 45.9
    expected_rounds = [
        {"round": 1, "draft.d": 60.0, "talks.accepting": 0, "talks.open": True},
        {"round": 2, "draft.d": 57.0, "talks.accepting": 1, "talks.open": True},
        {"round": 3, "draft.d": 45.9, "talks.accepting": 2, "talks.open": False},
    ]

    def test_scripted_outcome(self):
        outcome = run(build(self.scripted())).outcome()
        track = outcome.track("talks")
        assert track.agreed and track.round == 3
        assert track.statement["d"] == pytest.approx(45.9)
        assert track.utility == pytest.approx({"dove": 1 - 0.259, "hawk": 1 - 0.341})


def test_identical_ideal_points_agree_in_round_one_on_that_point():
    scenario = build(scenario_data([
        actor("a", {"d": 37.3}, capability=5.0, reservation_utility=0.99),
        actor("b", {"d": 37.3}, capability=0.7, reservation_utility=0.99),
    ]))
    track = run(scenario).outcome().track("talks")
    assert track.agreed and track.round == 1
    assert track.statement["d"] == pytest.approx(37.3)


def test_a_veto_holder_who_can_never_be_satisfied_blocks_and_is_named():
    scenario = build(scenario_data([
        actor("stubborn", {"d": 0}, reservation_utility=1.0, tactic=0.2),
        actor("easy", {"d": 100}, reservation_utility=0.0, tactic=5.0),
        actor("bystander", {"d": 60}, veto=False, reservation_utility=0.0),
    ], deadline=8))
    outcome = run(scenario).outcome()
    track = outcome.track("talks")
    assert not track.agreed and track.round is None
    assert track.blockers == ["stubborn"]
    assert np.isnan(track.statement["d"])
    assert track.utility["easy"] == pytest.approx(0.0)  # the status quo (0) holds


def test_without_vetoes_a_majority_carries_the_text():
    scenario = build(scenario_data([
        actor("a", {"d": 50}, veto=False, reservation_utility=0.6),
        actor("b", {"d": 52}, veto=False, reservation_utility=0.6),
        actor("c", {"d": 100}, veto=False, reservation_utility=1.0),
    ], rule={"kind": "simple_majority"}))
    track = run(scenario).outcome().track("talks")
    assert track.agreed and track.blockers == []
    assert "c" not in track.accepted


def test_compromise_is_the_capability_salience_weighted_mean():
    position = np.array([[[10.0], [40.0], [90.0]]])
    salience = np.array([[[1.0], [0.5], [0.0]]])
    capability = np.array([[1.0, 2.0, 100.0]])
    members = np.ones((1, 3), bool)
    # (1*1*10 + 2*0.5*40) / (1 + 1) = 25; the third has no salience
    assert compromise(position, salience, capability, members)[0, 0] == pytest.approx(25.0)


def test_revision_ignores_accepting_actors_and_moves_by_the_step():
    draft = np.array([[50.0]])
    position = np.array([[[0.0], [100.0]]])
    revised = revise_draft(draft, position, np.ones((1, 2, 1)), np.ones((1, 2)),
                           np.array([[True, False]]), np.array([[0.2, 0.5]]), 0.25)
    assert revised[0, 0] == pytest.approx(37.5)
