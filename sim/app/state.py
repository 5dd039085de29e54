"""The app's state: the scenario file's data, the user's changes, and the scenario they make.

An :class:`AppState` is immutable: each change gives a new state. Its scenario is
built as ``negsim run --set`` builds one (:func:`sim.cli.run.override`): the numbers
changed are set aside from the declared uncertainty (:func:`sim.scenario.uncertainties.set_aside`)
so they take the value given, not a draw, then set by path
(:func:`sim.experiment.paths.apply`) and the whole validated
(:func:`sim.scenario.scenario_from_dict`). A protocol or a veto is set on its record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import tomli_w

from sim.app.inputs import Input, by_path, editable_inputs
from sim.errors import InputError
from sim.scenario import Scenario, scenario_from_dict

__all__ = ["AppState"]


@dataclass(frozen=True)
class AppState:
    """A scenario file and the changes made to it in the app.

    Attributes
    ----------
    base : Scenario
        The scenario as the file gives it.
    changes : dict
        Path -> value for every input whose value differs from the file's.
    """

    base: Scenario
    changes: dict[str, Any] = field(default_factory=dict)
    catalogue: dict[str, Input] | None = field(default=None, compare=False, repr=False)
    """The inputs by path, derived once from ``base`` and handed on to every later state."""

    def __post_init__(self) -> None:
        if self.catalogue is None:
            object.__setattr__(self, "catalogue", by_path(editable_inputs(self.base)))

    @property
    def inputs(self) -> list[Input]:
        """Every editable input (:func:`sim.app.inputs.editable_inputs`)."""
        return list(self.catalogue.values())

    def input(self, path: str) -> Input:
        """The input at ``path``; :class:`KeyError` if there is none."""
        found = self.catalogue.get(path)
        if found is None:
            raise KeyError(f"no input '{path}'")
        return found

    def value(self, path: str) -> Any:
        """The input's current value (the change, or the file's)."""
        return self.changes.get(path, self.input(path).value)

    def changed(self, path: str) -> bool:
        """Whether the input differs from the file."""
        return path in self.changes

    @property
    def change_count(self) -> int:
        return len(self.changes)

    def set(self, path: str, value: Any) -> AppState:
        """The state with ``path`` set to ``value``.

        A value equal to the file's removes the change.

        Raises
        ------
        KeyError
            No input has this path.
        ValueError
            The value lies outside the input's range or choices (the message says which).
        """
        item = self.input(path)
        value = item.check(value)
        changes = dict(self.changes)
        if value == item.value:
            changes.pop(path, None)
        else:
            changes[path] = value
        return AppState(self.base, changes, self.catalogue)

    def reset(self, path: str | None = None) -> AppState:
        """The state with one input (or, without ``path``, every input) back at the file's value."""
        if path is None:
            return AppState(self.base, {}, self.catalogue)
        changes = dict(self.changes)
        changes.pop(path, None)
        return AppState(self.base, changes, self.catalogue)

    def data(self) -> dict[str, Any]:
        """The edited scenario as plain data (a scenario file's contents)."""
        from sim.experiment.paths import apply, concrete_paths
        from sim.scenario.uncertainties import set_aside

        data = self.base.spec.model_dump(mode="json", by_alias=True)
        numbers = {p: v for p, v in self.changes.items() if self.input(p).kind == "number"}
        fixed = {number for path in numbers for number, _ in concrete_paths(data, path)}
        data, _ = set_aside(data, fixed)  # a number set here is not drawn, as with --set
        data = apply(data, numbers)
        actors = {a["id"]: a for a in data["actors"]}
        tracks = {t["id"]: t for t in data["tracks"]}
        for path, value in self.changes.items():
            parts = path.split(".")
            if parts[0] == "tracks" and parts[-1] == "protocol":
                track = tracks[parts[1]]
                if track.get("protocol") != value:
                    track["options"] = {}  # options belong to the protocol the file named
                track["protocol"] = value
            elif parts[0] == "actors" and parts[-1] == "veto":
                actors[parts[1]]["veto"] = value
            elif parts[0] == "actors" and parts[2] == "position":
                actor = actors[parts[1]]  # a quote cannot support a position the user moved
                actor["evidence"] = [e for e in actor.get("evidence", []) if e["dimension"] != parts[3]]
        return data

    def scenario(self) -> Scenario:
        """The edited scenario, validated.

        Raises
        ------
        InputError
            The changes make an invalid scenario (one line per problem, in ``.problems``).
        """
        if not self.changes:
            return self.base
        return scenario_from_dict(self.data(), source=f"{self.base.name} as edited")

    def problems(self) -> list[str]:
        """Why the edited scenario is invalid, one line per problem; empty if it is valid."""
        try:
            self.scenario()
        except InputError as error:
            return list(error.problems)
        return []

    def to_toml(self, seed: int | None = None) -> str:
        """The edited scenario as a scenario file's TOML text (loads back to the same scenario).

        ``seed``: the root seed the page's Monte Carlo used (``negsim app --seed``), written as the
        file's ``seed`` so that ``negsim run FILE --runs N`` reproduces what the page showed.

        Raises
        ------
        InputError
            As :meth:`scenario`.
        """
        scenario = self.scenario()
        data = scenario.spec.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        lines = [f"# Scenario '{_comment(scenario.name)}' as edited in `negsim app`: "
                 f"{self.change_count} change(s) from the file."]
        if seed is not None and seed != scenario.seed:
            lines.append(f"#   seed = {seed}, the seed the page ran with (file: {scenario.seed})")
            data["seed"] = seed
        lines += [f"#   {_comment(path)} = {_comment(repr(value))} (file: {_comment(repr(self.input(path).value))})"
                  for path, value in self.changes.items()]
        return "\n".join(lines) + "\n\n" + tomli_w.dumps(data)


def _comment(text: str) -> str:
    """``text`` safe for a one-line TOML comment."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in str(text))
