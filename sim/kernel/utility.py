"""Utility from salience-weighted, range-normalised distance."""

from __future__ import annotations

import numpy as np

__all__ = ["salience_weights", "distance", "utility"]


def salience_weights(salience: np.ndarray) -> np.ndarray:
    """Normalise saliences over a track's dimensions.

    .. math:: w_{id} = s_{id} / \\sum_{e} s_{ie}

    An actor with zero salience on every dimension gets zero weights (it is
    indifferent, so every point has utility 1 for it).

    Parameters
    ----------
    salience : array (..., A, D)
    """
    total = salience.sum(axis=-1, keepdims=True)
    return np.divide(salience, total, out=np.zeros_like(salience), where=total > 0)


def distance(points: np.ndarray, positions: np.ndarray, weights: np.ndarray, width: np.ndarray) -> np.ndarray:
    """Salience-weighted, range-normalised city-block distance, in [0, 1].

    .. math:: \\delta_i(x) = \\sum_d w_{id} \\, |x_d - p_{id}| / (\\bar{x}_d - \\underline{x}_d)

    Parameters
    ----------
    points : array (R, D) or (R, A, D)
        One point per replicate (the draft) or one per actor (its pledge).
    positions, weights : array (R, A, D)
    width : array (D,)
        Width of each dimension's range.

    Returns
    -------
    array (R, A)
    """
    if points.ndim == positions.ndim - 1:
        points = points[:, None, :]
    return (weights * np.abs(points - positions) / width).sum(axis=-1)


def utility(points: np.ndarray, positions: np.ndarray, weights: np.ndarray, width: np.ndarray) -> np.ndarray:
    """Utility of a point to each actor: :math:`u_i(x) = 1 - \\delta_i(x)`, in [0, 1]."""
    return 1.0 - distance(points, positions, weights, width)
