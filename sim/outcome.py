"""What a run ends with: per-track outcomes and a flat record with its coordinates."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.kernel import decision, utility
from sim.kernel.state import NegotiationState
from sim.scenario.scenario import Scenario, TrackInfo

__all__ = ["RunOutcome", "TrackOutcome", "outcomes_from_state", "statement_bands", "track_arrays"]


def _number(value: float) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


@dataclass(frozen=True)
class TrackOutcome:
    """How one track ended.

    Attributes
    ----------
    statement : dict
        The agreed value on each of the track's dimensions (for an opt-in track, the
        signatories' capability-weighted mean pledge, and on its framework dimensions
        the framework text); NaN where nothing was agreed.
    last_draft : dict
        The text on the table when the track closed.
    utility : dict
        Each participant's utility of what it ends with: the statement, its own
        pledge on an opt-in track, or the status quo where it has no agreement.
    concession : dict
        How far the statement (or its pledge) lies from the actor's opening
        position: salience-weighted, range-normalised distance in [0, 1]; NaN
        where it agreed to nothing.
    accepted : list
        Who accepted the last text (signatories on an opt-in track).
    blockers : list
        Veto holders still rejecting when a collective track failed.
    """

    track: str
    rule: str
    protocol: str
    agreed: bool
    round: int | None
    statement: dict[str, float]
    last_draft: dict[str, float]
    utility: dict[str, float]
    concession: dict[str, float]
    accepted: list[str]
    blockers: list[str]
    signatories: list[str] = field(default_factory=list)
    pledges: dict[str, dict[str, float]] = field(default_factory=dict)
    forecast: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    """Forecast tracks only: per forecast (``median``, ``mean``, ``model``; see
    :mod:`sim.protocols.forecasting`) and dimension, its value in rounds 0 (before
    round 1) to the last played. ``agreed`` then means the model settled, and
    ``statement`` is the model's forecast at the end, settled or not."""
    band: dict[str, int | None] = field(default_factory=dict)
    """Per dimension of ``statement``: the index of the wording band the statement falls in,
    with this run's band edges (drawn when uncertain); None where there is no statement."""

    @property
    def is_forecast(self) -> bool:
        return self.rule == "forecast"

    def wording(self, scenario: Scenario, dimension_id: str, value: float) -> str:
        """The statement's wording with this run's band edges (``band``), else the declared ones."""
        band = self.band.get(dimension_id) if self.agreed or self.is_forecast else None
        if band is None:
            return scenario.wording(dimension_id, value)
        return scenario.dimensions[scenario.dimension_index[dimension_id]].wording[band].text

    def to_dict(self, scenario: Scenario) -> dict[str, Any]:
        shown = self.statement if self.agreed or self.is_forecast else {
            d: scenario.status_quo[scenario.dimension_index[d]] for d in self.statement}
        forecast = {}
        if self.is_forecast:
            forecast = {"forecast": {
                "settled": self.agreed,
                "settled_round": self.round,
                "final": {name: {d: _number(v[-1]) for d, v in per_dim.items()} for name, per_dim in self.forecast.items()},
                "per_round": {name: {d: [_number(x) for x in v] for d, v in per_dim.items()}
                              for name, per_dim in self.forecast.items()},
            }}
        return forecast | {
            "track": self.track,
            "rule": self.rule,
            "protocol": self.protocol,
            "agreed": self.agreed,
            "round": self.round,
            "statement": {d: _number(v) for d, v in self.statement.items()},
            "wording": {d: self.wording(scenario, d, v) for d, v in shown.items()},
            "last_draft": {d: _number(v) for d, v in self.last_draft.items()},
            "utility": {a: _number(v) for a, v in self.utility.items()},
            "concession": {a: _number(v) for a, v in self.concession.items()},
            "accepted": self.accepted,
            "blockers": self.blockers,
            "signatories": self.signatories,
            "pledges": {a: {d: _number(v) for d, v in p.items()} for a, p in self.pledges.items()},
        }


@dataclass(frozen=True)
class RunOutcome:
    """One run's outcome, with the coordinates that recreate it."""

    scenario: str
    run_id: int
    replicate: int | None
    seed: int
    run_seed: int
    rounds: int
    tracks: tuple[TrackOutcome, ...]

    @property
    def agreed(self) -> bool:
        """Whether every track reached agreement."""
        return all(track.agreed for track in self.tracks)

    def track(self, track_id: str) -> TrackOutcome:
        return next(t for t in self.tracks if t.track == track_id)

    def _coordinates(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "replicate": self.replicate, "seed": self.seed,
                "run_seed": self.run_seed, "agreed": self.agreed, "rounds": self.rounds}

    def to_dict(self, scenario: Scenario) -> dict[str, Any]:
        """Nested, JSON-ready form."""
        return {"scenario": self.scenario, **self._coordinates(),
                "tracks": [track.to_dict(scenario) for track in self.tracks]}

    def to_record(self) -> dict[str, Any]:
        """One flat row: coordinates, then outcome columns (see README, 'Output files')."""
        row = self._coordinates()
        for t in self.tracks:
            row[f"{t.track}.agreed"] = t.agreed
            row[f"{t.track}.round"] = t.round
            row[f"{t.track}.blockers"] = list(t.blockers)
            row[f"{t.track}.signatories"] = list(t.signatories)
        for t in self.tracks:
            for d, v in t.statement.items():
                row[f"statement.{d}"] = v
        for t in self.tracks:
            for d, v in t.band.items():
                row[f"band.{d}"] = v
        for t in self.tracks:
            for name in ("median", "mean"):
                for d, v in t.forecast.get(name, {}).items():
                    row[f"forecast.{name}.{d}"] = v[-1]
        for kind in ("utility", "concession"):
            for t in self.tracks:
                for a, v in getattr(t, kind).items():
                    row[f"{kind}.{t.track}.{a}"] = v
        for t in self.tracks:
            for a, pledge in t.pledges.items():
                for d, v in pledge.items():
                    row[f"pledge.{a}.{d}"] = v
        return row


def outcomes_from_state(scenario: Scenario, state: NegotiationState, opening: np.ndarray,
                        coordinates: list[dict[str, Any]]) -> list[RunOutcome]:
    """Read the outcome of each replicate off a finished state.

    Parameters
    ----------
    opening : array (R, A, D), or (1, A, D) shared by every replicate
        Positions before round 1, for concessions.
    coordinates : list of dict
        Per replicate: ``run_id``, ``replicate``, ``seed``, ``run_seed``.
    """
    per_track = [track_arrays(scenario, track, state, opening) for track in scenario.tracks]
    played = state.rounds_played
    outcomes = []
    for r, where in enumerate(coordinates):
        tracks = tuple(_track_outcome(scenario, track, arrays, r)
                       for track, arrays in zip(scenario.tracks, per_track))
        outcomes.append(RunOutcome(scenario=scenario.name, rounds=int(played[r]), tracks=tracks, **where))
    return outcomes


def track_arrays(scenario: Scenario, track: TrackInfo, state: NegotiationState,
                  opening: np.ndarray) -> dict[str, np.ndarray]:
    """A track's outcome for every replicate as arrays (the one definition both record forms use)."""
    k, dims, width = track.index, track.dims, scenario.width[track.dims]
    agreed = state.agreed_round[:, k] > 0
    members = state.participating[:, k, :]
    status_quo = state.status_quo[:, dims]

    def value_of(points: np.ndarray) -> np.ndarray:  # utility to each actor now, (R, A)
        return 1.0 - utility.salience_distance(points, state.position, state.salience, width, dims)

    def moved_from_opening(points: np.ndarray) -> np.ndarray:  # distance from its opening ideal, (R, A)
        return utility.salience_distance(points, opening, state.opening_salience, width, dims)

    if track.rule_kind == "opt_in":
        signed = state.signed[:, k, :]
        pledge = state.pledge[:, :, dims]
        value = value_of(np.where(signed[:, :, None], pledge, status_quo[:, None, :]))
        conceded = np.where(signed, moved_from_opening(pledge), np.nan)
        statement = np.where(agreed[:, None], state.draft[:, dims], np.nan)
        blocked = np.zeros_like(members)
    elif track.rule_kind == "forecast":
        # The forecast is the outcome, settled or not; stances moved during the game, ideals did not.
        statement = state.draft[:, dims]
        conceded = moved_from_opening(statement)
        value = 1.0 - conceded
        blocked = np.zeros_like(members)
        signed = np.zeros_like(members)
    else:
        statement = np.where(agreed[:, None], state.draft[:, dims], np.nan)
        settled = np.where(agreed[:, None], state.draft[:, dims], status_quo)
        if opening is state.position and state.opening_salience is state.salience:
            # nothing moved an ideal: where agreed, the concession is the distance the value is taken from
            distance = utility.salience_distance(settled, state.position, state.salience, width, dims)
            value = 1.0 - distance
            conceded = np.where(agreed[:, None], distance, np.nan)
        else:
            value = value_of(settled)
            conceded = np.where(agreed[:, None], moved_from_opening(state.draft[:, dims]), np.nan)
        blocked = np.where(agreed[:, None], False,
                           decision.blockers(state.accepts[:, k, :], members, scenario.veto, track.rule_kind))
        signed = np.zeros_like(members)
    forecast = None
    if track.rule_kind == "forecast":
        from sim.protocols.forecasting import forecast_history

        forecast = forecast_history(state, track)
    framework = np.where(agreed[:, None], state.draft[:, track.framework_dims], np.nan)
    band = statement_bands(state, track.all_dims, np.concatenate([statement, framework], axis=1))
    return {"band": band, "framework": framework, "forecast": forecast, "last_round": np.where(state.closed_round[:, k] > 0, state.closed_round[:, k],
                                                         state.round),
            "agreed": agreed, "members": members, "value": value, "conceded": conceded,
            "statement": statement, "blocked": blocked, "signed": signed,
            "accepts": state.accepts[:, k, :] & members, "draft": state.draft[:, dims],
            "round": state.agreed_round[:, k], "pledge": state.pledge[:, :, dims]}


def _track_outcome(scenario: Scenario, track: TrackInfo, arrays: dict[str, np.ndarray], r: int) -> TrackOutcome:
    ids = scenario.actor_ids
    dim_ids = [scenario.dimension_ids[d] for d in track.dims]
    members = [i for i in range(len(ids)) if arrays["members"][r, i]]
    agreed = bool(arrays["agreed"][r])
    return TrackOutcome(
        track=track.id,
        rule=track.rule_kind,
        protocol=track.protocol,
        agreed=agreed,
        round=int(arrays["round"][r]) if agreed else None,
        statement={d: float(arrays["statement"][r, j]) for j, d in enumerate(dim_ids)}
        | {scenario.dimension_ids[d]: float(arrays["framework"][r, j]) for j, d in enumerate(track.framework_dims)},
        last_draft={d: float(arrays["draft"][r, j]) for j, d in enumerate(dim_ids)},
        utility={ids[i]: float(arrays["value"][r, i]) for i in members},
        concession={ids[i]: float(arrays["conceded"][r, i]) for i in members},
        accepted=[ids[i] for i in members if arrays["accepts"][r, i]],
        blockers=[ids[i] for i in members if arrays["blocked"][r, i]],
        signatories=[ids[i] for i in members if arrays["signed"][r, i]],
        pledges={ids[i]: {d: float(arrays["pledge"][r, i, j]) for j, d in enumerate(dim_ids)}
                 for i in members if arrays["signed"][r, i]},
        forecast=_forecast(arrays, dim_ids, r),
        band={scenario.dimension_ids[d]: (int(b) if b >= 0 else None)
              for d, b in zip(track.all_dims, arrays["band"][r])},
    )


def statement_bands(state: NegotiationState, dims: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The wording band each statement falls in, with each replicate's band edges (``state.band_from``).

    Band j of a dimension holds values from its edge on, up to the next edge; a value
    below the first edge is in band 0 (as :meth:`Scenario.wording` reads it).

    Parameters
    ----------
    dims : array (n,)
        Dimension indices.
    values : array (R, n)
        Statements on them; NaN where there is none.

    Returns
    -------
    array (R, n) of int: the band index, -1 where there is no statement.
    """
    edges = state.band_from[:, dims, 1:]
    index = (edges <= values[:, :, None]).sum(axis=2)
    return np.where(np.isnan(values), -1, index)


def _forecast(arrays: dict[str, np.ndarray], dim_ids: list[str], r: int) -> dict[str, dict[str, list[float]]]:
    from sim.protocols.forecasting import FORECASTS

    if arrays["forecast"] is None:
        return {}
    last = int(arrays["last_round"][r])
    history = arrays["forecast"][r, :, :last + 1]
    return {name: {d: [float(x) for x in history[n, :, j]] for j, d in enumerate(dim_ids)}
            for n, name in enumerate(FORECASTS)}
