"""The Mesa agents: actors and the broker.

The numbers live in the model's state arrays, where the kernel updates every
actor at once; an agent is the named view of its row, for reporters, events
and anyone inspecting a model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa

if TYPE_CHECKING:
    from sim.model import NegotiationModel

__all__ = ["ActorAgent", "BrokerAgent"]


class ActorAgent(mesa.Agent):
    """One party to the negotiation (a state, an organisation, a bloc's member)."""

    def __init__(self, model: NegotiationModel, index: int):
        super().__init__(model)
        self.index = index
        self.actor_id = model.case.actor_ids[index]
        spec = model.case.actors[index]
        self.name = spec.name or spec.id
        self.veto = spec.veto
        self.bloc = spec.bloc

    @property
    def position(self) -> dict[str, float]:
        """Current stance on every dimension."""
        row = self.model.state.position[0, self.index]
        return dict(zip(self.model.case.dimension_ids, map(float, row)))

    @property
    def capability(self) -> float:
        return float(self.model.state.capability[0, self.index])

    def utility(self, track: int) -> float:
        """Utility of the last text it answered on ``track`` (NaN before it answered)."""
        return float(self.model.state.utility[0, track, self.index])

    def demand(self, track: int) -> float:
        """Its demand when it last answered on ``track``."""
        return float(self.model.state.demand[0, track, self.index])

    def accepts(self, track: int) -> bool:
        """Its last answer on ``track``."""
        return bool(self.model.state.accepts[0, track, self.index])

    def __repr__(self) -> str:
        return f"ActorAgent({self.actor_id!r})"


class BrokerAgent(mesa.Agent):
    """The chair who drafts texts (e.g. the Secretary General)."""

    def __init__(self, model: NegotiationModel):
        super().__init__(model)
        spec = model.case.spec.broker
        self.broker_id = spec.id
        self.name = spec.name

    @property
    def step_size(self) -> float:
        """Its revision step in this run (drawn in a Monte Carlo replicate when uncertain)."""
        return float(self.model.state.broker_step[0])

    def draft(self) -> dict[str, float]:
        """The text on the table now, on every dimension."""
        row = self.model.state.draft[0]
        return dict(zip(self.model.case.dimension_ids, map(float, row)))

    def __repr__(self) -> str:
        return f"BrokerAgent({self.broker_id!r})"
