"""Dotted parameter paths into a scenario's data.

A path names one number in a scenario file: ``deadline``, ``broker.step``,
``actors.germany.position.membership_timing``, ``tracks.consensus.deadline``,
``dimensions.aid_level.status_quo``, ``actors.usa.reservation_utility.umbrella``,
``events.0.strength``. Lists of named records (actors, dimensions, tracks) are
addressed by ``id``; events by index. ``*`` in place of an id sets the value on
every record of the list: ``actors.*.flexibility``.
"""

from __future__ import annotations

import copy
import difflib
from typing import Any

__all__ = ["PathError", "apply", "concrete_paths", "current_values", "set_value"]

_NAMED_LISTS = ("actors", "dimensions", "tracks")


class PathError(ValueError):
    """A path that names nothing in the scenario; the message suggests the nearest valid name."""


def _suggest(name: str, options: list[str]) -> str:
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.5)
    if close:
        return f"; did you mean '{close[0]}'?"
    shown = ", ".join(options[:12]) + (", ..." if len(options) > 12 else "")
    return f"; valid here: {shown}" if options else ""


def _children(node: Any, key: str, path: str, done: str) -> list[tuple[str, Any, Any]]:
    """The (label, container, key) triples a path step selects in ``node``."""
    where = f"'{done}'" if done else "the scenario"
    if isinstance(node, list):
        if key == "*":
            return [(str(i), node, i) for i in range(len(node))]
        if node and isinstance(node[0], dict) and "id" in node[0] and done in _NAMED_LISTS:
            ids = [item["id"] for item in node]
            if key not in ids:
                raise PathError(f"unknown path '{path}': no {done[:-1]} '{key}' in {where}{_suggest(key, ids)}")
            return [(key, node, ids.index(key))]
        if not key.isdigit() or int(key) >= len(node):
            raise PathError(f"unknown path '{path}': {where} is a list of {len(node)}; use an index "
                            f"from 0 to {len(node) - 1}")
        return [(key, node, int(key))]
    if isinstance(node, dict):
        if key == "*":
            return [(k, node, k) for k in node]
        if key not in node:
            raise PathError(f"unknown path '{path}': {where} has no '{key}'{_suggest(key, sorted(node))}")
        return [(key, node, key)]
    raise PathError(f"unknown path '{path}': '{done}' is a value, not a table")


def _expand(data: dict[str, Any], steps: list[str], path: str) -> list[tuple[Any, Any]]:
    nodes: list[tuple[Any, Any, Any]] = [(None, None, data)]
    done = ""
    for step in steps:
        expanded = []
        for _, _, node in nodes:
            for _, container, key in _children(node, step, path, done):
                expanded.append((container, key, container[key]))
        nodes = expanded
        done = f"{done}.{step}" if done else step
    for _, _, value in nodes:
        if value is None:
            continue  # an optional number not set in the file (e.g. a track's own deadline)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            kind = "a table" if isinstance(value, (dict, list)) else f"{type(value).__name__} {value!r}"
            raise PathError(f"path '{path}' names {kind}, not a number")
    return [(container, key) for container, key, _ in nodes]


def concrete_paths(data: dict[str, Any], path: str) -> list[tuple[str, float]]:
    """Each number a path names, as its own path without wildcards, with its value.

    ``actors.*.flexibility`` gives ``[("actors.germany.flexibility", 0.2), ...]``; numbers
    not set in the file (an optional one left out) are skipped. Raises :class:`PathError`
    as :func:`current_values` does.
    """
    _expand(data, path.split("."), path)  # the checks and messages of every other path function
    found: list[tuple[str, Any]] = [("", data)]
    for step in path.split("."):
        deeper = []
        for done, node in found:
            for label, container, key in _children(node, step, path, done):
                child = container[key]
                if done in _NAMED_LISTS and isinstance(child, dict) and "id" in child:
                    label = child["id"]  # a record of a named list is addressed by its id, '*' or not
                deeper.append((f"{done}.{label}" if done else label, child))
        found = deeper
    return [(name, value) for name, value in found if value is not None]


def current_values(data: dict[str, Any], path: str) -> list[float]:
    """The values a path names now (one per matched record)."""
    return [container[key] for container, key in _expand(data, path.split("."), path)]


def set_value(data: dict[str, Any], path: str, value: float) -> None:
    """Set every number the path names to ``value``, in place (ints stay ints where the value is whole)."""
    for container, key in _expand(data, path.split("."), path):
        old = container[key]
        whole = (isinstance(old, int) and not isinstance(old, bool)) or (old is None and key == "deadline")
        container[key] = int(round(value)) if whole else float(value)


def apply(data: dict[str, Any], values: dict[str, float]) -> dict[str, Any]:
    """A copy of scenario data with each path set to its value."""
    result = copy.deepcopy(data)
    for path, value in values.items():
        set_value(result, path, value)
    return result
