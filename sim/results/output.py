"""Writing results: JSON and a columnar runs table, never half-written."""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.results.layout import parquet_options, to_stored

__all__ = ["READABLE_RUN_FORMATS", "RUN_FORMAT", "dumps", "free_bytes", "write_parquet", "write_parquet_checksummed", "write_results",
           "write_runs", "write_text"]

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


RUN_FORMAT = "negsim-run/3"
"""Format 3: ``runs.parquet`` is one Parquet file, or a folder of ``part-NNNNNN.parquet`` files when a
streamed Monte Carlo is too large for one (:mod:`sim.results.stream`). Format 2 (always one file) stores
the per-actor columns gathered in list columns as format 3 does (:mod:`sim.results.layout`); format 1 has
a column per actor. Folders of every format are read."""
READABLE_RUN_FORMATS = ("negsim-run/1", "negsim-run/2", RUN_FORMAT)


def write_results(out_dir: str | Path, table: pa.Table | None, summary: dict[str, Any], manifest: dict[str, Any],
                  trajectories: pa.Table | None = None, trace: pa.Table | None = None) -> list[Path]:
    """Write ``runs.parquet``, ``summary.json``, ``manifest.json`` (and ``trajectories.parquet``, ``trace.parquet``).

    The runs table is stored with its per-actor columns gathered (:func:`sim.results.layout.to_stored`).
    Each file goes to a temporary name before being renamed into place, so an
    error leaves no partial file. ``table`` None: ``runs.parquet`` was streamed
    there already (:class:`sim.results.stream.ParquetStream`).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = [write_runs(out / "runs.parquet", table) if table is not None else out / "runs.parquet"]
    if trajectories is not None:
        written.append(write_parquet(out / "trajectories.parquet", trajectories))
    if trace is not None:
        written.append(write_parquet(out / "trace.parquet", trace))
    written.append(write_text(out / "summary.json", dumps(summary)))
    written.append(write_text(out / "manifest.json", dumps({"format": RUN_FORMAT} | manifest)))
    return written


def free_bytes(path: str | Path) -> int | None:
    """Free space on the disk that holds ``path`` (or its nearest existing parent); None if unknown."""
    for folder in (Path(path), *Path(path).absolute().parents):
        if folder.exists():
            try:
                return shutil.disk_usage(folder).free
            except OSError:
                return None
    return None


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file, creating its folder."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(target, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return target


def write_parquet(path: str | Path, table: pa.Table, **options: Any) -> Path:
    """Write a table as Parquet through a temporary file (renamed into place when complete);
    ``options`` are the Parquet writer's."""
    target = Path(path)
    _atomic_write(target, lambda tmp: pq.write_table(table, tmp, **options))
    return target


def write_runs(path: str | Path, table: pa.Table) -> Path:
    """Write a runs table as :func:`write_parquet` does, in the stored layout (:mod:`sim.results.layout`)."""
    stored = to_stored(table)
    return write_parquet(path, stored, **parquet_options(stored.schema))


def write_parquet_checksummed(path: str | Path, table: pa.Table, **options: Any) -> str:
    """Write a table as Parquet through a temporary file, as :func:`write_parquet`, and return
    the SHA-256 of the bytes written (so a reader can tell a damaged file from the one written)."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, **options)
    data = sink.getvalue().to_pybytes()
    _atomic_write(Path(path), lambda tmp: Path(tmp).write_bytes(data))
    return hashlib.sha256(data).hexdigest()
