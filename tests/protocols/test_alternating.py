import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.protocols.alternating import best_acceptable_point, cheapest_coalition, recognised
from sim.runner import monte_carlo, run
from sim.scenario.variants import with_protocol
from tests.conftest import SCENARIOS, actor, build, scenario_data
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


def test_recognition_follows_cumulative_capability_over_the_members():
    members = np.array([[True, True, False], [True, False, True], [True, False, True], [False, True, False]])
    capability = np.array([[1.0, 3.0, 9.0], [1.0, 5.0, 1.0], [1.0, 5.0, 1.0], [2.0, 2.0, 2.0]])
    # F = (0.25, 1) over actors 0, 1; (0.5, -, 1) over actors 0, 2; the lone member 1 always
    uniform = np.array([0.25, 0.49, 0.5, 0.99])
    assert recognised(uniform, members, capability).tolist() == [1, 0, 2, 1]


def loop_recognition(uniform, members, capability):
    """The per-replicate recognition the protocol used before it was batched (recorded implementation)."""
    chosen = []
    for r in range(len(uniform)):
        candidates = np.flatnonzero(members[r])
        odds = capability[r, candidates] / capability[r, candidates].sum()
        chosen.append(int(candidates[min(np.searchsorted(np.cumsum(odds), uniform[r], side="right"),
                                         len(candidates) - 1)]))
    return chosen


def loop_coalition(proposer, members, veto, capability, distance, kind, by, threshold):
    """The per-replicate coalition the protocol used before it was batched (recorded implementation)."""
    chosen = members & veto if (members & veto).any() or kind != "unanimity" else members.copy()
    chosen = chosen.copy()
    chosen[proposer] = True
    if kind == "unanimity":
        return chosen
    weight = capability if by == "capability" else np.ones_like(capability)
    total = weight[members].sum()
    need = threshold if kind == "qualified_majority" else 0.5
    for i in [i for i in np.argsort(distance, kind="stable") if members[i] and not chosen[i]]:
        share = weight[chosen].sum() / total
        if share >= need - 1e-12 and (kind != "simple_majority" or share > 0.5):
            break
        chosen[i] = True
    return chosen


@st.composite
def memberships(draw):
    replicates, actors = draw(st.integers(1, 5)), draw(st.integers(1, 7))
    members = np.array(draw(st.lists(st.lists(st.booleans(), min_size=actors, max_size=actors),
                                     min_size=replicates, max_size=replicates)))
    members[np.arange(replicates), draw(st.integers(0, actors - 1))] = True
    capability = np.array(draw(st.lists(st.sampled_from([0.5, 1.0, 2.0, 30.0]), min_size=replicates * actors,
                                        max_size=replicates * actors))).reshape(replicates, actors)
    distance = np.array(draw(st.lists(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.7]), min_size=replicates * actors,
                                      max_size=replicates * actors))).reshape(replicates, actors)
    veto = np.array(draw(st.lists(st.booleans(), min_size=actors, max_size=actors)))
    uniform = np.array(draw(st.lists(st.floats(0.0, 0.999999), min_size=replicates, max_size=replicates)))
    return members, capability, distance, veto, uniform


@settings(max_examples=200, deadline=None, derandomize=True)
@given(memberships(), st.sampled_from(["unanimity", "simple_majority", "qualified_majority"]),
       st.sampled_from(["count", "capability"]), st.sampled_from([0.5, 2 / 3, 0.75]))
def test_batched_recognition_and_coalitions_are_the_per_replicate_ones(case, kind, by, threshold):
    members, capability, distance, veto, uniform = case
    proposer = recognised(uniform, members, capability)
    assert proposer.tolist() == loop_recognition(uniform, members, capability)
    chosen = cheapest_coalition(proposer, members, veto, capability, distance, kind, by, threshold)
    for r in range(len(members)):
        assert chosen[r].tolist() == loop_coalition(proposer[r], members[r], veto, capability[r], distance[r],
                                                    kind, by, threshold).tolist()


def test_on_vilnius_the_ensemble_equals_the_mesa_runs_one_by_one():
    # Vilnius declares uncertainty, so its replicates differ; its consensus track under alternating offers
    scenario = with_protocol(sim.load_scenario(SCENARIOS / "vilnius_2023.toml"), "alternating")[0]
    batched = monte_carlo(scenario, 12, seed=4).records()
    alone = monte_carlo(scenario, 12, seed=4, engine="mesa").records()
    assert len({r["statement.membership_timing"] for r in batched}) > 1
    assert len(batched) == len(alone) == 12
    for one, other in zip(batched, alone):
        assert one.keys() == other.keys()
        for column, value in one.items():  # exactly equal (NaN where both are undefined)
            both_nan = isinstance(value, float) and np.isnan(value) and np.isnan(other[column])
            assert value == other[column] or both_nan, column


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([0.1, 0.2, 0.3, 0.7, 1.1]), min_size=2, max_size=14), st.integers(0, 2 ** 32 - 1),
       st.sampled_from([("simple_majority", 0.5), ("qualified_majority", 0.6), ("qualified_majority", 2 / 3)]),
       st.sampled_from(["count", "capability"]))
def test_a_coalition_meets_the_rule_that_judges_it_and_no_smaller_one_does(capabilities, seed, rule, by):
    """Decimal capabilities whose sums round differently by order: the coalition is grown with the
    decision rule's own sums, so it passes exactly when its members accept."""
    from sim.kernel.decision import rule_met

    kind, threshold = rule
    rng = np.random.default_rng(seed)
    capability = np.array([capabilities])
    actors = capability.shape[1]
    members = np.ones((1, actors), dtype=bool)
    veto = np.zeros(actors, dtype=bool)
    distance = rng.random((1, actors))
    proposer = np.array([int(rng.integers(actors))])
    chosen = cheapest_coalition(proposer, members, veto, capability, distance, kind, by, threshold)
    assert chosen[0, proposer[0]]
    assert rule_met(chosen, members, veto, capability, kind, by, threshold)[0]
    added = [i for i in np.argsort(distance[0], kind="stable") if chosen[0, i] and i != proposer[0]]
    if added:  # without the farthest member it took, the rule is not met
        fewer = chosen.copy()
        fewer[0, added[-1]] = False
        assert not rule_met(fewer, members, veto, capability, kind, by, threshold)[0]
