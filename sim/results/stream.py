"""A Parquet table written batch by batch in bounded memory, as one file or, when large, a folder of files.

A Parquet writer keeps a description of every column of every row group it has written until the
file is closed (860 bytes each, measured on pyarrow with or without min/max statistics), then copies
them into the footer. One file written forever would therefore grow the writer's memory with the rows:
about 7 MB a million runs at 500 actors x 10 dimensions. A :class:`ParquetStream` bounds it by starting
a new file once the open one holds :data:`FILE_COLUMN_CHUNKS` column chunks (row groups x columns):
its table is then a folder of ``part-NNNNNN.parquet`` files, in row order, under the name asked for.
A table that fits in one file is the file itself.

:func:`parquet_files` lists either form's files in row order (:func:`sim.results.layout.read_runs` reads
them as one table, as ``pyarrow.parquet.read_table`` and ``pandas.read_parquet`` read the folder).
While a stream is open its files are in a hidden folder beside the target, ``.NAME.part``; one left by
an interrupted process is removed when the next stream to the same target opens.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.errors import InputError

__all__ = ["FILE_COLUMN_CHUNKS", "PART_NAME", "ROW_GROUP_BYTES", "ParquetStream", "describe", "parquet_files",
           "parquet_columns"]

ROW_GROUP_BYTES = 64_000_000
"""In-memory bytes a stream gathers before writing them as one row group: row groups are made large
(and columns few, :mod:`sim.results.layout`) so that the writer's per-row-group descriptions stay small."""

FILE_COLUMN_CHUNKS = 4096
"""Column chunks (row groups x columns) a file of a stream holds before the next rows start a new file.
The writer's descriptions are then at most ``4096 x 860`` bytes, 3.5 MB, held twice at the close (7 MB).
At 500 actors x 10 dimensions (32 stored columns, 64 MB row groups) a file holds 128 row groups, about a
million runs and 8 GB; a Vilnius file (27 columns, 151 row groups), about 15 million runs and 7 GB."""

PART_NAME = "part-{index:06d}.parquet"
"""The name of a folder's ``index``-th file (from 0), in row order."""
_PART = re.compile(r"part-(\d+)\.parquet")


def parquet_files(path: str | Path) -> list[Path]:
    """The files of a table :class:`ParquetStream` wrote (or any Parquet file): the file itself, or the
    folder's ``part-N.parquet`` files in row order (N from 0, no gap). A folder with none gives an empty list.

    Raises
    ------
    InputError
        Naming the folder, when its parts do not number 0, 1, 2, ... without a gap (some were lost or
        removed): reading the rest would give a table short of rows without saying so.
    """
    target = Path(path)
    if not target.is_dir():
        return [target]
    numbered = sorted((int(match.group(1)), file) for file in target.iterdir()
                      if (match := _PART.fullmatch(file.name)))
    missing = sorted(set(range(len(numbered))) - {index for index, _ in numbered})
    if missing or len({index for index, _ in numbered}) != len(numbered):
        first = PART_NAME.format(index=missing[0]) if missing else "none, but a number repeats"
        raise InputError(str(target), [f"a folder of {len(numbered)} part files whose numbers do not run from 0 "
                                       f"without a gap (first missing: {first}): it is incomplete or damaged"])
    return [file for _, file in numbered]


def describe(path: str | Path) -> str:
    """How a command names a written table: its name, or that it is a folder of N files."""
    target = Path(path)
    if target.is_dir():
        return f"{target.name}/, a folder of {len(parquet_files(target))} Parquet files read as one table"
    return target.name


def parquet_columns(data_type: pa.DataType) -> int:
    """The Parquet (leaf) columns an Arrow type is stored as: a struct's or map's fields each count, a list's
    values count once, anything else is one column."""
    if isinstance(data_type, pa.StructType):
        return sum(parquet_columns(data_type.field(i).type) for i in range(data_type.num_fields))
    if isinstance(data_type, pa.MapType):
        return parquet_columns(data_type.key_type) + parquet_columns(data_type.item_type)
    if isinstance(data_type, (pa.ListType, pa.LargeListType, pa.FixedSizeListType)):
        return parquet_columns(data_type.value_type)
    return 1


class ParquetStream:
    """A Parquet table written batch by batch to a hidden folder beside ``path`` (``.NAME.part``), put in
    place by :meth:`commit` (so an interrupted run leaves no partial table at ``path``) or removed by
    :meth:`discard`.

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
        Column chunks a file holds before a new one is started (:data:`FILE_COLUMN_CHUNKS`), counting the
        Parquet columns of ``schema`` (:func:`parquet_columns`).
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
        columns = sum(parquet_columns(field.type) for field in schema)
        self._row_groups_a_file = max(1, (FILE_COLUMN_CHUNKS if file_column_chunks is None else file_column_chunks)
                                      // max(1, columns))
        folder = self.path.with_name(f".{self.path.name}.part")
        _remove(folder)  # left by an interrupted process
        folder.mkdir()
        self._folder: Path | None = folder
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

    def commit(self) -> Path:
        """Finish the table and put it in place at ``path``: the file itself if it is one file, else the
        folder of files. What was at ``path`` is first moved aside (``.NAME.old``) and removed only once
        the new table is in place, so ``path`` never holds part of either table."""
        assert self._folder is not None, "the stream is closed"
        self._flush()
        if self._writer is None:  # no rows: an empty table, as one file
            self._writer = pq.ParquetWriter(self._folder / PART_NAME.format(index=0), self.schema, **self._options)
            self.files = 1
        self._writer.close()
        self._writer = None
        new = self._folder / PART_NAME.format(index=0) if self.files == 1 else self._folder
        old = self.path.with_name(f".{self.path.name}.old")
        _remove(old)
        aside = self.path.exists() or self.path.is_symlink()
        if aside:
            os.replace(self.path, old)
        try:
            os.replace(new, self.path)
        except BaseException:
            if aside:
                os.replace(old, self.path)
            raise
        _remove(old)
        _remove(self._folder)
        self._folder = None
        return self.path

    def discard(self) -> None:
        """Close and remove the temporary files (after a failure)."""
        self._pending, self._pending_bytes = [], 0
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._folder is not None:
            _remove(self._folder)
            self._folder = None


def _remove(path: Path) -> None:
    """Remove a file, link or folder if present (a link is removed, never followed)."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
