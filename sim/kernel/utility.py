"""Utility from salience-weighted, range-normalised distance.

The salience-weighted distance of the collective protocols and of the outcome, in
both engines, is one compiled loop (:func:`weighted_gap`, per actor; :func:`distance_row`,
per replicate): it reads each actor's positions and saliences once, on the track's
dimensions only, for the replicates asked for, without the temporaries an array
expression would make ((R, A, D) copies of the positions, the normalised weights, the
gaps). Its sums run over the dimensions, row by row, so a replicate's distance does not
depend on which other replicates are computed with it. (The forecasting models and the
alternating proposer's linear programme state their own distances: KTAB's Euclidean one,
BDM's per dimension, the programme's constraints.)
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["FAST_MATH", "contiguous_start", "distance_row", "per_replicate", "shaped", "weighted_gap", "distance", "salience_distance", "salience_weights", "utility"]


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


FAST_MATH = {"reassoc", "contract", "arcp"}
"""The compiled loops may reorder a row's sums and fuse multiply-adds (so they vectorise), never
assume away NaN or infinity. A row's result depends on its own numbers alone, never on how many rows
are computed with it: a replicate run alone and in a batch give the same bits."""


@numba.njit(cache=True, nogil=True, fastmath=FAST_MATH, inline="always")
def weighted_gap(x, p, s, dims, start, scale):  # pragma: no cover - compiled
    """One actor's (sum_j s[d_j] |x[j] - p[d_j]| scale[j], sum_j s[d_j]), d_j = start + j when
    ``start`` >= 0 (consecutive dimensions: the loop vectorises) else dims[j]. The one definition
    of a distance's sums: :func:`_weighted_distance` and the compiled rounds inline it."""
    count = scale.shape[0]
    total = 0.0
    gap = 0.0
    if start >= 0:
        for j in range(count):
            w = s[start + j]
            total += w
            gap += w * abs(x[j] - p[start + j]) * scale[j]
    else:
        for j in range(count):
            d = dims[j]
            w = s[d]
            total += w
            gap += w * abs(x[j] - p[d]) * scale[j]
    return gap, total


@numba.njit(cache=True, nogil=True, fastmath=FAST_MATH)
def distance_row(points, table, weights, dims, start, scale, normalise, out):  # pragma: no cover - compiled
    """One replicate's distances: out[i] = :func:`weighted_gap`'s gap for actor i (``points`` row 0,
    or row i when it has one row per actor), divided by its total when ``normalise`` (0 where that
    total is 0). A function of its own: compiled into a larger loop it stops vectorising."""
    shared = points.shape[0] == 1
    for i in range(out.shape[0]):
        gap, total = weighted_gap(points[0] if shared else points[i], table[i], weights[i], dims, start, scale)
        if normalise:
            out[i] = gap / total if total > 0.0 else 0.0
        else:
            out[i] = gap


@numba.njit(cache=True, nogil=True)
def _weighted_distance(points, position, weight, dims, start, scale, rows, normalise, out):  # pragma: no cover
    """:func:`distance_row` for each replicate where ``rows[r]`` (the others are left as they are).
    ``points`` is (R, 1, K) (one point per replicate) or (R, A, K)."""
    for r in range(out.shape[0]):
        if rows[r]:
            distance_row(points[r], position[r if position.shape[0] > 1 else 0], weight[r if weight.shape[0] > 1 else 0],
                         dims, start, scale, normalise, out[r])


def contiguous_start(dims: np.ndarray) -> int:
    """The first of ``dims`` if they are consecutive (d, d + 1, ...), else -1: the compiled loops
    then index the dimensions directly, which lets them vectorise."""
    listed = [int(d) for d in dims]
    return listed[0] if listed and listed == list(range(listed[0], listed[0] + len(listed))) else -1


def per_replicate(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``array`` as a C-ordered float table of ``shape``, or of one row of it when it has one row: the
    compiled loops read row ``r`` of a table with a row per replicate and row 0 of a shared one, so a
    shared table (inputs no replicate draws: :func:`sim.kernel.state.shared_inputs`) is never copied
    R times. Its other axes are broadcast to ``shape``'s (e.g. saliences (R, A, 1), one per actor)."""
    rows = 1 if array.shape[0] == 1 else max(array.shape[0], shape[0])
    if array.shape[1:] != tuple(shape[1:]):
        array = np.broadcast_to(array, (rows,) + tuple(shape[1:]))
    return np.ascontiguousarray(array, dtype=float)


def shaped(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """``array`` broadcast to ``shape`` (itself when it has that shape already: broadcasting costs
    microseconds, which one-replicate runs pay on every call)."""
    return array if array.shape == shape else np.broadcast_to(array, shape)


def _run(points: np.ndarray, position: np.ndarray, weight: np.ndarray, width: np.ndarray,
         dims: np.ndarray | None, rows: np.ndarray | None, normalise: bool) -> np.ndarray:
    # C order always: a (1, K) slice is both C and F contiguous while an (R, K) one is F, and each layout
    # is compiled apart; one layout keeps a replicate's bits the same alone and in a batch
    position = np.ascontiguousarray(position, dtype=float)
    weight = np.ascontiguousarray(weight, dtype=float)
    points = np.ascontiguousarray(points, dtype=float)
    if points.ndim == 2:  # one point per replicate (the draft): seen alike by every actor
        points = points[:, None, :]
    all_dims = position.shape[2]
    dims = np.arange(all_dims, dtype=np.intp) if dims is None else np.array(dims, dtype=np.intp)
    replicates = max(points.shape[0], position.shape[0], weight.shape[0])
    actors = max(points.shape[1], position.shape[1], weight.shape[1])
    position = per_replicate(position, (replicates, actors, all_dims))  # a shared table stays one row
    weight = per_replicate(weight, (replicates, actors, all_dims))
    points = shaped(points, (replicates, 1 if points.shape[1] == 1 else actors, len(dims)))
    rows = np.ones(replicates, dtype=np.bool_) if rows is None else np.ascontiguousarray(rows, dtype=np.bool_)
    out = np.full((replicates, actors), np.nan)
    scale = 1.0 / np.ascontiguousarray(width, dtype=float).reshape(-1)
    _weighted_distance(points, position, weight, dims, contiguous_start(dims), scale, rows, normalise, out)
    return out


def salience_distance(points: np.ndarray, position: np.ndarray, salience: np.ndarray, width: np.ndarray,
                      dims: np.ndarray | None = None, rows: np.ndarray | None = None) -> np.ndarray:
    """Salience-weighted, range-normalised city-block distance on a track's dimensions, in [0, 1].

    .. math:: \\delta_i(x) = \\frac{\\sum_{d \\in K} s_{id} \\, |x_d - p_{id}| / W_d}{\\sum_{d \\in K} s_{id}}

    over the track's dimensions K (0 for an actor with no salience on any of them:
    it is indifferent). Mathematically :func:`distance` with :func:`salience_weights`
    (the last bits may differ: here the division by the total comes last).

    Parameters
    ----------
    points : array (R, |K|) or (R, A, |K|)
        One point per replicate (the draft) or one per actor (its pledge), on K only.
    position, salience : array (R, A, D), or (1, A, D) shared by every replicate
        On every dimension (only those in K are read).
    width : array (|K|,)
        Width of each of K's ranges.
    dims : array of int, optional
        K (default: every dimension).
    rows : array (R,) of bool, optional
        The replicates to compute (others are NaN).

    Returns
    -------
    array (R, A)
    """
    return _run(points, position, salience, width, dims, rows, True)


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
    return _run(points, positions, weights, width, None, None, False)


def utility(points: np.ndarray, positions: np.ndarray, weights: np.ndarray, width: np.ndarray) -> np.ndarray:
    """Utility of a point to each actor: :math:`u_i(x) = 1 - \\delta_i(x)`, in [0, 1]."""
    return 1.0 - distance(points, positions, weights, width)
