"""Summaries of a runs table: probabilities with intervals, quantiles, who blocks and signs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
from scipy import stats

from sim import wording as bands
from sim.records import possible_members
from sim.scenario.scenario import Scenario

__all__ = ["QUANTILES", "agreement_interval", "summarise"]

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def agreement_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (``scipy.stats.binomtest``)."""
    interval = stats.binomtest(successes, trials).proportion_ci(confidence_level=confidence, method="wilson")
    return float(interval.low), float(interval.high)


def _probability(flags: np.ndarray) -> dict[str, Any]:
    successes, trials = int(flags.sum()), len(flags)
    low, high = agreement_interval(successes, trials)
    return {"probability": successes / trials, "ci95": [low, high], "count": successes}


def _quantiles(values: np.ndarray) -> dict[str, float] | None:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    return {f"q{round(q * 100):02d}": float(np.quantile(finite, q)) for q in QUANTILES} | {
        "mean": float(finite.mean())}


def _column(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy(zero_copy_only=False)


def _share_listed(lists: list[list[str]], actor: str) -> float:
    return sum(actor in listed for listed in lists) / len(lists)


def _mean_or_none(values: np.ndarray) -> float | None:
    finite = values[np.isfinite(values)]
    return float(finite.mean()) if finite.size else None


def summarise(scenario: Scenario, table: pa.Table, seed: int) -> dict[str, Any]:
    """The Monte Carlo summary of a runs table (:func:`sim.records.runs_schema`), JSON-ready.

    Agreement probabilities carry 95% Wilson intervals; rounds and statements are
    quantiles over the runs that agreed (for a forecast track, ``agreement`` is the
    share of runs in which the model settled, and the statement, the model's
    forecast, is over every run, with the weighted median and mean under ``forecast``);
    blocking and signing are shares of all runs; mean utility and concession are over
    the runs where they are defined.

    ``wording_shares`` gives, per dimension, the share of *all* runs landing in each
    wording band with its 95% Wilson interval, then a row for the runs with no
    statement (no agreement, or an opt-in track not launched; none on a forecast
    track), so the shares sum to 1 (:func:`sim.wording.band_shares`); ``modal_band``
    is the band most runs land in. ``wording_at_median`` is the wording of the median
    statement, kept for compatibility.
    """
    runs = table.num_rows
    summary: dict[str, Any] = {
        "scenario": scenario.name,
        "runs": runs,
        "seed": seed,
        "agreement": _probability(_column(table, "agreed")),
        "tracks": [],
    }
    for track in scenario.tracks:
        agreed = _column(table, f"{track.id}.agreed").astype(bool)
        rounds = table.column(f"{track.id}.round").to_numpy(zero_copy_only=False).astype(float)
        dims = [scenario.dimension_ids[d] for d in track.all_dims]
        forecast = track.rule_kind == "forecast"
        counted = np.ones_like(agreed) if forecast else agreed  # a forecast is the outcome, settled or not
        statement = {d: _quantiles(_column(table, f"statement.{d}")[counted]) for d in dims}
        wording = {d: scenario.wording(d, q["q50"]) for d, q in statement.items() if q is not None}
        actors = [scenario.actor_ids[i] for i in np.flatnonzero(possible_members(scenario, track))]
        blockers = table.column(f"{track.id}.blockers").to_pylist()
        entry: dict[str, Any] = {
            "track": track.id,
            "rule": track.rule_kind,
            "protocol": track.protocol,
            "agreement": _probability(agreed),
            "rounds": _quantiles(rounds[agreed]),
            "statement": statement,
            "wording_at_median": wording,
            "wording_shares": {},
            "modal_band": {},
            "blocking": {a: _share_listed(blockers, a) for a in actors},
            "mean_utility": {a: _mean_or_none(_column(table, f"utility.{track.id}.{a}")) for a in actors},
            "mean_concession": {a: _mean_or_none(_column(table, f"concession.{track.id}.{a}")) for a in actors},
        }
        for d in dims:
            entry["wording_shares"][d], entry["modal_band"][d] = bands.shares_from_table(scenario, table, d)
        if forecast:
            entry["forecast"] = {name: {d: _quantiles(_column(table, f"forecast.{name}.{d}")) for d in dims}
                                 for name in ("median", "mean")}
            entry["settled"] = entry["agreement"]  # for a forecast, agreement means the model settled
            del entry["blocking"]  # nobody blocks a forecast
        if track.rule_kind == "opt_in":
            signatories = table.column(f"{track.id}.signatories").to_pylist()
            entry["signing"] = {a: _share_listed(signatories, a) for a in actors}
            entry["signatories"] = _quantiles(np.array([len(s) for s in signatories], dtype=float))
        summary["tracks"].append(entry)
    return summary
