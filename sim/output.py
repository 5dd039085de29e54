"""Writing results: JSON and a columnar runs table, never half-written."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["dumps", "runs_table", "write_results", "write_text"]

_TYPES = {
    "run_id": pa.int64(),
    "replicate": pa.int64(),
    "seed": pa.int64(),
    "run_seed": pa.uint64(),
    "agreed": pa.bool_(),
    "rounds": pa.int64(),
}


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


def _column_type(name: str) -> pa.DataType | None:
    if name in _TYPES:
        return _TYPES[name]
    if name.endswith(".round"):
        return pa.int64()
    if name.endswith(".agreed"):
        return pa.bool_()
    if name.endswith((".blockers", ".signatories")):
        return pa.list_(pa.string())
    if name.startswith(("statement.", "utility.", "concession.", "pledge.")):
        return pa.float64()
    return None


def runs_table(records: Iterable[dict[str, Any]]) -> pa.Table:
    """A pyarrow table with one row per run and typed columns."""
    records = list(records)
    names: list[str] = []
    for record in records:
        names.extend(name for name in record if name not in names)
    columns = {}
    for name in names:
        values = [record.get(name) for record in records]
        columns[name] = pa.array(values, type=_column_type(name))
    return pa.table(columns)


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


def write_results(out_dir: str | Path, records: list[dict[str, Any]], summary: dict[str, Any]) -> list[Path]:
    """Write ``runs.parquet`` and ``summary.json`` into ``out_dir``.

    The table is built in memory first and each file goes to a temporary name
    before being renamed into place, so an error leaves no partial file.
    """
    out = Path(out_dir)
    table = runs_table(records)
    text = dumps(summary)
    out.mkdir(parents=True, exist_ok=True)
    runs_path, summary_path = out / "runs.parquet", out / "summary.json"
    _atomic_write(runs_path, lambda tmp: pq.write_table(table, tmp))
    _atomic_write(summary_path, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return [runs_path, summary_path]


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file, creating its folder."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(target, lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
    return target
