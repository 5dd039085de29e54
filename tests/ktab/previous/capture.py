"""Record what the SMP computes on a few cases, to compare later implementations with.

Run from the repository root: ``python -m tests.ktab.previous.capture``. It writes
``tests/ktab/previous/smp_outputs.npz``: every quantity of every turn of

- KTAB's dummyData_3Dim (defaults, and three alternative parameter sets, one
  with Stochastic transitions drawn from ``default_rng(7)``);
- a random 30 actors x 5 dimensions case (seeded, defaults and Stochastic);
- vilnius_2023 with its consensus track under ``smp``, 20 replicates of seed 11 through
  the ensemble's rounds (every ``smp.*`` and ``forecast.*`` array of the final state),
  and the same with ``StateTransitions = "Stochastic"`` for 6 replicates.

The file was first written by the implementation that looped over replicates, actors
and pairs in Python (commit 8d9495c); ``test_previous_outputs.py`` compares the current
code with it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
OUT = Path(__file__).with_name("smp_outputs.npz")


def ktab_inputs():
    from sim.scenario import load_scenario

    scenario = load_scenario(ROOT / "tests" / "ktab" / "oracle" / "dummyData_3Dim.csv")
    order = [scenario.actor_index[f"SActor-0{i}"] for i in range(7)]
    return scenario.position[order] / 100, scenario.salience[order], scenario.capability[order]


def random_inputs(actors: int = 30, dims: int = 5, seed: int = 3):
    rng = np.random.default_rng(seed)
    position = rng.uniform(0, 1, (actors, dims))
    salience = rng.uniform(0.1, 1.0, (actors, dims))
    salience /= np.maximum(salience.sum(axis=1, keepdims=True), 1.0)
    return position, salience, rng.uniform(1, 100, actors)


CASES = {
    "ktab": (ktab_inputs, {}, None),
    "ktab_rcvr_markov": (ktab_inputs, {"BargnModel": "InitRcvrInterp", "PCEModel": "MarkovIncentive"}, None),
    "ktab_binary_quartic": (ktab_inputs, {"VotingRule": "Binary", "VictoryProbModel": "Quartic",
                                          "ThirdPartyCommit": "NoCommit", "BargnModel": "PWCompInterp"}, None),
    "ktab_stochastic": (ktab_inputs, {"StateTransitions": "Stochastic", "PCEModel": "MarkovUniform",
                                      "BigRRange": "Max", "InterVecBrgn": "S2PMax"}, 7),
    "random": (random_inputs, {}, None),
    "random_stochastic": (random_inputs, {"StateTransitions": "Stochastic", "ThirdPartyCommit": "FullCommit"}, 5),
}


def run_case(make, options, seed) -> dict[str, np.ndarray]:
    from sim.ktab.smp import smp_run
    from sim.ktab.smp_math import SMPParameters

    position, salience, capability = make()
    rng = None if seed is None else np.random.default_rng(seed)
    turns = list(smp_run(position, salience, capability, params=SMPParameters(**options), max_turns=30, rng=rng))
    count, dims = position.shape
    out = {"position": np.array([t.position for t in turns]), "risk": np.array([t.risk for t in turns]),
           "win": np.array([t.win_probability for t in turns]),
           "neutral": np.array([t.risk_neutral_utility for t in turns])}
    played = turns[:-1]
    challenge = np.full((len(played), count, 3), np.nan)
    bargains = np.full((len(played), count, 6, dims), np.nan)
    for n, t in enumerate(played):
        for c in t.challenges:
            challenge[n, c.initiator] = (c.target, c.probability, c.gain)
            bargains[n, c.initiator] = (c.bargain_initiator, c.bargain_target, *c.target_view, *c.compromise)
    out |= {"challenge": challenge, "bargains": bargains, "chosen": np.array([t.chosen for t in played]),
            "chosen_probability": np.array([t.chosen_probability for t in played]),
            "adopted": np.array([t.adopted for t in played])}
    return out


def vilnius_state(replicates: int, stochastic: bool) -> dict[str, np.ndarray]:
    import sim
    from sim.dynamics import rounds
    from sim.kernel.inputs import draw_inputs
    from sim.kernel.state import initial_state
    from sim.scenario import scenario_from_dict
    from sim.scenario.variants import with_protocol
    from sim.seeding import run_rng

    scenario = with_protocol(sim.load_scenario(ROOT / "scenarios" / "vilnius_2023.toml"), "smp")[0]
    if stochastic:
        data = scenario.spec.model_dump(mode="json", by_alias=True)
        for track in data["tracks"]:
            if track["protocol"] == "smp":
                track["options"] = {"StateTransitions": "Stochastic"}
        scenario = scenario_from_dict(data, source="vilnius, stochastic smp")
    state = initial_state(scenario, draw_inputs(scenario, 11, range(replicates)))
    for _ in rounds(scenario, state, [run_rng(11, r) for r in range(replicates)]):
        pass
    out = {key: np.asarray(value, dtype=float) for key, value in state.extra.items()
           if key.startswith(("smp.", "forecast."))}
    return out | {"position": state.position, "agreed_round": state.agreed_round.astype(float)}


def capture() -> dict[str, np.ndarray]:
    arrays = {}
    for name, (make, options, seed) in CASES.items():
        arrays |= {f"{name}/{key}": value for key, value in run_case(make, options, seed).items()}
    arrays |= {f"vilnius/{key}": value for key, value in vilnius_state(20, False).items()}
    arrays |= {f"vilnius_stochastic/{key}": value for key, value in vilnius_state(6, True).items()}
    return arrays


if __name__ == "__main__":
    np.savez_compressed(OUT, **capture())
    print(f"wrote {OUT}")
