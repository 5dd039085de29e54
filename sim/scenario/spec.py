"""The scenario schema: what a scenario file may say, validated once at load.

Every model here is frozen and rejects unknown keys. Field-level checks live
on the fields; checks that relate fields to each other (an actor's position
must lie in its dimension's range, an event must name a declared actor, ...)
live in :mod:`sim.scenario.references` so that each problem can be reported
with its own field path.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from sim.scenario.fields import Identifier, NonNegative, OpenUnitInterval, Positive, Rounds, Seed, UnitInterval

from sim.scenario.distributions import Uncertainty

__all__ = [
    "Acceptance",
    "Actor",
    "Band",
    "Bilateral",
    "Broker",
    "DecisionRule",
    "Dimension",
    "Event",
    "Evidence",
    "Forecast",
    "Membership",
    "OptIn",
    "Package",
    "QualifiedMajority",
    "ScenarioSpec",
    "Shift",
    "SimpleMajority",
    "Track",
    "Unanimity",
]





class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=False)


class Band(_Frozen):
    """One wording band: the text a statement uses from ``from_`` up to the next band."""

    from_: float = Field(alias="from")
    text: str = Field(min_length=1)


class Dimension(_Frozen):
    """An issue dimension: a range of positions and the wording each part of it maps to."""

    id: Identifier
    name: str = ""
    description: str = ""
    range: tuple[float, float]
    status_quo: float | None = None
    """What holds if nothing is agreed; required where a track can fail (every rule but ``forecast``)."""
    wording: list[Band] = Field(min_length=1)


class Evidence(_Frozen):
    """A quote that supports an actor's position: the position must lie in the band starting at ``band``.

    ``band`` is the ``from`` of the wording band whose text says what the quote says;
    validation checks that the actor's declared position on ``dimension`` lies in it.
    """

    dimension: str
    band: float
    quote: str = Field(min_length=1)
    source: str = Field(min_length=1)


class Actor(_Frozen):
    """A party to the negotiation.

    ``tactic`` is Faratin et al.'s beta (beta < 1 Boulware, beta > 1 Conceder);
    ``reservation_utility`` is the least utility the actor ever accepts, one
    number for every track or a table by track id (tracks it omits: 0.5);
    ``flexibility`` is the share of the gap to its bloc's position the actor
    closes each round (resolve is its complement); ``position_sd`` is the
    standard deviation of the actor's position per dimension for Monte Carlo.
    """

    id: Identifier
    name: str = ""
    capability: Positive
    veto: bool = False
    position: dict[str, float]
    salience: dict[str, UnitInterval]
    flexibility: UnitInterval = 0.0
    tactic: Positive = 1.0
    reservation_utility: UnitInterval | dict[str, UnitInterval] = 0.5
    bloc: Identifier | None = None
    position_sd: dict[str, NonNegative] = Field(default_factory=dict)
    evidence: list[Evidence] = Field(default_factory=list)


class Unanimity(_Frozen):
    """Every participating veto holder accepts (every participant, if none holds a veto)."""

    kind: Literal["unanimity"]


class QualifiedMajority(_Frozen):
    """A share of participants (by count or capability) of at least ``threshold`` accepts."""

    kind: Literal["qualified_majority"]
    by: Literal["count", "capability"] = "count"
    threshold: OpenUnitInterval


class SimpleMajority(_Frozen):
    """More than half of the participants (by count or capability) accept."""

    kind: Literal["simple_majority"]
    by: Literal["count", "capability"] = "count"


class OptIn(_Frozen):
    """A coalition of the willing: each participant settles its own pledge with ``counterpart``."""

    kind: Literal["opt_in"]
    counterpart: Identifier
    min_signatories: Rounds = 1


class Forecast(_Frozen):
    """No vote: the track settles when the model's own dynamics do, on the model's forecast.

    For the field's forecasting models (BDM, KTAB's SMP), which predict an
    outcome rather than let members accept or reject a text.
    """

    kind: Literal["forecast"]


DecisionRule = Annotated[
    Union[Unanimity, QualifiedMajority, SimpleMajority, OptIn, Forecast], Field(discriminator="kind")
]


class Track(_Frozen):
    """One negotiation: its dimensions, who takes part, how it decides and by when.

    ``options`` are the protocol's own parameters (see ``negsim protocols``).
    """

    id: Identifier
    name: str = ""
    description: str = ""
    dimensions: list[str] = Field(min_length=1)
    framework: list[str] = Field(default_factory=list)
    """Opt-in tracks only: dimensions of the joint framework text the signatories settle together
    (``dimensions`` are then each signatory's own pledge)."""
    participants: list[str] | None = None
    decision_rule: DecisionRule
    protocol: str | None = None
    options: dict[str, str | float | int | bool] = Field(default_factory=dict)
    deadline: Rounds | None = None


class Broker(_Frozen):
    """The chair who drafts the single negotiating text.

    ``step`` is the share of the way toward the objections the broker moves
    the draft each round; ``initial_draft`` is where the first draft sits.
    """

    id: Identifier = "chair"
    name: str = "Chair"
    initial_draft: Literal["compromise", "status_quo"] = "compromise"
    step: OpenUnitInterval = 0.3


class Acceptance(_Frozen):
    """How an actor answers a draft: deterministic threshold or logistic with a temperature."""

    rule: Literal["deterministic", "logistic"] = "deterministic"
    temperature: Positive = 0.05


class Shift(_Frozen):
    """At ``round`` (or ``when`` a condition holds), set (``to``) or move (``by``) an actor's position,
    salience or capability, or its reservation utility on ``track``.

    Every event fires at a declared ``round`` or, with ``when``, at the start of the first
    round at which the condition holds on the state after the round before
    (:mod:`sim.scenario.conditions`); give exactly one of the two.
    """

    kind: Literal["shift"]
    round: Rounds | None = None
    when: str | None = None
    actor: str
    attribute: Literal["position", "salience", "capability", "reservation_utility"]
    dimension: str | None = None
    track: str | None = None
    to: float | None = None
    by: float | None = None
    note: str = ""


class Bilateral(_Frozen):
    """At ``round``, two actors meet and each moves ``strength`` of the way to their
    capability-weighted midpoint on ``dimensions`` (all dimensions both hold if omitted)."""

    kind: Literal["bilateral"]
    round: Rounds | None = None
    when: str | None = None
    actors: tuple[str, str]
    strength: OpenUnitInterval = 0.5
    dimensions: list[str] | None = None
    note: str = ""


class Membership(_Frozen):
    """At ``round``, an actor joins or leaves a track."""

    kind: Literal["join", "leave"]
    round: Rounds | None = None
    when: str | None = None
    actor: str
    track: str
    note: str = ""


Event = Annotated[Union[Shift, Bilateral, Membership], Field(discriminator="kind")]


class Package(_Frozen):
    """Tracks negotiated as one text: nothing is agreed until everything is agreed.

    Each actor judges the whole package (salience-weighted utility over all its
    tracks' dimensions); the package closes when every member track's decision
    rule accepts it, and fails at the earliest member deadline. With ``linkage``
    the broker trades across the package's dimensions (see ``sim.protocols.package``).
    """

    id: Identifier
    name: str = ""
    tracks: list[str] = Field(min_length=2)
    linkage: bool = False
    note: str = ""


class ScenarioSpec(_Frozen):
    """A whole scenario, as written in a scenario file."""

    name: str = Field(min_length=1)
    description: str = ""
    seed: Seed = 0
    deadline: Rounds
    acceptance: Acceptance = Acceptance()
    broker: Broker = Broker()
    dimensions: list[Dimension] = Field(min_length=1)
    actors: list[Actor]
    tracks: list[Track] = Field(min_length=1)
    events: list[Event] = Field(default_factory=list)
    packages: list[Package] = Field(default_factory=list)
    uncertainties: list[Uncertainty] = Field(default_factory=list)
    """Declared distributions on the scenario's numbers, drawn per Monte Carlo replicate
    (:mod:`sim.scenario.distributions`, :mod:`sim.kernel.inputs`)."""
