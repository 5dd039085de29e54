"""A Parquet table written batch by batch in bounded memory, as one file or, when large, a folder of files.

A Parquet writer keeps a description of every column of every row group it has written until the
file is closed (860 bytes each, measured on pyarrow with or without min/max statistics), then copies
them into the footer. One file written forever would therefore grow the writer's memory with the rows:
about 7 MB a million runs at 500 actors x 10 dimensions. A :class:`ParquetStream` bounds it by starting
a new file once the open one holds :data:`FILE_COLUMN_CHUNKS` column chunks (row groups x columns):
its table is then a folder of ``part-NNNNNN.parquet`` files, in row order, under the name asked for.
A table that fits in one file is the file itself.

Either form is read as one table by :func:`parquet_files` (and by ``pyarrow.parquet.read_table``,
pandas, polars or DuckDB, which read a folder of Parquet files as one dataset).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["FILE_COLUMN_CHUNKS", "PART_NAME", "ROW_GROUP_BYTES", "ParquetStream", "parquet_files"]

ROW_GROUP_BYTES = 64_000_000
"""In-memory bytes a stream gathers before writing them as one row group: row groups are made large
(and columns few, :mod:`sim.results.layout`) so that the writer's per-row-group descriptions stay small."""

FILE_COLUMN_CHUNKS = 4096
"""Column chunks (row groups x columns) a file of a stream holds before the next rows start a new file.
The writer's descriptions are then at most ``4096 x 860`` bytes, 3.5 MB, held twice at the close (7 MB).
At 500 actors x 10 dimensions (32 stored columns, 64 MB row groups) a file holds 128 row groups, about a
million runs and 8 GB; a Vilnius file (27 columns, 151 row groups), about 15 million runs and 7 GB."""

PART_NAME = "part-{index:06d}.parquet"
"""The name of a folder's ``index``-th file (from 0): lexical order is row order."""


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def parquet_files(path: str | Path) -> list[Path]:
    """The files of a table :class:`ParquetStream` wrote (or any Parquet file): the file itself, or the
    folder's ``part-*.parquet`` files in row order. A folder with none gives an empty list."""
    target = Path(path)
    if target.is_dir():
        return sorted(target.glob("part-*.parquet"))
    return [target]


class ParquetStream:
    """A Parquet table written batch by batch to a temporary folder beside ``path``, put in place by
    :meth:`commit` (so an interrupted run leaves no partial table at ``path``) or removed by :meth:`discard`.

    Parameters
    ----------
    path : str or Path
        Where the table goes: one Parquet file if it fits in one, else a folder of them (module docstring).
    schema : pyarrow.Schema
        The stored schema (after ``prepare``).
    prepare : callable, optional
        Turns each batch into ``schema`` first (e.g. :func:`sim.results.layout.to_stored`).
    options : dict, optional
        The Parquet writer's options (e.g. :func:`sim.results.layout.parquet_options`).
    row_group_bytes : int
        In-memory bytes gathered into one row group; 0 writes each batch as its own row group.
    file_column_chunks : int
        Column chunks a file holds before a new one is started (:data:`FILE_COLUMN_CHUNKS`).
    """

    def __init__(self, path: str | Path, schema: pa.Schema, prepare: Callable[[pa.Table], pa.Table] | None = None,
                 options: dict[str, Any] | None = None, *, row_group_bytes: int | None = None,
                 file_column_chunks: int | None = None):
        self.path = Path(path)
        self.schema = schema
        self.rows = 0
        self.files = 0
        self._prepare = prepare
        self._options = options or {}
        self._row_group_bytes = ROW_GROUP_BYTES if row_group_bytes is None else row_group_bytes
        self._row_groups_a_file = max(1, (FILE_COLUMN_CHUNKS if file_column_chunks is None else file_column_chunks)
                                      // max(1, len(schema)))
        self._folder: Path | None = Path(tempfile.mkdtemp(dir=self.path.parent, prefix=f".{self.path.name}.",
                                                          suffix=".part"))
        self._pending: list[pa.Table] = []
        self._pending_bytes = 0
        self._writer: pq.ParquetWriter | None = None
        self._row_groups = 0

    def write(self, table: pa.Table) -> None:
        """Append a batch of rows."""
        assert self._folder is not None, "the stream is closed"
        if self._prepare is not None:
            table = self._prepare(table)
        self._pending.append(table)
        self._pending_bytes += table.nbytes
        self.rows += table.num_rows
        if self._pending_bytes >= self._row_group_bytes:
            self._flush()

    def flush(self) -> None:
        """Write the rows gathered so far as a row group now (before other work needs the memory)."""
        assert self._folder is not None, "the stream is closed"
        self._flush()

    def _flush(self) -> None:
        if self._pending:
            gathered = pa.concat_tables(self._pending)
            self._pending, self._pending_bytes = [], 0
            if self._writer is not None and self._row_groups >= self._row_groups_a_file:
                self._writer.close()
                self._writer = None
            if self._writer is None:
                self._writer = pq.ParquetWriter(self._folder / PART_NAME.format(index=self.files), self.schema,
                                                **self._options)
                self.files += 1
                self._row_groups = 0
            self._writer.write_table(gathered, row_group_size=max(1, gathered.num_rows))
            self._row_groups += 1
        self._pending, self._pending_bytes = [], 0

    def commit(self) -> Path:
        """Finish the table and put it in place at ``path`` (replacing what was there): the file itself
        if it is one file, else the folder of files."""
        assert self._folder is not None, "the stream is closed"
        self._flush()
        if self._writer is None:  # no rows: an empty table, as one file
            self._writer = pq.ParquetWriter(self._folder / PART_NAME.format(index=0), self.schema, **self._options)
            self.files = 1
        self._writer.close()
        self._writer = None
        mode = 0o666 & ~_umask()
        for file in parquet_files(self._folder):
            os.chmod(file, mode)
        if self.path.is_dir() and not self.path.is_symlink():
            shutil.rmtree(self.path)
        if self.files == 1:
            os.replace(self._folder / PART_NAME.format(index=0), self.path)
            self._folder.rmdir()
        else:
            if self.path.exists() or self.path.is_symlink():
                self.path.unlink()
            os.chmod(self._folder, 0o777 & ~_umask())
            os.replace(self._folder, self.path)
        self._folder = None
        return self.path

    def discard(self) -> None:
        """Close and remove the temporary files (after a failure)."""
        self._pending, self._pending_bytes = [], 0
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
