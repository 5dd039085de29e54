"""Per-design-point numbers of a sweep: agreement per point, its spread over the design, labels.

A sweep's runs are not one binomial sample: each design point has its own agreement
probability, estimated from that point's replicates. Pooling every run into one share
gives a number that depends on the design (which points were drawn, and how many
replicates each got). These functions keep the point as the unit: a share with its
Wilson interval per point, then the design mean over points with the spread across
points and a bootstrap interval over points.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.results.summary import agreement_interval
from sim.scenario.scenario import Scenario

__all__ = ["agreement_per_point", "bootstrap_mean_interval", "design_summary", "parameter_label",
           "point_table", "sensitivity_table", "variance_split"]


def agreement_per_point(runs: pd.DataFrame, column: str = "agreed", confidence: float = 0.95) -> pd.DataFrame:
    """Agreement share per design point with its Wilson interval over the point's replicates.

    Parameters
    ----------
    runs : pandas.DataFrame
        A runs table with a ``point`` column and a boolean (or 0/1) ``column``.
    column : str
        The outcome counted (``"agreed"``: every track agreed; or ``"TRACK.agreed"``).
    confidence : float
        Confidence level of the Wilson interval.

    Returns
    -------
    pandas.DataFrame
        One row per point, sorted by point: ``point``, ``runs``, ``agreed`` (count),
        ``share``, ``ci_low``, ``ci_high``.
    """
    grouped = runs.groupby("point", sort=True)[column]
    counts = grouped.size()
    agreed = grouped.sum().astype(int)
    rows = []
    for point, n in counts.items():
        k = int(agreed[point])
        low, high = agreement_interval(k, int(n), confidence)
        rows.append({"point": int(point), "runs": int(n), "agreed": k, "share": k / int(n),
                     "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows, columns=["point", "runs", "agreed", "share", "ci_low", "ci_high"])


def bootstrap_mean_interval(values: np.ndarray, confidence: float = 0.95, resamples: int = 4000,
                            seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of the mean, resampling the values (design points) with replacement.

    Parameters
    ----------
    values : array_like
        One number per design point.
    confidence : float
        Coverage of the interval.
    resamples : int
        Bootstrap resamples.
    seed : int
        Seed of the resampling (the interval is reproducible).

    Returns
    -------
    tuple of float
        ``(low, high)``; both equal the value when there is only one point.
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return float("nan"), float("nan")
    if values.size == 1 or np.ptp(values) == 0:
        return float(values[0]), float(values[0])
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, values.size, size=(resamples, values.size))].mean(axis=1)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return float(low), float(high)


def design_summary(per_point: pd.DataFrame, pooled: float | None = None, confidence: float = 0.95,
                   resamples: int = 4000, seed: int = 0) -> pd.DataFrame:
    """The design-aware headline: the mean of the point shares, their spread, a bootstrap interval.

    Parameters
    ----------
    per_point : pandas.DataFrame
        :func:`agreement_per_point` (its ``share`` column is used).
    pooled : float, optional
        The pooled share of all runs, kept beside for comparison.
    confidence, resamples, seed
        Of :func:`bootstrap_mean_interval`.

    Returns
    -------
    pandas.DataFrame
        One row: ``points``, ``mean``, ``boot_low``, ``boot_high``, ``min``, ``q25``,
        ``median``, ``q75``, ``max``, ``pooled``.
    """
    shares = per_point["share"].to_numpy(dtype=float)
    low, high = bootstrap_mean_interval(shares, confidence, resamples, seed)
    q = np.quantile(shares, [0.0, 0.25, 0.5, 0.75, 1.0]) if shares.size else [np.nan] * 5
    return pd.DataFrame([{"points": int(shares.size), "mean": float(shares.mean()) if shares.size else np.nan,
                          "boot_low": low, "boot_high": high, "min": float(q[0]), "q25": float(q[1]),
                          "median": float(q[2]), "q75": float(q[3]), "max": float(q[4]),
                          "pooled": np.nan if pooled is None else float(pooled)}])


def _words(text: str) -> str:
    return text.replace("_", " ")


def parameter_label(scenario: Scenario, path: str) -> str:
    """A varied parameter's path in the scenario's own names (the one labelling rule of the analysis).

    ``actors.poland.flexibility`` becomes ``"Poland: flexibility"``,
    ``actors.germany.position.membership_timing`` ``"Germany: membership timing position"``,
    ``tracks.consensus.deadline`` the track's name and ``deadline``, ``deadline``
    ``"Deadline (every track)"``; ``*`` reads "every actor" (dimension, track). Unknown
    forms fall back to the path.

    Parameters
    ----------
    scenario : Scenario
        The (base) scenario whose names label the path.
    path : str
        A lever's dotted path (the runs table's column is ``param.<path>``).

    Returns
    -------
    str
    """
    actors = {a.id: a.name or a.id for a in scenario.spec.actors}
    dimensions = {d.id: d.name or d.id for d in scenario.spec.dimensions}
    tracks = {t.id: t.name or t.id for t in scenario.spec.tracks}
    parts = path.split(".")
    if len(parts) == 1:
        return f"{_words(path).capitalize()} (every track)" if path == "deadline" else _words(path).capitalize()
    kinds = {"actors": (actors, "every actor"), "dimensions": (dimensions, "every dimension"),
             "tracks": (tracks, "every track")}
    if len(parts) < 3 or parts[0] not in kinds:
        return path
    names, every = kinds[parts[0]]
    owner = every if parts[1] == "*" else names.get(parts[1])
    if owner is None:
        return path
    rest = parts[2:]
    if len(rest) == 2 and rest[0] in ("position", "salience", "position_sd"):
        what = {"position": "position", "salience": "salience", "position_sd": "position spread"}[rest[0]]
        name = "every dimension" if rest[1] == "*" else dimensions.get(rest[1], rest[1])
        field = f"{name[:1].lower()}{name[1:]} {what}"
    elif len(rest) == 2 and rest[0] == "reservation_utility":
        field = f"reservation utility on {'every track' if rest[1] == '*' else tracks.get(rest[1], rest[1])}"
    else:
        field = " ".join(_words(p) for p in rest)
    return f"{owner}: {field}"


def point_table(runs: pd.DataFrame, parameters: list[str], scenario: Scenario,
                confidence: float = 0.95) -> pd.DataFrame:
    """Each design point's parameter values (columns labelled by name) and its agreement.

    Parameters
    ----------
    runs : pandas.DataFrame
        A sweep's runs table: ``point``, ``agreed`` and ``param.<path>`` per parameter.
    parameters : list of str
        The varied parameters' paths.
    scenario : Scenario
        For the labels (:func:`parameter_label`).
    confidence : float
        Of the Wilson intervals.

    Returns
    -------
    pandas.DataFrame
        One row per point, sorted by point: ``point``, one column per parameter named by
        its label (by its path where two labels coincide), then the columns of :func:`agreement_per_point`.
    """
    per_point = agreement_per_point(runs, "agreed", confidence)
    values = runs.groupby("point", sort=True)[[f"param.{p}" for p in parameters]].first()
    labels = [parameter_label(scenario, p) for p in parameters]
    values.columns = [label if labels.count(label) == 1 else p for label, p in zip(labels, parameters)]
    table = values.reset_index().merge(per_point, on="point")
    table["point"] = table["point"].astype(int)
    return table


def variance_split(runs: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Per outcome, its variance over the runs within design points (noise) and between them.

    The one-way decomposition of :func:`sim.sweeps.sensitivity.variance_decomposition`,
    on a runs table: with ``n`` runs (where the outcome is defined), grand mean ``m`` and
    point means ``m_p``, ``within = sum (x - m_p)**2 / n`` and
    ``between = sum n_p (m_p - m)**2 / n``.

    Parameters
    ----------
    runs : pandas.DataFrame
        With a ``point`` column and the outcome columns.
    columns : dict
        Outcome name -> column (e.g. ``{"agreement": "agreed"}``).

    Returns
    -------
    pandas.DataFrame
        ``outcome``, ``runs``, ``within``, ``between``, ``within_share`` (NaN when the
        outcome never varies).
    """
    rows = []
    for outcome, column in columns.items():
        frame = runs[["point", column]].dropna()
        values = frame[column].to_numpy(dtype=float)
        n = len(values)
        if not n:
            rows.append({"outcome": outcome, "runs": 0, "within": np.nan, "between": np.nan,
                         "within_share": np.nan})
            continue
        point_mean = frame.groupby("point")[column].transform("mean").to_numpy(dtype=float)
        within = float(np.sum((values - point_mean) ** 2) / n)
        between = float(np.sum((point_mean - values.mean()) ** 2) / n)
        total = within + between
        varies = total > 1e-12 * (1.0 + float(values.mean()) ** 2)
        rows.append({"outcome": outcome, "runs": n, "within": within, "between": between,
                     "within_share": within / total if varies else np.nan})
    return pd.DataFrame(rows, columns=["outcome", "runs", "within", "between", "within_share"])


def sensitivity_table(sensitivity: dict) -> pd.DataFrame:
    """The indices of ``sensitivity.json`` as one long table.

    Parameters
    ----------
    sensitivity : dict
        The parsed ``sensitivity.json`` (:func:`sim.sweeps.sensitivity.sensitivity`).

    Returns
    -------
    pandas.DataFrame
        One row per (outcome, parameter): ``outcome``, ``parameter``, then the design's
        index columns (Sobol': ``S1``, ``S1_conf``, ``ST``, ``ST_conf``; Morris: ``mu``,
        ``mu_star``, ``sigma``, ``mu_star_conf``).
    """
    rows = [{"outcome": metric, "parameter": name, **values}
            for metric, table in sensitivity.get("metrics", {}).items() for name, values in table.items()]
    return pd.DataFrame(rows)
