"""The opening positions and saliences are shared with the state only where nothing can move them."""

from __future__ import annotations

import numpy as np
import pytest

from sim.dynamics import rounds
from sim.kernel.inputs import draw_inputs
from sim.kernel.state import initial_state, opening_positions, positions_can_move, saliences_can_change
from sim.protocols import registry
from sim.scenario.variants import with_protocol
from sim.seeding import run_rng
from tests.conftest import actor, build, dimension, scenario_data


def still(protocol: str):
    """No blocs, no events: only a protocol could move a position."""
    data = scenario_data([
        actor(f"a{i}", {"d": 10.0 + 20 * i, "e": 90.0 - 15 * i}, capability=1.0 + i, position_sd={"d": 5.0},
              salience={"d": 0.3 + 0.1 * i, "e": 0.5})
        for i in range(4)], dims=[dimension("d"), dimension("e")], deadline=6)
    if protocol == "bilateral":
        data["tracks"][0]["decision_rule"] = {"kind": "opt_in", "counterpart": "a0"}
    scenario = build(data)
    return with_protocol(scenario, protocol)[0] if protocol != "mediated" else scenario


@pytest.mark.parametrize("protocol", sorted(registry.names()))
def test_positions_move_only_where_the_scenario_says_they_can(protocol):
    scenario = still(protocol)
    inputs = draw_inputs(scenario, 3, range(5))
    drawn, salient = inputs.position.copy(), inputs.salience.copy()
    state = initial_state(scenario, inputs)
    for _ in rounds(scenario, state, [run_rng(3, r) for r in range(5)]):
        pass
    if not saliences_can_change(scenario):
        assert np.array_equal(state.salience, salient), f"{protocol} changed a salience without declaring it"
        assert state.opening_salience is state.salience
    if not positions_can_move(scenario):
        assert np.array_equal(state.position, drawn), f"{protocol} moved a position without declaring it"
        assert opening_positions(scenario, state) is state.position
    else:
        assert scenario.tracks[0].rule_kind == "forecast"


def test_blocs_events_and_forecasts_keep_a_copy():
    base = scenario_data([actor("a", {"d": 10}), actor("b", {"d": 90})])
    assert not positions_can_move(build(base)) and not saliences_can_change(build(base))
    blocs = scenario_data([actor("a", {"d": 10}, bloc="x", flexibility=0.5), actor("b", {"d": 90}, bloc="x")])
    shifted = base | {"events": [{"kind": "shift", "round": 2, "actor": "a", "attribute": "position",
                                  "dimension": "d", "to": 50}]}
    salient = base | {"events": [{"kind": "shift", "round": 2, "actor": "a", "attribute": "salience",
                                  "dimension": "d", "to": 0.2}]}
    for data in (blocs, shifted):
        scenario = build(data)
        state = initial_state(scenario)
        assert positions_can_move(scenario) and opening_positions(scenario, state) is not state.position
    scenario = build(salient)
    state = initial_state(scenario)
    assert saliences_can_change(scenario) and state.opening_salience is not state.salience
    unchanged = initial_state(build(base))
    assert unchanged.opening_salience is unchanged.salience
