"""Reading scenario files: TOML or YAML in, a validated, frozen :class:`Scenario` out.

The loader never simulates; the model never reads files.
"""

from __future__ import annotations

import difflib
import math
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.errors import InputError
from sim.files import display_path, input_file, one_line, read_data_file
from sim.scenario.bounds import check_limits
from sim.scenario.csv_formats import read_csv_scenario
from sim.scenario.references import check_references
from sim.scenario.scenario import Scenario
from sim.scenario.spec import ScenarioSpec

__all__ = ["describe_validation_error", "describe_validation_errors", "load_scenario", "scenario_from_dict"]

MAX_PROBLEMS = 50
"""Schema problems listed for one file; the rest are counted."""

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
    source = display_path(path)
    path = input_file(path)
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
        raise InputError(source, [one_line(line) for line in describe_validation_errors(error, ScenarioSpec)]) \
            from None
    problems = list(check_limits(spec)) or check_references(spec, evidence=evidence)
    if problems:
        lines = [one_line(f"{field}: {message}") for field, message in problems]
        if len(lines) > MAX_PROBLEMS:
            lines = lines[:MAX_PROBLEMS] + [f"... and {len(lines) - MAX_PROBLEMS:,} more problems"]
        raise InputError(source, lines)
    return Scenario(spec)



def _parse(path: Path) -> Any:
    if path.suffix.lower() == ".csv":
        return read_csv_scenario(path)
    return read_data_file(path, accepted=".toml, .yaml, .yml or .csv")[0]


def describe_validation_errors(error: ValidationError, model: type[BaseModel] | None = None) -> list[str]:
    """One line per pydantic error (:func:`describe_validation_error`), at most :data:`MAX_PROBLEMS`."""
    items = error.errors()
    lines = [describe_validation_error(item, model) for item in items[:MAX_PROBLEMS]]
    if len(items) > MAX_PROBLEMS:
        lines.append(f"... and {len(items) - MAX_PROBLEMS:,} more problems")
    return lines


def describe_validation_error(item: dict[str, Any], model: type[BaseModel] | None = None) -> str:
    """One line for one pydantic error: ``field.path: message``.

    ``model``: the schema validated against (e.g. ``ScenarioSpec``, ``ExperimentSpec``); an
    unknown field's message then names the schema and the nearest known field ("did you mean
    'salience'?").
    """
    location = _field_path(item["loc"])
    kind = item["type"]
    value = item.get("input")
    if isinstance(value, str) and len(value) > 60:
        value = f"{value[:40]}... ({len(value):,} characters)"
    if kind == "extra_forbidden":
        schema = model.__name__.removesuffix("Spec").lower() if model is not None else "scenario"
        message = f"unknown field (not part of the {schema} schema)" + _suggestion(model, item["loc"])
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


def _suggestion(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> str:
    """``"; did you mean 'X'?"`` for an unknown key at ``loc`` of ``model``, or ``""``."""
    if model is None or not loc or not isinstance(loc[-1], str):
        return ""
    where: Any = model
    for element in loc[:-1]:
        where = _step(where, element)
        if where is None:
            return ""
    where = _unwrap(where)
    if not (isinstance(where, type) and issubclass(where, BaseModel)):
        return ""
    names = [field.alias or name for name, field in where.model_fields.items()]
    close = difflib.get_close_matches(loc[-1], names, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _step(annotation: Any, element: Any) -> Any:
    """The type found at ``element`` (a field name, list index or union tag) inside ``annotation``."""
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        members = [_unwrap(a) for a in typing.get_args(annotation) if a is not type(None)]
        for member in members:  # a discriminated union's tag
            if isinstance(member, type) and issubclass(member, BaseModel) and "kind" in member.model_fields:
                if element in typing.get_args(member.model_fields["kind"].annotation):
                    return member
        for member in members:
            found = _step(member, element)
            if found is not None:
                return found
        return None
    if origin in (list, tuple) and isinstance(element, int):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        return args[min(element, len(args) - 1)] if args else None
    if origin is dict and isinstance(element, str):
        return typing.get_args(annotation)[1]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(element, str):
        for name, field in annotation.model_fields.items():
            if element in (name, field.alias):
                return field.annotation
    return None
