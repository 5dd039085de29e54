"""Reading an experiment file: everything is checked before any run starts."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import InputError
from sim.files import read_data_file
from sim.experiment.designs import DesignError, DesignPoints, design_points
from sim.experiment.paths import PathError, apply, concrete_paths, current_values
from sim.experiment.spec import ExperimentSpec, Parameter
from sim.scenario.distributions import Uncertainty
from sim.scenario.uncertainties import resolve, set_aside
from sim.scenario import Scenario, load_scenario, scenario_from_dict
from sim.scenario.load import describe_validation_errors

__all__ = ["Experiment", "experiment_from_dict", "load_experiment"]


@dataclass(frozen=True)
class Experiment:
    """A validated experiment: its declaration, base scenario and design points.

    Attributes
    ----------
    base_data : dict
        The base scenario as plain data (every track's deadline filled in; no declared
        uncertainty on the levers' numbers; the experiment's uncertainties merged into the
        scenario's), to which each design point's lever values are applied.
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
        return dict(zip(self.points.names, map(float, self.points.row(point))))

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


def _merge_uncertainties(base: dict[str, Any], spec: ExperimentSpec) -> tuple[dict[str, Any], list[str]]:
    """The base scenario with the experiment's uncertainties merged in, and their problems.

    A lever fixes the numbers it names at each design point, so the scenario's own
    uncertainty on them is set aside (:func:`sim.scenario.uncertainties.set_aside`). An
    experiment's entry then replaces the scenario's entry with the same path and adds
    to the others. Problems name the experiment's own entries (``uncertainties[2]...``)
    or, for a clash with one of the scenario's, ``scenario: uncertainties[5]...``.
    """
    fixed: set[str] = set()
    for lever in spec.levers:
        try:
            fixed.update(path for path, _ in concrete_paths(base, lever.path))
        except PathError:
            pass  # reported with the levers
    base, origin = set_aside(base, fixed)
    if not spec.uncertainties:
        return base, []
    own = [entry.model_dump(mode="json", exclude_none=True) for entry in spec.uncertainties]
    replaced = {entry["path"] for entry in own}
    kept = [(index, entry) for index, entry in zip(origin, base.get("uncertainties", []))
            if entry["path"] not in replaced]
    merged = [entry for _, entry in kept] + own
    _, found = resolve(base, [Uncertainty.model_validate(entry) for entry in merged])
    base["uncertainties"] = merged

    def where(match: re.Match) -> str:
        index = int(match.group(1))
        return f"scenario: uncertainties[{kept[index][0]}]" if index < len(kept) else \
            f"uncertainties[{index - len(kept)}]"

    return base, [re.sub(r"^uncertainties\[(\d+)\]", where, field) + f": {message}" for field, message in found]


def _check_parameter(index: int, parameter: Parameter, base: dict[str, Any], source: str,
                     key: str = "levers") -> list[str]:
    where = f"{key}[{index}] ({parameter.path})"
    try:
        current_values(base, parameter.path)
    except PathError as error:
        return [f"{key}[{index}].path: {error}"]
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
    key = "parameters" if "parameters" in data and "levers" not in data else "levers"  # as the file names them
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as error:
        lines = describe_validation_errors(error, ExperimentSpec)
        raise InputError(source, [key + line.removeprefix("levers") if line.startswith("levers") else line
                                  for line in lines]) from None
    scenario_path = Path(spec.scenario)
    if not scenario_path.is_absolute() and base_dir is not None:
        scenario_path = base_dir / scenario_path
    try:
        scenario = load_scenario(scenario_path)
    except InputError as error:
        raise InputError(source, [f"scenario: {line}" for line in error.lines()]) from None
    base = _scenario_data(scenario)
    base, problems = _merge_uncertainties(base, spec)
    names = [p.path for p in spec.levers]
    for index, name in enumerate(names):
        if names.index(name) != index:
            problems.append(f"{key}[{index}].path: '{name}' is varied twice")
    if not problems:
        for index, parameter in enumerate(spec.levers):
            problems.extend(_check_parameter(index, parameter, base, str(scenario_path), key))
    if problems:
        raise InputError(source, problems)
    try:
        points = design_points(spec.design, spec.parameters, spec.seed)
    except DesignError as error:
        raise InputError(source, [f"design: {error}"]) from None
    return Experiment(spec, source, text or repr(data), str(scenario_path), scenario, base, points)
