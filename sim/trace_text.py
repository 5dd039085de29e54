"""The per-round trace of one run as a readable log (what ``negsim run --trace`` prints).

For each round: the events fired before it, then for each track that negotiated in
it, a header (protocol, rule, how many accept, whether it agreed), the draft on each
of its dimensions in the scenario's units with its wording, and one line per
participant: its name, its position on the track's dimensions, demand, utility,
answer and the protocol's own quantities (:mod:`sim.trace`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.kernel.events import describe_event
from sim.scenario.scenario import Scenario, TrackInfo

__all__ = ["format_trace"]


def _number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.3f}"


def _decimals(width: float) -> int:
    return max(0, 3 - math.ceil(math.log10(width))) if width > 0 else 2


def _in_units(scenario: Scenario, d: int, value: float) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:.{_decimals(scenario.width[d])}f}"


def _wording(scenario: Scenario, dim_id: str, value: float) -> str:
    if value is None or math.isnan(value) or not scenario.dimensions[scenario.dimension_index[dim_id]].wording:
        return ""
    return f'  "{scenario.wording(dim_id, value)}"'


def _rule(scenario: Scenario, track: TrackInfo) -> str:
    if track.rule_kind == "opt_in":
        return f"opt-in with {_name(scenario, scenario.actor_ids[track.counterpart])}"
    if track.rule_kind == "qualified_majority":
        return f"qualified majority {track.threshold:g} by {track.rule_by}"
    if track.rule_kind == "simple_majority":
        return f"simple majority by {track.rule_by}"
    return {"unanimity": "unanimity of veto holders"}.get(track.rule_kind, track.rule_kind)


def _name(scenario: Scenario, actor_id: str) -> str:
    index = scenario.actor_index.get(actor_id)
    return actor_id if index is None else (scenario.actors[index].name or actor_id)


UNIT_QUANTITIES = ("adopted", "offer", "pledge", "proposal", "position")
"""Per-dimension protocol quantities that are positions, printed in the dimension's units."""


def _cell(scenario: Scenario, value: Any, d: int | None) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else ""
    if isinstance(value, str):
        return ":".join(_name(scenario, part) for part in value.split(":")) if value else "-"
    return _number(float(value)) if d is None else _in_units(scenario, d, float(value))


def _label(column: str, dims: list[str]) -> tuple[str, str | None]:
    """A protocol column's short header, and the dimension it is per, if any."""
    quantity, _, dim_id = column.rpartition(".")
    if not quantity or dim_id not in dims:
        quantity, dim_id = column, None
    short = quantity.replace("probability", "prob")
    if dim_id is None or len(dims) == 1:
        return short, dim_id
    return f"{short}.{dim_id}", dim_id


def _table(header: list[str], rows: list[list[str]], indent: str) -> list[str]:
    widths = [max(len(h), *(len(r[c]) for r in rows)) for c, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        parts = [cells[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(cells[1:], widths[1:])]
        return (indent + "  ".join(parts)).rstrip()

    return [line(header)] + [line(r) for r in rows]


def _status(scenario: Scenario, track: TrackInfo, rows: list[dict], was_agreed: bool) -> str:
    members = [r for r in rows if r[f"{track.id}.participates"]]
    first = rows[0]
    is_open, agreed = first[f"{track.id}.open"], first[f"{track.id}.agreed"]
    yes = sum(bool(r[f"{track.id}.accepts"]) for r in members)
    if track.rule_kind == "forecast":
        return "settled: the draft is the forecast" if agreed else ("open" if is_open else "no settlement by the cap")
    if track.rule_kind == "opt_in":
        text = f"{yes} of {len(members)} signed"
        counterpart = next((r for r in rows if r["actor"] == scenario.actor_ids[track.counterpart]), None)
        if counterpart is not None and not math.isnan(counterpart[f"{track.id}.demand"]):
            text += f" (counterpart's demand {_number(counterpart[f'{track.id}.demand'])})"
        if agreed and not was_agreed:
            text += "; AGREED (enough signatories)"
        if is_open:
            return text + "; open"
        return text + ("; closed: everyone signed" if yes == len(members) else "; closed at the deadline")
    text = f"{yes} of {len(members)} accept"
    if agreed:
        return text + "; AGREED"
    return text + ("; open" if is_open else "; deadline reached: no agreement")


def _track_block(scenario: Scenario, track: TrackInfo, rows: list[dict], was_agreed: bool) -> list[str]:
    lines = [f"  {track.id} [{track.protocol}; {_rule(scenario, track)}]: {_status(scenario, track, rows, was_agreed)}"]
    dims = [scenario.dimension_ids[d] for d in track.dims]
    draft_label = "forecast" if track.rule_kind == "forecast" else "draft"
    for d, dim_id in zip(track.dims, dims):
        value = rows[0][f"draft.{dim_id}"]
        lines.append(f"    {draft_label} {dim_id:<{max(map(len, dims))}}  {_in_units(scenario, d, value):>7}"
                     f"{_wording(scenario, dim_id, value)}")
    members = [r for r in rows if r[f"{track.id}.participates"]]
    if not members:
        return lines + ["    (no participants)"]
    header = ["actor", *dims]
    cells = [[_name(scenario, r["actor"])] + [_in_units(scenario, d, r[f"position.{dim_id}"])
                                              for d, dim_id in zip(track.dims, dims)] for r in members]
    for column in ("demand", "utility"):
        values = [r[f"{track.id}.{column}"] for r in members]
        if any(not math.isnan(v) for v in values):
            header.append(column)
            for row, value in zip(cells, values):
                row.append(_number(value))
    if track.rule_kind != "forecast":
        header.append("answer")
        words = ("signed", "-") if track.rule_kind == "opt_in" else ("accepts", "objects")
        for row, r in zip(cells, members):
            row.append(words[0] if r[f"{track.id}.accepts"] else words[1])
    prefix = f"{track.id}.{track.protocol}."
    for column in (c for c in rows[0] if c.startswith(prefix)):
        values = [r[column] for r in members]
        if isinstance(values[0], (bool, np.bool_)) and len(set(values)) == 1:
            continue  # the same for everyone: nothing to tell actors apart (the header says if it agreed)
        label, dim_id = _label(column[len(prefix):], dims)
        units = dim_id is not None and label.split(".")[0] in UNIT_QUANTITIES
        shown = [_cell(scenario, v, scenario.dimension_index[dim_id] if units else None) for v in values]
        if all(s in ("-", "") for s in shown):
            continue
        header.append(label)
        for row, text in zip(cells, shown):
            row.append(text)
    return lines + _table(header, cells, "    ")


def format_trace(scenario: Scenario, trace: Any, run_id: int | None = None) -> str:
    """The trace of one run (a :mod:`sim.trace` table or DataFrame) as text.

    ``run_id`` picks one run of a table holding several (by default its first).
    """
    frame = trace.to_pandas() if hasattr(trace, "to_pandas") and not hasattr(trace, "iloc") else trace
    if run_id is None:
        run_id = int(frame["run_id"].iloc[0]) if len(frame) else 0
    frame = frame[frame["run_id"] == run_id]
    records = frame.to_dict("records")
    by_round: dict[int, list[dict]] = {}
    for record in records:
        by_round.setdefault(int(record["round"]), []).append(record)
    events: dict[int, list[str]] = {}
    for event in scenario.events:
        if event.round is not None:  # conditional events fire at different rounds in different runs
            events.setdefault(event.round, []).append(describe_event(event).split(": ", 1)[1])
    played = len(by_round)
    lines = [f"Trace of {scenario.name}, run {run_id}: {played} round{'s' if played != 1 else ''} "
             "(positions as each round began; the draft as it ended)"]
    previous: list[dict] | None = None
    for round_, rows in sorted(by_round.items()):
        lines.append("")
        lines.append(f"Round {round_}")
        lines.extend(f"  event: {text}" for text in events.get(round_, []))
        for track in scenario.tracks:
            if previous is not None and not previous[0][f"{track.id}.open"]:
                continue
            was_agreed = previous is not None and bool(previous[0][f"{track.id}.agreed"])
            lines.extend(_track_block(scenario, track, rows, was_agreed))
        previous = rows
    return "\n".join(lines) + "\n"
