"""How a runs table is stored in Parquet: each actor's numbers gathered into one list column per group.

In memory a runs table (:func:`sim.results.records.runs_schema`) has a column per actor and number:
``utility.<track>.<actor>``, ``concession.<track>.<actor>`` and ``pledge.<actor>.<dim>``. At
500 actors that is over a thousand columns, and a Parquet writer keeps a description of every
column of every row group it has written until the file is closed (about 860 bytes each), then
copies them all into the footer: some 230 MB a million runs for the wide table, growing without
bound. Stored, the numbers of a group sit in one fixed-size list column, in member order:

- ``utility.<track>`` and ``concession.<track>``: one value per member of the track;
- ``pledge.<dim>``: one value per actor pledging on that dimension.

so a file has a few dozen columns whatever the number of actors. Each list column's field
metadata names its members (``negsim.members``, comma-separated: identifiers have no commas) and
the schema's metadata keeps the wide column order (``negsim.columns``), so :func:`from_stored`
gives back the in-memory table exactly, nulls included. :func:`read_runs` reads a runs file of
either layout (files written before this layout have the wide columns and no such metadata).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from sim.results.arrow import numeric, to_numpy

__all__ = ["COLUMNS_KEY", "MEMBERS_KEY", "from_stored", "group_of", "parquet_options", "read_runs", "stored_names",
           "stored_schema", "to_stored"]

MEMBERS_KEY = b"negsim.members"
"""Field metadata of a stored list column: its members' ids, comma-separated, in list order."""
COLUMNS_KEY = b"negsim.columns"
"""Schema metadata of a stored table: the in-memory (wide) column names, in order, as JSON."""


def group_of(name: str) -> tuple[str, str] | None:
    """The stored list column holding a per-actor column, and the member it is: ``(group, member)``.

    ``utility.<track>.<actor>`` -> ``(utility.<track>, <actor>)``, likewise ``concession``;
    ``pledge.<actor>.<dim>`` -> ``(pledge.<dim>, <actor>)``; any other name -> None.
    """
    parts = name.split(".")
    if len(parts) != 3:
        return None
    kind, first, second = parts
    if kind in ("utility", "concession"):
        return f"{kind}.{first}", second
    if kind == "pledge":
        return f"{kind}.{second}", first
    return None


def _member_name(group: str, member: str) -> str:
    """The in-memory column of ``member`` in stored column ``group`` (the inverse of :func:`group_of`)."""
    kind, rest = group.split(".", 1)
    return f"pledge.{member}.{rest}" if kind == "pledge" else f"{group}.{member}"


def _groups(schema: pa.Schema) -> dict[str, list[int]]:
    """Stored column -> positions of the float64 per-actor columns it gathers (name clashes left wide)."""
    groups: dict[str, list[int]] = {}
    for i, field in enumerate(schema):
        found = group_of(field.name)
        if found is not None and field.type == pa.float64():
            groups.setdefault(found[0], []).append(i)
    taken = set(schema.names)
    return {group: positions for group, positions in groups.items() if group not in taken}


def stored_schema(schema: pa.Schema) -> pa.Schema:
    """The schema :func:`to_stored` gives a table of ``schema``."""
    return _stored_schema(schema, _groups(schema))


def _stored_schema(schema: pa.Schema, groups: dict[str, list[int]]) -> pa.Schema:
    if not groups:
        return schema
    owner = {i: group for group, positions in groups.items() for i in positions}
    fields = []
    for i, field in enumerate(schema):
        group = owner.get(i)
        if group is None:
            fields.append(field)
        elif groups[group][0] == i:
            members = ",".join(group_of(schema.field(j).name)[1] for j in groups[group])
            fields.append(pa.field(group, pa.list_(pa.float64(), len(groups[group])), nullable=False,
                                   metadata={MEMBERS_KEY: members}))
    metadata = dict(schema.metadata or {}) | {COLUMNS_KEY: json.dumps(schema.names)}
    return pa.schema(fields, metadata=metadata)


def to_stored(table: pa.Table) -> pa.Table:
    """The table as it is written: per-actor float64 columns gathered into fixed-size list columns.

    A stored column takes the place of its first member; other columns are kept as they are.
    Row ``r`` of ``utility.<track>`` is ``[utility.<track>.<m> for m in members]`` of row ``r``,
    null where that column is null.
    """
    schema = table.schema
    groups = _groups(schema)
    if not groups:
        return table
    owner = {i: group for group, positions in groups.items() for i in positions}
    rows = table.num_rows
    columns: list[pa.Array | pa.ChunkedArray] = []
    for i in range(len(schema)):
        group = owner.get(i)
        if group is None:
            columns.append(table.column(i))
            continue
        positions = groups[group]
        if positions[0] != i:
            continue
        by_member = np.empty((len(positions), rows), dtype=np.float64)  # filled a member at a time, contiguously
        missing: np.ndarray | None = None
        for k, j in enumerate(positions):
            member = table.column(j)
            by_member[k] = to_numpy(member)
            if member.null_count:
                if missing is None:
                    missing = np.zeros(by_member.shape, dtype=np.bool_)
                missing[k] = to_numpy(member.is_null())
        flat = numeric(by_member.T.reshape(-1), pa.float64(), mask=None if missing is None else missing.T.reshape(-1))
        columns.append(pa.FixedSizeListArray.from_arrays(flat, len(positions)))
    return pa.Table.from_arrays(columns, schema=_stored_schema(schema, groups))


def from_stored(table: pa.Table) -> pa.Table:
    """The in-memory (wide) table of a stored one (:func:`to_stored`); a table without the layout's
    metadata (a file written before it) is returned as it is. A table read with only some columns
    gives those columns' members, in the wide order."""
    schema = table.schema
    metadata = dict(schema.metadata or {})
    if COLUMNS_KEY not in metadata:
        return table
    order = json.loads(metadata.pop(COLUMNS_KEY))
    pieces: dict[str, tuple[pa.Field, pa.Array | pa.ChunkedArray]] = {}
    for i, field in enumerate(schema):
        members = (field.metadata or {}).get(MEMBERS_KEY)
        if members is None or not pa.types.is_fixed_size_list(field.type):
            pieces[field.name] = (field, table.column(i))
            continue
        names = members.decode().split(",")
        stored = table.column(i)
        flat = (stored.combine_chunks() if isinstance(stored, pa.ChunkedArray) else stored).flatten()
        values = to_numpy(flat).reshape(len(stored), len(names))
        missing = to_numpy(flat.is_null()).reshape(values.shape) if flat.null_count else None
        for k, member in enumerate(names):
            column = numeric(np.ascontiguousarray(values[:, k]), pa.float64(),
                             mask=None if missing is None else missing[:, k])
            name = _member_name(field.name, member)
            pieces[name] = (pa.field(name, pa.float64()), column)
    names = [name for name in order if name in pieces]
    return pa.Table.from_arrays([pieces[name][1] for name in names],
                                schema=pa.schema([pieces[name][0] for name in names], metadata=metadata or None))


def parquet_options(schema: pa.Schema) -> dict[str, Any]:
    """Parquet writer options for a stored table: dictionary encoding for every column but the gathered
    numbers. Those are seldom repeated, and encoding them in a dictionary first made pyarrow hold
    about 60 MB more while writing a row group of 500 actors' lists (measured)."""
    paths = []
    for field in schema:
        if MEMBERS_KEY in (field.metadata or {}):
            continue
        nested = pa.types.is_list(field.type) or pa.types.is_large_list(field.type) or \
            pa.types.is_fixed_size_list(field.type)
        paths.append(f"{field.name}.list.element" if nested else field.name)
    return {"use_dictionary": paths}


def read_runs(path: str | Path, columns: Sequence[str] | None = None) -> pa.Table:
    """A runs table (``runs.parquet`` of a run or sweep folder) as its in-memory table, in either layout.

    Parameters
    ----------
    path : str or Path
        The Parquet file, or the folder of ``part-*.parquet`` files a large streamed table is written
        as (:mod:`sim.results.stream`), read in row order.
    columns : sequence of str, optional
        In-memory column names to read (e.g. ``utility.talks.usa``): only the stored columns holding
        them are read. All columns if None.
    """
    import pyarrow.parquet as pq

    files = _files(path)
    if columns is None:
        return from_stored(pa.concat_tables([pq.read_table(file) for file in files]))
    if not columns:  # the rows, and no column
        if len(files) == 1:
            return pq.read_table(files[0], columns=[])
        rows = sum(pq.read_metadata(file).num_rows for file in files)  # tables of no column concatenate to 0 rows
        return pa.table({"rows": pa.nulls(rows)}).replace_schema_metadata(  # metadata first: a table of no
            pq.read_schema(files[0]).metadata).drop_columns(["rows"])                 # column loses its rows to it
    present = set(stored_names(path))
    wanted: list[str] = []
    for name in columns:
        found = group_of(name)
        source = found[0] if name not in present and found is not None and found[0] in present else name
        if source not in wanted:
            wanted.append(source)
    return from_stored(pa.concat_tables([pq.read_table(file, columns=wanted) for file in files])).select(list(columns))


def stored_names(path: str | Path) -> list[str]:
    """The stored column names of a runs table (file or folder, as :func:`read_runs` takes)."""
    import pyarrow.parquet as pq

    return pq.read_schema(_files(path)[0]).names


def _files(path: str | Path) -> list[Path]:
    from sim.errors import InputError
    from sim.results.stream import parquet_files

    files = parquet_files(path)
    if not files:
        raise InputError(str(path), ["a folder with no part-N.parquet file: not a runs table"])
    return files
