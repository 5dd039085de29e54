"""Blocs and scheduled events act in every protocol."""

from __future__ import annotations

import pytest

from sim.protocols import registry
from sim.runner import run
from tests.conftest import actor, build, scenario_data


def situation(protocol: str, events=(), blocs=False) -> dict:
    rule = {"kind": registry.default_rule_for(protocol)}
    flex = {"bloc": "east", "flexibility": 0.5} if blocs else {}
    data = scenario_data([
        actor("a", {"d": 10}, capability=2.0, **flex),
        actor("b", {"d": 30}, capability=1.0, **flex),
        actor("c", {"d": 80}, capability=2.0, reservation_utility=0.3),
        actor("d", {"d": 95}, capability=1.0, reservation_utility=0.3),
    ], rule=rule, deadline=8)
    data["tracks"][0]["protocol"] = protocol
    data["events"] = list(events)
    return data


@pytest.mark.parametrize("protocol", ["mediated", "concession", "alternating", "bdm", "smp"])
def test_a_position_shift_before_round_one_changes_the_run(protocol):
    shock = {"kind": "shift", "round": 1, "actor": "c", "attribute": "position", "dimension": "d", "to": 20}
    plain = run(build(situation(protocol)), seed=2)
    shocked = run(build(situation(protocol, [shock])), seed=2)
    assert shocked.event_log == ["round 1: c position on d to 20"]

    def path_of_c(model):
        agents = model.datacollector.get_agent_vars_dataframe().dropna(subset=["actor"])
        return agents[agents["actor"] == "c"]["position.d"].to_numpy()

    assert path_of_c(shocked)[0] != path_of_c(plain)[0]
    assert abs(path_of_c(shocked)[0] - 20) < abs(path_of_c(plain)[0] - 20)  # c negotiates from nearer 20


@pytest.mark.parametrize("protocol", ["mediated", "concession", "alternating", "bdm", "smp"])
def test_bloc_members_move_together(protocol):
    data = situation(protocol, blocs=True)
    if protocol == "bdm":  # under the default reading nobody challenges here: BDM would settle in round 1
        data["tracks"][0]["options"] = {"reading": "as_printed"}
    model = run(build(data), seed=2)
    agents = model.datacollector.get_agent_vars_dataframe().dropna(subset=["actor"])
    assert model.steps >= 2
    last = agents.xs(model.steps, level="Step")
    a, b = (last[last["actor"] == x]["position.d"].iloc[0] for x in ("a", "b"))
    assert abs(a - b) < 20  # they started 20 apart and pull together each round
