"""Reading scenario files: TOML or YAML in, a validated, frozen :class:`Scenario` out.

The loader never simulates; the model never reads files.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import InputError
from sim.files import read_data_file
from sim.scenario.csv_formats import read_csv_scenario
from sim.scenario.references import check_references
from sim.scenario.scenario import Scenario
from sim.scenario.spec import ScenarioSpec

__all__ = ["describe_validation_error", "load_scenario", "scenario_from_dict"]

_UNION_TAGS = {
    "shift", "bilateral", "join", "leave",
    "unanimity", "qualified_majority", "simple_majority", "opt_in", "forecast",
    "normal", "uniform", "triangular", "beta", "choice",
}


def load_scenario(path: str | Path) -> Scenario:
    """Read, validate and freeze the scenario in ``path``.

    ``.toml``, ``.yaml`` and ``.yml`` files hold the scenario schema; ``.csv`` files
    are read in KTAB's SMP format or the one-dimension BDM format
    (:mod:`sim.scenario.csv_formats`).

    Raises
    ------
    InputError
        If the file is missing, cannot be parsed (the message gives the line)
        or breaks the schema (one message per problem, each with its field path).
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise InputError(source, ["no such file" if not path.exists() else "not a file"])
    data = _parse(path)
    return scenario_from_dict(data, source=source, evidence=True)


def scenario_from_dict(data: Any, *, source: str = "<scenario>", evidence: bool = False) -> Scenario:
    """Validate a scenario given as plain data (the parsed contents of a file).

    ``evidence``: also check quoted positions against their bands (as when loading a file;
    off for the variants sweeps and ``--set`` build, which move positions on purpose).
    """
    if not isinstance(data, dict):
        raise InputError(source, ["the file must hold a table of scenario fields at its top level"])
    try:
        spec = ScenarioSpec.model_validate(data)
    except ValidationError as error:
        raise InputError(source, [describe_validation_error(item) for item in error.errors()]) from None
    problems = check_references(spec, evidence=evidence)
    if problems:
        raise InputError(source, [f"{field}: {message}" for field, message in problems])
    return Scenario(spec)


def _parse(path: Path) -> Any:
    if path.suffix.lower() == ".csv":
        return read_csv_scenario(path)
    return read_data_file(path, accepted=".toml, .yaml, .yml or .csv")[0]


def describe_validation_error(item: dict[str, Any]) -> str:
    """One line for one pydantic error: ``field.path: message``."""
    location = _field_path(item["loc"])
    kind = item["type"]
    value = item.get("input")
    if kind == "extra_forbidden":
        message = "unknown field (not part of the scenario schema)"
    elif kind == "missing":
        message = "required field is missing"
    elif kind == "finite_number" or (isinstance(value, float) and not math.isfinite(value)):
        message = f"must be a finite number, got {value}"
    elif kind == "value_error":
        message = str(item["msg"]).removeprefix("Value error, ")
    elif kind == "union_tag_invalid":
        expected = item.get("ctx", {}).get("expected_tags", "")
        message = f"unknown kind '{item['ctx'].get('tag')}'; expected one of {expected}"
    elif kind == "literal_error":
        message = f"{item['msg'].replace('Input should be', 'must be')}, got {value!r}"
    else:
        message = f"{item['msg']}, got {value!r}" if value is not None and not isinstance(value, dict) else item["msg"]
    return f"{location}: {message}" if location else message


def _field_path(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    previous: Any = None
    for element in loc:
        is_tag = isinstance(element, str) and element in _UNION_TAGS and (
            isinstance(previous, int) or previous in ("decision_rule", "distribution")
        )
        if isinstance(element, int):
            parts.append(f"[{element}]")
        elif not is_tag:
            parts.append(("." if parts else "") + ("from" if element == "from_" else str(element)))
        previous = element
    return "".join(parts)
