"""Shared builders: small scenarios written as plain data, as a user would write them."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from sim.kernel.compiled_cache import refresh
from sim.scenario import scenario_from_dict


def pytest_sessionstart(session):
    refresh()  # compiled kernels cached before an edit in another module are compiled afresh

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


def dimension(dim_id: str = "d", lower: float = 0, upper: float = 100, status_quo: float = 0) -> dict[str, Any]:
    return {
        "id": dim_id,
        "range": [lower, upper],
        "status_quo": status_quo,
        "wording": [{"from": lower, "text": f"{dim_id} low"}, {"from": (lower + upper) / 2, "text": f"{dim_id} high"}],
    }


def actor(actor_id: str, position: dict[str, float], *, capability: float = 1.0, veto: bool = True,
          salience: dict[str, float] | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": actor_id,
        "capability": capability,
        "veto": veto,
        "position": position,
        "salience": salience or {d: 1.0 for d in position},
        **extra,
    }


def scenario_data(actors: list[dict[str, Any]], *, dims: list[dict[str, Any]] | None = None,
                  rule: dict[str, Any] | None = None, deadline: int = 10, **extra: Any) -> dict[str, Any]:
    dims = dims or [dimension()]
    return {
        "name": "test",
        "seed": 3,
        "deadline": deadline,
        "dimensions": dims,
        "actors": actors,
        "tracks": [{"id": "talks", "dimensions": [d["id"] for d in dims],
                    "decision_rule": rule or {"kind": "unanimity"}}],
        **extra,
    }


def build(data: dict[str, Any]):
    return scenario_from_dict(copy.deepcopy(data))


@pytest.fixture
def two_allies() -> dict[str, Any]:
    """Two veto holders 60 points apart on one dimension, both willing to meet half-way."""
    return scenario_data([
        actor("hawk", {"d": 80}, capability=2.0, tactic=0.5, reservation_utility=0.5),
        actor("dove", {"d": 20}, capability=1.0, tactic=2.0, reservation_utility=0.5),
    ])
