"""The per-round trace: exact values, both engines alike, every protocol's columns, files and the CLI."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.cli import main
from sim.ensemble import run_ensemble
from sim.model import NegotiationModel
from sim.protocols import registry
from sim.runner import monte_carlo, run
from sim.scenario import load_scenario
from sim.scenario.variants import with_protocol
from sim.trace import TRACK_COLUMNS, track_columns
from sim.trace_text import format_trace
from tests.conftest import SCENARIOS, actor, build, dimension, scenario_data

MINIMAL = load_scenario(SCENARIOS / "minimal.toml")
KTAB_CSV = SCENARIOS.parent / "tests" / "ktab" / "oracle" / "dummyData_3Dim.csv"


def umbrella() -> dict:
    """Two donors and a recipient; worked by hand in tests/protocols/test_bilateral.py."""
    actors = [actor(f"donor{i}", {"d": p}, tactic=1.0, reservation_utility=0.7) for i, p in enumerate((40, 60))]
    actors.append(actor("recipient", {"d": 100}, veto=False, tactic=1.0, reservation_utility=0.5))
    return {"name": "umbrella", "deadline": 3, "dimensions": [dimension("d")], "actors": actors,
            "tracks": [{"id": "talks", "dimensions": ["d"], "decision_rule": {
                "kind": "opt_in", "counterpart": "recipient", "min_signatories": 1}}]}


def noisy() -> dict:
    """Uncertain positions, logistic answers, a bloc, a salience shift and a late joiner."""
    data = scenario_data([
        actor("a", {"d": 10, "e": 60}, capability=2.0, position_sd={"d": 15, "e": 10}, veto=False),
        actor("b", {"d": 50, "e": 40}, capability=1.0, position_sd={"d": 15}, veto=False, bloc="x", flexibility=0.3),
        actor("c", {"d": 70, "e": 20}, capability=1.5, position_sd={"d": 15}, veto=False, bloc="x", flexibility=0.3),
        actor("d", {"d": 95, "e": 90}, capability=1.0, position_sd={"d": 15}, reservation_utility=0.3),
    ], dims=[dimension("d"), dimension("e", 0, 10 ** 2)],
        rule={"kind": "qualified_majority", "by": "capability", "threshold": 0.6}, deadline=7)
    data["tracks"][0]["participants"] = ["a", "b", "c"]
    data["acceptance"] = {"rule": "logistic", "temperature": 0.05}
    data["events"] = [
        {"kind": "shift", "round": 2, "actor": "a", "attribute": "salience", "dimension": "d", "to": 0.3},
        {"kind": "join", "round": 3, "actor": "d", "track": "talks"},
    ]
    return data


def smp_small() -> dict:
    """Four actors on two dimensions under KTAB's SMP (forecast rule)."""
    data = scenario_data([
        actor("p", {"d": 10, "e": 80}, capability=3.0, salience={"d": 0.6, "e": 0.3}),
        actor("q", {"d": 40, "e": 20}, capability=1.0, salience={"d": 0.2, "e": 0.7}),
        actor("r", {"d": 70, "e": 50}, capability=2.0, salience={"d": 0.5, "e": 0.5}, position_sd={"d": 10}),
        actor("s", {"d": 95, "e": 5}, capability=1.5, salience={"d": 0.9, "e": 0.1}, position_sd={"e": 10}),
    ], dims=[dimension("d"), dimension("e")], rule={"kind": "forecast"}, deadline=6)
    data["tracks"][0]["protocol"] = "smp"
    return data


ENGINE_CASES = {
    "mediated": build(noisy()),
    "concession": with_protocol(build(noisy()), "concession")[0],
    "alternating": with_protocol(build(noisy()), "alternating")[0],
    "bilateral": build(umbrella() | {"acceptance": {"rule": "logistic", "temperature": 0.05}}),
    "smp": build(smp_small()),
    "smp_stochastic": build(smp_small() | {"tracks": [smp_small()["tracks"][0] | {
        "options": {"StateTransitions": "Stochastic"}}]}),
    "bdm": with_protocol(build(smp_small()), "bdm")[0],
}

EXPECTED_COLUMNS = {  # per protocol, for a track on dimensions d and e
    "mediated": ["weight", "pull.d", "pull.e"],
    "concession": ["alpha", "offer.d", "offer.e"],
    "alternating": ["proposer", "coalition", "fallback", "proposal.d", "proposal.e", "passed"],
    "smp": ["risk", "win_probability", "challenge", "challenge_probability", "challenge_gain", "bargain",
            "bargain_probability", "adopted.d", "adopted.e"],
    "bilateral": ["pledge.d", "counterpart_utility"],  # the umbrella has one dimension
}


def _mesa_trace(scenario, seed: int, replicates) -> pd.DataFrame:
    parts = [run(scenario, seed=seed, replicate=r, collect=False, trace=True).trace_table() for r in replicates]
    return pa.concat_tables(parts).to_pandas()


def test_minimal_round_one_by_hand_and_the_rest_from_the_state():
    model = run(MINIMAL)
    trace = model.trace()
    assert isinstance(trace, pd.DataFrame)
    assert list(trace.columns) == [
        "run_id", "round", "actor", "position.timing", "draft.timing", *(f"communique.{c}" for c in TRACK_COLUMNS),
        "communique.mediated.weight", "communique.mediated.pull.timing"]
    rounds = model.outcome().rounds
    assert len(trace) == 2 * rounds and list(trace["actor"][:2]) == ["dove", "hawk"]  # actors in id order
    first = trace[trace["round"] == 1].set_index("actor")
    # declared positions; first draft = capability x salience weighted mean = (2*1*90 + 1*0.8*30) / 2.8
    assert first["position.timing"].to_dict() == {"dove": 30.0, "hawk": 90.0}
    assert first["draft.timing"].iloc[0] == pytest.approx(204 / 2.8)
    assert first["communique.utility"]["hawk"] == pytest.approx(1 - (90 - 204 / 2.8) / 100)
    assert first["communique.utility"]["dove"] == pytest.approx(1 - (204 / 2.8 - 30) / 100)
    assert list(first["communique.demand"]) == [1.0, 1.0] and not first["communique.accepts"].any()
    # objection weight c_i (a_i - u_i): dove 1 * 0.4286, hawk 2 * 0.1714; pulls weigh in salience: equal
    assert first["communique.mediated.weight"]["dove"] == pytest.approx(1 - first["communique.utility"]["dove"])
    assert first["communique.mediated.weight"]["hawk"] == pytest.approx(2 * (1 - first["communique.utility"]["hawk"]))
    assert first["communique.mediated.pull.timing"].tolist() == pytest.approx([0.5, 0.5])
    # the draft per round is the model's trajectory; the last answers are the final state
    drafts = trace.groupby("round")["draft.timing"].first()
    assert drafts.tolist() == model.trajectory()["draft.timing"].tolist()
    last = trace[trace["round"] == rounds]
    assert last["communique.accepts"].tolist() == model.state.accepts[0, 0].tolist()
    assert last["communique.utility"].tolist() == model.state.utility[0, 0].tolist()
    assert last["communique.agreed"].all() and not last["communique.open"].any()
    assert last["communique.mediated.weight"].isna().all()  # closed: no revision follows


@pytest.mark.parametrize("case", sorted(ENGINE_CASES))
def test_ensemble_trace_equals_mesa_row_for_row(case):
    scenario = ENGINE_CASES[case]
    replicates = range(4)
    result = run_ensemble(scenario, 21, replicates, trace=True)
    batch = result.trace_table().to_pandas()
    pd.testing.assert_frame_equal(batch, _mesa_trace(scenario, 21, replicates), check_exact=True)
    rounds = result.table().to_pandas().set_index("run_id")["rounds"]
    assert batch.groupby("run_id")["round"].max().tolist() == rounds.tolist()  # only rounds it played
    assert (batch.groupby("run_id").size() == rounds * len(scenario.actor_ids)).all()


def test_monte_carlo_trace_is_the_same_table_from_both_engines():
    scenario = ENGINE_CASES["alternating"]
    ensemble = monte_carlo(scenario, 5, seed=3, trace=True)
    mesa = monte_carlo(scenario, 5, seed=3, engine="mesa", trace=True)
    assert isinstance(ensemble.trace, pa.Table) and isinstance(ensemble.trajectories, type(None))
    pd.testing.assert_frame_equal(ensemble.trace.to_pandas(), mesa.trace.to_pandas(), check_exact=True)
    assert sorted(set(ensemble.trace.column("run_id").to_pylist())) == [0, 1, 2, 3, 4]


def test_no_trace_unless_asked():
    assert NegotiationModel(MINIMAL, collect=False).tracer is None
    assert NegotiationModel(MINIMAL, collect=True, trace=False).tracer is None
    with pytest.raises(RuntimeError):
        run(MINIMAL, collect=False).trace()
    with pytest.raises(RuntimeError):
        run_ensemble(MINIMAL, 1, range(2)).trace_table()
    assert monte_carlo(MINIMAL, 2).trace is None


@pytest.mark.parametrize("case", ["alternating", "smp_stochastic"])
def test_tracing_does_not_change_the_runs(case):
    scenario = ENGINE_CASES[case]
    for engine in ("ensemble", "mesa"):
        plain = monte_carlo(scenario, 4, seed=6, engine=engine).table
        traced = monte_carlo(scenario, 4, seed=6, engine=engine, trace=True).table
        pd.testing.assert_frame_equal(plain.to_pandas(), traced.to_pandas(), check_exact=True)


def _a_scenario_for(protocol) -> object:
    if "opt_in" in protocol.decision_rules:
        return build(umbrella())
    return with_protocol(ENGINE_CASES["mediated"], protocol.name)[0]


@pytest.mark.parametrize("name", registry.names())
def test_every_protocol_traces_its_declared_columns(name):
    protocol = registry.get(name)
    scenario = _a_scenario_for(protocol)
    track = scenario.tracks[0]
    assert track.protocol == name
    model = run(scenario, seed=2, replicate=1, collect=False, trace=True)
    own = protocol.trace(scenario, track, model.state)
    assert own, f"{name} traces nothing of its own"
    for column, values in own.items():
        assert column.startswith(f"{name}."), column
        assert np.asarray(values).shape == (1, len(scenario.actor_ids)), column
        assert np.asarray(values).dtype.kind in "fbUO", column
    if name in EXPECTED_COLUMNS:
        assert [c[len(name) + 1:] for c in own] == EXPECTED_COLUMNS[name]
    trace = model.trace()
    generic = len(track_columns(scenario))
    assert list(trace.columns[:generic]) == track_columns(scenario)
    assert list(trace.columns[generic:]) == [f"{track.id}.{c}" for c in own]
    outside = trace[~trace[f"{track.id}.participates"]]
    for column in trace.columns[generic:]:  # nothing reported for actors not taking part
        assert outside[column].isin([np.nan, "", False]).all() or outside[column].isna().all(), column


def test_alternating_names_one_proposer_whose_proposal_is_the_draft():
    trace = run_ensemble(ENGINE_CASES["alternating"], 8, range(5), trace=True).trace_table().to_pandas()
    for (_, _), rows in trace.groupby(["run_id", "round"]):
        proposer = rows[rows["talks.alternating.proposer"]]
        assert len(proposer) == 1 and proposer["talks.participates"].all()
        for dim_id in ("d", "e"):
            assert proposer[f"talks.alternating.proposal.{dim_id}"].iloc[0] == proposer[f"draft.{dim_id}"].iloc[0]
        assert proposer["talks.alternating.coalition"].all()
        agreed_now = rows["talks.agreed"].iloc[0] and not rows["talks.open"].iloc[0]
        assert rows["talks.alternating.passed"][rows["talks.participates"]].all() == agreed_now


def test_bilateral_pledges_and_offers_as_worked_by_hand():
    trace = run(build(umbrella())).trace().set_index(["round", "actor"])
    pledge = trace["talks.bilateral.pledge.d"]
    assert pledge[(1, "donor0")] == 40 and pledge[(1, "donor1")] == 60  # demand 1: own positions
    assert pledge[(2, "donor0")] == pytest.approx(55) and pledge[(2, "donor1")] == pytest.approx(75)
    assert trace["talks.bilateral.counterpart_utility"][(2, "donor0")] == pytest.approx(0.55)
    assert pledge[(3, "donor0")] == pytest.approx(70) and pledge[(3, "donor1")] == pytest.approx(75)  # kept
    assert trace["talks.accepts"][(2, "donor1")] and not trace["talks.accepts"][(2, "donor0")]
    assert np.isnan(pledge[(2, "recipient")])


def test_concession_alpha_runs_from_zero_to_one_and_round_one_offers_are_ideals():
    scenario = with_protocol(MINIMAL, "concession")[0]
    trace = run(scenario).trace()
    first = trace[trace["round"] == 1]
    assert (first["communique.concession.alpha"] == 0).all()
    assert first["communique.concession.offer.timing"].tolist() == first["position.timing"].tolist()
    deadline = scenario.tracks[0].deadline
    later = trace[trace["round"] > 1]["communique.concession.alpha"]
    assert (later > 0).all() and (later <= 1).all() and deadline >= trace["round"].max()


def test_smp_first_turn_as_ktab_logs_it():
    """tests/ktab/oracle/20170530_ref-dummyData_3Dim.txt, turn 0: risk attitudes, challenges, chosen bargains."""
    scenario = load_scenario(KTAB_CSV)
    trace = run(scenario).trace()
    first = trace[trace["round"] == 1].set_index("actor")
    ids = list(first.index)
    assert first["main.smp.risk"].round(3).tolist() == [-0.5, -0.459, -0.499, -0.274, 1.0, -0.232, -0.43]
    challenged = {"SActor-00": 6, "SActor-01": 0, "SActor-02": 6, "SActor-03": 0, "SActor-04": 0, "SActor-05": 1,
                  "SActor-06": 1}
    assert first["main.smp.challenge"].to_dict() == {a: ids[j] for a, j in challenged.items()}
    assert first["main.smp.challenge_probability"]["SActor-00"] == pytest.approx(0.7643, abs=5e-5)
    assert first["main.smp.challenge_gain"]["SActor-00"] == pytest.approx(0.0947, abs=5e-5)
    assert first["main.smp.bargain"][:3].tolist() == ["SActor-04:SActor-00", "SActor-06:SActor-01",
                                                      "SActor-02:SActor-02"]
    assert first["main.smp.bargain_probability"]["SActor-00"] == pytest.approx(0.4968, abs=5e-5)
    second = trace[trace["round"] == 2].set_index("actor")
    for d, dim_id in enumerate(scenario.dimension_ids):  # turns start from the declared positions, then the adopted
        assert first[f"position.{dim_id}"].tolist() == scenario.position[:, d].tolist()
        assert first[f"main.smp.adopted.{dim_id}"].tolist() != first[f"position.{dim_id}"].tolist()
        assert first[f"main.smp.adopted.{dim_id}"].tolist() == second[f"position.{dim_id}"].tolist()


def test_smp_is_stochastic_only_with_stochastic_transitions(capsys):
    smp = registry.get("smp")
    assert not smp.is_stochastic(build(smp_small()).tracks[0])
    assert smp.is_stochastic(ENGINE_CASES["smp_stochastic"].tracks[0])
    assert smp.is_stochastic(SimpleNamespace(options={"StateTransitions": "Stochastic"}))
    assert main(["protocols"]) == 0
    flags = capsys.readouterr().out.split("\nsmp:")[1].splitlines()[1]
    assert flags.startswith("  deterministic (stochastic with StateTransitions=Stochastic), batched")


def test_cli_trace_prints_rounds_with_names_drafts_and_events(capsys):
    assert main(["run", str(SCENARIOS / "minimal.toml"), "--trace"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Trace of minimal, run 0: 8 rounds")
    assert "\nRound 1\n" in out and "\nRound 8\n" in out and "\nRound 9\n" not in out
    assert "Hawk" in out and "Dove" in out  # display names
    assert 'draft timing     72.9  "Membership will follow when conditions are met."' in out
    assert "objects" in out and "accepts" in out and "weight" in out and "pull" in out
    assert "AGREED in round 8" in out  # the summary follows the log
    assert main(["run", str(SCENARIOS / "vilnius_2023.toml"), "--trace"]) == 0
    out = capsys.readouterr().out
    assert "\nRound 11\n  event: bilateral usa-uk (strength 0.5)" in out
    assert "United States" in out and "signed" in out and "pledge" in out


def test_format_trace_of_an_smp_run_shows_ktab_quantities():
    scenario = build(smp_small())
    text = format_trace(scenario, run(scenario).trace())
    assert "talks [smp; forecast]" in text and "forecast d" in text
    for header in ("risk", "win_prob", "challenge", "bargain", "adopted.d"):
        assert header in text


def test_cli_writes_every_runs_trace_with_runs_and_out(tmp_path, capsys):
    out = tmp_path / "mc"
    assert main(["run", str(SCENARIOS / "minimal.toml"), "--runs", "3", "--seed", "4", "--trace", "--out", str(out),
                 "--quiet"]) == 0
    assert "trace.parquet" in capsys.readouterr().out
    written = pq.read_table(out / "trace.parquet")
    expected = monte_carlo(MINIMAL, 3, seed=4, trace=True).trace
    assert written.schema.equals(expected.schema)
    pd.testing.assert_frame_equal(written.to_pandas(), expected.to_pandas(), check_exact=True)
    assert pd.read_parquet(out / "trace.parquet")["run_id"].unique().tolist() == [0, 1, 2]
    single = tmp_path / "one"
    assert main(["run", str(SCENARIOS / "minimal.toml"), "--trace", "--json", "--out", str(single)]) == 0
    assert pq.read_table(single / "trace.parquet").num_rows == 16


@pytest.mark.parametrize("args, message", [
    (["--runs", "3", "--trace"], "--trace with --runs needs --out DIR"),
    (["--trace", "--json"], "--trace prints a text log, not JSON"),
])
def test_cli_bad_trace_combinations_exit_2_with_one_line(capsys, args, message):
    assert main(["run", str(SCENARIOS / "minimal.toml"), *args]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


def test_help_shows_trace_examples(capsys):
    assert main(["run", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--trace" in out and "negsim run scenarios/minimal.toml --trace" in out
