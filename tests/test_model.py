"""The Mesa model: runs to completion, fires events, records rounds, ignores file order."""

from __future__ import annotations

import copy
import tomllib

import mesa
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.agents import ActorAgent, BrokerAgent
from sim.model import NegotiationModel
from sim.runner import run
from sim.scenario import load_scenario, scenario_from_dict
from tests.conftest import SCENARIOS, actor, build, dimension, scenario_data

VILNIUS = SCENARIOS / "vilnius_2023.toml"


def test_vilnius_runs_to_completion_with_one_record_per_round():
    scenario = load_scenario(VILNIUS)
    model = run(scenario)
    assert not model.running
    outcome = model.outcome()
    table = model.trajectory()
    assert len(table) == outcome.rounds == model.steps
    assert outcome.rounds <= scenario.deadline
    assert all(track.agreed or track.blockers or track.rule == "opt_in" for track in outcome.tracks)
    agents = model.datacollector.get_agent_vars_dataframe()
    assert len(agents) == outcome.rounds * (len(scenario.actor_ids) + 1)  # actors and the broker


def test_model_is_a_mesa_model_with_named_agents():
    scenario = load_scenario(VILNIUS)
    model = NegotiationModel(scenario)
    assert isinstance(model, mesa.Model)
    actors = model.agents.select(agent_type=ActorAgent)
    assert sorted(a.actor_id for a in actors) == sorted(scenario.actor_ids)
    assert len(model.agents.select(agent_type=BrokerAgent)) == 1
    ukraine = next(a for a in actors if a.actor_id == "ukraine")
    assert ukraine.veto is False and ukraine.position["membership_timing"] == 100


def test_the_us_uk_meeting_fires_before_round_11_and_pulls_them_together():
    scenario = load_scenario(VILNIUS)
    model = NegotiationModel(scenario)
    usa, uk = scenario.actor_index["usa"], scenario.actor_index["uk"]
    aid = scenario.dimension_index["aid_level"]
    for _ in range(10):
        model.step()
    gap_before = abs(model.state.position[0, usa, aid] - model.state.position[0, uk, aid])
    assert model.event_log == []
    model.step()
    gap_after = abs(model.state.position[0, usa, aid] - model.state.position[0, uk, aid])
    assert model.event_log and model.event_log[0].startswith("round 11: bilateral usa-uk")
    assert gap_after == gap_before / 2


def test_eastern_flank_bloc_converges():
    scenario = load_scenario(VILNIUS)
    model = run(scenario)
    flank = [scenario.actor_index[a] for a in ("poland", "lithuania", "latvia", "estonia")]
    timing = scenario.dimension_index["membership_timing"]
    assert np.ptp(model.state.position[0, flank, timing]) < np.ptp(scenario.position[flank, timing])


def test_reordering_actors_in_the_file_does_not_change_a_deterministic_outcome():
    data = tomllib.loads(VILNIUS.read_text())
    shuffled = copy.deepcopy(data)
    rng = np.random.default_rng(0)
    shuffled["actors"] = [shuffled["actors"][i] for i in rng.permutation(len(shuffled["actors"]))]
    a, b = scenario_from_dict(data), scenario_from_dict(shuffled)
    assert run(a).outcome().to_dict(a) == run(b).outcome().to_dict(b)


def test_events_can_bring_an_actor_into_a_track_and_take_one_out():
    data = scenario_data([
        actor("a", {"d": 0}, reservation_utility=0.8),
        actor("b", {"d": 100}, reservation_utility=0.95, tactic=0.2),  # no deal while b is in
        actor("late", {"d": 10}, reservation_utility=0.5),
    ], deadline=8)
    data["tracks"][0]["participants"] = ["a", "b"]
    data["events"] = [{"kind": "join", "round": 3, "actor": "late", "track": "talks"},
                      {"kind": "leave", "round": 4, "actor": "b", "track": "talks"}]
    model = run(build(data))
    track = model.outcome().track("talks")
    assert len(model.event_log) == 2
    assert set(track.utility) == {"a", "late"}
    assert track.agreed and track.round >= 4


def test_a_capability_shock_changes_the_first_draft():
    base = scenario_data([actor("a", {"d": 0}), actor("b", {"d": 100})], deadline=4)
    shocked = copy.deepcopy(base)
    shocked["events"] = [{"kind": "shift", "round": 1, "actor": "b", "attribute": "capability", "to": 3}]
    first = run(build(base)).trajectory()["draft.d"].iloc[0]
    after = run(build(shocked)).trajectory()["draft.d"].iloc[0]
    assert first == 50 and after == 75


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 100), st.floats(0.1, 10), st.floats(0, 1), st.floats(0.1, 5),
                          st.floats(0, 1), st.booleans()), min_size=2, max_size=6),
       st.integers(1, 15), st.sampled_from(["unanimity", "simple_majority"]))
def test_statements_lie_inside_the_ranges(actors, deadline, rule):
    data = scenario_data(
        [actor(f"x{i}", {"d": p, "e": 10 - p / 10}, capability=c, salience={"d": s, "e": 1 - s},
               tactic=t, reservation_utility=r, veto=v)
         for i, (p, c, s, t, r, v) in enumerate(actors)],
        dims=[dimension("d", 0, 100), dimension("e", 0, 10)], rule={"kind": rule}, deadline=deadline)
    scenario = build(data)
    model = run(scenario)
    track = model.outcome().track("talks")
    draft = model.trajectory()[["draft.d", "draft.e"]].to_numpy()
    tolerance = 1e-9  # a weighted mean of in-range values may round a hair past the bound
    assert np.all(draft >= scenario.lower - tolerance) and np.all(draft <= scenario.upper + tolerance)
    if track.agreed:
        assert -tolerance <= track.statement["d"] <= 100 + tolerance
        assert -tolerance <= track.statement["e"] <= 10 + tolerance
    assert all(0 - 1e-9 <= u <= 1 + 1e-9 for u in track.utility.values())
