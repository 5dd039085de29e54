"""Quantiles read block by block, holding a bounded number of values, are numpy's, bit for bit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from sim.results.quantiles import finite_quantiles

PROBABILITIES = (0.05, 0.25, 0.5, 0.75, 0.95, 0.0, 1.0, 0.1234567)


def _reader(values: np.ndarray, cuts: list[int], passes: list[int] | None = None):
    pieces = np.split(values, sorted(cuts))

    def blocks():
        if passes is not None:
            passes.append(1)
        return iter(pieces)
    return blocks


def test_exact_values():
    found = finite_quantiles(_reader(np.array([4.0, np.nan, 1.0, 3.0, np.inf, 2.0]), [2, 3]), [0.0, 0.25, 0.5, 1.0])
    assert found.values == [1.0, 1.75, 2.5, 4.0]
    assert found.mean == 2.5 and found.count == 4
    assert finite_quantiles(_reader(np.array([np.nan, -np.inf]), [1]), [0.5]) is None


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64),
                                 st.sampled_from([0.0, 1.0, 2.5, -3.0])), min_size=1, max_size=300),
       cuts=st.lists(st.integers(0, 300), max_size=5), hold=st.integers(1, 40))
def test_any_numbers_in_any_blocks_give_numpy_s_quantiles(values, cuts, hold):
    data = np.array(values, dtype=np.float64)
    finite = data[np.isfinite(data)]
    found = finite_quantiles(_reader(data, [min(c, len(data)) for c in cuts]), PROBABILITIES, hold=hold)
    if finite.size == 0:
        assert found is None
        return
    expected = [float(np.quantile(finite, q)) for q in PROBABILITIES]
    for got, want in zip(found.values, expected):  # equal, and the same bits (but a zero's sign may differ)
        assert got == want or (math.isnan(got) and math.isnan(want)), (found.values, expected)
        assert got == 0 or np.float64(got).view(np.int64) == np.float64(want).view(np.int64)
    assert found.count == finite.size
    try:
        exact = math.fsum(finite.tolist()) / finite.size
    except OverflowError:
        exact = math.copysign(math.inf, found.mean)
    assert found.mean == exact


def test_a_sum_beyond_the_largest_float_gives_an_infinite_mean():
    found = finite_quantiles(_reader(np.array([1.7e308, 1.7e308, 1.0]), [1]), [0.5])
    assert found.values == [1.7e308] and found.mean == math.inf and found.count == 3


@pytest.mark.parametrize("layout", ["spread", "clusters"])
def test_at_most_hold_numbers_are_held_at_once(layout):
    """Many more numbers than may be held: the order statistics are found in bins, in a few passes, and
    what is held at once (traced) stays within two copies of ``hold`` numbers and a few blocks."""
    import tracemalloc

    rng = np.random.default_rng(5)
    if layout == "spread":  # six times ``hold``, with a heavy tie
        data = rng.normal(size=600_000)
        data[::7] = 1.5
    else:  # five tight clusters: several bins to gather, each nearly ``hold`` numbers
        data = np.concatenate([c + rng.normal(size=60_000) * 1e-9 for c in range(5)])
    hold = 100_000
    passes = []
    reader = _reader(data, list(range(10_000, data.size, 10_000)), passes)
    tracemalloc.start()
    try:
        found = finite_quantiles(reader, PROBABILITIES[:5], hold=hold)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert found.values == [float(np.quantile(data, q)) for q in PROBABILITIES[:5]]
    assert peak <= 2 * 8 * hold + 8 * 8 * 10_000, peak
    assert len(passes) <= 20  # (a few for a spread; clusters gathered one or two per pass)


@pytest.mark.parametrize("tie", [0.0, -2.5])
def test_a_range_of_equal_numbers_needs_no_gathering(tie):
    data = np.full(5000, tie)
    found = finite_quantiles(_reader(data, [1000, 3000]), PROBABILITIES, hold=10)
    assert found.values == [tie] * len(PROBABILITIES) and found.mean == tie
