"""Every protocol is indifferent to where the scale starts and to the unit of capability."""

from __future__ import annotations

import copy

import pytest

from sim.protocols import registry
from sim.runner import run
from tests.conftest import actor, build, dimension, scenario_data

SHIFT, SCALE = 37.5, 4.0


def situation(protocol: str) -> dict:
    rule = {"kind": registry.default_rule_for(protocol)}
    data = scenario_data([
        actor("a", {"d": 10, "e": 2}, capability=3.0, salience={"d": 0.7, "e": 0.3}, tactic=0.6),
        actor("b", {"d": 45, "e": 8}, capability=1.0, salience={"d": 0.4, "e": 0.5}, tactic=1.5),
        actor("c", {"d": 90, "e": 5}, capability=2.0, salience={"d": 0.5, "e": 0.2}, reservation_utility=0.4),
        actor("d", {"d": 60, "e": 1}, capability=1.5, salience={"d": 0.2, "e": 0.6}, veto=False),
    ], dims=[dimension("d", 0, 100, 20), dimension("e", 0, 10, 0)], rule=rule, deadline=12)
    data["tracks"][0]["protocol"] = protocol
    return data


def shifted_and_scaled(data: dict) -> dict:
    moved = copy.deepcopy(data)
    for dim in moved["dimensions"]:
        dim["range"] = [v + SHIFT for v in dim["range"]]
        dim["status_quo"] += SHIFT
        for band in dim["wording"]:
            band["from"] += SHIFT
    for a in moved["actors"]:
        a["position"] = {d: v + SHIFT for d, v in a["position"].items()}
        a["capability"] *= SCALE
    return moved


@pytest.mark.parametrize("protocol", ["mediated", "concession", "alternating", "bdm", "smp"])
def test_shifting_positions_and_scaling_capabilities_shifts_the_statement(protocol):
    base = run(build(situation(protocol)), seed=5).outcome().track("talks")
    moved = run(build(shifted_and_scaled(situation(protocol))), seed=5).outcome().track("talks")
    assert (moved.agreed, moved.round, moved.accepted, moved.blockers) == (
        base.agreed, base.round, base.accepted, base.blockers)
    for dim, value in base.statement.items():
        assert moved.statement[dim] == pytest.approx(value + SHIFT, abs=1e-6, nan_ok=True)
    assert moved.utility == pytest.approx(base.utility, abs=1e-9)
