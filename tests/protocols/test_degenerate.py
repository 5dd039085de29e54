"""Degenerate numbers in every protocol: zero salience, tied positions, zero capability.

Each case either plays without a NaN or an infinity where a value is defined
(statement, forecast, utilities, the trace's quantities), with the documented value
where one is defined, or is refused at validation with the field and the reason.
Which trace columns count as defined is learnt from a non-degenerate run of the
same protocol: a column finite for every participant there must stay finite.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.baselines import baselines, weighted_medians
from sim.bdm import SCHOLZ_CODE, bdm_run, forecast_weights, weighted_mean, weighted_median
from sim.errors import InputError
from sim.ktab.smp import smp_turn
from sim.ktab.smp_math import salience_distance
from sim.protocols import registry
from sim.protocols.alternating import best_acceptable_point
from sim.runner import monte_carlo, run
from tests.conftest import actor, build, dimension, scenario_data

PROTOCOLS = registry.names()
FORECASTING = [name for name in PROTOCOLS if registry.get(name).decision_rules[0] == "forecast"]
RULES = {"unanimity": {"kind": "unanimity"}, "forecast": {"kind": "forecast"},
         "opt_in": {"kind": "opt_in", "counterpart": "z", "min_signatories": 2}}
CAPABILITY = {"x": 2.0, "y": 1.0, "z": 1.5, "w": 0.5}


def base(protocol: str) -> dict[str, Any]:
    """Four actors on two dimensions (status quo 0 on both), the protocol's first decision rule."""
    actors = [actor("x", {"a": 20, "b": 70}, capability=2.0, tactic=0.5, reservation_utility=0.3),
              actor("y", {"a": 80, "b": 30}, capability=1.0, tactic=2.0, reservation_utility=0.3),
              actor("z", {"a": 50, "b": 55}, capability=1.5, tactic=1.0, reservation_utility=0.3),
              actor("w", {"a": 90, "b": 10}, capability=0.5, tactic=1.0, reservation_utility=0.3)]
    data = scenario_data(actors, dims=[dimension("a"), dimension("b")],
                         rule=RULES[registry.get(protocol).decision_rules[0]], deadline=6)
    data["tracks"][0]["protocol"] = protocol
    return data


def _salience_to_zero(data: dict[str, Any], dims: tuple[str, ...]) -> None:
    """Events before round 1 setting every actor's salience on ``dims`` to 0 (a file may not declare it for a forecast)."""
    data["events"] = [{"kind": "shift", "round": 1, "actor": a["id"], "attribute": "salience", "dimension": d,
                       "to": 0.0} for a in data["actors"] for d in dims]


def degenerate(protocol: str, case: str) -> dict[str, Any]:
    data = copy.deepcopy(base(protocol))
    actors = data["actors"]
    if case == "no_salience_on_a_dimension":
        for a in actors:
            a["salience"]["a"] = 0.0
    elif case == "salience_on_a_dimension_falls_to_zero":
        _salience_to_zero(data, ("a",))
    elif case == "every_salience_falls_to_zero":
        _salience_to_zero(data, ("a", "b"))
    elif case == "one_actor_with_no_salience":
        actors[0]["salience"] = {"a": 0.0, "b": 0.0}
    elif case == "every_position_tied":
        for a in actors:
            a["position"] = {"a": 40.0, "b": 40.0}
    elif case == "tied_on_one_dimension":
        for a in actors:
            a["position"]["a"] = 40.0
    elif case == "tied_at_the_status_quo":
        for a in actors:
            a["position"] = {"a": 0.0, "b": 0.0}
    elif case == "tied_and_nobody_cares":
        for a in actors:
            a["position"] = {"a": 40.0, "b": 40.0}
        _salience_to_zero(data, ("a",))
    else:
        raise ValueError(case)
    return data


CASES = ("no_salience_on_a_dimension", "salience_on_a_dimension_falls_to_zero", "every_salience_falls_to_zero",
         "one_actor_with_no_salience", "every_position_tied", "tied_on_one_dimension", "tied_at_the_status_quo",
         "tied_and_nobody_cares")
REFUSED = {(name, "no_salience_on_a_dimension"): "tracks[0].dimensions: no participant gives 'a' any salience"
           for name in FORECASTING}
"""Cases refused at validation, with the start of the reason."""


def _participants(scenario) -> np.ndarray:
    return np.array(scenario.tracks[0].participants, dtype=bool)


def _defined_columns(protocol: str) -> set[str]:
    """Trace float columns finite on every participant's row in a non-degenerate run of ``protocol``."""
    scenario = build(base(protocol))
    trace = run(scenario, seed=1).trace()
    ids = set(np.array(scenario.actor_ids)[_participants(scenario)])
    rows = trace[trace["actor"].isin(ids)]
    return {c for c in rows.columns if rows[c].dtype.kind == "f" and np.isfinite(rows[c]).all()}


_DEFINED: dict[str, set[str]] = {}


def assert_no_nan_where_defined(scenario, protocol: str, table: pd.DataFrame, trace: pd.DataFrame) -> None:
    """No infinity anywhere; every defined quantity finite (see the module docstring)."""
    numeric = table.select_dtypes("number")
    assert not np.isinf(numeric.to_numpy(dtype=float)).any(), "inf in the runs table"
    floats = trace.select_dtypes("float")
    assert not np.isinf(floats.to_numpy()).any(), "inf in the trace"
    track = scenario.tracks[0]
    forecast = track.rule_kind == "forecast"
    agreed = table[f"{track.id}.agreed"].to_numpy(dtype=bool)
    members = [a for a, m in zip(scenario.actor_ids, _participants(scenario)) if m]
    for dim_id in (scenario.dimension_ids[d] for d in track.dims):
        statement = table[f"statement.{dim_id}"].to_numpy(dtype=float)
        settled = np.ones_like(agreed) if forecast else agreed
        assert np.isfinite(statement[settled]).all(), f"statement.{dim_id}"
        if forecast:
            for name in ("median", "mean"):
                assert np.isfinite(table[f"forecast.{name}.{dim_id}"].to_numpy(dtype=float)).all(), name
    for actor_id in members:
        assert np.isfinite(table[f"utility.{track.id}.{actor_id}"].to_numpy(dtype=float)).all(), actor_id
        conceded = table[f"concession.{track.id}.{actor_id}"].to_numpy(dtype=float)
        if track.rule_kind == "opt_in":
            signed = np.array([actor_id in names for names in table[f"{track.id}.signatories"]])
            assert np.isfinite(conceded[signed]).all(), actor_id
        else:
            assert np.isfinite(conceded[settled if forecast else agreed]).all(), actor_id
    if protocol not in _DEFINED:
        _DEFINED[protocol] = _defined_columns(protocol)
    rows = trace[trace["actor"].isin(members)]
    for column in sorted(_DEFINED[protocol] & set(rows.columns)):
        assert np.isfinite(rows[column].to_numpy(dtype=float)).all(), column


def _play(scenario, protocol: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One Mesa run and a small ensemble Monte Carlo, both checked; returns the Mesa run's record and trace."""
    model = run(scenario, seed=1)
    record = pd.DataFrame([model.outcome().to_record()])
    assert_no_nan_where_defined(scenario, protocol, record, model.trace())
    ensemble = monte_carlo(scenario, 3, seed=1, trace=True)
    assert_no_nan_where_defined(scenario, protocol, ensemble.table.to_pandas(), ensemble.trace.to_pandas())
    return record, model.trace()


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_every_protocol_plays_or_refuses_each_degenerate_case(protocol, case):
    data = degenerate(protocol, case)
    refusal = REFUSED.get((protocol, case))
    if refusal is not None:
        with pytest.raises(InputError) as caught:
            build(data)
        assert any(problem.startswith(refusal) for problem in caught.value.problems), caught.value.problems
        return
    scenario = build(data)
    _play(scenario, protocol)
    table = baselines(scenario)
    assert not np.isinf(table["value"].to_numpy(dtype=float)).any()
    assert table.query("baseline != 'nash'")["value"].notna().all()


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_capability_of_zero_is_refused_at_validation(protocol):
    data = base(protocol)
    for a in data["actors"]:
        a["capability"] = 0.0
    with pytest.raises(InputError) as caught:
        build(data)
    assert "actors[0].capability: must be > 0, got 0" in caught.value.problems


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_tied_positions_end_where_everyone_stands(protocol):
    record, _ = _play(build(degenerate(protocol, "every_position_tied")), protocol)
    assert record["statement.a"].iloc[0] == pytest.approx(40.0, abs=1e-9)
    assert record["statement.b"].iloc[0] == pytest.approx(40.0, abs=1e-9)
    for actor_id in ("x", "y", "w"):
        assert record[f"utility.talks.{actor_id}"].iloc[0] == pytest.approx(1.0, abs=1e-9)
    if registry.get(protocol).decision_rules[0] != "forecast":
        assert record["talks.round"].iloc[0] == 1


def test_smp_forecast_on_a_dimension_nobody_cares_about_is_an_actor_s_own_position():
    record, trace = _play(build(degenerate("smp", "salience_on_a_dimension_falls_to_zero")), "smp")
    assert record["statement.a"].iloc[0] in (20.0, 80.0, 50.0, 90.0)
    assert (trace.groupby("actor")["position.a"].nunique() == 1).all()
    assert record["forecast.median.a"].iloc[0] == 50.0  # capability-weighted, as BDM's


@pytest.mark.parametrize("options", [{}, {"status_quo_probability": 0.5}, {"reading": "as_printed"}])
def test_bdm_forecast_on_a_dimension_nobody_cares_about_is_the_capability_weighted_median(options):
    """Once every salience on 'a' is 0 the forecast weighs positions by capability alone.

    Capabilities 2, 1, 1.5, 0.5 at 20, 80, 50, 90: half the weight (2.5) is reached at 50.
    Under the default reading nobody moves there (both sides of every dyad expect the same),
    so the forecast is 50 and the mean (2·20 + 80 + 1.5·50 + 0.5·90)/5 = 48.
    """
    data = degenerate("bdm", "salience_on_a_dimension_falls_to_zero")
    data["tracks"][0]["options"] = options
    record, trace = _play(build(data), "bdm")
    median = weighted_median(np.array([20.0, 80, 50, 90]), np.array([2.0, 1, 1.5, 0.5]))
    assert median == 50.0
    if not options:
        assert record["statement.a"].iloc[0] == 50.0
        assert record["forecast.mean.a"].iloc[0] == pytest.approx(48.0)
        assert (trace.groupby("actor")["position.a"].nunique() == 1).all()  # nobody moved on 'a'
    final = trace[trace["round"] == trace["round"].max()].set_index("actor")["position.a"]
    expected = weighted_median(final.loc[["x", "y", "z", "w"]].to_numpy(),
                               np.array([CAPABILITY[a] for a in ("x", "y", "z", "w")]))
    assert record["forecast.median.a"].iloc[0] == pytest.approx(expected)


def test_smp_an_actor_with_no_salience_is_indifferent_not_nan():
    position = np.array([[0.2, 0.7], [0.8, 0.3], [0.5, 0.55]])
    salience = np.array([[0.0, 0.0], [0.5, 0.5], [0.6, 0.4]])
    distance = salience_distance(position, position, salience)
    assert np.all(distance[0] == 0.0) and np.isfinite(distance).all()
    record, new = smp_turn(position, salience, np.array([2.0, 1.0, 1.5]))
    assert np.isfinite(new).all() and np.isfinite(record.win_probability).all()
    assert all(made.initiator != 0 for made in record.challenges)  # it gains nothing from any challenge


def test_smp_with_every_capability_zero_stays_finite():
    position = np.array([[0.2], [0.8], [0.5]])
    record, new = smp_turn(position, np.full((3, 1), 0.5), np.zeros(3))
    assert np.isfinite(new).all()
    np.testing.assert_allclose(record.win_probability, 1 / 3)


def test_weighted_median_and_mean_of_zero_weight_are_nan_and_the_forecast_falls_back():
    position = np.array([20.0, 80.0, 50.0])
    assert np.isnan(weighted_median(position, np.zeros(3))) and np.isnan(weighted_mean(position, np.zeros(3)))
    capability = np.array([2.0, 1.0, 1.5])
    np.testing.assert_array_equal(forecast_weights(capability, np.zeros(3)), capability)
    np.testing.assert_array_equal(forecast_weights(np.zeros(3), np.zeros(3)), np.ones(3))
    np.testing.assert_array_equal(forecast_weights(capability, np.array([0.0, 0.5, 0.0])), [0.0, 0.5, 0.0])
    np.testing.assert_array_equal(forecast_weights(capability, np.zeros(3), np.array([True, False, True])),
                                  [2.0, 0.0, 1.5])
    assert np.all(forecast_weights(capability, np.zeros(3), np.zeros(3, bool)) == 0.0)


def test_bdm_run_with_no_salience_or_no_capability_stays_finite_and_unmoved():
    position = np.array([20.0, 80.0, 50.0, 90.0])
    capability = np.array([2.0, 1.0, 1.5, 0.5])
    for c, s in ((capability, np.zeros(4)), (np.zeros(4), np.full(4, 0.5)), (np.zeros(4), np.zeros(4))):
        for record in bdm_run(position, c, s, 100.0, rounds=3, reading=SCHOLZ_CODE):
            for value in (record.risk, record.probability, record.expected_utility, record.new_position,
                          record.median, record.mean):
                assert np.isfinite(value).all()
            np.testing.assert_array_equal(record.new_position[0], position)
    record = next(bdm_run(position, capability, np.zeros(4), 100.0))
    assert record.median[0] == 50.0 and record.mean[0] == pytest.approx(48.0)


def test_baseline_median_on_a_dimension_nobody_cares_about_is_the_capability_weighted_median():
    position = np.array([[20.0, 70.0], [80.0, 30.0], [50.0, 55.0]])
    salience = np.array([[0.0, 1.0], [0.0, 0.5], [0.0, 0.2]])
    assert weighted_medians(position, salience, np.array([2.0, 1.0, 1.5]))[0] == 50.0


def test_an_indifferent_proposer_proposes_its_own_position():
    lower, upper = np.zeros(2), np.full(2, 100.0)
    ideal = np.array([40.0, 60.0])
    point = best_acceptable_point(ideal, np.zeros(2), np.array([[10.0, 90.0]]), np.zeros((1, 2)),
                                  np.array([0.5]), lower, upper)
    np.testing.assert_allclose(point, ideal)
    # indifferent on 'a' only, with a member who accepts anything within 0.2 of its own point on 'a'
    point = best_acceptable_point(ideal, np.array([0.0, 1.0]), np.array([[10.0, 90.0]]), np.array([[1.0, 0.0]]),
                                  np.array([0.2]), lower, upper)
    np.testing.assert_allclose(point, [30.0, 60.0], atol=1e-7)


SMALL = st.sampled_from(PROTOCOLS)


@st.composite
def small_scenarios(draw) -> tuple[str, dict[str, Any]]:
    """2-4 actors, 1-2 dimensions; positions on a coarse grid (ties likely), saliences often 0."""
    protocol = draw(SMALL)
    count, dims = draw(st.integers(2, 4)), draw(st.sampled_from([("a",), ("a", "b")]))
    actors = []
    for index in range(count):
        actors.append(actor(f"p{index}", {d: draw(st.sampled_from([0.0, 50.0, 100.0])) for d in dims},
                            capability=draw(st.sampled_from([1e-6, 1.0, 3.0])),
                            salience={d: draw(st.sampled_from([0.0, 0.0, 0.5, 1.0])) for d in dims},
                            tactic=draw(st.sampled_from([0.5, 1.0, 2.0])), reservation_utility=0.3))
    rule = copy.deepcopy(RULES[registry.get(protocol).decision_rules[0]])
    if rule["kind"] == "opt_in":
        rule.update(counterpart="p0", min_signatories=1)
    data = scenario_data(actors, dims=[dimension(d, status_quo=draw(st.sampled_from([0.0, 50.0]))) for d in dims],
                         rule=rule, deadline=4)
    data["tracks"][0]["protocol"] = protocol
    if draw(st.booleans()):  # a salience falls to 0 during the run
        data["events"] = [{"kind": "shift", "round": 2, "actor": "p1", "attribute": "salience", "dimension": "a",
                           "to": 0.0}]
    return protocol, data


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_scenarios())
def test_random_degenerate_scenarios_never_give_nan(drawn):
    protocol, data = drawn
    try:
        scenario = build(data)
    except InputError as error:  # the one refusal: a forecast dimension nobody cares about
        assert protocol in FORECASTING
        assert all("any salience" in problem for problem in error.problems), error.problems
        return
    model = run(scenario, seed=2)
    record = pd.DataFrame([model.outcome().to_record()])
    trace = model.trace()
    for table in (record, trace):
        assert not np.isinf(table.select_dtypes("number").to_numpy(dtype=float)).any()
    track = scenario.tracks[0]
    members = [a for a, m in zip(scenario.actor_ids, _participants(scenario)) if m]
    settled = track.rule_kind == "forecast" or bool(record[f"{track.id}.agreed"].iloc[0])
    for d in track.dims:
        dim_id = scenario.dimension_ids[d]
        if settled:
            assert np.isfinite(record[f"statement.{dim_id}"].iloc[0])
        assert np.isfinite(trace[f"position.{dim_id}"]).all()
    for actor_id in members:
        assert np.isfinite(record[f"utility.{track.id}.{actor_id}"].iloc[0])
    ensemble = monte_carlo(scenario, 2, seed=2, trace=True)
    for table in (ensemble.table.to_pandas(), ensemble.trace.to_pandas()):
        assert not np.isinf(table.select_dtypes("number").to_numpy(dtype=float)).any()
    if track.rule_kind == "forecast":
        for d in track.dims:
            assert np.isfinite(ensemble.table[f"forecast.median.{scenario.dimension_ids[d]}"].to_numpy()).all()
