"""The ensemble driver gives the Mesa model's runs, run by run, for every protocol."""

from __future__ import annotations

import numpy as np
import pytest

from sim.ensemble import run_ensemble
from sim.protocols import registry
from sim.results.output import dumps
from sim.results.records import runs_schema, table_from_records
from sim.runner import run
from sim.scenario import Scenario, load_scenario
from sim.scenario.variants import with_protocol
from tests.conftest import SCENARIOS, actor, build, dimension, scenario_data

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


def wide(protocol: str, actors: int = 24, dims: int = 12, position_sd: float = 5.0) -> Scenario:
    """Many actors on many dimensions, every position uncertain (unless ``position_sd`` is 0): long enough
    rows for the compiled loops' vector paths (a layout compiled apart for one replicate would change a
    run's last bits)."""
    rng = np.random.default_rng(7)
    names = [f"d{d}" for d in range(dims)]
    forecast = protocol in ("bdm", "smp")
    data = scenario_data([
        actor(f"a{a}", {d: float(rng.uniform(0, 100)) for d in names}, capability=float(rng.uniform(1, 10)),
              salience={d: float(rng.uniform(0.1, 1)) for d in names}, veto=not forecast,
              **({"position_sd": {d: position_sd for d in names}} if position_sd else {}))
        for a in range(actors)], dims=[dimension(d) for d in names],
        rule={"kind": "forecast" if forecast else "unanimity"}, deadline=8)
    data["tracks"][0]["protocol"] = protocol
    return build(data)


SCENARIOS_BY_PROTOCOL = {
    "mediated": [VILNIUS, build(noisy_majority()), wide("mediated"), wide("mediated", position_sd=0)],
    "concession": [with_protocol(VILNIUS, "concession")[0], with_protocol(build(noisy_majority()), "concession")[0],
                   wide("concession")],
    "alternating": [with_protocol(VILNIUS, "alternating")[0], with_protocol(build(noisy_majority()), "alternating")[0],
                    wide("alternating", actors=8, dims=10)],
    "bdm": [with_protocol(VILNIUS, "bdm")[0], wide("bdm")],
    "smp": [KTAB, wide("smp", actors=16)],
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


def test_a_run_does_not_depend_on_the_pass_it_is_played_in(monkeypatch):
    """Passes are sized by the state's bytes (``PASS_BYTES``): one replicate a pass gives the same rows."""
    import sim.ensemble

    scenario = wide("mediated")
    together = run_ensemble(scenario, 3, range(9)).table()
    assert sim.ensemble.replicates_per_pass(scenario) >= 9
    monkeypatch.setattr(sim.ensemble, "PASS_BYTES", 1)
    assert sim.ensemble.replicates_per_pass(scenario) == 1
    apart = run_ensemble(scenario, 3, range(9)).table()
    assert dumps(apart.to_pylist()) == dumps(together.to_pylist())


def test_passes_are_sized_by_the_state_not_by_a_count():
    from sim.ensemble import MAX_PASS, PASS_BYTES, replicates_per_pass, state_bytes

    small, large = wide("mediated", actors=4, dims=2), wide("concession", actors=200, dims=12)
    assert replicates_per_pass(small) == MAX_PASS
    assert replicates_per_pass(large) == PASS_BYTES // state_bytes(large) < MAX_PASS
    assert replicates_per_pass(large) * state_bytes(large) <= PASS_BYTES
    # a mediated replicate holds its own positions only when they are drawn; shared, neither table
    drawn, declared = wide("mediated", actors=200, dims=12), wide("mediated", actors=200, dims=12, position_sd=0)
    assert state_bytes(drawn) - state_bytes(declared) == 8 * 200 * 12
    assert state_bytes(large) - state_bytes(drawn) == 7 * 8 * 200 * 12


def test_inputs_no_replicate_draws_or_moves_are_held_once_and_give_the_same_runs(monkeypatch):
    """Positions and saliences that are neither drawn nor moved are one (1, A, D) table every replicate
    reads (:func:`sim.kernel.state.shared_inputs`); the runs are those of a table per replicate, bit for bit."""
    import sim.ensemble
    from sim.kernel.state import shared_inputs

    declared, drawn = wide("mediated", position_sd=0), wide("mediated")
    assert shared_inputs(declared) == ("position", "salience") and shared_inputs(drawn) == ("salience",)
    assert shared_inputs(VILNIUS) == ()  # other protocols, blocs, events
    assert shared_inputs(build(noisy_majority())) == ()  # blocs move positions, an event a salience
    state, opening = sim.ensemble._play(declared, 3, list(range(6)), list(range(6)), np.arange(6), None, None)
    assert state.position.shape[0] == state.salience.shape[0] == 1 and state.replicates == 6
    assert opening is state.position
    for scenario in (declared, drawn):
        held_once = run_ensemble(scenario, 3, range(12)).table()
        monkeypatch.setattr(sim.ensemble, "shared_inputs", lambda scenario: ())
        per_replicate = run_ensemble(scenario, 3, range(12)).table()
        monkeypatch.undo()
        assert dumps(held_once.to_pylist()) == dumps(per_replicate.to_pylist())


def test_no_replicates_give_an_empty_table_with_every_column():
    for scenario in (VILNIUS, KTAB, wide("bdm"), wide("mediated", position_sd=0)):  # the last shares its inputs
        table = run_ensemble(scenario, 1, []).table()
        assert table.num_rows == 0 and table.schema.equals(runs_schema(scenario))


def test_demands_are_shared_only_where_no_replicate_can_demand_otherwise():
    from sim.kernel import concession
    from sim.kernel.inputs import draw_inputs
    from sim.kernel.state import initial_state
    from sim.protocols.collective import demands

    calm = scenario_data([actor("a", {"d": 10}), actor("b", {"d": 90})])
    moved = calm | {"events": [{"kind": "shift", "round": 2, "actor": "a", "attribute": "reservation_utility",
                                "track": "talks", "by": -0.2}]}
    for scenario, shared in ((wide("mediated"), True), (build(calm), True), (build(moved), False)):
        state = initial_state(scenario, draw_inputs(scenario, 2, range(5)))
        track = scenario.tracks[0]
        got = demands(scenario, track, state, 3)
        expected = concession.demand(3, track.deadline, state.tactic, state.reservation_utility[:, track.index])
        assert np.array_equal(got, expected)
        assert state.extra[f"demands_alike.{track.id}"] is shared


@pytest.mark.parametrize("moved", [False, True], ids=["ideals-still", "ideals-moved"])
def test_utility_and_concession_against_a_direct_sum(moved):
    """Each member's utility is 1 minus its salience-weighted distance to the statement (the status quo
    where none was agreed), and its concession the same distance from its opening ideal: computed
    once where nothing moves an ideal, apart where a bloc moves one."""
    rng = np.random.default_rng(3)
    names = ["d0", "d1", "d2"]
    data = scenario_data([
        actor(f"a{a}", {d: float(rng.uniform(0, 100)) for d in names}, capability=float(rng.uniform(1, 5)),
              salience={d: float(rng.uniform(0.1, 1)) for d in names}, position_sd={d: 20.0 for d in names},
              reservation_utility=0.8 if a == 5 else 0.5,  # a demanding veto: some runs fail
              **({"bloc": "x", "flexibility": 0.4} if moved and a < 3 else {}))
        for a in range(6)], dims=[dimension(d) for d in names], rule={"kind": "unanimity"}, deadline=4)
    scenario = build(data)
    result = run_ensemble(scenario, 3, range(40), trace=True)
    state, table = result.state, result.table()
    dims, width = scenario.tracks[0].dims, scenario.width[scenario.tracks[0].dims]
    agreed = table.column("talks.agreed").to_numpy(zero_copy_only=False)
    assert 0 < agreed.sum() < 40
    assert (result.opening is state.position) == (not moved)
    for r in range(40):
        settled = state.draft[r, dims] if agreed[r] else state.status_quo[r, dims]
        for i, actor_id in enumerate(scenario.actor_ids):
            s = state.salience[r, i, dims]
            now = np.sum(s * np.abs(settled - state.position[r, i, dims]) / width) / s.sum()
            opening = np.sum(s * np.abs(settled - result.opening[r, i, dims]) / width) / s.sum()
            assert table.column(f"utility.talks.{actor_id}")[r].as_py() == pytest.approx(1 - now, abs=1e-12)
            concession = table.column(f"concession.talks.{actor_id}")[r].as_py()
            if agreed[r]:
                assert concession == pytest.approx(opening, abs=1e-12)
            else:
                assert np.isnan(concession)
    if moved:  # a bloc moved ideals: some concession differs from 1 - utility
        gaps = [abs(table.column(f"concession.talks.{a}")[r].as_py()
                    - (1 - table.column(f"utility.talks.{a}")[r].as_py()))
                for r in range(40) if agreed[r] for a in scenario.actor_ids]
        assert max(gaps) > 1e-6
