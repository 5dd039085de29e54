"""P_ij, the chance that i beats j, from every voter's vote, in O(A^2 log A) per replicate.

With Δ the width of the scale and :math:`g_{ka} = (|x_k - x_a|/Δ)^{r_k}`, voter k's
vote for i over j is :math:`v_k(i, j) = w_k (g_{kj} - g_{ki})`, :math:`w_k = c_k s_k`.
Summing its positive part over voters directly costs A^3 per replicate. It need not:
since :math:`r_k > 0`, :math:`v_k(i, j) > 0` exactly when voter k is strictly nearer
x_i than x_j, i.e. on i's side of the midpoint :math:`m_{ij} = (x_i + x_j)/2`.
With the voters sorted by position that side is a contiguous run, the first
:math:`n_{ij} = \\#\\{k: x_k < m_{ij}\\}` voters when :math:`x_i < x_j` and the others when
:math:`x_i > x_j`, so

.. math::
    Σ_k \\max(0, v_k(i, j)) = B_{n_{ij}, j} - B_{n_{ij}, i} \\;(x_i < x_j), \\qquad
    = T_{n_{ij}, j} - T_{n_{ij}, i} \\;(x_i > x_j), \\qquad 0 \\;(x_i = x_j),

with :math:`B_{n, a} = Σ_{m < n} w_{(m)} g_{(m) a}` and :math:`T_{n, a} = Σ_{m \\ge n} w_{(m)} g_{(m) a}`
prefix and suffix sums over the sorted voters (m-th nearest the low end of the scale):
A^2 sums and A^2 binary searches. A voter exactly at the midpoint is equally near
both, so its vote is 0 and the side it is counted on does not matter. The sums
run along the same axis, voter after voter, whatever the number of replicates,
so a replicate's P is the same alone or in a batch.
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
    """Each replicate's voters sorted by position, and where each dyad's midpoint splits them.

    ``order[r, m]`` is the voter m-th from the low end (ties in index order) and
    ``rank`` its inverse; ``position[r, m]`` is that voter's position. For a dyad
    (p, q) of sorted voters, :math:`n_{pq}` = #{voters strictly below (x_(p) + x_(q))/2};
    ``gather[r, p, q]`` indexes entry :math:`(n_{pq}, q)` of a flattened ``(R, A + 1, A)``
    array of running sums, and ``unsort[r, i, j]`` entry (rank_i, rank_j) of a flattened
    ``(R, A, A)`` array in sorted order.
    """

    order: np.ndarray
    rank: np.ndarray
    position: np.ndarray
    gather: np.ndarray
    unsort: np.ndarray


def sorted_voters(position: np.ndarray) -> SortedVoters:
    """Sort each replicate's voters by position and count, for every dyad, the voters below its midpoint.

    Parameters
    ----------
    position : array (R, A)
    """
    replicates, actors = position.shape
    rows = np.arange(replicates)[:, None]
    order = np.argsort(position, axis=1, kind="stable")
    ranked = position[rows, order]
    rank = np.empty_like(order)
    rank[rows, order] = np.arange(actors)
    # midpoint[r, p, q] rises with q, so each row's binary searches run forward.
    midpoint = (ranked[:, :, None] + ranked[:, None, :]) * 0.5
    split = np.empty((replicates, actors, actors), dtype=np.intp)
    for r in range(replicates):
        split[r] = np.searchsorted(ranked[r], midpoint[r], side="left")
    planes = np.arange(replicates)[:, None, None]
    gather = (planes * (actors + 1) + split) * actors + np.arange(actors)
    unsort = (planes * actors + rank[:, :, None]) * actors + rank[:, None, :]
    return SortedVoters(order, rank, ranked, gather, unsort)


def win_probability(position: np.ndarray, weight: np.ndarray, risk: np.ndarray | None, width: np.ndarray,
                    normalisation: str, *, voters: SortedVoters | None = None) -> np.ndarray:
    r"""P[r, i, j], the chance that i beats j, from the votes v_k(i, j) (:mod:`sim.bdm`, reading a).

    .. math::
        P_{ij} = \frac{Σ_k \max(0, v_k(i, j))}{N_{ij}}, \quad
        v_k(i, j) = w_k \left[(|x_k - x_j|/Δ)^{r_k} - (|x_k - x_i|/Δ)^{r_k}\right],

    with :math:`N_{ij} = Σ_k |v_k(i, j)|` (``"pair"``) or :math:`Σ_k Σ_{a,b} |v_k(a, b)|`
    (``"all_pairs"``); P = 0 where N = 0. The numerator is summed over sorted voters
    (module docstring), never forming the A^3 votes.

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
    voters = sorted_voters(position) if voters is None else voters
    replicates, actors = position.shape
    rows = np.arange(replicates)[:, None]
    # Everything in sorted order, voters (m) and candidates (p, q) alike: g[r, m, q] = (|x_(m) - x_(q)|/Δ)^r_(m).
    ranked = voters.position
    g = np.abs(ranked[:, :, None] - ranked[:, None, :]) / width[:, None, None]
    if risk is not None:
        g **= risk[rows, voters.order][:, :, None]
    weighted = weight[rows, voters.order][:, :, None] * g
    nearer_low = np.triu(np.ones((actors, actors), dtype=bool), 1)  # p < q: p's side is below the midpoint
    favour = np.empty((replicates, actors, actors))
    sums = np.zeros((replicates, actors + 1, actors))
    for tail in (False, True):
        if tail:  # sums[:, n] = Σ_{m >= n}
            sums[:, actors] = 0.0
            sums[:, :actors] = np.cumsum(weighted[:, ::-1], axis=1)[:, ::-1]
        else:  # sums[:, n] = Σ_{m < n}
            np.cumsum(weighted, axis=1, out=sums[:, 1:])
        at_split = np.take(sums, voters.gather)  # [r, p, q] = sums[r, n_pq, q]
        side = at_split - np.swapaxes(at_split, 1, 2)
        np.copyto(favour, side, where=nearer_low != tail)
    np.maximum(favour, 0.0, out=favour)  # >= 0 exactly; rounding may leave a few ulps below
    if normalisation == "pair":
        total = favour + np.swapaxes(favour, 1, 2)
    else:
        # Σ_{a,b} |g_ka - g_kb| from each voter's sorted values: Σ_m (2m - A + 1) g_(m), twice.
        ordered = np.sort(g, axis=-1)
        coefficient = 2.0 * np.arange(actors) - actors + 1.0
        per_voter = (ordered * coefficient).sum(axis=-1)[rows, voters.rank]  # back in actor order
        total = (2.0 * weight * per_voter).sum(axis=-1)[:, None, None]
    probability = np.divide(favour, total, out=np.zeros_like(favour), where=total > 0)
    return np.take(probability, voters.unsort)
