"""One run, round by round: the Mesa model stepped from the page (play, pause, step, reset).

A :class:`Stepper` holds one :class:`sim.model.NegotiationModel` of the edited scenario,
with the declared inputs (no draws) and the given seed, as ``negsim run SCENARIO --seed S``
runs it. After each step it gives the draft and each actor's answer per round (from the
model's trace, :mod:`sim.trace`), the events fired so far, and, once every track has
closed, the run's text (:func:`sim.text.format_run`).
"""

from __future__ import annotations

from typing import Any

from sim.model import NegotiationModel
from sim.scenario import Scenario

__all__ = ["Stepper"]


class Stepper:
    """One Mesa run of ``scenario``, stepped on demand.

    Parameters
    ----------
    scenario : Scenario
    seed : int, optional
        Root seed (the scenario's if omitted).
    """

    def __init__(self, scenario: Scenario, seed: int | None = None) -> None:
        self.scenario = scenario
        self.seed = seed
        self.model = NegotiationModel(scenario, seed=seed, collect=True)

    @property
    def round(self) -> int:
        """Rounds played so far."""
        return self.model.steps

    @property
    def running(self) -> bool:
        """Whether some track is still open (and the deadline not passed)."""
        return bool(self.model.running)

    def step(self) -> bool:
        """Play one round if the run is not over; return whether it still runs."""
        if self.model.running:
            self.model.step()
        return self.running

    def reset(self) -> Stepper:
        """A fresh run of the same scenario and seed."""
        return Stepper(self.scenario, self.seed)

    def events(self) -> list[str]:
        """The events fired so far, in order, as the run's text describes them."""
        return list(self.model.event_log)

    def rounds(self) -> list[dict[str, Any]]:
        """Per round played: ``round``, ``draft`` (dimension -> value) and ``answers``
        (track -> actor -> True accepts / False rejects, participants only)."""
        if self.round == 0:
            return []
        frame = self.model.trace()
        dims = list(self.scenario.dimension_ids)
        rows = []
        for number, group in frame.groupby("round", sort=True):
            first = group.iloc[0]
            answers = {}
            for track in self.scenario.tracks:
                taking = group[group[f"{track.id}.participates"].astype(bool)]
                answers[track.id] = {str(a): bool(v) for a, v in zip(taking["actor"], taking[f"{track.id}.accepts"])}
            rows.append({"round": int(number), "draft": {d: float(first[f"draft.{d}"]) for d in dims},
                         "answers": answers})
        return rows

    def text(self) -> str | None:
        """The finished run's text (:func:`sim.text.format_run`); None while it still runs."""
        if self.running:
            return None
        from sim.text import format_run

        return format_run(self.scenario, self.model.outcome(), self.model.event_log)
