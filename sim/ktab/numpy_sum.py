"""NumPy's summation order, compiled: so the compiled SMP adds up exactly as NumPy does.

``np.sum`` over a contiguous axis does not add from left to right: it starts from 0 and
adds by *pairwise summation* (blocks of at most 128 numbers split in halves rounded to a
multiple of 8, each block summed in 8 interleaved partial sums). The SMP's kernels sum in
the same order, so that they reproduce, bit for bit, what the NumPy implementation they
replaced computed (and KTAB's tie-breaking and four-decimal rounding with it).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["pairwise_plan", "pairwise_sum", "planned_sum", "row_sum"]

_BLOCK = 128


@numba.njit(cache=True, error_model="numpy")
def _block_sum(values: np.ndarray, start: int, count: int) -> float:
    """NumPy's sum of at most 128 numbers (the two first cases of :func:`pairwise_sum`)."""
    if count < 8:
        total = 0.0
        for i in range(start, start + count):
            total += values[i]
        return total
    r0, r1, r2, r3 = values[start], values[start + 1], values[start + 2], values[start + 3]
    r4, r5, r6, r7 = values[start + 4], values[start + 5], values[start + 6], values[start + 7]
    whole = count - count % 8
    i = 8
    while i < whole:
        at = start + i
        r0 += values[at]
        r1 += values[at + 1]
        r2 += values[at + 2]
        r3 += values[at + 3]
        r4 += values[at + 4]
        r5 += values[at + 5]
        r6 += values[at + 6]
        r7 += values[at + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < count:
        total += values[start + i]
        i += 1
    return total


@numba.njit(cache=True, error_model="numpy")
def pairwise_sum(values: np.ndarray, start: int, count: int) -> float:
    r"""Sum ``values[start:start + count]`` in NumPy's order.

    .. math::
        S(a_0..a_{n-1}) = \begin{cases}
            0 + a_0 + \dots + a_{n-1} \text{ (left to right)} & n < 8 \\
            ((r_0 + r_1) + (r_2 + r_3)) + ((r_4 + r_5) + (r_6 + r_7)) + a_{8m} + \dots & n \le 128 \\
            S(a_0..a_{h-1}) + S(a_h..a_{n-1}),\; h = \lfloor n/2 \rfloor - (\lfloor n/2 \rfloor \bmod 8) & n > 128
        \end{cases}

    with :math:`r_l = a_l + a_{8+l} + a_{16+l} + \dots` over the first :math:`8m = n - n \bmod 8` numbers.
    Longer sums run the halving as a programme (:func:`pairwise_plan`, :func:`planned_sum`):
    numba cannot cache a recursive function.
    """
    if count <= _BLOCK:
        return _block_sum(values, start, count)
    plan = pairwise_plan(count)
    return planned_sum(values, start, plan, np.empty(plan.shape[0] + 1))


@numba.njit(cache=True, error_model="numpy")
def row_sum(values: np.ndarray) -> np.ndarray:
    """``values.sum(axis=1)`` of a 2-D array, in NumPy's order (:func:`pairwise_sum` per row)."""
    rows = values.shape[0]
    out = np.empty(rows)
    for r in range(rows):
        row = np.ascontiguousarray(values[r])
        out[r] = pairwise_sum(row, 0, row.shape[0])
    return out


@numba.njit(cache=True, error_model="numpy")
def pairwise_plan(count: int) -> np.ndarray:
    """NumPy's pairwise summation of ``count`` numbers as a postfix programme, rows ``(start, length)``.

    A row with length >= 0 sums the block ``[start, start + length)`` (at most 128 numbers,
    :func:`_block_sum`); a row with length -1 adds the last two partial sums (left + right).
    Executing it over many sums at once (:func:`sim.ktab.elections.coalition_strengths`)
    adds each in exactly the order of :func:`pairwise_sum`.
    """
    plan = np.empty((4 * (count // 64 + 2), 2), np.int64)
    size = 0
    stack = np.empty((64, 3), np.int64)  # start, length, stage
    stack[0, 0], stack[0, 1], stack[0, 2] = 0, count, 0
    top = 0
    while top >= 0:
        start, length, stage = stack[top, 0], stack[top, 1], stack[top, 2]
        if length <= _BLOCK:
            plan[size, 0], plan[size, 1] = start, length
            size += 1
            top -= 1
            continue
        half = length // 2
        half -= half % 8
        if stage == 0:
            stack[top, 2] = 1
            top += 1
            stack[top, 0], stack[top, 1], stack[top, 2] = start, half, 0
        elif stage == 1:
            stack[top, 2] = 2
            top += 1
            stack[top, 0], stack[top, 1], stack[top, 2] = start + half, length - half, 0
        else:
            plan[size, 0], plan[size, 1] = start, -1
            size += 1
            top -= 1
    return plan[:size]


@numba.njit(cache=True, error_model="numpy")
def planned_sum(values: np.ndarray, start: int, plan: np.ndarray, partial: np.ndarray) -> float:
    """:func:`pairwise_sum` of ``values[start:start + n]`` by the programme ``pairwise_plan(n)``.

    For sums of one length taken many times (the plan made once); ``partial`` is working
    space of ``len(plan) + 1`` numbers.
    """
    top = 0
    for step in range(plan.shape[0]):
        first, length = plan[step, 0], plan[step, 1]
        if length < 0:
            partial[top - 2] = partial[top - 2] + partial[top - 1]
            top -= 1
        else:
            partial[top] = _block_sum(values, start + first, length)
            top += 1
    return partial[0]
