"""What every protocol declares and does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

import numpy as np

if TYPE_CHECKING:
    from sim.kernel.state import NegotiationState
    from sim.scenario.scenario import Scenario, TrackInfo
    from sim.scenario.spec import ScenarioSpec

__all__ = ["Protocol"]


class Protocol:
    """A way of negotiating one track, as array functions over replicates.

    Subclasses declare their metadata and implement :meth:`open` and
    :meth:`play_round`; both update the state of the open replicates in place.
    They hold no state of their own, so a protocol is the same object for
    every run.
    """

    name: ClassVar[str]
    citation: ClassVar[str]
    summary: ClassVar[str]
    stochastic: ClassVar[bool]
    """Whether the protocol draws random numbers of its own (beyond logistic acceptance)."""
    batched: ClassVar[bool] = True
    """Whether one call handles any number of replicates."""
    decision_rules: ClassVar[tuple[str, ...]]
    """Rules it supports; the first is the one it assumes when the input cannot say."""
    options: ClassVar[dict[str, tuple[object, str]]] = {}
    """Its own parameters: name -> (default, meaning), set per track under ``options``."""
    option_choices: ClassVar[dict[str, tuple[str, ...]]] = {}
    """For options taking one of a few names: the names allowed."""
    option_bounds: ClassVar[dict[str, tuple[float | None, float | None]]] = {}
    """For numeric options: the closed interval (low, high) allowed; None for no bound."""

    @classmethod
    def option(cls, track: "TrackInfo", name: str) -> object:
        """The track's value of one of this protocol's options (its default if unset)."""
        return track.options.get(name, cls.options[name][0])

    @classmethod
    def check(cls, spec: "ScenarioSpec", index: int) -> list[tuple[str, str]]:
        """Numbers in the scenario this protocol refuses for track ``spec.tracks[index]``.

        Called by the scenario's validation once its fields and references are
        valid; returns ``(field path, reason)`` pairs, as the validation reports
        them (empty when the protocol can play the track). Only what is
        specific to the protocol belongs here: every protocol plays zero
        saliences, tied positions and a dimension nobody cares about without a
        NaN (each documents the value it then gives), so by default nothing is
        refused.
        """
        return []

    @classmethod
    def is_stochastic(cls, track: "TrackInfo") -> bool:
        """Whether this track, with its options, draws random numbers of its own."""
        return cls.stochastic

    @classmethod
    def trace(cls, scenario: "Scenario", track: "TrackInfo", state: "NegotiationState") -> dict[str, np.ndarray]:
        """The protocol's own per-actor quantities after the round just played, for the trace.

        Called after every round for every track (open or just closed). Returns
        columns named ``"<protocol>.<quantity>"`` (with ``".<dimension id>"``
        appended for per-dimension quantities), each an array ``(R, A)``: float
        (NaN where not defined, e.g. for non-participants) or str (``""`` where
        not defined; e.g. the id of the actor whose offer was taken). The generic
        quantities (position, demand, answer, utility, the draft) are traced for
        every protocol by :mod:`sim.trace`; this adds what only this protocol has.
        """
        return {}

    @staticmethod
    def open(scenario: Scenario, track: TrackInfo, state: NegotiationState) -> None:
        """Put the first text on the table before round 1 (by default there is none yet)."""
        state.draft[:, track.dims] = np.nan

    @staticmethod
    def play_round(scenario: Scenario, track: TrackInfo, state: NegotiationState, round_: int,
                   rngs: Sequence[np.random.Generator]) -> None:
        """Play round ``round_`` of ``track`` for every replicate where it is still open."""
        raise NotImplementedError
