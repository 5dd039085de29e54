"""Uncertainty over every input: distributions, truncation, the factor copula, named sub-streams,
common random numbers across design points, both engines, re-creating a row, validation."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from scipy import stats

from sim.ensemble import run_ensemble
from sim.errors import InputError
from sim.kernel.inputs import copula_uniforms, declared_inputs, draw_inputs
from sim.results.output import dumps
from sim.results.records import runs_schema, table_from_records
from sim.runner import monte_carlo, run
from sim.seeding import run_seed, stable_hash, stream_state, stream_uniforms
from tests.conftest import actor, build, scenario_data

N = 20_000  # replicates for the distribution checks: draws are vectorised, so this takes milliseconds


def base(uncertainties: list[dict] | None = None, **extra) -> dict:
    """Two allies on one dimension, a fixed-round bilateral meeting: every kind of input present."""
    data = scenario_data([
        actor("hawk", {"d": 80}, capability=2.0, tactic=0.5, reservation_utility=0.5, flexibility=0.2, bloc="b",
              salience={"d": 0.5}),
        actor("dove", {"d": 20}, capability=1.0, tactic=2.0, reservation_utility=0.4, flexibility=0.2, bloc="b"),
    ], deadline=10, **extra)
    data["dimensions"][0]["status_quo"] = 10
    data["dimensions"][0]["wording"] = [{"from": 0, "text": "low"}, {"from": 40, "text": "middle"},
                                        {"from": 70, "text": "high"}]
    data["events"] = [{"kind": "bilateral", "round": 4, "actors": ["hawk", "dove"], "strength": 0.5},
                      {"kind": "shift", "round": 3, "actor": "dove", "attribute": "position", "dimension": "d",
                       "by": 10}]
    data["uncertainties"] = uncertainties or []
    return data


def entry(path: str, note: str = "", **distribution) -> dict:
    return {"path": path, "distribution": distribution, "note": note}


def drawn(uncertainties: list[dict], field: str, index: tuple, seed: int = 1, n: int = N) -> np.ndarray:
    inputs = draw_inputs(build(base(uncertainties)), seed, range(n))
    return getattr(inputs, field)[(slice(None),) + index]


def check_cdf(sample: np.ndarray, dist) -> None:
    """At the 10%, 50% and 90% quantiles of ``dist`` the sample's share below is p within 4 standard errors."""
    n = len(sample)
    for p in (0.1, 0.5, 0.9):
        share = np.mean(sample <= dist.ppf(p))
        assert abs(share - p) < 4 * math.sqrt(p * (1 - p) / n), (p, share)


def check_moments(sample: np.ndarray, mean: float, sd: float) -> None:
    n = len(sample)
    assert abs(sample.mean() - mean) < 4 * sd / math.sqrt(n)
    assert abs(sample.std() - sd) < 4 * sd / math.sqrt(2 * n) * 1.5  # (1.5: non-normal kurtosis)


# --- each distribution against its analytic values ------------------------------------------------

def test_normal_mean_defaults_to_the_declared_value():
    sample = drawn([entry("actors.dove.position.d", kind="normal", sd=5)], "position", (0, 0))
    check_moments(sample, 20, 5)  # 4 sd from either end: truncation is invisible here
    check_cdf(sample, stats.norm(20, 5))


def test_a_truncated_normal_follows_truncnorm():
    sample = drawn([entry("actors.hawk.position.d", kind="normal", sd=15, mean=95)], "position", (1, 0))
    dist = stats.truncnorm((0 - 95) / 15, (100 - 95) / 15, loc=95, scale=15)
    check_moments(sample, dist.mean(), dist.std())
    check_cdf(sample, dist)
    assert sample.max() <= 100


def test_uniform_triangular_beta_and_choice():
    entries = [entry("actors.dove.tactic", kind="uniform", low=0.5, high=2.5),
               entry("actors.hawk.capability", kind="triangular", low=1, high=5),  # mode: the declared 2
               entry("actors.dove.salience.d", kind="beta", a=2, b=5),  # on [0, 1], the valid range
               entry("broker.step", kind="choice", values=[0.1, 0.3, 0.5], weights=[1, 2, 1])]
    inputs = draw_inputs(build(base(entries)), 3, range(N))
    for sample, dist in ((inputs.tactic[:, 0], stats.uniform(0.5, 2.0)),
                         (inputs.capability[:, 1], stats.triang(0.25, loc=1, scale=4)),
                         (inputs.salience[:, 0, 0], stats.beta(2, 5))):
        check_moments(sample, dist.mean(), dist.std())
        check_cdf(sample, dist)
    for value, p in ((0.1, 0.25), (0.3, 0.5), (0.5, 0.25)):
        assert abs(np.mean(inputs.broker_step == value) - p) < 4 * math.sqrt(p * (1 - p) / N)


def test_uncertain_rounds_are_whole_rounds_each_equally_likely():
    sample = drawn([entry("events.0.round", kind="uniform", low=2, high=5)], "event_round", (0,))
    assert set(np.unique(sample)) == {2, 3, 4, 5}
    for k in (2, 3, 4, 5):
        assert abs(np.mean(sample == k) - 0.25) < 4 * math.sqrt(0.25 * 0.75 / N)


def test_truncation_keeps_every_draw_in_its_valid_range():
    wide = [entry("actors.*.position.d", kind="normal", sd=500), entry("actors.*.salience.d", kind="normal", sd=5),
            entry("actors.*.capability", kind="normal", sd=50), entry("actors.*.tactic", kind="normal", sd=50),
            entry("actors.*.reservation_utility", kind="normal", sd=5), entry("broker.step", kind="normal", sd=5),
            entry("events.0.strength", kind="normal", sd=5), entry("events.1.round", kind="normal", sd=30),
            entry("dimensions.d.status_quo", kind="normal", sd=500),
            entry("dimensions.d.wording.*.from", kind="normal", sd=50)]
    inputs = draw_inputs(build(base(wide)), 5, range(5000))
    assert (inputs.position >= 0).all() and (inputs.position <= 100).all()
    assert (inputs.salience >= 0).all() and (inputs.salience <= 1).all()
    assert (inputs.capability > 0).all() and (inputs.tactic > 0).all()
    assert (inputs.reservation_utility >= 0).all() and (inputs.reservation_utility <= 1).all()
    assert (inputs.broker_step > 0).all() and (inputs.broker_step <= 1).all()
    assert (inputs.event_strength[:, 0] > 0).all() and (inputs.event_strength[:, 0] <= 1).all()
    assert set(np.unique(inputs.event_round[:, 1])) <= set(range(1, 11)) and len(np.unique(inputs.event_round[:, 1])) > 5
    assert (inputs.status_quo >= 0).all() and (inputs.status_quo <= 100).all()
    edges = inputs.band_from[:, 0, :3]
    assert (edges[:, 0] == 0).all() and (np.diff(edges, axis=1) > 0).all()  # both inner edges uncertain: in order
    assert edges[:, 1].max() <= 55 and edges[:, 2].min() >= 55  # each within half-way of the other


# --- correlation through a shared factor ----------------------------------------------------------

def test_two_entries_on_one_factor_correlate_at_the_product_of_their_loadings():
    entries = [entry("actors.hawk.position.d", kind="normal", sd=5) | {"factor": "bloc", "loading": 0.8},
               entry("actors.dove.position.d", kind="normal", sd=5) | {"factor": "bloc", "loading": 0.6},
               entry("actors.dove.tactic", kind="uniform", low=1, high=3) | {"factor": "bloc", "loading": -0.5}]
    scenario = build(base(entries))
    z = stats.norm.ppf(copula_uniforms(scenario.uncertain_inputs, 9, range(N)))
    by_path = {item.path: z[:, j] for j, item in enumerate(scenario.uncertain_inputs)}
    for a, b, expected in (("actors.hawk.position.d", "actors.dove.position.d", 0.48),
                           ("actors.hawk.position.d", "actors.dove.tactic", -0.4)):
        rho = np.corrcoef(by_path[a], by_path[b])[0, 1]
        assert abs(rho - expected) < 3 * (1 - expected ** 2) / math.sqrt(N), (a, b, rho)
    for path in by_path:  # each margin is still standard normal
        assert abs(by_path[path].std() - 1) < 4 / math.sqrt(2 * N)


# --- named sub-streams and common random numbers --------------------------------------------------

def test_the_streams_are_numpy_seed_sequences_keyed_by_replicate_and_path():
    names = ["actors.usa.position.aid_level", "factor:flank"]
    state = stream_state(2023, [0, 7, 2 ** 33], names, words=2)
    for i, r in enumerate([0, 7, 2 ** 33]):
        for j, name in enumerate(names):
            expected = np.random.SeedSequence(2023, spawn_key=(r, stable_hash(name))).generate_state(2)
            assert state[i, j].tolist() == expected.tolist()
    bits = np.random.SeedSequence(2023, spawn_key=(7, stable_hash(names[0]))).generate_state(1, np.uint64)[0]
    assert stream_uniforms(2023, [7], names[:1])[0, 0] == ((int(bits) >> 11) + 0.5) / 2 ** 53


def test_adding_an_uncertainty_on_another_path_leaves_a_path_s_draws_unchanged():
    alone = [entry("actors.dove.position.d", kind="normal", sd=5)]
    more = [entry("actors.hawk.tactic", kind="uniform", low=0.2, high=1),
            entry("broker.step", kind="beta", a=2, b=2)] + alone
    first = draw_inputs(build(base(alone)), 4, range(50))
    second = draw_inputs(build(base(more)), 4, range(50))
    assert np.array_equal(first.position, second.position)
    assert not np.array_equal(first.tactic, second.tactic)


def test_a_replicate_s_draws_do_not_depend_on_the_batch():
    scenario = build(base([entry("actors.*.capability", kind="uniform", low=0.5, high=3)]))
    batch = draw_inputs(scenario, 8, range(10))
    assert np.array_equal(draw_inputs(scenario, 8, [6]).capability[0], batch.capability[6])


def test_every_design_point_of_a_sweep_sees_the_same_draws(tmp_path):
    import tomli_w

    from sim.experiment.load import experiment_from_dict

    (tmp_path / "s.toml").write_text(tomli_w.dumps(base([entry("actors.dove.position.d", kind="normal", sd=8)])))
    experiment = experiment_from_dict({
        "name": "crn", "scenario": "s.toml", "seed": 5, "replicates": 6, "design": {"kind": "grid"},
        "levers": [{"path": "actors.hawk.flexibility", "values": [0.0, 0.6]}],
        "uncertainties": [entry("actors.hawk.tactic", kind="uniform", low=0.3, high=1.5)]}, base_dir=tmp_path)
    points = [experiment.point_scenario(p) for p in range(2)]
    hawk = points[0].actor_index["hawk"]
    assert [s.flexibility[hawk] for s in points] == [0.0, 0.6]
    draws = [draw_inputs(s, 5, range(6)) for s in points]
    assert np.array_equal(draws[0].position, draws[1].position)
    assert np.array_equal(draws[0].tactic, draws[1].tactic) and len(np.unique(draws[0].tactic[:, hawk])) == 6
    runs = [run_ensemble(s, 5, range(6), point=p, trace=True) for p, s in enumerate(points)]  # one pass: keeps them
    assert np.array_equal(runs[0].opening, runs[1].opening)  # the same drawn openings at both points
    # and the same run generator: replicate r's seed does not depend on the design point
    assert np.array_equal(runs[0].coordinates["run_seed"], runs[1].coordinates["run_seed"])
    assert runs[0].coordinates["run_seed"].tolist() == [run_seed(5, r) for r in range(6)]


# --- both engines, and re-creating a run -------------------------------------------------------------

EVERYTHING = [
    entry("actors.*.position.d", kind="normal", sd=10) | {"factor": "f", "loading": 0.7},
    entry("actors.hawk.salience.d", kind="beta", a=3, b=3),
    entry("actors.dove.capability", kind="triangular", low=0.5, high=2.5),
    entry("actors.*.tactic", kind="uniform", low=0.4, high=2.5),
    entry("actors.hawk.reservation_utility", kind="normal", sd=0.1) | {"factor": "f", "loading": -0.5},
    entry("actors.dove.reservation_utility", kind="choice", values=[0.3, 0.4, 0.6]),
    entry("actors.*.flexibility", kind="uniform", low=0.0, high=0.5),
    entry("broker.step", kind="uniform", low=0.1, high=0.6),
    entry("dimensions.d.status_quo", kind="normal", sd=5),
    entry("dimensions.d.wording.1.from", kind="triangular", low=30, high=50),
    entry("events.0.strength", kind="uniform", low=0.1, high=0.9),
    entry("events.0.round", kind="uniform", low=2, high=7),
    entry("events.1.round", kind="choice", values=[2, 5, 8]),
    entry("events.1.by", kind="normal", sd=10),
]


@pytest.mark.parametrize("protocol", ["mediated", "concession"])
def test_mesa_model_equals_the_ensemble_run_by_run_with_every_input_uncertain(protocol):
    data = base(EVERYTHING, acceptance={"rule": "logistic", "temperature": 0.05})
    data["tracks"][0]["protocol"] = protocol
    data["broker"] = {"initial_draft": "status_quo"}
    scenario = build(data)
    replicates = range(12)
    batch = run_ensemble(scenario, 17, replicates, point=2).table()
    single = [run(scenario, seed=17, replicate=r, point=2, collect=False).outcome(run_id=r).to_record()
              for r in replicates]
    assert batch.schema.equals(runs_schema(scenario))
    assert dumps(batch.to_pylist()) == dumps(table_from_records(single, scenario).to_pylist())
    assert len({row["rounds"] for row in batch.to_pylist()}) > 1 or len(
        {row["statement.d"] for row in batch.to_pylist()}) > 1


def test_the_band_column_uses_each_run_s_drawn_edges():
    scenario = build(base([entry("dimensions.d.wording.1.from", kind="uniform", low=1, high=69),
                           entry("actors.*.position.d", kind="normal", sd=10)]))
    table = monte_carlo(scenario, 40, seed=2).table.to_pylist()
    edges = draw_inputs(scenario, 2, range(40)).band_from[:, 0]
    for row, edge in zip(table, edges):
        value = row["statement.d"]
        expected = None if value != value else int((edge[1:] <= value).sum())
        assert row["band.d"] == expected
    assert {row["band.d"] for row in table} >= {0, 1}
    texts = [band["text"] for band in base()["dimensions"][0]["wording"]]
    for r in range(6):  # a run's wording follows its own edges
        track = run(scenario, seed=2, replicate=r, collect=False).outcome().to_dict(scenario)["tracks"][0]
        if track["agreed"]:
            assert track["wording"]["d"] == texts[table[r]["band.d"]]


def test_replicate_r_recreates_monte_carlo_row_r(tmp_path):
    import pyarrow.parquet as pq

    from sim.cli import main

    path = tmp_path / "s.toml"
    import tomli_w

    path.write_text(tomli_w.dumps(base(EVERYTHING)))
    assert main(["run", str(path), "--runs", "6", "--seed", "31", "--out", str(tmp_path / "mc"), "--quiet"]) == 0
    assert main(["run", str(path), "--seed", "31", "--replicate", "4", "--out", str(tmp_path / "one")]) == 0
    row = pq.read_table(tmp_path / "mc" / "runs.parquet").to_pylist()[4]
    alone = pq.read_table(tmp_path / "one" / "runs.parquet").to_pylist()[0]
    assert dumps(alone) == dumps(row)


def test_events_with_uncertain_rounds_fire_at_each_replicate_s_round():
    scenario = build(base([entry("events.1.round", kind="uniform", low=2, high=7)]))
    drawn_rounds = draw_inputs(scenario, 3, range(8)).event_round[:, 1]
    result = run_ensemble(scenario, 3, range(8), trace=True)
    played = result.state.rounds_played
    trace = result.trace_table().to_pandas()
    dove = trace[trace["actor"] == "dove"]
    fired_at = set()
    for r, fired in enumerate(drawn_rounds):
        log = run(scenario, seed=3, replicate=r, collect=False).event_log
        shifted = [line for line in log if "dove position" in line]
        if fired > played[r]:  # the run ended first: the event never fires
            assert shifted == []
            continue
        fired_at.add(int(fired))
        assert shifted == [f"round {fired}: dove position on d by +10"]
        jumps = dove[dove["run_id"] == r].set_index("round")["position.d"].diff()
        assert jumps.idxmax() == fired and jumps.max() > 5  # the +10 lands before that round, in this run alone
    assert len(fired_at) >= 2


def test_a_nominal_run_uses_the_declared_inputs():
    scenario = build(base(EVERYTHING))
    assert np.array_equal(run(scenario, seed=1).state.event_round[0], [4, 3])
    declared = declared_inputs(scenario)
    assert declared.broker_step.tolist() == [0.3] and declared.band_from[0, 0, :3].tolist() == [0, 40, 70]


# --- validation ------------------------------------------------------------------------------------

def problems(uncertainties: list[dict]) -> list[str]:
    with pytest.raises(InputError) as caught:
        build(base(uncertainties))
    return caught.value.problems


def test_a_path_that_names_nothing_gets_the_nearest_name():
    assert problems([entry("actors.dovee.position.d", kind="normal", sd=1)]) == [
        "uncertainties[0].path: unknown path 'actors.dovee.position.d': no actor 'dovee' in 'actors'; "
        "did you mean 'dove'?"]
    assert problems([entry("deadline", kind="uniform", low=5, high=9)])[0].startswith(
        "uncertainties[0].path: 'deadline' cannot carry a distribution; uncertain numbers are actors.ID.capability")


def test_parameters_outside_the_valid_range_name_the_field():
    assert problems([entry("actors.dove.salience.d", kind="normal", sd=0.1),
                     entry("actors.dove.position.d", kind="uniform", low=10, high=120),
                     entry("actors.hawk.capability", kind="uniform", low=0, high=2),
                     entry("events.0.round", kind="uniform", low=2, high=11),
                     entry("actors.hawk.tactic", kind="triangular", low=1, high=2)]) == [
        "uncertainties[1].distribution.high: must be within the valid range of a position on 'd' [0, 100], got 120",
        "uncertainties[2].distribution.low: must be within the valid range of a capability (0, inf), got 0",
        "uncertainties[3].distribution.high: must be within the valid range of an event's round (1 to the last "
        "deadline, 10) [1, 10], got 11",
        "uncertainties[4].distribution.mode: must be within [low, high] = [1, 2], got 0.5 (the declared value, "
        "the default mode)",
    ]
    assert problems([entry("actors.dove.tactic", kind="normal", sd=-1)]) == [
        "uncertainties[0].distribution.sd: must be > 0, got -1"]


def test_a_band_edge_whose_support_crosses_a_neighbouring_edge_is_rejected():
    assert problems([entry("dimensions.d.wording.1.from", kind="uniform", low=30, high=75)]) == [
        "uncertainties[0].distribution.high: 75 crosses the neighbouring band edge wording[2].from at 70 on 'd': "
        "this band edge must stay within [0, 70]"]
    assert problems([entry("dimensions.d.wording.1.from", kind="uniform", low=30, high=60),
                     entry("dimensions.d.wording.2.from", kind="uniform", low=50, high=80)]) == [
        "uncertainties[0].distribution.high: 60 crosses half-way to wording[2].from (uncertain too) at 55 on 'd': "
        "this band edge must stay within [0, 55]",
        "uncertainties[1].distribution.low: 50 crosses half-way to wording[1].from (uncertain too) at 55 on 'd': "
        "this band edge must stay within [55, 100]"]
    assert problems([entry("dimensions.d.wording.0.from", kind="uniform", low=0, high=5)]) == [
        "uncertainties[0].path: 'dimensions.d.wording.0.from': the first wording band always starts at the "
        "range's lower bound; it cannot be uncertain"]


def test_factor_and_loading_go_together_and_a_path_is_declared_once():
    assert problems([entry("broker.step", kind="uniform", low=0.1, high=0.5) | {"factor": "f"},
                     entry("actors.dove.tactic", kind="uniform", low=1, high=3) | {"loading": 0.5},
                     entry("broker.step", kind="uniform", low=0.2, high=0.5)]) == [
        "uncertainties[0].loading: factor 'f' needs a loading in [-1, 1]",
        "uncertainties[1].factor: a loading needs a factor: name the shared factor it loads on",
        "uncertainties[2].path: 'broker.step' is declared twice (also uncertainties[0]); keep one"]


def test_the_cli_reports_each_problem_on_its_own_line_with_status_2(tmp_path, capsys):
    import tomli_w

    from sim.cli import main

    data = base([entry("actors.dove.positon.d", kind="normal", sd=1),
                 entry("broker.step", kind="beta", a=2, b=2, low=0.1, high=1.5)])
    path = tmp_path / "bad.toml"
    path.write_text(tomli_w.dumps(data))
    assert main(["validate", str(path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: {path}: uncertainties[0].path: unknown path 'actors.dove.positon.d': 'actors.dove' has no "
        "'positon'; did you mean 'position'?",
        f"error: {path}: uncertainties[1].distribution.high: must be within the valid range of the broker's step "
        "(0, 1], got 1.5"]


def test_an_experiment_s_uncertainties_add_to_or_replace_the_scenario_s(tmp_path):
    import tomli_w

    from sim.experiment.load import experiment_from_dict

    scenario = base([entry("actors.dove.tactic", kind="uniform", low=1, high=3),
                     entry("broker.step", kind="uniform", low=0.1, high=0.5)])
    (tmp_path / "s.toml").write_text(tomli_w.dumps(scenario))
    experiment = {"name": "e", "scenario": "s.toml", "design": {"kind": "grid"},
                  "parameters": [{"path": "actors.hawk.flexibility", "values": [0.1]}],
                  "uncertainties": [entry("broker.step", kind="uniform", low=0.2, high=0.3),
                                    entry("actors.hawk.tactic", kind="uniform", low=0.2, high=0.4)]}
    loaded = experiment_from_dict(copy.deepcopy(experiment), base_dir=tmp_path)
    assert [u["path"] for u in loaded.base_data["uncertainties"]] == ["actors.dove.tactic", "broker.step",
                                                                      "actors.hawk.tactic"]
    inputs = draw_inputs(loaded.point_scenario(0), 1, range(200))
    assert inputs.broker_step.min() >= 0.2 and inputs.broker_step.max() <= 0.3
    assert loaded.spec.levers == loaded.spec.parameters
    bad = experiment | {"uncertainties": [entry("actors.hawk.tactic", kind="uniform", low=-1, high=0.4)]}
    with pytest.raises(InputError) as caught:
        experiment_from_dict(bad, base_dir=tmp_path)
    assert caught.value.problems == [
        "uncertainties[0].distribution.low: must be within the valid range of a tactic (0, inf), got -1"]
    both = experiment | {"levers": experiment["parameters"]}
    with pytest.raises(InputError) as caught:
        experiment_from_dict(both, base_dir=tmp_path)
    assert "'levers' and 'parameters' are two names for the same list" in caught.value.problems[0]


def test_a_lever_fixes_its_number_and_the_wildcard_s_other_numbers_keep_their_draws(tmp_path):
    import tomli_w

    from sim.cli.run import override as _override
    from sim.experiment.load import experiment_from_dict

    data = base([entry("actors.*.tactic", kind="uniform", low=0.3, high=1.5)])
    data["actors"][1]["position_sd"] = {"d": 5}
    (tmp_path / "s.toml").write_text(tomli_w.dumps(data))
    experiment = experiment_from_dict({
        "name": "fix", "scenario": "s.toml", "seed": 2, "replicates": 5, "design": {"kind": "grid"},
        "levers": [{"path": "actors.hawk.tactic", "values": [0.7, 2.0]},
                   {"path": "actors.dove.position.d", "values": [30]}]}, base_dir=tmp_path)
    plain = build(data)
    scenario = experiment.point_scenario(1)
    drawn_plain, drawn_point = draw_inputs(plain, 2, range(5)), draw_inputs(scenario, 2, range(5))
    hawk, dove = scenario.actor_index["hawk"], scenario.actor_index["dove"]
    assert drawn_point.tactic[:, hawk].tolist() == [2.0] * 5  # the lever's value in every replicate
    assert np.array_equal(drawn_point.tactic[:, dove], drawn_plain.tactic[:, dove])  # the same stream as before
    assert drawn_point.position[:, dove, 0].tolist() == [30.0] * 5  # position_sd set aside too
    assert [u["path"] for u in experiment.base_data["uncertainties"]] == ["actors.dove.tactic"]
    recreated = _override(plain, ["actors.hawk.tactic=2.0", "actors.dove.position.d=30"])
    assert np.array_equal(draw_inputs(recreated, 2, range(5)).tactic, drawn_point.tactic)  # --set does the same


def test_the_kernel_reads_each_replicate_s_inputs_from_the_state():
    from sim.kernel import concession
    from sim.kernel.events import apply_event
    from sim.kernel.state import initial_state
    from sim.protocols.collective import demands
    from sim.protocols.mediated import Mediated

    data = base(EVERYTHING)
    data["broker"] = {"initial_draft": "status_quo"}
    scenario = build(data)
    state = initial_state(scenario, draw_inputs(scenario, 4, range(50)))
    track = scenario.tracks[0]
    expected = concession.demand(5, track.deadline, state.tactic, state.reservation_utility[:, 0])
    assert np.array_equal(demands(scenario, track, state, 5), expected) and np.ptp(expected[:, 0]) > 0
    Mediated.open(scenario, track, state)
    assert np.array_equal(state.draft[:, 0], state.status_quo[:, 0]) and np.ptp(state.status_quo) > 0
    a, b = scenario.actor_index["hawk"], scenario.actor_index["dove"]
    p_a, p_b = state.position[:, a, 0].copy(), state.position[:, b, 0].copy()
    c_a, c_b = state.capability[:, a], state.capability[:, b]
    apply_event(scenario, state, scenario.events[0])  # the bilateral, its strength drawn per replicate
    midpoint = (c_a * p_a + c_b * p_b) / (c_a + c_b)
    np.testing.assert_allclose(state.position[:, a, 0], p_a + state.event_strength[:, 0] * (midpoint - p_a))
    before = state.position[:, b, 0].copy()
    apply_event(scenario, state, scenario.events[1])  # the shift, its 'by' drawn per replicate
    np.testing.assert_allclose(state.position[:, b, 0], np.clip(before + state.event_amount[:, 1], 0, 100))
    assert np.ptp(state.event_amount[:, 1]) > 0


def test_drawing_in_blocks_changes_no_number(monkeypatch):
    """Large draws go in blocks of replicates (``DRAW_BLOCK`` numbers); every number is its own."""
    import sim.kernel.inputs as inputs_module

    scenario = build(base(EVERYTHING))
    whole = draw_inputs(scenario, 8, range(7))
    monkeypatch.setattr(inputs_module, "DRAW_BLOCK", 1)  # one replicate a block
    apart = draw_inputs(scenario, 8, range(7))
    for name in ("position", "salience", "capability", "tactic", "reservation_utility"):
        assert np.array_equal(getattr(whole, name), getattr(apart, name)), name


def test_each_drawn_number_is_its_own_item_drawn_alone_in_its_own_cell():
    """The scatter of a block's draws into the inputs (a cell list per field, worked out once per
    scenario) puts each item's number where :func:`input_cells` says, as drawing it alone would."""
    from sim.kernel.inputs import input_cells
    from sim.kernel.uncertainty import quantiles

    scenario = build(base(EVERYTHING))
    inputs = draw_inputs(scenario, 6, range(9))
    items = scenario.uncertain_inputs
    assert len(items) > 5
    for item in items:
        alone = quantiles([item], copula_uniforms([item], 6, range(9)))[:, 0] if item.factor is None else None
        for name, index in input_cells(scenario, item):
            cell = getattr(inputs, name)[(slice(None),) + index]
            if alone is not None:
                assert np.array_equal(cell, alone.astype(cell.dtype)), (item.path, name, index)
            assert np.ptp(cell) > 0 or item.integer, (item.path, name)  # drawn, not the declared value
