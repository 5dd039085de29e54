"""The Mesa model of one negotiation run."""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from sim.agents import ActorAgent, BrokerAgent
from sim.dynamics import advance, finished
from sim.kernel.events import apply_event, describe_event, fire_conditional_events
from sim.kernel.state import initial_state, opening_positions
from sim.kernel.inputs import draw_inputs
from sim.outcome import RunOutcome, outcomes_from_state
from sim.scenario.scenario import Scenario
from sim.scenario.spec import Event
from sim.seeding import run_seed
from sim.trace import TraceCollector

__all__ = ["NegotiationModel"]


class _ScheduledEvent:
    """Holds one scenario event until the model's clock reaches it (Mesa keeps only a weak reference)."""

    def __init__(self, model: NegotiationModel, event: Event):
        self.model = model
        self.event = event

    def fire(self) -> None:
        apply_event(self.model.case, self.model.state, self.event)
        text = describe_event(self.event)
        index = self.model.case.event_index(self.event)
        drawn = int(self.model.state.event_round[0, index])
        if drawn != self.event.round:  # an uncertain round: say when it fired in this run
            text = f"round {drawn}: " + text.split(": ", 1)[1]
        self.model.event_log.append(text)


class NegotiationModel(mesa.Model):
    """One run of a scenario: actors, a broker, scheduled events and a per-round record.

    Each step is one round t:

    1. events scheduled for round t have fired (Mesa calls them at time t - 1/2);
    2. the round is played by :func:`sim.dynamics.advance` (bloc cohesion, the
       first drafts in round 1, each open track's protocol round);
    3. the DataCollector records the draft, answers and utilities (and the
       trace collector, when on, one row per actor: :mod:`sim.trace`).

    The run ends when no track is open (all agreed, or their deadlines passed).

    Parameters
    ----------
    case : Scenario
        The validated scenario.
    seed : int, optional
        Root seed; the scenario's ``seed`` if omitted.
    replicate : int, optional
        Monte Carlo replicate index. When given, the inputs are drawn from the
        scenario's declared uncertainty (:func:`sim.kernel.inputs.draw_inputs`, by
        root seed and replicate alone) and the generator is the replicate's own
        (:mod:`sim.seeding`); when omitted, the run uses the declared inputs.
    point : int, optional
        Design point of a sweep (with ``replicate``), kept as ``self.point`` for the
        record; neither the run's generator nor the inputs' draws depend on it
        (common random numbers, :mod:`sim.seeding`).
    collect : bool
        Record per-round data in ``self.datacollector`` (off for speed in a Monte Carlo).
    trace : bool, optional
        Record the per-round trace (:meth:`trace`); by default, as ``collect``.
    """

    def __init__(self, case: Scenario, *, seed: int | None = None, replicate: int | None = None,
                 point: int | None = None, collect: bool = True, trace: bool | None = None):
        self.root_seed = case.seed if seed is None else int(seed)
        self.replicate = replicate
        self.point = point
        self.run_seed = run_seed(self.root_seed, replicate)
        super().__init__(rng=self.run_seed)
        self.case = case
        inputs = draw_inputs(case, self.root_seed, [replicate]) if replicate is not None else None
        self.state = initial_state(case, inputs)
        self.opening = opening_positions(case, self.state)
        self.event_log: list[str] = []
        self.actor_agents = [ActorAgent(self, i) for i in range(len(case.actor_ids))]
        self.broker = BrokerAgent(self)
        self._scheduled = [_ScheduledEvent(self, event) for event in case.events if event.round is not None]
        for scheduled in self._scheduled:  # at the run's own round for it (drawn when uncertain)
            at = int(self.state.event_round[0, case.event_index(scheduled.event)])
            self.schedule_event(scheduled.fire, at=at - 0.5)
        self.collect = collect
        self.datacollector = mesa.DataCollector(
            model_reporters=self._model_reporters(), agent_reporters=self._agent_reporters()
        ) if collect else None
        self.tracer = TraceCollector(case, [replicate or 0]) if (collect if trace is None else trace) else None

    def _model_reporters(self) -> dict[str, Any]:
        reporters: dict[str, Any] = {"round": lambda m: m.state.round}
        for d, dim_id in enumerate(self.case.dimension_ids):
            reporters[f"draft.{dim_id}"] = lambda m, d=d: float(m.state.draft[0, d])
        for k, track in enumerate(self.case.tracks):
            reporters[f"{track.id}.accepting"] = lambda m, k=k: int(m.state.accepts[0, k].sum())
            reporters[f"{track.id}.open"] = lambda m, k=k: bool(m.state.open[0, k])
        return reporters

    def _agent_reporters(self) -> dict[str, Any]:
        reporters: dict[str, Any] = {"actor": lambda a: getattr(a, "actor_id", None)}
        for k, track in enumerate(self.case.tracks):
            reporters[f"utility.{track.id}"] = lambda a, k=k: a.utility(k) if isinstance(a, ActorAgent) else None
            reporters[f"demand.{track.id}"] = lambda a, k=k: a.demand(k) if isinstance(a, ActorAgent) else None
            reporters[f"accepts.{track.id}"] = lambda a, k=k: a.accepts(k) if isinstance(a, ActorAgent) else None
        for d, dim_id in enumerate(self.case.dimension_ids):
            reporters[f"position.{dim_id}"] = (
                lambda a, d=d: float(a.model.state.position[0, a.index, d]) if isinstance(a, ActorAgent) else None)
        return reporters

    def step(self) -> None:
        """Play one round of every open track (after firing the conditional events that now hold)."""
        active = self.state.open.any(axis=1) if self.steps > 1 else None
        fired = fire_conditional_events(self.case, self.state, active)
        self.event_log.extend(describe_event(self.case.events[e], self.steps) for e in np.flatnonzero(fired[0]))
        advance(self.case, self.state, self.steps, [self.rng], self.tracer)
        if self.datacollector is not None:
            self.datacollector.collect(self)
        if finished(self.case, self.state):
            self.running = False

    def run(self) -> RunOutcome:
        """Play rounds until every track has closed, and return the outcome."""
        while self.running:
            self.step()
        return self.outcome()

    def outcome(self, run_id: int | None = None) -> RunOutcome:
        """The run's outcome so far (call after :meth:`run`)."""
        coordinates = {
            "run_id": run_id if run_id is not None else (self.replicate or 0),
            "replicate": self.replicate,
            "seed": self.root_seed,
            "run_seed": self.run_seed,
        }
        return outcomes_from_state(self.case, self.state, self.opening, [coordinates])[0]

    def trajectory(self) -> Any:
        """Per-round model-level data as a pandas DataFrame (needs ``collect=True``)."""
        if self.datacollector is None:
            raise RuntimeError("this model was built with collect=False")
        return self.datacollector.get_model_vars_dataframe()

    def trace(self) -> Any:
        """The per-round trace as a pandas DataFrame: one row per round and actor (:mod:`sim.trace`).

        Needs the model built with ``collect=True`` or ``trace=True``.
        """
        return self.trace_table().to_pandas()

    def trace_table(self) -> Any:
        """The per-round trace as a pyarrow Table (``run_id`` is the replicate, 0 for declared inputs)."""
        if self.tracer is None:
            raise RuntimeError("this model was built without a trace (pass trace=True or collect=True)")
        return self.tracer.table()
