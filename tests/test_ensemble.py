"""The ensemble driver gives the Mesa model's runs, run by run, for every protocol."""

from __future__ import annotations

import pytest

from sim.ensemble import run_ensemble
from sim.output import dumps
from sim.protocols import registry
from sim.records import runs_schema, table_from_records
from sim.runner import run
from sim.scenario import load_scenario
from sim.scenario.variants import with_protocol
from tests.conftest import SCENARIOS, actor, build, scenario_data

VILNIUS = load_scenario(SCENARIOS / "vilnius_2023.toml")
KTAB = load_scenario(SCENARIOS.parent / "tests" / "ktab" / "oracle" / "dummyData_3Dim.csv")


def noisy_majority() -> dict:
    data = scenario_data([
        actor("a", {"d": 10}, capability=2.0, position_sd={"d": 15}, veto=False),
        actor("b", {"d": 50}, capability=1.0, position_sd={"d": 15}, veto=False, bloc="x", flexibility=0.3),
        actor("c", {"d": 70}, capability=1.5, position_sd={"d": 15}, veto=False, bloc="x", flexibility=0.3),
        actor("d", {"d": 95}, capability=1.0, position_sd={"d": 15}, reservation_utility=0.3),
    ], rule={"kind": "qualified_majority", "by": "capability", "threshold": 0.6}, deadline=9)
    data["acceptance"] = {"rule": "logistic", "temperature": 0.05}
    data["events"] = [{"kind": "shift", "round": 3, "actor": "d", "attribute": "salience", "dimension": "d", "to": 0.2}]
    return data


SCENARIOS_BY_PROTOCOL = {
    "mediated": [VILNIUS, build(noisy_majority())],
    "concession": [with_protocol(VILNIUS, "concession")[0], with_protocol(build(noisy_majority()), "concession")[0]],
    "alternating": [with_protocol(VILNIUS, "alternating")[0], with_protocol(build(noisy_majority()), "alternating")[0]],
    "bdm": [with_protocol(VILNIUS, "bdm")[0]],
    "smp": [KTAB],
}


def test_every_protocol_is_covered():
    assert set(SCENARIOS_BY_PROTOCOL) | {"bilateral"} == set(registry.names())


@pytest.mark.parametrize("protocol", sorted(SCENARIOS_BY_PROTOCOL))
def test_ensemble_equals_mesa_run_by_run(protocol):
    for scenario in SCENARIOS_BY_PROTOCOL[protocol]:
        replicates = range(5) if protocol == "smp" else range(12)
        batch = run_ensemble(scenario, 99, replicates, point=4).table()
        single = [run(scenario, seed=99, replicate=r, point=4, collect=False).outcome(run_id=r).to_record()
                  for r in replicates]
        assert batch.schema.equals(runs_schema(scenario))
        assert dumps(batch.to_pylist()) == dumps(table_from_records(single, scenario).to_pylist())


def test_trajectories_stop_where_each_run_stopped():
    result = run_ensemble(VILNIUS, 5, range(6), trajectories=True)
    table = result.trajectory_table().to_pandas()
    rounds = result.table().to_pandas().set_index("run_id")["rounds"]
    assert table.groupby("run_id")["round"].max().equals(rounds.rename("round"))
    single = run(VILNIUS, seed=5, replicate=2).trajectory()
    mine = table[table["run_id"] == 2].reset_index(drop=True)
    assert list(mine["draft.membership_timing"]) == pytest.approx(list(single["draft.membership_timing"]))
