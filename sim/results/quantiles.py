"""Exact quantiles and mean of numbers read block by block, holding at most a fixed number of them.

A Monte Carlo summary needs quantiles of a few numbers a run (statements, rounds) over every
run. Held whole, each column is 8 bytes a run, and ``numpy.quantile`` copies it again: memory
that grows without bound with the number of runs. Here the numbers are read in blocks, as
often as needed (``blocks`` is called once per pass), and at most ``hold`` of them are held:

1. one pass counts the finite numbers and finds their least and greatest;
2. if at most ``hold`` of them fall in the range searched, a second pass gathers them and they
   are sorted; if they are all equal, nothing is gathered; otherwise a pass counts them in
   :data:`BINS` equal bins between the least and the greatest, and each order statistic
   still wanted is searched for again inside its bin (one pass more, per level, for all of them).

The quantiles are then numpy's default (``method="linear"``, Hyndman & Fan's type 7): for ``n``
values sorted ``x[0] <= ... <= x[n-1]`` and probability ``q``, the virtual index is
``h = (n - 1) q``, and the quantile ``x[j] + g (x[j+1] - x[j])`` with
``j = floor(h)``, ``g = h - j``, computed as numpy computes it (from ``x[j+1]`` downwards when
``g >= 0.5``), so the result is ``numpy.quantile``'s bit for bit, but for the sign of a zero where
both signs are among the numbers (``tests/results/test_quantiles.py``). The mean is the correctly
rounded sum (:func:`math.fsum`) over the count: it does not depend on how the numbers were cut into
blocks (unless that sum is beyond the largest float: then, as numpy, it adds the blocks' sums, and
gives an infinity or NaN).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["BINS", "HOLD", "Quantiles", "finite_quantiles"]

HOLD = 1 << 20
"""The most numbers held at once (8 MB): up to this many finite numbers are simply sorted."""
BINS = 4096
"""Bins a range too full to hold is cut into, per pass."""

Blocks = Callable[[], Iterable[np.ndarray]]


@dataclass(frozen=True)
class Quantiles:
    """Quantiles (in the order asked), mean and count of the finite numbers read."""

    values: list[float]
    mean: float
    count: int


@dataclass
class _Range:
    """Numbers ``x`` with ``low <= x < high`` (``<= high`` when ``closed``); ``below`` of them lie under it."""

    low: float
    high: float
    closed: bool
    below: int
    ranks: list[int]

    def inside(self, values: np.ndarray) -> np.ndarray:
        upper = values <= self.high if self.closed else values < self.high
        return values[(values >= self.low) & upper]


def _finite(blocks: Blocks) -> Iterable[np.ndarray]:
    for block in blocks():
        block = np.asarray(block, dtype=np.float64)
        yield block[np.isfinite(block)]


def _extent(blocks: Blocks, ranges: list[_Range]) -> list[tuple[int, float, float]]:
    """One pass: how many numbers each range holds, and their least and greatest."""
    found = [[0, math.inf, -math.inf] for _ in ranges]
    for block in _finite(blocks):
        for entry, part in zip(found, ranges):
            inside = part.inside(block)
            if inside.size:
                entry[0] += inside.size
                entry[1] = min(entry[1], float(inside.min()))
                entry[2] = max(entry[2], float(inside.max()))
    return [tuple(entry) for entry in found]


def _edges(least: float, greatest: float) -> np.ndarray:
    """:data:`BINS` + 1 increasing edges from ``least`` to ``greatest``, finite even where their
    difference is not (a range wider than the largest float)."""
    weights = np.linspace(0.0, 1.0, BINS + 1)
    edges = np.maximum.accumulate(least * (1 - weights) + greatest * weights)
    edges[0], edges[-1] = least, greatest
    return edges


def _order_statistics(blocks: Blocks, ranks: list[int], hold: int) -> dict[int, float]:
    """The ``rank``-th smallest finite number (from 0), for each rank, holding at most ``hold`` numbers."""
    found: dict[int, float] = {}
    pending = [_Range(-math.inf, math.inf, True, 0, sorted(set(ranks)))]
    while pending:
        gather, cut, later, gathering = [], [], [], 0
        for part, (count, least, greatest) in zip(pending, _extent(blocks, pending)):
            if least == greatest:  # every number in the range is the same
                found.update({rank: least for rank in part.ranks})
            elif count > hold:
                cut.append((part, _edges(least, greatest)))
            elif gathering + count <= hold:
                gather.append(part)
                gathering += count
            else:  # gathered in a later pass, so that at most ``hold`` numbers are held at once
                later.append(part)
        held: list[list[np.ndarray]] = [[] for _ in gather]
        counts = [np.zeros(BINS, dtype=np.int64) for _ in cut]
        if gather or cut:
            for block in _finite(blocks):
                for pieces, part in zip(held, gather):
                    pieces.append(part.inside(block))
                for tally, (part, edges) in zip(counts, cut):
                    inside = part.inside(block)
                    bins = np.minimum(np.searchsorted(edges, inside, side="right") - 1, BINS - 1)
                    tally += np.bincount(bins, minlength=BINS)
        for pieces, part in zip(held, gather):
            ordered = np.concatenate(pieces)
            pieces.clear()
            ordered.sort()
            found.update({rank: float(ordered[rank - part.below]) for rank in part.ranks})
        pending = later
        for tally, (part, edges) in zip(counts, cut):
            before = np.concatenate(([0], np.cumsum(tally)))
            by_bin: dict[int, list[int]] = {}
            for rank in part.ranks:
                by_bin.setdefault(int(np.searchsorted(before, rank - part.below, side="right")) - 1, []).append(rank)
            for j, wanted in by_bin.items():
                pending.append(_Range(float(edges[j]), float(edges[j + 1]), j == BINS - 1,
                                      part.below + int(before[j]), wanted))
    return found


def _lerp(below: float, above: float, weight: float) -> float:
    """numpy's linear interpolation (``numpy.lib._function_base_impl._lerp``), in the same operations."""
    a, b, t = np.float64(below), np.float64(above), np.float64(weight)
    difference = b - a
    return float(b - difference * (1 - t) if t >= 0.5 else a + difference * t)


def finite_quantiles(blocks: Blocks, probabilities: Sequence[float], hold: int = HOLD) -> Quantiles | None:
    """``numpy.quantile`` of the finite numbers ``blocks()`` yields (read once per pass), their mean and count.

    Parameters
    ----------
    blocks : callable
        Returns a fresh iterable of 1-D arrays each time it is called, the same numbers each time.
    probabilities : sequence of float
        Each in [0, 1].
    hold : int
        The most numbers held at once.

    Returns
    -------
    Quantiles or None
        None when no number is finite.
    """
    count = 0

    def numbers() -> Iterable[float]:
        nonlocal count
        for block in _finite(blocks):
            count += block.size
            yield from block.tolist()

    try:
        total = math.fsum(numbers())
    except OverflowError:  # finite numbers whose sum is not (near the largest float): as numpy, an infinity
        with np.errstate(over="ignore", invalid="ignore"):
            total = float(sum(np.sum(block) for block in _finite(blocks)))
        count = sum(block.size for block in _finite(blocks))
    if count == 0:
        return None
    mean = total / count
    spots = []
    for q in probabilities:
        q = np.float64(q)
        virtual = (count - 1) * q  # numpy's virtual index for method="linear"
        previous = np.floor(virtual)
        if virtual >= count - 1:
            low = high = count - 1
        elif virtual < 0:
            low = high = 0
        else:
            low, high = int(previous), int(previous) + 1
        spots.append((low, high, float(virtual - previous)))
    found = _order_statistics(blocks, [rank for low, high, _ in spots for rank in (low, high)], hold)
    values = [found[low] if low == high else _lerp(found[low], found[high], weight) for low, high, weight in spots]
    return Quantiles(values, mean, count)
