"""What the forecasting protocols (SMP, BDM) share: scaling, the forecast history, and closing a track.

A forecasting model does not vote on a text: it predicts where the actors'
positions lead. Each round it leaves three forecasts per dimension of its track
in ``state.extra["forecast.<track id>"]``, an array ``(R, 3, T + 1, D_k)``
indexed by :data:`FORECASTS` (round 0 is before round 1; T is the track's cap):

- ``median``: the capability x salience weighted median of the participants'
  positions (in one dimension, the Condorcet winner);
- ``mean``: the capability x salience weighted mean (Achen's compromise);
- ``model``: the model's own forecast (BDM: the weighted median; SMP: the
  position most likely to win KTAB's probabilistic Condorcet election).

The median and mean weigh each actor by capability x its salience on the dimension,
as the ``compromise`` and ``weighted_median`` baselines do (by capability alone on a
dimension where no participant has any salience left: :func:`sim.bdm.forecast_weights`); the models themselves
scale an actor's saliences to sum to at most 1 over the track (:func:`unit_salience`),
which changes nothing for files whose saliences already do (KTAB's, BDM's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.kernel.state import NegotiationState
from sim.scenario.scenario import Scenario, TrackInfo

if TYPE_CHECKING:
    from sim.scenario.spec import ScenarioSpec

__all__ = ["FORECASTS", "close_forecast", "extra", "forecast_history", "from_unit", "record_forecast",
           "salience_problems", "to_unit", "unit_salience", "weighted_forecasts"]

FORECASTS = ("median", "mean", "model")


def salience_problems(spec: "ScenarioSpec", index: int) -> list[tuple[str, str]]:
    """A forecast track's dimensions that no participant gives any salience, as validation problems.

    The forecast weighs each position by capability x salience; a file declaring a
    dimension nobody cares about forecasts nothing there, so it is refused (the
    path is ``tracks[index].dimensions``). Should every salience on a dimension
    fall to 0 during a run (an event, a draw), the forecast falls back to capability
    weights (:func:`sim.bdm.forecast_weights`).
    """
    track = spec.tracks[index]
    members = [a for a in spec.actors if track.participants is None or a.id in track.participants]
    known = {dimension.id for dimension in spec.dimensions}
    return [(f"tracks[{index}].dimensions", f"no participant gives '{dimension_id}' any salience, so a forecast "
                                            "(weighted by capability x salience) is undefined there")
            for dimension_id in track.dimensions
            if dimension_id in known and not any(a.salience.get(dimension_id, 0.0) > 0 for a in members)]


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


def forecast_history(state: NegotiationState, track: TrackInfo) -> np.ndarray:
    """The track's forecasts per round, ``(R, 3, T + 1, D_k)`` (module docstring); NaN before recorded."""
    return extra(state, f"forecast.{track.id}", (state.replicates, len(FORECASTS), track.deadline + 1,
                                                 len(track.dims)))


def weighted_forecasts(position: np.ndarray, capability: np.ndarray, salience: np.ndarray,
                       members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted median and mean per dimension of the members' positions.

    Parameters
    ----------
    position, salience : array (R, A, D_k)
    capability : array (R, A)
    members : array (R, A) of bool

    Returns
    -------
    (median, mean), each (R, D_k), with weights :math:`c_i s_{id}` (zero for non-members);
    on a dimension where no member has salience, :math:`c_i` (:func:`sim.bdm.forecast_weights`).
    """
    from sim.bdm import forecast_weights, weighted_mean, weighted_median

    weight = forecast_weights(capability[:, None, :], np.moveaxis(salience, 1, 2), members[:, None, :])
    axis_last = np.moveaxis(position, 1, 2), weight
    return weighted_median(*axis_last), weighted_mean(*axis_last)


def record_forecast(scenario: Scenario, track: TrackInfo, state: NegotiationState, round_: int,
                    replicates: np.ndarray, model: np.ndarray | None = None) -> None:
    """Store the round's weighted median and mean (and the model's forecast) for some replicates.

    ``model`` is ``(len(replicates), D_k)`` in the scenario's units; omitted, the
    model's forecast is the weighted median.
    """
    dims = track.dims
    members = state.participating[replicates, track.index]
    position = state.position[replicates][:, :, dims]
    median, mean = weighted_forecasts(position, state.capability[replicates], state.salience[replicates][:, :, dims],
                                      members)
    history = forecast_history(state, track)
    history[replicates, 0, round_] = median
    history[replicates, 1, round_] = mean
    history[replicates, 2, round_] = median if model is None else model


def close_forecast(state: NegotiationState, track: TrackInfo, replicates: np.ndarray | int, round_: int,
                   settled: np.ndarray | bool) -> None:
    """Close a forecast track when the model settles (``agreed_round`` = the round) or at its cap."""
    k = track.index
    replicates = np.atleast_1d(replicates)
    settled = np.broadcast_to(settled, replicates.shape)
    state.agreed_round[replicates[settled], k] = round_
    state.open[replicates[settled], k] = False
    if round_ >= track.deadline:
        state.open[replicates, k] = False
