"""The field's data files, read as scenarios.

- KTAB's SMP CSV: line 1 ``name,description,numActors,numDims``; line 2 a header
  ``Actor,Description,Power,Pstn1,Sal1,...``; then one actor per line. Columns are
  read by position, as KTAB reads them, whatever the header words; trailing commas
  and spaces are ignored. Positions and saliences are on 0-100 (an actor's
  saliences summing to at most 100).
- The one-dimension CSV of BDM replications: a header naming the columns
  ``actor``, ``capability``, ``position``, ``salience`` in any order and case
  (``power`` is accepted for capability), then one actor per line. Saliences are
  read as percentages when any exceeds 1 (then none may lie strictly between 0 and
  1: a file mixing the two scales is refused).

Both formats are inputs to forecasting models, so they are read as one
``forecast`` track and nothing is invented: no status quo (neither format has
one), no vetoes, and no deadline beyond a stated cap on the model's own stopping
rule (KTAB's 100 turns; BDM runs until no position moves, capped at 100 rounds).
``negsim convert FILE --to toml`` writes the scenario out so a user can add what
the CSV cannot say.
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path
from typing import Any

from sim import limits
from sim.errors import InputError
from sim.files import display_path, one_line, read_text

__all__ = ["read_bdm_csv", "read_ktab_csv", "read_csv_scenario"]

KTAB_DEADLINE = 100
"""KTAB's SMP stops after at most 100 turns."""
BDM_DEADLINE = 100
"""BDM's model stops when no position moves; a run that never settles is cut off here (and says so)."""


def _rows(path: Path, source: str) -> list[tuple[int, list[str]]]:
    """Non-blank rows with their 1-based line numbers, cells stripped, trailing empty cells dropped."""
    text = read_text(path)
    rows = []
    reader = csv.reader(io.StringIO(text))
    try:
        for cells in reader:
            cells = [cell.strip() for cell in cells]
            while cells and cells[-1] == "":
                cells.pop()
            if cells:
                rows.append((reader.line_num, cells))
    except csv.Error as error:  # a cell over the csv module's size limit, a NUL character, ...
        raise InputError(source, [f"line {reader.line_num}: not readable as CSV: {error}"]) from None
    if not rows:
        raise InputError(source, ["the file is empty"])
    return rows


def _shown(text: str) -> str:
    """A cell as a message quotes it: cut short when long."""
    return repr(text) if len(text) <= 40 else f"{text[:20]!r}... ({len(text):,} characters)"


def _identifier(text: str, fallback: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_\-]", "_", text.strip())
    if not cleaned or not re.match(r"[A-Za-z_]", cleaned):
        cleaned = f"{fallback}_{cleaned}" if cleaned else fallback
    return cleaned


def _unique(ids: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    result = []
    for name in ids:
        count = seen.get(name, 0)
        seen[name] = count + 1
        result.append(name if count == 0 else f"{name}_{count + 1}")
    return result


_MAX_PROBLEMS = 50
"""Problems listed for one file; the rest are counted."""


class _Problems:
    def __init__(self, source: str):
        self.source = source
        self.lines: list[str] = []

    def number(self, line: int, column: int, label: str, text: str, *, low: float | None = None,
               high: float | None = None, positive: bool = False) -> float:
        where = f"line {line}, column {column} ({label})"
        try:
            value = float(text)
        except ValueError:
            self.lines.append(f"{where}: expected a number, got {_shown(text)}")
            return float("nan")
        if value != value or value in (float("inf"), float("-inf")):
            self.lines.append(f"{where}: must be a finite number, got {_shown(text)}")
        elif positive and value <= 0:
            self.lines.append(f"{where}: must be > 0, got {value:g}")
        elif low is None and high is not None and value > high:
            self.lines.append(f"{where}: must be at most {high:g}, got {value:g} (see README, 'Limits')")
        elif (low is not None and value < low) or (high is not None and value > high):
            self.lines.append(f"{where}: must be in [{low:g}, {high:g}], got {value:g}")
        return value

    def raise_if_any(self) -> None:
        self.lines = [one_line(line) for line in self.lines]
        if len(self.lines) > _MAX_PROBLEMS:
            raise InputError(self.source, self.lines[:_MAX_PROBLEMS] +
                             [f"... and {len(self.lines) - _MAX_PROBLEMS:,} more problems"])
        if self.lines:
            raise InputError(self.source, self.lines)


def _bands(lower: float, upper: float, name: str) -> list[dict[str, Any]]:
    third = (upper - lower) / 3
    return [{"from": lower, "text": f"{name}: low"}, {"from": round(lower + third, 2), "text": f"{name}: middle"},
            {"from": round(lower + 2 * third, 2), "text": f"{name}: high"}]


def read_ktab_csv(path: str | Path) -> dict[str, Any]:
    """Read a KTAB SMP CSV file as scenario data (validate with ``scenario_from_dict``)."""
    path, source = Path(path), display_path(path)
    rows = _rows(path, source)
    problems = _Problems(source)
    line, head = rows[0]
    if len(head) < 4:
        raise InputError(source, [f"line {line}: expected 'name,description,numActors,numDims', "
                                  f"got {len(head)} field(s)"])
    counts = []
    for column, label, most in ((3, "numActors", limits.MAX_ACTORS), (4, "numDims", limits.MAX_DIMENSIONS)):
        value = problems.number(line, column, label, head[column - 1], positive=True, high=most)
        if math.isfinite(value) and value != int(value):
            problems.lines.append(f"line {line}, column {column} ({label}): must be a whole number, got {value:g}")
        counts.append(int(value) if math.isfinite(value) else 0)
    problems.raise_if_any()
    actors, dims = counts
    if len(rows) < 2:
        raise InputError(source, [f"line {line + 1}: missing the header line 'Actor,Description,Power,Pstn1,Sal1,...'"])
    header_line, header = rows[1]
    needed = 3 + 2 * dims
    if len(header) < needed:
        problems.lines.append(f"line {header_line}: the header has {len(header)} columns; "
                              f"{dims} dimensions need {needed}")
    names = [header[3 + 2 * d] if 3 + 2 * d < len(header) else f"Pstn{d + 1}" for d in range(dims)]
    dim_ids = _unique([_identifier(n, f"dim{d + 1}") for d, n in enumerate(names)])
    body = rows[2:]
    if len(body) != actors:
        problems.lines.append(f"line {line}, column 3 (numActors): says {actors} actors, "
                              f"but the file has {len(body)} actor lines")
    actor_data = []
    for number, cells in body:
        if len(cells) < needed:
            problems.lines.append(f"line {number}: expected {needed} columns "
                                  f"(Actor, Description, Power, then Pstn and Sal for {dims} dimensions), "
                                  f"got {len(cells)}")
            continue
        power = problems.number(number, 3, "Power", cells[2], positive=True)
        position, salience, total = {}, {}, 0.0
        for d, dim_id in enumerate(dim_ids):
            p_col, s_col = 4 + 2 * d, 5 + 2 * d
            position[dim_id] = problems.number(number, p_col, names[d], cells[p_col - 1], low=0, high=100)
            value = problems.number(number, s_col, f"Sal{d + 1}", cells[s_col - 1], low=0, high=100)
            salience[dim_id] = value / 100.0
            total += value if value == value else 0.0
        if total > 100 + 1e-9:
            problems.lines.append(f"line {number}: saliences sum to {total:g}; KTAB allows at most 100")
        actor_data.append({"name": cells[0], "description": cells[1], "capability": power,
                           "position": position, "salience": salience})
    problems.raise_if_any()
    ids = _unique([_identifier(a["name"], "actor") for a in actor_data])
    return {
        "name": head[0] or path.stem,
        "description": head[1],
        "seed": 0,
        "deadline": KTAB_DEADLINE,
        "dimensions": [{"id": dim_id, "name": names[d], "range": [0.0, 100.0],
                        "wording": _bands(0.0, 100.0, names[d])} for d, dim_id in enumerate(dim_ids)],
        "actors": [{"id": actor_id, "name": a["name"], "capability": a["capability"], "position": a["position"],
                    "salience": a["salience"]} for actor_id, a in zip(ids, actor_data)],
        "tracks": [{"id": "main", "dimensions": dim_ids, "decision_rule": {"kind": "forecast"}, "protocol": "smp"}],
    }


_BDM_COLUMNS = {"actor": "actor", "name": "actor", "capability": "capability", "power": "capability",
                "position": "position", "salience": "salience"}


def read_bdm_csv(path: str | Path) -> dict[str, Any]:
    """Read a one-dimension BDM CSV as scenario data (validate with ``scenario_from_dict``)."""
    path, source = Path(path), display_path(path)
    rows = _rows(path, source)
    line, header = rows[0]
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        role = _BDM_COLUMNS.get(cell.lower())
        if role and role not in columns:
            columns[role] = index
    missing = [c for c in ("actor", "capability", "position", "salience") if c not in columns]
    if missing:
        raise InputError(source, [f"line {line}: the header must name the columns actor, capability, position, "
                                  f"salience (any order); missing: {', '.join(missing)}"])
    if len(rows) - 1 > limits.MAX_ACTORS:
        raise InputError(source, [f"{len(rows) - 1:,} actor lines; the limit is {limits.MAX_ACTORS:,} actors "
                                  "(see README, 'Limits')"])
    problems = _Problems(source)
    entries = []
    for number, cells in rows[1:]:
        if len(cells) <= max(columns.values()):
            problems.lines.append(f"line {number}: expected {len(header)} columns, got {len(cells)}")
            continue
        entries.append((number, cells[columns["actor"]],
                        problems.number(number, columns["capability"] + 1, "capability", cells[columns["capability"]],
                                        positive=True),
                        problems.number(number, columns["position"] + 1, "position", cells[columns["position"]]),
                        problems.number(number, columns["salience"] + 1, "salience", cells[columns["salience"]],
                                        low=0, high=100)))
    problems.raise_if_any()
    if len(entries) < 2:
        raise InputError(source, [f"need at least two actor lines, got {len(entries)}"])
    percent = max(e[4] for e in entries) > 1
    fractions = [e for e in entries if 0 < e[4] < 1]
    if percent and fractions:
        above = next(e for e in entries if e[4] > 1)
        raise InputError(source, [
            f"line {fractions[0][0]}, column {columns['salience'] + 1} (salience): saliences mix scales: "
            f"{fractions[0][4]:g} here reads as a fraction of 1, {above[4]:g} on line {above[0]} as a percentage; "
            "write every salience on one scale (0-1 or 0-100)"])
    positions = [e[3] for e in entries]
    lower, upper = min(positions), max(positions)
    if lower == upper:
        lower, upper = lower - 1.0, upper + 1.0
    ids = _unique([_identifier(e[1], "actor") for e in entries])
    return {
        "name": path.stem,
        "description": f"read from {path.name} (BDM one-dimension format)",
        "seed": 0,
        "deadline": BDM_DEADLINE,
        "dimensions": [{"id": "issue", "name": path.stem, "range": [lower, upper],
                        "wording": _bands(lower, upper, "issue")}],
        "actors": [{"id": actor_id, "name": name, "capability": cap, "position": {"issue": pos},
                    "salience": {"issue": sal / 100 if percent else sal}}
                   for actor_id, (_, name, cap, pos, sal) in zip(ids, entries)],
        "tracks": [{"id": "main", "dimensions": ["issue"], "decision_rule": {"kind": "forecast"},
                    "protocol": "bdm"}],
    }


def _is_ktab_first_line(cells: list[str]) -> bool:
    """KTAB's first line ends in two counts: ``name,description,numActors,numDims`` (numbers, checked
    to be whole and within the limits when read, so that ``2.5`` or ``1e9`` is refused as a count)."""
    return len(cells) >= 4 and all(re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", cell)
                                   for cell in cells[2:4])


def read_csv_scenario(path: str | Path) -> dict[str, Any]:
    """Read either CSV format, telling them apart by the first line (KTAB's ends in two counts)."""
    path = Path(path)
    first = _rows(path, display_path(path))[0][1]
    return read_ktab_csv(path) if _is_ktab_first_line(first) else read_bdm_csv(path)
