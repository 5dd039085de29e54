"""Reading an experiment file: everything is checked before any run starts."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from sim.errors import InputError
from sim.files import read_data_file
from sim.experiment.designs import DesignError, DesignPoints, design_points
from sim.experiment.paths import PathError, apply, current_values
from sim.experiment.spec import ExperimentSpec, Parameter
from sim.scenario import Scenario, load_scenario, scenario_from_dict
from sim.scenario.load import describe_validation_error

__all__ = ["Experiment", "experiment_from_dict", "load_experiment"]


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: its declaration, base scenario and design points.

    Attributes
    ----------
    base_data : dict
        The base scenario as plain data (every track's deadline filled in), to which
        each design point's values are applied.
    text : str
        The experiment file's contents, kept in the sweep's manifest.
    """

    spec: ExperimentSpec
    source: str
    text: str
    scenario_path: str
    scenario: Scenario
    base_data: dict[str, Any] = field(repr=False)
    points: DesignPoints = field(repr=False)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def replicates(self) -> int:
        return self.spec.replicates

    @property
    def total_runs(self) -> int:
        return self.points.count * self.spec.replicates

    @cached_property
    def digest(self) -> str:
        """Identifies the experiment and its base scenario: a resumed sweep must match it."""
        return hashlib.sha256((self.text + "\n" + self.scenario.digest).encode()).hexdigest()

    def point_values(self, point: int) -> dict[str, float]:
        return dict(zip(self.points.names, map(float, self.points.values[point])))

    def point_scenario(self, point: int) -> Scenario:
        """The scenario at one design point."""
        data = apply(self.base_data, self.point_values(point))
        return scenario_from_dict(data, source=f"{self.source} design point {point}")


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file (its scenario path is relative to the file).

    Raises
    ------
    InputError
        One message per problem: schema errors with their field path, a missing or
        invalid scenario, unknown parameter paths (with the nearest valid name),
        values the scenario cannot take, an empty design, a sample count the
        sampler rejects.
    """
    path = Path(path)
    data, text = read_data_file(path)
    return experiment_from_dict(data, source=str(path), text=text, base_dir=path.parent)


def _scenario_data(scenario: Scenario) -> dict[str, Any]:
    data = scenario.spec.model_dump(mode="json", by_alias=True)
    for track in data["tracks"]:
        if track.get("deadline") is None:
            track["deadline"] = data["deadline"]
    return data


def _check_parameter(index: int, parameter: Parameter, base: dict[str, Any], source: str) -> list[str]:
    where = f"parameters[{index}] ({parameter.path})"
    try:
        current_values(base, parameter.path)
    except PathError as error:
        return [f"parameters[{index}].path: {error}"]
    trial = parameter.values if parameter.values is not None else list(parameter.range)
    problems = []
    for value in trial:
        try:
            scenario_from_dict(apply(base, {parameter.path: value}), source=source)
        except InputError as error:
            problems.append(f"{where}: the scenario cannot take {value:g}: {error.problems[0]}")
        except PathError as error:
            problems.append(f"{where}: {error}")
    return problems


def experiment_from_dict(data: Any, *, source: str = "<experiment>", text: str = "",
                         base_dir: Path | None = None) -> Experiment:
    """Validate an experiment given as plain data."""
    if not isinstance(data, dict):
        raise InputError(source, ["the file must hold a table of experiment fields at its top level"])
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as error:
        raise InputError(source, [describe_validation_error(item) for item in error.errors()]) from None
    scenario_path = Path(spec.scenario)
    if not scenario_path.is_absolute() and base_dir is not None:
        scenario_path = base_dir / scenario_path
    try:
        scenario = load_scenario(scenario_path)
    except InputError as error:
        raise InputError(source, [f"scenario: {line}" for line in error.lines()]) from None
    base = _scenario_data(scenario)
    problems = []
    names = [p.path for p in spec.parameters]
    for index, name in enumerate(names):
        if names.index(name) != index:
            problems.append(f"parameters[{index}].path: '{name}' is varied twice")
    for index, parameter in enumerate(spec.parameters):
        problems.extend(_check_parameter(index, parameter, base, str(scenario_path)))
    if problems:
        raise InputError(source, problems)
    try:
        points = design_points(spec.design, spec.parameters, spec.seed)
    except DesignError as error:
        raise InputError(source, [f"design: {error}"]) from None
    if not np.all(np.isfinite(points.values)):
        raise InputError(source, ["design: some points are not finite numbers"])
    return Experiment(spec, source, text or repr(data), str(scenario_path), scenario, base, points)
