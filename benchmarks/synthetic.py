"""Synthetic scenarios of any size, for the scaling benchmarks.

``synthetic_scenario(actors, dimensions, protocol=...)`` builds one track of
``actors`` veto-holding actors on ``dimensions`` 0-100 dimensions, with positions,
saliences and capabilities drawn once from ``seed`` (uniform on [0, 100],
[0.1, 1] and [1, 100]); reservation utility 0.5, linear tactics, deadline
``deadline``. With ``position_sd`` > 0 every position carries that much Monte
Carlo noise, so replicates differ. The decision rule is unanimity for the
collective protocols and a forecast for ``bdm`` and ``smp``.
"""

from __future__ import annotations

import numpy as np

from sim.scenario import Scenario, scenario_from_dict

__all__ = ["synthetic_data", "synthetic_scenario"]


def synthetic_data(actors: int, dimensions: int, *, protocol: str = "mediated", deadline: int = 20,
                   seed: int = 0, position_sd: float = 0.0) -> dict:
    """The scenario as plain data (what :func:`sim.scenario.scenario_from_dict` takes)."""
    rng = np.random.default_rng(seed)
    dims = [f"d{d}" for d in range(dimensions)]
    forecast = protocol in ("bdm", "smp")
    data = {
        "name": f"synthetic_{actors}x{dimensions}_{protocol}",
        "seed": 1,
        "deadline": deadline,
        "dimensions": [{"id": d, "range": [0, 100], "status_quo": 0,
                        "wording": [{"from": 0, "text": f"{d} low"}, {"from": 50, "text": f"{d} high"}]}
                       for d in dims],
        "actors": [],
        "tracks": [{"id": "talks", "dimensions": dims, "protocol": protocol,
                    "decision_rule": {"kind": "forecast" if forecast else "unanimity"}}],
    }
    for a in range(actors):
        actor = {
            "id": f"a{a}",
            "capability": float(np.round(rng.uniform(1, 100), 3)),
            "veto": not forecast,
            "position": {d: float(np.round(rng.uniform(0, 100), 3)) for d in dims},
            "salience": {d: float(np.round(rng.uniform(0.1, 1.0), 3)) for d in dims},
            "reservation_utility": 0.5,
        }
        if position_sd > 0:
            actor["position_sd"] = {d: position_sd for d in dims}
        data["actors"].append(actor)
    return data


def synthetic_scenario(actors: int, dimensions: int, **options) -> Scenario:
    """The validated scenario (see :func:`synthetic_data` for the options)."""
    return scenario_from_dict(synthetic_data(actors, dimensions, **options), source="synthetic")
