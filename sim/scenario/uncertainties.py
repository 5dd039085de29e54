"""Declared uncertainty resolved against a scenario: what each entry draws, and what is wrong with it.

Each ``[[uncertainties]]`` entry names numbers by a dotted path
(:mod:`sim.experiment.paths`; ``*`` for every record). :func:`resolve` turns
the entries, and the ``position_sd`` shorthand, into one :class:`UncertainInput`
per number: its own path without wildcards (which names its random sub-stream,
:mod:`sim.seeding`), the quantity it sets, the declared value and the valid
range the draws must stay in. A later entry replaces an earlier one on the same
number, and any entry replaces ``position_sd``; naming the same path twice is
an error.

Valid ranges: a position or status quo within its dimension's range; salience,
flexibility and reservation utility in [0, 1]; the broker's step and a bilateral
event's strength in (0, 1]; capability and tactic > 0; an event's round a whole
round from 1 to the last deadline; a shift event's ``to`` what the attribute can
take, its ``by`` any number. A wording band's edge stays between its neighbouring
edges, or half-way to a neighbour that is uncertain too, so that band edges never
cross in any draw (the first band always starts at the range's lower bound; a
wildcard such as ``wording.*.from`` leaves it out).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sim.experiment.paths import PathError, concrete_paths
from sim.scenario.distributions import Beta, Choice, Distribution, Normal, Triangular, Uncertainty

__all__ = ["UNCERTAIN_PATHS", "UncertainInput", "check_uncertainties", "resolve", "set_aside"]

Problem = tuple[str, str]

UNCERTAIN_PATHS = ("actors.ID.capability", "actors.ID.tactic", "actors.ID.flexibility",
                   "actors.ID.position.DIM", "actors.ID.salience.DIM", "actors.ID.reservation_utility[.TRACK]",
                   "broker.step", "dimensions.ID.status_quo", "dimensions.ID.wording.N.from",
                   "events.N.strength", "events.N.round", "events.N.to", "events.N.by")
"""The numbers that can carry a distribution (``*`` for any id or index)."""

@dataclass(frozen=True)
class UncertainInput:
    """One uncertain number of a scenario.

    Attributes
    ----------
    path : str
        The number's own path (no wildcards); names its random sub-stream.
    quantity : str
        What it sets: ``capability``, ``tactic``, ``flexibility``, ``position``, ``salience``,
        ``reservation_utility``, ``broker_step``, ``status_quo``, ``band``, ``event_strength``,
        ``event_round`` or ``event_amount`` (a shift's ``to`` or ``by``).
    keys : tuple of str
        Where: the actor id (and dimension or track id; an empty track id: every track),
        the dimension id (and band index), the event index.
    declared : float
        The value the scenario declares (the default mean or mode).
    lower, upper : float
        Its valid range; ``open_lower`` when the lower bound itself is excluded.
    integer : bool
        Whole numbers only (event rounds).
    entry : int
        Index of the declaring ``[[uncertainties]]`` entry; -1 for ``position_sd``.
    """

    path: str
    quantity: str
    keys: tuple[str, ...]
    declared: float
    lower: float
    upper: float
    open_lower: bool
    integer: bool
    distribution: Distribution
    factor: str | None
    loading: float
    entry: int
    what: str
    note: str = ""


def _interval(lower: float, upper: float, open_lower: bool) -> str:
    left = "(" if open_lower or not math.isfinite(lower) else "["
    return f"{left}{lower:g}, {upper:g}{']' if math.isfinite(upper) else ')'}"


@dataclass(frozen=True)
class _Target:
    quantity: str
    keys: tuple[str, ...]
    lower: float
    upper: float
    open_lower: bool = False
    integer: bool = False
    what: str = ""
    neighbours: tuple[str, str] = ("", "")


def _target(data: dict[str, Any], parts: list[str], last_round: int, uncertain_edges: set[tuple[str, int]]
            ) -> _Target | str:
    """What a concrete path sets, or why it cannot carry a distribution."""
    ranges = {d["id"]: tuple(d["range"]) for d in data["dimensions"]}
    head = parts[0]
    if head == "actors" and len(parts) == 3 and parts[2] in ("capability", "tactic"):
        return _Target(parts[2], (parts[1],), 0.0, math.inf, open_lower=True, what=f"a {parts[2]}")
    if head == "actors" and len(parts) == 3 and parts[2] == "flexibility":
        return _Target("flexibility", (parts[1],), 0.0, 1.0, what="a flexibility")
    if head == "actors" and len(parts) == 4 and parts[2] == "position" and parts[3] in ranges:
        lower, upper = ranges[parts[3]]
        return _Target("position", (parts[1], parts[3]), lower, upper, what=f"a position on '{parts[3]}'")
    if head == "actors" and len(parts) == 4 and parts[2] == "salience":
        return _Target("salience", (parts[1], parts[3]), 0.0, 1.0, what="a salience")
    if head == "actors" and len(parts) in (3, 4) and parts[2] == "reservation_utility":
        return _Target("reservation_utility", (parts[1], parts[3] if len(parts) == 4 else ""), 0.0, 1.0,
                       what="a reservation utility")
    if parts == ["broker", "step"]:
        return _Target("broker_step", (), 0.0, 1.0, open_lower=True, what="the broker's step")
    if head == "dimensions" and len(parts) == 3 and parts[2] == "status_quo" and parts[1] in ranges:
        lower, upper = ranges[parts[1]]
        return _Target("status_quo", (parts[1],), lower, upper, what=f"the status quo of '{parts[1]}'")
    if head == "dimensions" and len(parts) == 5 and parts[2] == "wording" and parts[4] == "from":
        return _band_edge(data, parts[1], int(parts[3]), uncertain_edges)
    if head == "events" and len(parts) == 3 and parts[2] == "strength":
        return _Target("event_strength", (parts[1],), 0.0, 1.0, open_lower=True, what="an event's strength")
    if head == "events" and len(parts) == 3 and parts[2] == "round":
        return _Target("event_round", (parts[1],), 1.0, float(last_round), integer=True,
                       what=f"an event's round (1 to the last deadline, {last_round})")
    if head == "events" and len(parts) == 3 and parts[2] in ("to", "by"):
        event = data["events"][int(parts[1])]
        if parts[2] == "by":
            return _Target("event_amount", (parts[1],), -math.inf, math.inf, what="a shift's change")
        if event.get("attribute") == "position" and event.get("dimension") in ranges:
            lower, upper = ranges[event["dimension"]]
            return _Target("event_amount", (parts[1],), lower, upper, what=f"a position on '{event['dimension']}'")
        if event.get("attribute") == "capability":
            return _Target("event_amount", (parts[1],), 0.0, math.inf, open_lower=True, what="a capability")
        return _Target("event_amount", (parts[1],), 0.0, 1.0, what=f"a {event.get('attribute', 'shift')}")
    return f"cannot carry a distribution; uncertain numbers are {', '.join(UNCERTAIN_PATHS)}"


def _band_edge(data: dict[str, Any], dim_id: str, band: int, uncertain_edges: set[tuple[str, int]]) -> _Target | str:
    """A wording band's edge: between its neighbouring edges, or half-way to a neighbour that is uncertain too."""
    if band == 0:
        return "the first wording band always starts at the range's lower bound; it cannot be uncertain"
    dimension = next(d for d in data["dimensions"] if d["id"] == dim_id)
    edges = [b["from"] for b in dimension["wording"]]
    own = edges[band]
    below = edges[band - 1]
    names = [f"the neighbouring band edge wording[{band - 1}].from"]
    if (dim_id, band - 1) in uncertain_edges and band - 1 > 0:
        below = (below + own) / 2
        names[0] = f"half-way to wording[{band - 1}].from (uncertain too)"
    if band + 1 < len(edges):
        above, name = edges[band + 1], f"the neighbouring band edge wording[{band + 1}].from"
        if (dim_id, band + 1) in uncertain_edges:
            above, name = (own + above) / 2, f"half-way to wording[{band + 1}].from (uncertain too)"
    else:
        above, name = dimension["range"][1], "the range's upper bound"
    return _Target("band", (dim_id, str(band)), below, above, what=f"a wording band edge of '{dim_id}'",
                   neighbours=(names[0], name))


def _check(distribution: Distribution, target: _Target, declared: float, field: str) -> Iterator[Problem]:
    """Parameters outside the quantity's valid range, or inconsistent with each other."""
    lower, upper, open_lower = target.lower, target.upper, target.open_lower

    def outside(value: float, closed: bool = False) -> bool:
        below = value < lower if (closed or not open_lower) else value <= lower
        return below or value > upper

    def bad(name: str, value: float, closed: bool = False) -> Problem | None:
        if target.quantity == "band" and outside(value, True):
            near = target.neighbours[0] if value < lower else target.neighbours[1]
            edge = lower if value < lower else upper
            return (f"{field}.{name}", f"{value:g} crosses {near} at {edge:g} on '{target.keys[0]}': "
                                       f"this band edge must stay within [{lower:g}, {upper:g}]")
        if outside(value, closed):
            return (f"{field}.{name}", f"must be within the valid range of {target.what} "
                                       f"{_interval(lower, upper, open_lower and not closed)}, got {value:g}")
        if target.integer and name in ("low", "high", "values") and value != int(value):
            return f"{field}.{name}", f"{target.what} is a whole number of rounds, got {value:g}"
        return None

    problems: list[Problem | None] = []
    if isinstance(distribution, Normal):
        if distribution.mean is not None:
            problems.append(bad("mean", distribution.mean, closed=True))
    elif isinstance(distribution, Choice):
        problems.extend(bad("values", value) for value in distribution.values)
        weights = distribution.weights
        if weights is not None and len(weights) != len(distribution.values):
            problems.append((f"{field}.weights", f"needs one weight per value ({len(distribution.values)}), "
                                                 f"got {len(weights)}"))
        elif weights is not None and sum(weights) <= 0:
            problems.append((f"{field}.weights", "must not all be 0"))
    else:
        low, high = distribution.low, distribution.high
        if isinstance(distribution, Beta) and (low is None or high is None) and not (
                math.isfinite(lower) and math.isfinite(upper)):
            problems.append((field, f"a beta on {target.what} needs 'low' and 'high': its valid range "
                                    f"{_interval(lower, upper, open_lower)} is unbounded"))
        low = lower if low is None else low
        high = upper if high is None else high
        if distribution.low is not None:
            problems.append(bad("low", low))
        if distribution.high is not None:
            problems.append(bad("high", high))
        if not low < high:
            problems.append((f"{field}.high", f"must be above low ({low:g}), got {high:g}"))
        if isinstance(distribution, Triangular):
            mode = declared if distribution.mode is None else distribution.mode
            if not low <= mode <= high:
                problems.append((f"{field}.mode", f"must be within [low, high] = [{low:g}, {high:g}], got {mode:g}"
                                 + (" (the declared value, the default mode)" if distribution.mode is None else "")))
    seen: set[str] = set()
    for problem in problems:
        if problem is not None and problem[0] not in seen:
            seen.add(problem[0])
            yield problem


def _last_round(data: dict[str, Any]) -> int:
    return max([data["deadline"]] + [t["deadline"] for t in data["tracks"] if t.get("deadline") is not None])


def _position_sd(data: dict[str, Any]) -> Iterator[UncertainInput]:
    """The ``position_sd`` shorthand: a normal on each of an actor's positions, around the declared one."""
    dimensions = {d["id"]: d for d in data["dimensions"]}
    for actor in data["actors"]:
        for dim_id, sd in actor.get("position_sd", {}).items():
            if sd <= 0 or dim_id not in dimensions:
                continue
            dimension = dimensions[dim_id]
            lower, upper = dimension["range"]
            fallback = dimension["status_quo"] if dimension.get("status_quo") is not None else lower
            yield UncertainInput(
                path=f"actors.{actor['id']}.position.{dim_id}", quantity="position", keys=(actor["id"], dim_id),
                declared=float(actor["position"].get(dim_id, fallback)), lower=lower, upper=upper, open_lower=False,
                integer=False, distribution=Normal(kind="normal", sd=sd), factor=None, loading=0.0, entry=-1,
                what=f"a position on '{dim_id}'", note="position_sd")


def resolve(data: dict[str, Any], entries: list[Uncertainty] | None = None
            ) -> tuple[list[UncertainInput], list[Problem]]:
    """Every uncertain number of a scenario, and every problem with its declaration.

    Parameters
    ----------
    data : dict
        The scenario as plain data (``spec.model_dump(mode="json", by_alias=True)``).
    entries : list of Uncertainty, optional
        The ``[[uncertainties]]`` entries (default: ``data["uncertainties"]``, validated).

    Returns
    -------
    (inputs, problems)
        ``inputs`` in declaration order (``position_sd`` first); ``problems`` as
        ``(field path, message)`` pairs, e.g. ``("uncertainties[3].distribution.high", ...)``.
    """
    if entries is None:
        entries = [Uncertainty.model_validate(item) for item in data.get("uncertainties", [])]
    inputs: dict[str, UncertainInput] = {item.path: item for item in _position_sd(data)}
    problems: list[Problem] = []
    first_seen: dict[str, int] = {}
    named: dict[int, list[tuple[str, Any]]] = {}
    for index, entry in enumerate(entries):
        where = f"uncertainties[{index}]"
        if entry.path in first_seen:
            problems.append((f"{where}.path", f"'{entry.path}' is declared twice (also uncertainties"
                                              f"[{first_seen[entry.path]}]); keep one"))
            continue
        first_seen[entry.path] = index
        if entry.factor is not None and entry.loading is None:
            problems.append((f"{where}.loading", f"factor '{entry.factor}' needs a loading in [-1, 1]"))
        if entry.factor is None and entry.loading is not None:
            problems.append((f"{where}.factor", "a loading needs a factor: name the shared factor it loads on"))
        try:
            found = concrete_paths(data, entry.path)
        except PathError as error:
            problems.append((f"{where}.path", str(error)))
            continue
        if "*" in entry.path:  # a wildcard leaves out the first band's edge, which never moves
            found = [(path, value) for path, value in found if not _first_band_edge(path)]
        if not found:
            problems.append((f"{where}.path", f"'{entry.path}' names no number set in the scenario"))
            continue
        named[index] = found
    edges = {(parts[1], int(parts[3])) for found in named.values() for path, _ in found
             for parts in [path.split(".")] if len(parts) == 5 and parts[2] == "wording"}
    last_round = _last_round(data)
    broken = {d["id"] for d in data["dimensions"] if not _ordered(d)}  # reported by the references pass
    for index, found in named.items():
        entry, where = entries[index], f"uncertainties[{index}]"
        resolved: list[UncertainInput] = []
        reported: set[str] = set()
        for path, declared in found:
            target = _target(data, path.split("."), last_round, edges)
            if isinstance(target, str):
                problems.append((f"{where}.path", f"'{path}' {target}" if not target.startswith("the first")
                                 else f"'{path}': {target}"))
                reported.add("path")
                break
            checks = [] if target.quantity == "band" and target.keys[0] in broken else \
                _check(entry.distribution, target, float(declared), f"{where}.distribution")
            for problem in checks:
                if problem[0] not in reported:  # a wildcard: each field's problem once
                    reported.add(problem[0])
                    problems.append(problem)
            resolved.append(UncertainInput(
                path=path, quantity=target.quantity, keys=target.keys, declared=float(declared),
                lower=target.lower, upper=target.upper, open_lower=target.open_lower, integer=target.integer,
                distribution=entry.distribution, factor=entry.factor,
                loading=0.0 if entry.loading is None else entry.loading, entry=index, what=target.what,
                note=entry.note))
        if not reported:
            for item in resolved:
                inputs.pop(item.path, None)  # a later declaration replaces an earlier one (or position_sd)
                inputs[item.path] = item
    return list(inputs.values()), problems


def _ordered(dimension: dict[str, Any]) -> bool:
    """Whether a dimension's range and wording bands are as the references pass requires."""
    lower, upper = dimension["range"]
    edges = [band["from"] for band in dimension["wording"]] + [upper]
    return lower < upper and edges[0] == lower and all(a < b for a, b in zip(edges[:-2], edges[1:-1])) \
        and edges[-2] <= upper


def _first_band_edge(path: str) -> bool:
    parts = path.split(".")
    return len(parts) == 5 and parts[0] == "dimensions" and parts[2] == "wording" and parts[3] == "0"


def check_uncertainties(spec: Any) -> Iterator[Problem]:
    """The references pass's check of a scenario's ``[[uncertainties]]`` (nothing to check without any)."""
    if spec.uncertainties:
        yield from resolve(spec.model_dump(mode="json", by_alias=True), list(spec.uncertainties))[1]


def set_aside(data: dict[str, Any], fixed: set[str]) -> tuple[dict[str, Any], list[int]]:
    """Scenario data with no declared uncertainty on the numbers ``fixed`` (their own paths).

    What a sweep's levers and ``negsim run --set`` do to the numbers they set: those
    numbers take the value given, not a draw. An entry naming only some of them (a
    wildcard) is replaced by one entry per number it still covers, so the other
    numbers keep their own paths, streams and draws; ``position_sd`` on a fixed
    position is dropped.

    Returns
    -------
    (data, origin)
        A copy of ``data``, and for each of its ``uncertainties`` the index of the entry it
        came from in the original list.
    """
    data = dict(data)
    data["actors"] = [dict(actor) for actor in data["actors"]]
    for actor in data["actors"]:
        if actor.get("position_sd"):
            actor["position_sd"] = {d: sd for d, sd in actor["position_sd"].items()
                                    if f"actors.{actor['id']}.position.{d}" not in fixed}
    entries, origin = [], []
    for index, raw in enumerate(data.get("uncertainties", [])):
        entry = Uncertainty.model_validate(raw)
        try:
            covered = [item.path for item in resolve({**data, "uncertainties": []}, [entry])[0] if item.entry == 0]
        except (PathError, ValueError, KeyError, IndexError, TypeError):
            covered = []
        if not set(covered) & fixed:
            entries.append(raw)
            origin.append(index)
            continue
        for path in covered:
            if path not in fixed:
                entries.append({**raw, "path": path})
                origin.append(index)
    data["uncertainties"] = entries
    return data, origin
