"""The runs table's schema: one canonical set of columns per scenario, whatever the engine.

The columns follow from the scenario's structure (its tracks, dimensions and who
can take part), never from what happened in a particular batch, so every part
file of a sweep and both engines produce the same schema.

The root ``seed`` is a column of decimal text: a root seed may be any whole
number >= 0 (:data:`sim.scenario.fields.Seed`, as numpy's ``SeedSequence``
takes), which no integer column holds beyond 2**64 - 1. Read it back with
``int(row["seed"])``. ``run_seed``, the 64 bits drawn from it, stays ``uint64``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from sim.scenario.scenario import Scenario, TrackInfo

__all__ = ["COORDINATES", "possible_members", "runs_schema", "seed_text", "table_from_records"]

COORDINATES = [("run_id", pa.int64()), ("replicate", pa.int64()), ("seed", pa.string()),
               ("run_seed", pa.uint64()), ("agreed", pa.bool_()), ("rounds", pa.int64())]


def seed_text(seed: int) -> str:
    """A root seed as the ``seed`` column holds it: its decimal digits."""
    return str(int(seed))


def possible_members(scenario: Scenario, track: TrackInfo) -> np.ndarray:
    """Actors who can take part in a track: its participants and anyone a ``join`` event brings in."""
    mask = track.participants.copy()
    for event in scenario.events:
        if event.kind == "join" and event.track == track.id:
            mask[scenario.actor_index[event.actor]] = True
    return mask


def runs_schema(scenario: Scenario) -> pa.Schema:
    """The columns of one row per run, in order."""
    fields = list(COORDINATES)
    for track in scenario.tracks:
        fields += [(f"{track.id}.agreed", pa.bool_()), (f"{track.id}.round", pa.int64()),
                   (f"{track.id}.blockers", pa.list_(pa.string())),
                   (f"{track.id}.signatories", pa.list_(pa.string()))]
    for track in scenario.tracks:
        fields += [(f"statement.{scenario.dimension_ids[d]}", pa.float64()) for d in track.all_dims]
    for track in scenario.tracks:
        fields += [(f"band.{scenario.dimension_ids[d]}", pa.int64()) for d in track.all_dims]
    for track in scenario.tracks:
        if track.rule_kind == "forecast":
            fields += [(f"forecast.{name}.{scenario.dimension_ids[d]}", pa.float64())
                       for name in ("median", "mean") for d in track.dims]
    for kind in ("utility", "concession"):
        for track in scenario.tracks:
            members = np.flatnonzero(possible_members(scenario, track))
            fields += [(f"{kind}.{track.id}.{scenario.actor_ids[i]}", pa.float64()) for i in members]
    for track in scenario.tracks:
        if track.rule_kind == "opt_in":
            for i in np.flatnonzero(possible_members(scenario, track)):
                fields += [(f"pledge.{scenario.actor_ids[i]}.{scenario.dimension_ids[d]}", pa.float64())
                           for d in track.dims]
    return pa.schema(fields)


def table_from_records(records: list[dict[str, Any]], scenario: Scenario) -> pa.Table:
    """Records (:meth:`sim.outcome.RunOutcome.to_record`) as a table with the canonical schema.

    A column a record lacks (an actor who took no part in that run, a pledge not
    made) is null for floats' NaN.
    """
    schema = runs_schema(scenario)
    columns = []
    for field in schema:
        missing = np.nan if pa.types.is_floating(field.type) else None
        values = [record.get(field.name, missing) for record in records]
        if field.name == "seed":
            values = [None if value is None else seed_text(value) for value in values]
        columns.append(pa.array(values, type=field.type))
    return pa.Table.from_arrays(columns, schema=schema)
