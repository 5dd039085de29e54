"""The checks every protocol must pass: one base class, a subclass per protocol.

A subclass supplies a small scripted scenario and the exact round-by-round
record worked out by hand from the protocol's equations.
"""

from __future__ import annotations

import pickle
from typing import Any, ClassVar

import numpy as np
import pytest

from sim.dynamics import rounds
from sim.kernel.state import initial_state
from sim.kernel.inputs import draw_inputs
from sim.outcome import outcomes_from_state
from sim.protocols import registry
from sim.runner import run
from sim.scenario import Scenario
from sim.seeding import run_rng, run_seed
from tests.conftest import build


class ProtocolContract:
    protocol: ClassVar[str]

    def scripted(self) -> dict[str, Any]:
        """Scenario data for the scripted case."""
        raise NotImplementedError

    expected_rounds: ClassVar[list[dict[str, Any]]]
    """Per round: the model reporter values expected after it (subset of columns)."""

    def uncertain(self) -> dict[str, Any]:
        """The scripted scenario with position noise and logistic acceptance (exercises the rngs)."""
        data = self.scripted()
        for a in data["actors"]:
            a["position_sd"] = {d: 10.0 for d in a["position"]}
        data["acceptance"] = {"rule": "logistic", "temperature": 0.05}
        return data

    def test_metadata_is_declared(self):
        protocol = registry.get(self.protocol)
        assert protocol.name == self.protocol
        assert protocol.citation and protocol.summary and protocol.__doc__
        assert isinstance(protocol.stochastic, bool) and isinstance(protocol.batched, bool)
        assert protocol.decision_rules
        assert registry.default_protocol_for(protocol.decision_rules[0]) in registry.names()

    def test_exact_sequence(self):
        model = run(build(self.scripted()))
        table = model.trajectory()
        assert len(table) == len(self.expected_rounds)
        for row, expected in zip(table.to_dict("records"), self.expected_rounds):
            for column, value in expected.items():
                assert row[column] == pytest.approx(value, abs=1e-9), (row["round"], column)

    def test_same_seed_same_run(self):
        scenario = build(self.uncertain())
        first = run(scenario, seed=5, replicate=2).outcome().to_dict(scenario)
        again = run(scenario, seed=5, replicate=2).outcome().to_dict(scenario)
        assert first == again

    def test_pickled_scenario_plays_the_same(self):
        scenario = build(self.uncertain())
        clone: Scenario = pickle.loads(pickle.dumps(scenario))
        assert clone.digest == scenario.digest
        outcome = run(scenario, seed=9, replicate=0).outcome()
        assert run(clone, seed=9, replicate=0).outcome().to_dict(clone) == outcome.to_dict(scenario)
        assert pickle.loads(pickle.dumps(outcome)).to_dict(scenario) == outcome.to_dict(scenario)

    @pytest.mark.parametrize("uncertain", [False, True])
    def test_a_batch_equals_its_runs_one_by_one(self, uncertain):
        scenario = build(self.uncertain() if uncertain else self.scripted())
        replicates = range(6)
        rngs = [run_rng(11, r) for r in replicates]
        state = initial_state(scenario, draw_inputs(scenario, 11, replicates))
        opening = state.position.copy()
        for _ in rounds(scenario, state, rngs):
            pass
        coordinates = [{"run_id": r, "replicate": r, "seed": 11, "run_seed": run_seed(11, r)} for r in replicates]
        batch = outcomes_from_state(scenario, state, opening, coordinates)
        for r in replicates:
            single = run(scenario, seed=11, replicate=r, collect=False).outcome(run_id=r)
            # a batch runs as long as its slowest replicate; compare everything else
            assert batch[r].to_dict(scenario)["tracks"] == single.to_dict(scenario)["tracks"], f"replicate {r}"

    def test_statements_stay_in_range(self):
        scenario = build(self.uncertain())
        for r in range(10):
            outcome = run(scenario, seed=1, replicate=r, collect=False).outcome()
            for track in outcome.tracks:
                for dim_id, value in track.statement.items():
                    lower, upper = scenario.lower[scenario.dimension_index[dim_id]], scenario.upper[
                        scenario.dimension_index[dim_id]]
                    assert np.isnan(value) or lower - 1e-9 <= value <= upper + 1e-9
