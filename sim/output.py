"""Writing results: JSON and a columnar runs table, never half-written."""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["RUN_FORMAT", "ParquetStream", "dumps", "write_parquet", "write_parquet_checksummed", "write_results", "write_text"]

def _clean(value: Any) -> Any:
    """JSON-ready: NaN and infinities become null, NumPy scalars become Python ones."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def dumps(data: Any) -> str:
    """Deterministic JSON text (same data, same bytes)."""
    return json.dumps(_clean(data), indent=2, sort_keys=False, allow_nan=False) + "\n"


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _atomic_write(path: Path, write) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(handle)
    try:
        write(temporary)
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


RUN_FORMAT = "negsim-run/1"


ROW_GROUP_BYTES = 64_000_000
"""Rows a streamed Parquet file gathers before writing them as one row group. The writer keeps every
row group's description of every column until the file is closed (860 bytes each, measured; the same
with or without min/max statistics), so row groups are made large: a million runs of a 1,030-column
table (500 actors) make about 128 of them, some 113 MB of descriptions, where one row group per batch
of 1,000 runs would make 1,000 (890 MB)."""


class ParquetStream:
    """A Parquet file written batch by batch: to a temporary name beside ``path``, renamed into
    place by :meth:`commit` (so an interrupted run leaves no partial file), or removed by :meth:`discard`.
    Batches are gathered into row groups of about :data:`ROW_GROUP_BYTES`."""

    def __init__(self, path: str | Path, schema: pa.Schema):
        self.path = Path(path)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".part")
        os.close(handle)
        self.temporary = Path(temporary)
        self.rows = 0
        self._pending: list[pa.Table] = []
        self._pending_bytes = 0
        self._writer: pq.ParquetWriter | None = pq.ParquetWriter(temporary, schema)

    def write(self, table: pa.Table) -> None:
        """Append a batch of rows."""
        assert self._writer is not None, "the stream is closed"
        self._pending.append(table)
        self._pending_bytes += table.nbytes
        self.rows += table.num_rows
        if self._pending_bytes >= ROW_GROUP_BYTES:
            self._flush()

    def flush(self) -> None:
        """Write the rows gathered so far as a row group now (before other work needs the memory)."""
        assert self._writer is not None, "the stream is closed"
        self._flush()

    def _flush(self) -> None:
        if self._pending:
            gathered = pa.concat_tables(self._pending)
            self._writer.write_table(gathered, row_group_size=max(1, gathered.num_rows))
        self._pending, self._pending_bytes = [], 0

    def commit(self) -> Path:
        """Finish the file and rename it into place."""
        assert self._writer is not None, "the stream is closed"
        self._flush()
        self._writer.close()
        self._writer = None
        os.chmod(self.temporary, 0o666 & ~_umask())
        os.replace(self.temporary, self.path)
        return self.path

    def discard(self) -> None:
        """Close and remove the temporary file (after a failure)."""
        self._pending, self._pending_bytes = [], 0
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self.temporary.unlink(missing_ok=True)


def write_results(out_dir: str | Path, table: pa.Table | None, summary: dict[str, Any], manifest: dict[str, Any],
                  trajectories: pa.Table | None = None, trace: pa.Table | None = None) -> list[Path]:
    """Write ``runs.parquet``, ``summary.json``, ``manifest.json`` (and ``trajectories.parquet``, ``trace.parquet``).

    Each file goes to a temporary name before being renamed into place, so an
    error leaves no partial file. ``table`` None: ``runs.parquet`` was streamed
    there already (:class:`ParquetStream`).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [write_parquet(out / "runs.parquet", table) if table is not None else out / "runs.parquet"]
    if trajectories is not None:
        written.append(write_parquet(out / "trajectories.parquet", trajectories))
    if trace is not None:
        written.append(write_parquet(out / "trace.parquet", trace))
    written.append(write_text(out / "summary.json", dumps(summary)))
    written.append(write_text(out / "manifest.json", dumps({"format": RUN_FORMAT} | manifest)))
    return written


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file, creating its folder."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(target, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return target


def write_parquet(path: str | Path, table: pa.Table) -> Path:
    """Write a table as Parquet through a temporary file (renamed into place when complete)."""
    target = Path(path)
    _atomic_write(target, lambda tmp: pq.write_table(table, tmp))
    return target


def write_parquet_checksummed(path: str | Path, table: pa.Table) -> str:
    """Write a table as Parquet through a temporary file, as :func:`write_parquet`, and return
    the SHA-256 of the bytes written (so a reader can tell a damaged file from the one written)."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink)
    data = sink.getvalue().to_pybytes()
    _atomic_write(Path(path), lambda tmp: Path(tmp).write_bytes(data))
    return hashlib.sha256(data).hexdigest()
