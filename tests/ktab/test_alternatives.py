"""KTAB's alternative SMP parameters: exact values, the bargains KTAB logs, and complete runs."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from sim.errors import InputError
from sim.ktab import smp_math as m
from sim.ktab.smp import smp_run
from sim.runner import run
from sim.scenario import load_scenario, scenario_from_dict

ORACLE = Path(__file__).parent / "oracle"
LOG = (ORACLE / "20170530_ref-dummyData_3Dim.txt").read_text()


def ktab_inputs():
    scenario = load_scenario(ORACLE / "dummyData_3Dim.csv")
    order = [scenario.actor_index[f"SActor-0{i}"] for i in range(7)]
    return scenario.position[order] / 100, scenario.salience[order], scenario.capability[order]


def test_vote_rules_exact_values():
    assert m.vote("Prop", 2.0, 0.25) == 0.5
    assert m.vote("Binary", 2.0, 0.25) == 2.0 and m.vote("Binary", 2.0, -1e-9) == pytest.approx(-0.2)
    assert m.vote("PropBin", 1.0, 0.5) == pytest.approx(0.8 * 0.5 + 0.2)
    assert m.vote("Cubic", 1.0, 0.5) == 0.125
    assert m.vote("PropCbc", 1.0, 0.5) == pytest.approx(0.3125)
    assert m.vote("ASymProsp", 3.0, 0.5) == pytest.approx(1.0) and m.vote("ASymProsp", 3.0, -0.5) == -1.5


@pytest.mark.parametrize("model, two_to_one", [("Linear", 2 / 3), ("Square", 4 / 5), ("Quartic", 16 / 17),
                                               ("Octic", 256 / 257), ("Binary", 1 / (1 + 1e-6))])
def test_victory_models_on_a_two_to_one_advantage(model, two_to_one):
    victory = m.victory_probabilities(np.array([[1e-8, 2.0], [1.0, 1e-8]]), model)
    assert victory[0, 1] == pytest.approx(two_to_one)
    assert victory[0, 0] == 0.5 and victory[0, 1] + victory[1, 0] == pytest.approx(1.0)


def test_binary_victory_interpolates_within_ten_percent():
    victory = m.victory_probabilities(np.array([[1e-8, 1.05], [1.0, 1e-8]]), "Binary")
    share = 1.05 / 2.05
    assert victory[0, 1] == pytest.approx((share * 2.1 - 1) / 0.1)


def test_risk_ranges_and_adjustments():
    p = np.array([0.1, 0.3, 0.6])
    np.testing.assert_allclose(m.risk_from_probabilities(p, "Min"), [0, 0.4, 1])
    np.testing.assert_allclose(m.risk_from_probabilities(p, "Mid"), [-0.5, 0.1, 1])
    np.testing.assert_allclose(m.risk_from_probabilities(p, "Max"), [-1, -0.2, 1])
    r = np.array([0.0, 0.9])
    assert m.estimated_risk(r, "None")[0, 1] == 0.0 and m.estimated_risk(r, "Full")[0, 1] == 0.9
    assert m.estimated_risk(r, "Half")[0, 1] == pytest.approx(0.45)
    assert m.estimated_risk(r, "OneThird")[0, 1] == pytest.approx(0.3)
    assert m.estimated_risk(r, "TwoThirds")[0, 1] == pytest.approx(0.6)


@pytest.mark.parametrize("pce", ["MarkovUniform", "MarkovIncentive"])
def test_markov_pces_are_distributions_favouring_the_strong(pce):
    weight = np.array([3.0, 1.0, 1.0])
    utility = np.array([[1.0, 0.2, 0.5], [0.3, 1.0, 0.6], [0.4, 0.5, 1.0]])
    probability, _, _ = m.scalar_pce(weight, utility, m.SMPParameters(PCEModel=pce))
    assert probability.sum() == pytest.approx(1.0) and np.all(probability > 0)
    assert int(np.argmax(probability)) == 0


def test_markov_uniform_on_two_options_exact():
    victory = np.array([[0.5, 0.75], [0.25, 0.5]])
    # stationary: p0 = (0.5*2p0 + 0.75*(p0+p1)) / 2 with p0 + p1 = 1 -> p0 = 0.75
    np.testing.assert_allclose(m.markov_uniform_pce(victory, 1e-12), [0.75, 0.25], atol=1e-9)


def test_bargains_from_the_targets_view_and_the_compromise_match_ktabs_log():
    """KTAB logs, for every challenge, the bargain from j's view (brgnJIJ) and the power-weighted
    compromise (brgnIJ) even when, by default, neither is offered."""
    position, salience, capability = ktab_inputs()
    first = {c.initiator: c for c in next(smp_run(position, salience, capability)).challenges}
    target_view = re.findall(r"Bargain \[\d+, (\d):(\d)\] from (\d)'s perspective \(brgnIIJ\)\s+\d+ proposes \d+ "
                             r"adopt:\s+([\d. ]+)\n\s+\d+ proposes \d+ adopt:\s+([\d. ]+)", LOG.split("Bargains to be resolved")[0])
    checked = 0
    for i, j, view, adopt_i, adopt_j in target_view:
        if view != j:
            continue
        challenge = first[int(i)]
        np.testing.assert_allclose(100 * challenge.target_view[0], [float(x) for x in adopt_i.split()], atol=0.0005 + 1e-9)
        np.testing.assert_allclose(100 * challenge.target_view[1], [float(x) for x in adopt_j.split()], atol=0.0005 + 1e-9)
        checked += 1
    compromises = re.findall(r"Power-weighted compromise \[\d+, (\d):(\d)\] bargain \(brgnIJ\)\s+compromise proposes "
                             r"\d+ adopt:\s+([\d. ]+)\n\s+compromise proposes \d+ adopt:\s+([\d. ]+)",
                             LOG.split("Bargains to be resolved")[0])
    for i, j, adopt_i, adopt_j in compromises:
        challenge = first[int(i)]
        np.testing.assert_allclose(100 * challenge.compromise[0], [float(x) for x in adopt_i.split()], atol=0.0005 + 1e-9)
        np.testing.assert_allclose(100 * challenge.compromise[1], [float(x) for x in adopt_j.split()], atol=0.0005 + 1e-9)
        checked += 1
    assert checked == 14  # seven challenges, two logged bargains each


ALTERNATIVES = [(name, value) for name, values in m.SMPParameters.CHOICES.items() for value in values
                if value != getattr(m.DEFAULTS, name)]


@pytest.mark.parametrize("name, value", ALTERNATIVES)
def test_every_alternative_runs_to_a_valid_end(name, value):
    position, salience, capability = ktab_inputs()
    params = m.SMPParameters(**{name: value})
    turns = list(smp_run(position, salience, capability, params=params, max_turns=30,
                         rng=np.random.default_rng(1)))
    assert 2 <= len(turns) <= 31
    final = turns[-1]
    assert np.all((final.position >= -1e-9) & (final.position <= 1 + 1e-9))
    assert final.win_probability.max() <= 1 and np.isfinite(final.risk).all()


def test_stochastic_transitions_follow_the_generator():
    position, salience, capability = ktab_inputs()
    params = m.SMPParameters(StateTransitions="Stochastic")

    def path(seed):
        return [t.position for t in smp_run(position, salience, capability, params=params, max_turns=8,
                                            rng=np.random.default_rng(seed))]

    np.testing.assert_array_equal(np.array(path(3)), np.array(path(3)))
    with pytest.raises(ValueError, match="need a random generator"):
        list(smp_run(position, salience, capability, params=params))


def test_options_by_ktab_name_in_a_scenario_and_their_validation():
    data = load_scenario(ORACLE / "dummyData_3Dim.csv").spec.model_dump(mode="json", by_alias=True)
    data["tracks"][0]["options"] = {"VictoryProbModel": "Quartic", "BargnModel": "PWCompInterp"}
    outcome = run(scenario_from_dict(data)).outcome().track("main")
    assert outcome.agreed
    data["tracks"][0]["options"] = {"VotingRule": "Banana"}
    with pytest.raises(InputError) as caught:
        scenario_from_dict(data, source="s.toml")
    assert caught.value.problems == ["tracks[0].options.VotingRule: must be one of Binary, PropBin, Prop, PropCbc, "
                                     "Cubic, ASymProsp; got 'Banana'"]
