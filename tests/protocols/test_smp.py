import re

import numpy as np
import pytest

from sim.runner import run
from sim.scenario import load_scenario
from tests.conftest import actor, build, scenario_data
from tests.protocols.contract import ProtocolContract

ORACLE = __import__("pathlib").Path(__file__).resolve().parent.parent / "ktab" / "oracle"


class TestSMP(ProtocolContract):
    protocol = "smp"

    def scripted(self):
        data = scenario_data([
            actor("a", {"d": 10}, capability=3.0, salience={"d": 0.8}),
            actor("b", {"d": 60}, capability=1.0, salience={"d": 0.5}),
            actor("c", {"d": 90}, capability=2.0, salience={"d": 0.6}),
        ], rule={"kind": "forecast"})
        data["tracks"][0]["protocol"] = "smp"
        return data

    expected_rounds = []  # replaced by the KTAB reference log below

    def test_exact_sequence(self):
        """KTAB's own log is the scripted opponent: every actor's position after every turn."""
        scenario = load_scenario(ORACLE / "dummyData_3Dim.csv")
        model = run(scenario)
        log = (ORACLE / "20170530_ref-dummyData_3Dim.txt").read_text()
        agents = model.datacollector.get_agent_vars_dataframe().dropna(subset=["actor"])
        assert model.outcome().track("main").round == 10  # KTAB: 11 states, 10 steps
        for actor_name, dim, values in re.findall(r"^(SActor-\d\d), (Pstn\d):\s+(.*)$", log, re.M):
            logged = [float(v) for v in values.split()][1:]  # states after turns 1..10
            ours = agents[agents["actor"] == actor_name][f"position.{dim}"].to_numpy()
            np.testing.assert_allclose(ours, logged, atol=0.05 + 1e-9)


def test_forecast_is_the_most_probable_final_position():
    scenario = load_scenario(ORACLE / "dummyData_3Dim.csv")
    track = run(scenario).outcome().track("main")
    # KTAB's log: in the final state SActor-05 holds the most probable position (0.4009) at 79.9, 34.4, 75.2
    assert track.statement == pytest.approx({"Pstn1": 79.9, "Pstn2": 34.4, "Pstn3": 75.2}, abs=0.05)


def test_identical_positions_settle_on_that_position():
    data = scenario_data([actor("a", {"d": 42}), actor("b", {"d": 42}, capability=2.0)], rule={"kind": "forecast"})
    data["tracks"][0]["protocol"] = "smp"
    track = run(build(data)).outcome().track("talks")
    assert track.agreed and track.round == 2 and track.statement["d"] == pytest.approx(42)


def test_one_dimension_median_is_the_favourite():
    """Single-peaked, one dimension: the median voter's position is the likeliest winner of the first election."""
    from sim.ktab.smp import assess_state

    position = np.array([[0.1], [0.3], [0.5], [0.7], [0.9]])
    win = assess_state(position, np.ones((5, 1)) * 0.5, np.ones(5))[3]
    assert int(np.argmax(win)) == 2
