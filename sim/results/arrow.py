"""Arrow columns built from NumPy arrays' own buffers.

``pyarrow.array`` looks at every input to see whether it is a pandas object, and so imports
pandas (tens of megabytes) the first time it is called, even on a NumPy array; so does
``to_numpy``. A sweep worker and a streamed Monte Carlo do nothing with pandas: they build
their runs tables here, from the arrays' buffers (:meth:`pyarrow.Array.from_buffers`), and
read numbers back with :func:`to_numpy`, and never load it. The columns are the
ones ``pyarrow.array`` would make, value for value, and refuse what it refuses: an unsafe cast, a
second dimension, a mask of another length (``tests/test_arrow_columns.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

__all__ = ["column", "id_lists", "numeric", "strings", "to_numpy"]

_DTYPES = {pa.float64(): np.float64, pa.int64(): np.int64, pa.uint64(): np.uint64, pa.int32(): np.int32}


def _validity(mask: np.ndarray | None, size: int) -> tuple[pa.Buffer | None, int]:
    """The validity bitmap (bit i set where value i is present) and the null count of a mask of nulls."""
    if mask is None:
        return None, 0
    mask = np.asarray(mask, dtype=np.bool_)
    if mask.shape != (size,):
        raise ValueError(f"a mask of shape {mask.shape} for {size} values")
    nulls = int(mask.sum())
    if not nulls:
        return None, 0
    return pa.py_buffer(np.packbits(~mask, bitorder="little")), nulls


def numeric(values: np.ndarray, type: pa.DataType, mask: np.ndarray | None = None) -> pa.Array:
    """A float64, int64, uint64, int32 or bool column of ``values``, one-dimensional (null where ``mask``).

    Values are converted only where NumPy casts them safely (integers to floats or to wider integers,
    not floats to integers nor signed to unsigned): anything else is an error, as in ``pyarrow.array``.
    """
    values = np.asarray(values)
    if values.ndim != 1:
        raise ValueError(f"a column takes one dimension of values, not {values.ndim}")
    target = np.dtype(np.bool_) if pa.types.is_boolean(type) else _DTYPES.get(type)
    if target is None:
        raise TypeError(f"no NumPy buffer layout for {type}")
    if not np.can_cast(values.dtype, target, casting="safe"):
        raise TypeError(f"{values.dtype} values do not fit a {type} column")
    validity, nulls = _validity(mask, len(values))
    if pa.types.is_boolean(type):
        bits = np.packbits(np.ascontiguousarray(values, dtype=np.bool_), bitorder="little")
        return pa.Array.from_buffers(type, len(values), [validity, pa.py_buffer(bits)], null_count=nulls)
    data = np.ascontiguousarray(values, dtype=target)
    return pa.Array.from_buffers(type, len(data), [validity, pa.py_buffer(data)], null_count=nulls)


def strings(values: Sequence[str | None]) -> pa.Array:
    """A string column: the UTF-8 bytes end to end, and each value's offset (null for None)."""
    missing = np.array([value is None for value in values], dtype=np.bool_)
    encoded = [b"" if value is None else str(value).encode() for value in values]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(value) for value in encoded], out=offsets[1:])
    validity, nulls = _validity(missing, len(encoded))
    return pa.Array.from_buffers(pa.string(), len(encoded), [validity, pa.py_buffer(offsets),
                                                             pa.py_buffer(b"".join(encoded))], null_count=nulls)


def id_lists(ids: pa.Array, mask: np.ndarray) -> pa.Array:
    """Per row of ``mask`` (R, A), the ``ids`` where it is True, in order: a list<string> column."""
    offsets = np.zeros(len(mask) + 1, dtype=np.int32)
    np.cumsum(mask.sum(axis=1), out=offsets[1:])
    if not offsets[-1]:  # nobody listed: every list empty (no nonzero over the whole mask)
        taken = ids.slice(0, 0)
    else:
        taken = ids.take(numeric(np.nonzero(mask)[1], pa.int64()))
    return pa.ListArray.from_arrays(numeric(offsets, pa.int32()), taken)


def column(values, type: pa.DataType) -> pa.Array:
    """``values`` as a column of ``type``: an Arrow array as it is, strings or NumPy numbers from their buffers."""
    if isinstance(values, pa.Array):
        return values
    if pa.types.is_string(type):
        return strings(values)
    return numeric(np.asarray(values), type)


def to_numpy(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A numeric or bool column as NumPy reads its buffers: what ``to_numpy(zero_copy_only=False)`` gives
    (nulls as NaN, so a numeric column with nulls becomes float64), without loading pandas."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks != 1 else values.chunk(0)
    size, offset = len(values), values.offset
    validity, data = values.buffers()[:2]
    if pa.types.is_boolean(values.type):
        bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8), bitorder="little") if size else np.zeros(0, np.uint8)
        out = bits[offset:offset + size].astype(np.bool_)
    else:
        dtype = np.dtype(values.type.to_pandas_dtype())
        out = np.frombuffer(data, dtype=dtype, count=size, offset=offset * dtype.itemsize) if size else \
            np.zeros(0, dtype)
    if values.null_count:
        present = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")[offset:offset + size]
        out = np.where(present.astype(np.bool_), out.astype(np.float64), np.nan)
    return out
