"""What the forecasting protocols (SMP, BDM) share: scaling a track to [0, 1] and closing it."""

from __future__ import annotations

import numpy as np

from sim.kernel.state import NegotiationState
from sim.scenario.scenario import Scenario, TrackInfo

__all__ = ["close_forecast", "extra", "to_unit", "from_unit", "unit_salience"]


def to_unit(scenario: Scenario, track: TrackInfo, values: np.ndarray) -> np.ndarray:
    """Positions on the track's dimensions rescaled to [0, 1] by each dimension's range."""
    dims = track.dims
    return (values - scenario.lower[dims]) / scenario.width[dims]


def from_unit(scenario: Scenario, track: TrackInfo, values: np.ndarray) -> np.ndarray:
    dims = track.dims
    return scenario.lower[dims] + values * scenario.width[dims]


def unit_salience(salience: np.ndarray) -> np.ndarray:
    """Saliences scaled down, per actor, so that they sum to at most 1 over the track's dimensions.

    The forecasting models read an actor's summed salience as the share of its
    attention the issue takes, which cannot exceed 1. Saliences already summing
    to 1 or less (as in KTAB's and BDM's files) are unchanged.
    """
    total = salience.sum(axis=-1, keepdims=True)
    return salience / np.maximum(total, 1.0)


def extra(state: NegotiationState, key: str, shape: tuple[int, ...], fill: float = np.nan) -> np.ndarray:
    """The protocol array ``state.extra[key]``, created with ``fill`` on first use."""
    if key not in state.extra:
        state.extra[key] = np.full(shape, fill)
    return state.extra[key]


def close_forecast(state: NegotiationState, track: TrackInfo, replicate: int, round_: int, settled: bool) -> None:
    """Close a forecast track when the model settles (agreed) or at the deadline (not agreed)."""
    k = track.index
    if settled:
        state.agreed_round[replicate, k] = round_
        state.open[replicate, k] = False
    elif round_ >= track.deadline:
        state.open[replicate, k] = False
