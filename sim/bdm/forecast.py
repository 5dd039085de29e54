"""The forecast of BDM's model and the forecasting baselines: weighted median and mean of positions."""

from __future__ import annotations

import numpy as np

__all__ = ["forecast_weights", "weighted_mean", "weighted_median"]


def forecast_weights(capability: np.ndarray, salience: np.ndarray, members: np.ndarray | None = None
                     ) -> np.ndarray:
    r"""The weights of the forecast (median and mean) on one dimension, on the last axis.

    .. math::
        w_i = m_i c_i s_i \;\text{ if } \sum_j m_j c_j s_j > 0, \quad
        \text{else } m_i c_i \;\text{ if } \sum_j m_j c_j > 0, \quad \text{else } m_i

    with :math:`m_i` = 1 for a member (every actor when ``members`` is None). Where
    nobody gives the dimension any salience, each actor weighs by capability
    alone: the limit of :math:`c_i s_i` when every salience shrinks alike to zero,
    and the fallback of :func:`sim.protocols.mediated.compromise` and the bloc
    positions. The weights are zero only where there is no member.

    Parameters
    ----------
    capability, salience : array (..., A)
        Broadcast against each other.
    members : array (..., A) of bool, optional
    """
    capability = np.asarray(capability, dtype=float)
    salience = np.asarray(salience, dtype=float)
    shape = np.broadcast_shapes(capability.shape, salience.shape)
    member = np.ones(shape) if members is None else np.broadcast_to(np.asarray(members, dtype=float), shape)
    weight = member * capability * salience
    plain = member * np.broadcast_to(capability, shape)
    weight = np.where(weight.sum(axis=-1, keepdims=True) > 0, weight, plain)
    return np.where(weight.sum(axis=-1, keepdims=True) > 0, weight, member)


def weighted_median(position: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The position with at most half the weight strictly on either side (the lower on an exact tie).

    Works on the last axis, so ``(…, A)`` gives ``(…)``. In one dimension with
    single-peaked preferences this is the Condorcet winner under weighted majority.
    NaN where every weight is 0: no position is a median then (the forecast's
    weights, :func:`forecast_weights`, are never all 0 while there is a member).
    """
    position = np.asarray(position, dtype=float)
    shape = position.shape
    flat = position.reshape(-1, shape[-1])
    weight = np.broadcast_to(np.asarray(weight, dtype=float), shape).reshape(flat.shape)
    rows = np.arange(flat.shape[0])[:, None]
    order = np.argsort(flat, axis=-1, kind="stable")
    cumulative = np.cumsum(weight[rows, order], axis=-1)
    half = cumulative[:, -1:] / 2.0 - 1e-12 * np.maximum(cumulative[:, -1:], 1.0)
    index = np.minimum((cumulative < half).sum(axis=-1), shape[-1] - 1)
    result = flat[rows[:, 0], order[rows[:, 0], index]]
    result = np.where(cumulative[:, -1] > 0, result, np.nan).reshape(shape[:-1])
    return float(result) if result.ndim == 0 else result


def weighted_mean(position: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Σ w_i x_i / Σ w_i on the last axis (NaN where every weight is 0)."""
    weight = np.broadcast_to(weight, position.shape)
    total = weight.sum(axis=-1)
    return np.divide((weight * position).sum(axis=-1), total, out=np.full(np.shape(total), np.nan), where=total > 0)

