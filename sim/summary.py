"""Summaries of a Monte Carlo: probabilities with intervals, quantiles, who blocks."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from sim.outcome import RunOutcome
from sim.scenario.scenario import Scenario

__all__ = ["QUANTILES", "agreement_interval", "summarise"]

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def agreement_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (``scipy.stats.binomtest``)."""
    interval = stats.binomtest(successes, trials).proportion_ci(confidence_level=confidence, method="wilson")
    return float(interval.low), float(interval.high)


def _probability(flags: list[bool]) -> dict[str, float]:
    successes, trials = int(sum(flags)), len(flags)
    low, high = agreement_interval(successes, trials)
    return {"probability": successes / trials, "ci95": [low, high], "count": successes}


def _quantiles(values: list[float]) -> dict[str, float] | None:
    finite = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    if finite.size == 0:
        return None
    return {f"q{round(q * 100):02d}": float(np.quantile(finite, q)) for q in QUANTILES} | {
        "mean": float(finite.mean())}


def summarise(scenario: Scenario, outcomes: list[RunOutcome], seed: int) -> dict[str, Any]:
    """The Monte Carlo summary as JSON-ready data.

    Agreement probabilities carry 95% Wilson intervals; rounds and statements
    are quantiles over the runs that agreed; blocking and signing are shares of
    all runs.
    """
    runs = len(outcomes)
    summary: dict[str, Any] = {
        "scenario": scenario.name,
        "runs": runs,
        "seed": seed,
        "agreement": _probability([o.agreed for o in outcomes]),
        "tracks": [],
    }
    for track in scenario.tracks:
        results = [o.track(track.id) for o in outcomes]
        agreed = [r for r in results if r.agreed]
        dims = [scenario.dimension_ids[d] for d in track.dims]
        statement = {d: _quantiles([r.statement[d] for r in agreed]) for d in dims}
        wording = {d: scenario.wording(d, q["q50"]) for d, q in statement.items() if q is not None}
        actors = sorted({a for r in results for a in r.utility})
        entry: dict[str, Any] = {
            "track": track.id,
            "rule": track.rule_kind,
            "protocol": track.protocol,
            "agreement": _probability([r.agreed for r in results]),
            "rounds": _quantiles([r.round for r in agreed]),
            "statement": statement,
            "wording_at_median": wording,
            "blocking": {a: sum(a in r.blockers for r in results) / runs for a in actors},
            "mean_utility": {a: float(np.nanmean([r.utility.get(a, np.nan) for r in results])) for a in actors},
            "mean_concession": {a: _nan_mean([r.concession.get(a, np.nan) for r in results]) for a in actors},
        }
        if track.rule_kind == "opt_in":
            entry["signing"] = {a: sum(a in r.signatories for r in results) / runs for a in actors}
            entry["signatories"] = _quantiles([len(r.signatories) for r in results])
        summary["tracks"].append(entry)
    return summary


def _nan_mean(values: list[float]) -> float | None:
    finite = [v for v in values if np.isfinite(v)]
    return float(np.mean(finite)) if finite else None
