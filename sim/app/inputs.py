"""The inputs a user can edit in the app, derived from a scenario.

Each :class:`Input` names one value by its path in the experiment path syntax
(:mod:`sim.experiment.paths`, as ``negsim run --set`` takes it), with its label, its
kind (``number``, ``choice`` or ``bool``), its valid range or choices (from the
schema) and the value the file gives it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sim.scenario.scenario import Scenario

__all__ = ["Input", "editable_inputs", "protocol_choices"]

TACTIC_RANGE = (0.05, 5.0)
"""Faratin's beta is any number > 0; the app offers this span (wider if the file's value lies beyond)."""
def _max_deadline() -> int:
    """The largest deadline a scenario may have (:data:`sim.limits.MAX_ROUNDS`)."""
    from sim.limits import MAX_ROUNDS

    return MAX_ROUNDS


@dataclass(frozen=True)
class Input:
    """One editable value.

    Attributes
    ----------
    path : str
        Its path: ``actors.germany.position.membership_timing``, ``broker.step``,
        ``tracks.consensus.protocol`` (a choice), ``actors.usa.veto`` (a bool).
    label : str
        What the page calls it.
    group : str
        The panel it appears in: ``"Negotiation"``, ``"Track ID"`` or ``"Actor ID"``.
    kind : str
        ``"number"``, ``"choice"`` or ``"bool"``.
    value : Any
        The value the file gives it.
    low, high, step : float, optional
        A number's valid range (inclusive unless ``open_low``/``open_high``) and its step.
    whole : bool
        A whole number (rounds).
    choices : tuple of str
        A choice's options.
    """

    path: str
    label: str
    group: str
    kind: str
    value: Any
    low: float | None = None
    high: float | None = None
    step: float | None = None
    whole: bool = False
    open_low: bool = False
    open_high: bool = False
    choices: tuple[str, ...] = ()

    def check(self, value: Any) -> Any:
        """``value`` as this input holds it, or :class:`ValueError` with a one-line reason.

        Numbers are checked against the range, choices against the options.
        """
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(f"{self.path}: must be true or false, got {value!r}")
            return value
        if self.kind == "choice":
            if value not in self.choices:
                raise ValueError(f"{self.path}: must be one of {', '.join(self.choices)}, got {value!r}")
            return value
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{self.path}: must be a number, got {value!r}") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(f"{self.path}: must be a finite number, got {value!r}")
        if self.whole:
            if number != int(number):
                raise ValueError(f"{self.path}: must be a whole number, got {value!r}")
            number = int(number)
        too_low = number <= self.low if self.open_low else number < self.low
        too_high = number >= self.high if self.open_high else number > self.high
        if too_low or too_high:
            raise ValueError(f"{self.path}: must be in {self.interval()}, got {_show(number)}")
        return number

    def interval(self) -> str:
        """The valid range as text: ``[0, 100]``, ``(0, 1)``."""
        return (f"{'(' if self.open_low else '['}{_show(self.low)}, {_show(self.high)}"
                f"{')' if self.open_high else ']'}")


def _show(number: float) -> str:
    return f"{number:g}"


def protocol_choices() -> tuple[str, ...]:
    """Every registered protocol (:mod:`sim.protocols.registry`)."""
    from sim.protocols import registry

    return tuple(registry.names())


def editable_inputs(scenario: Scenario) -> list[Input]:
    """Every input the app offers for ``scenario``, grouped: the negotiation, each track, each actor.

    Positions take their dimension's range; salience and reservation utilities [0, 1];
    the broker's step (0, 1); tactics a span of Faratin's beta; deadlines whole rounds;
    protocols the registry's names. A reservation utility is one input when the file gives
    one number, one per track when it gives a table (tracks it leaves out keep 0.5).
    """
    from sim.protocols import registry

    data = scenario.spec.model_dump(mode="json", by_alias=True)
    ranges = {d["id"]: tuple(d["range"]) for d in data["dimensions"]}
    top = _max_deadline()
    inputs = [
        Input("deadline", "deadline (rounds)", "Negotiation", "number", data["deadline"],
              1, top, 1, whole=True),
        Input("broker.step", "broker's step", "Negotiation", "number", data["broker"]["step"],
              0.0, 1.0, 0.01, open_low=True),
    ]
    protocols = protocol_choices()
    for track in data["tracks"]:
        group = f"Track {track['id']}"
        kind = track["decision_rule"]["kind"]
        protocol = track["protocol"] or registry.default_protocol_for(kind)
        inputs.append(Input(f"tracks.{track['id']}.protocol", "protocol", group, "choice", protocol,
                            choices=protocols))
        if track.get("deadline") is not None:
            inputs.append(Input(f"tracks.{track['id']}.deadline", "deadline (rounds)", group, "number",
                                track["deadline"], 1, top, 1, whole=True))
    for actor in data["actors"]:
        group = f"Actor {actor['id']}"
        base = f"actors.{actor['id']}"
        for dim, value in actor["position"].items():
            low, high = ranges[dim]
            inputs.append(Input(f"{base}.position.{dim}", f"position: {dim}", group, "number", value,
                                low, high, _step(high - low)))
        for dim, value in actor["salience"].items():
            inputs.append(Input(f"{base}.salience.{dim}", f"salience: {dim}", group, "number", value,
                                0.0, 1.0, 0.01))
        reservation = actor["reservation_utility"]
        if isinstance(reservation, dict):
            for track_id, value in reservation.items():
                inputs.append(Input(f"{base}.reservation_utility.{track_id}",
                                    f"reservation utility: {track_id}", group,
                                    "number", value, 0.0, 1.0, 0.01))
        else:
            inputs.append(Input(f"{base}.reservation_utility", "reservation utility", group, "number",
                                reservation, 0.0, 1.0, 0.01))
        low, high = TACTIC_RANGE
        inputs.append(Input(f"{base}.tactic", "tactic (beta: <1 holds out)",
                            group, "number", actor["tactic"], min(low, actor["tactic"]),
                            max(high, actor["tactic"]), 0.05, open_low=False))
        inputs.append(Input(f"{base}.veto", "veto", group, "bool", bool(actor["veto"])))
    return inputs


def _step(width: float) -> float:
    """A slider step near a hundredth of ``width``: 1 for 0-100, 0.1 for 0-10."""
    import math

    return 10.0 ** math.floor(math.log10(width / 100)) if width > 0 else 1.0


def by_path(inputs: list[Input]) -> dict[str, Input]:
    """The inputs keyed by path."""
    return {item.path: item for item in inputs}
