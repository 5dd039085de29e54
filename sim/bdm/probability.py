"""P_ij, the chance that i beats j, from every voter's vote, in O(A^2 log A) per replicate.

With Δ the width of the scale and :math:`g_{ka} = (|x_k - x_a|/Δ)^{r_k}`, voter k's
vote for i over j is :math:`v_k(i, j) = w_k (g_{kj} - g_{ki})`, :math:`w_k = c_k s_k`.
Summing its positive part over voters directly costs A^3 per replicate. It need not:
since :math:`r_k > 0`, :math:`v_k(i, j) > 0` exactly when voter k is strictly nearer
x_i than x_j, i.e. on i's side of the midpoint :math:`(x_i + x_j)/2`. Sort the
voters by position, :math:`x_{(0)} \\le … \\le x_{(A-1)}`; i's side is then a
contiguous run: the first :math:`n_{ij} = \\#\\{k: x_k < (x_i + x_j)/2\\}` voters when
:math:`x_i < x_j`, the others when :math:`x_i > x_j`. With the running sums
:math:`B_{n, a} = Σ_{m < n} w_{(m)} g_{(m) a}` (and :math:`B_{A, a}` the column total),

.. math::
    Σ_k \\max(0, v_k(i, j)) =
    \\begin{cases}
      B_{n_{ij}, j} - B_{n_{ij}, i} & x_i < x_j, \\\\
      (B_{A, j} - B_{A, i}) - (B_{n_{ij}, j} - B_{n_{ij}, i}) & x_i > x_j, \\\\
      0 & x_i = x_j,
    \\end{cases}

A^2 running sums and A^2 counts instead of A^3 votes. A voter exactly at the
midpoint is equally near both, so its vote is 0 and the side it is counted on does
not matter. Rounding may leave a sum a few ulps below 0; it is taken as 0.

Everything is computed with actors in sorted order (:class:`SortedVoters`) and P
put back in actor order at the end. Each replicate's numbers come from its own
row only, summed along the same axes whatever the number of replicates, so a
replicate's P is the same alone or in a batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["SortedVoters", "distance", "sorted_voters", "win_probability"]


def distance(position: np.ndarray, width: np.ndarray) -> np.ndarray:
    """δ[r, i, j] = |x_i - x_j| / Δ (symmetric: the same bits either way round)."""
    return np.abs(position[:, :, None] - position[:, None, :]) / width[:, None, None]


@dataclass(frozen=True)
class SortedVoters:
    """Each replicate's actors sorted by position, and where each dyad's midpoint splits them.

    ``order[r, m]`` is the actor m-th from the low end (ties in index order), ``rank``
    its inverse and ``distance[m, r, q]`` = |x_(m) - x_(q)|/Δ in replicate r (voters
    first, so that running sums over them run along the first axis). For a dyad (i, j),
    :math:`n_{ij}` is the number of actors strictly below (x_i + x_j)/2;
    ``gather[r, i, j]`` indexes entry (n_ij, r, rank_j) of a flattened ``(A + 1, R, A)``
    array of running sums over sorted voters, ``gather_swapped[r, i, j]`` is
    ``gather[r, j, i]``, and ``lower`` lists the flat indices of the dyads (r, i, j)
    where i comes before j in the sorted order.
    """

    order: np.ndarray
    rank: np.ndarray
    distance: np.ndarray
    gather: np.ndarray
    gather_swapped: np.ndarray
    lower: np.ndarray


def count_below(position: np.ndarray, order: np.ndarray) -> np.ndarray:
    """n[r, i, j] = #{k: x_k < (x_i + x_j)/2}, with ``order`` each row's argsort of ``position``.

    An exact count, so it does not matter how it is looped: a binary search per
    replicate (its midpoints taken in sorted order) when replicates are few, one
    comparison per voter when actors are.
    """
    replicates, actors = position.shape
    ranked = np.take_along_axis(position, order, axis=1)
    if replicates <= actors:
        below = np.empty((replicates, actors, actors), dtype=np.intp)
        for r in range(replicates):
            # (x_i + x_(q))/2 rises with q: searched in that order, then put back in actor order.
            midpoint = position[r, :, None] + ranked[r]
            midpoint *= 0.5
            below[r][:, order[r]] = np.searchsorted(ranked[r], midpoint)
        return below
    midpoint = position[:, :, None] + position[:, None, :]
    midpoint *= 0.5
    below = np.zeros(midpoint.shape, dtype=np.uint8 if actors < 256 else np.intp)
    for m in range(actors):
        below += ranked[:, m, None, None] < midpoint
    return below


def sorted_voters(position: np.ndarray, width: np.ndarray) -> SortedVoters:
    """Sort each replicate's actors by position and count, for every dyad, the actors below its midpoint.

    Parameters
    ----------
    position : array (R, A)
    width : array (R,)
        Δ, the width of the scale.
    """
    replicates, actors = position.shape
    rows = np.arange(replicates)[:, None]
    order = np.argsort(position, axis=1, kind="stable")
    ranked = position[rows, order]
    rank = np.empty_like(order)
    rank[rows, order] = np.arange(actors)
    split = count_below(position, order)
    # Index of entry (n_ij, r, rank_j) of the (A + 1, R, A) running sums, and of (n_ji, r, rank_i).
    gather = np.multiply(split, replicates * actors, dtype=np.intp)
    gather += rows[:, :, None] * actors + rank[:, None, :]
    lower = np.flatnonzero(rank[:, :, None] < rank[:, None, :])
    # Voters first: distance[m, r, q] = |x_(m) - x_(q)|/Δ of replicate r.
    spread = ranked.T[:, :, None] - ranked[None, :, :]
    np.abs(spread, out=spread)
    spread /= width[None, :, None]
    return SortedVoters(order, rank, spread, gather, np.ascontiguousarray(np.swapaxes(gather, 1, 2)), lower)


def win_probability(position: np.ndarray, weight: np.ndarray, risk: np.ndarray | None, width: np.ndarray,
                    normalisation: str, *, voters: SortedVoters | None = None) -> np.ndarray:
    r"""P[r, i, j], the chance that i beats j, from the votes v_k(i, j) (:mod:`sim.bdm`, reading a).

    .. math::
        P_{ij} = \frac{Σ_k \max(0, v_k(i, j))}{N_{ij}}, \quad
        v_k(i, j) = w_k \left[(|x_k - x_j|/Δ)^{r_k} - (|x_k - x_i|/Δ)^{r_k}\right],

    with :math:`N_{ij} = Σ_k |v_k(i, j)|` (``"pair"``) or :math:`Σ_k Σ_{a,b} |v_k(a, b)|`
    (``"all_pairs"``); P = 0 where N = 0. As :math:`|v| = \max(0, v) + \max(0, -v)` and
    :math:`-v_k(a, b) = v_k(b, a)`, :math:`Σ_k |v_k(i, j)|` is the favour of i over j plus
    that of j over i, and the all-pairs total twice every dyad's favour. The favours
    are summed over sorted voters (module docstring), never forming the A^3 votes.

    Parameters
    ----------
    position, weight : array (R, A)
        Positions and vote weights :math:`w_k = c_k s_k`.
    risk : array (R, A) or None
        The voters' risk exponents r_k (None: every r_k = 1).
    width : array (R,)
        Δ, the width of the scale.
    normalisation : {"pair", "all_pairs"}
    voters : SortedVoters, optional
        :func:`sorted_voters` of ``position``, when already computed.
    """
    voters = sorted_voters(position, width) if voters is None else voters
    replicates, actors = position.shape
    rows = np.arange(replicates)[:, None]
    # Voters (m) and candidates (q) in sorted order: weighted[m, r, q] = w_(m) (|x_(m) - x_(q)|/Δ)^r_(m).
    if risk is None:
        weighted = voters.distance
    else:  # the exponent laid out like the distances, so that every replicate takes the same path through pow
        weighted = voters.distance ** np.ascontiguousarray(risk[rows, voters.order].T)[:, :, None]
    weighted = np.multiply(weighted, weight[rows, voters.order].T[:, :, None], out=None if risk is None else weighted)
    running = np.zeros((actors + 1, replicates, actors))
    if replicates == 1:
        np.cumsum(weighted, axis=0, out=running[1:])
    else:  # the same sums, voter after voter; faster than numpy's accumulate along a leading axis
        for m in range(actors):
            np.add(running[m], weighted[m], out=running[m + 1])
    # In actor order: B[r, i, j] = Σ over the n_ij lowest voters of w_k g_kj (and its transpose).
    below = np.take(running, voters.gather)
    below -= np.take(running, voters.gather_swapped)  # i's favour over j when x_i is the lower
    column = running[actors][rows, voters.rank]  # Σ_k w_k g_kj
    favour = column[:, None, :] - column[:, :, None]
    favour -= below  # i's favour over j when x_i is the higher
    np.put(favour, voters.lower, np.take(below, voters.lower))
    np.maximum(favour, 0.0, out=favour)
    if normalisation == "pair":
        total = favour + np.swapaxes(favour, 1, 2)
    else:
        total = 2.0 * favour.reshape(replicates, -1).sum(axis=1)[:, None, None]
    # Where a total is 0 so is every favour in it: P = 0 there.
    return np.divide(favour, total, out=favour, where=total > 0)
