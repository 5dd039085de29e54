"""Bloc cohesion: members drift toward their bloc's common position."""

from __future__ import annotations

import numpy as np

__all__ = ["bloc_positions", "pull_toward_blocs"]


def bloc_positions(position: np.ndarray, salience: np.ndarray, capability: np.ndarray,
                   membership: np.ndarray) -> np.ndarray:
    """Each bloc's position: its members' capability x salience weighted mean.

    .. math:: b_{kd} = \\sum_{i \\in k} c_i s_{id} p_{id} \\big/ \\sum_{i \\in k} c_i s_{id}

    (capability-weighted alone on a dimension where no member has salience).

    Parameters
    ----------
    position, salience : array (R, A, D)
    capability : array (R, A)
    membership : array (A, B) of float
        One-hot bloc membership (a row of zeros for an actor in no bloc).

    Returns
    -------
    array (R, B, D)
    """
    weight = capability[:, :, None] * salience
    pulled = np.einsum("ab,rad->rbd", membership, weight * position)
    total = np.einsum("ab,rad->rbd", membership, weight)
    fallback_total = np.einsum("ab,ra->rb", membership, capability)[:, :, None]
    fallback = np.einsum("ab,rad->rbd", membership, capability[:, :, None] * position) / np.where(
        fallback_total > 0, fallback_total, 1.0)
    return np.where(total > 0, pulled / np.where(total > 0, total, 1.0), fallback)


def pull_toward_blocs(position: np.ndarray, salience: np.ndarray, capability: np.ndarray,
                      bloc: np.ndarray, flexibility: np.ndarray) -> np.ndarray:
    """One round of bloc cohesion.

    .. math:: p_{id} \\leftarrow p_{id} + f_i \\, (b_{k(i)d} - p_{id})

    with :math:`f_i` the actor's flexibility; actors in no bloc do not move.

    Parameters
    ----------
    bloc : array (A,) of int
        Each actor's bloc index, -1 for none.
    flexibility : array (R, A) or (A,)

    Returns
    -------
    array (R, A, D): the new positions.
    """
    in_bloc = bloc >= 0
    if not in_bloc.any():
        return position
    membership = np.zeros((bloc.size, bloc.max() + 1))
    membership[np.flatnonzero(in_bloc), bloc[in_bloc]] = 1.0
    targets = bloc_positions(position, salience, capability, membership)[:, np.maximum(bloc, 0), :]
    rate = np.where(in_bloc, flexibility, 0.0)[..., None]
    return position + rate * (targets - position)
