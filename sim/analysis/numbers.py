"""The numbers behind every figure, as pandas DataFrames (so a notebook can restyle them)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim import wording
from sim.analysis.results import Results
from sim.baselines import baselines
from sim.errors import InputError
from sim.results.layout import stored_names
from sim.results.records import possible_members
from sim.results.summary import agreement_interval
from sim.text import decimals

__all__ = [
    "agreement_bins",
    "agreement_by_parameter",
    "agreement_grid",
    "baseline_lines",
    "blocking",
    "concessions",
    "parameter_label",
    "parameter_precision",
    "pooled_parameters",
    "run_deadlines",
    "sensitivity_table",
    "statement_values",
    "time_to_agreement",
    "trajectory_bands",
    "wording_shares",
]


def _track_of(results: Results, dimension: str):
    index = results.scenario.dimension_index[dimension]
    return next(track for track in results.scenario.tracks if index in track.all_dims)


def statement_values(results: Results, dimension: str) -> tuple[pd.Series, float]:
    """The agreed statement on a dimension in every run that agreed, and the share of runs with no agreement.

    A forecast track's statement is the model's forecast, settled or not: every run counts, and the
    share without one is 0.
    """
    track = _track_of(results, dimension)
    table = results.table([f"{track.id}.agreed", f"statement.{dimension}"])
    agreed = table[f"{track.id}.agreed"].astype(bool) | (track.rule_kind == "forecast")
    return table.loc[agreed, f"statement.{dimension}"].rename(dimension), float(1 - agreed.mean())


def _or_nan(value: float | None) -> float:
    return np.nan if value is None else value


def wording_shares(results: Results, dimension: str) -> pd.DataFrame:
    """The share of all runs whose statement on a dimension falls in each wording band.

    One row per band, then, on a track that can fail, one for the runs with no
    statement (``band`` -1: no agreement, or an opt-in track not launched), so
    ``share`` sums to 1 (:func:`sim.wording.band_shares`). Columns: ``band``,
    ``from`` (NaN on the no-statement row), ``text``, ``count``, ``share``,
    ``ci_low`` and ``ci_high`` (95% Wilson), ``share_of_statements`` (among the runs
    with a statement; NaN on the no-statement row) and ``modal`` (the band most runs
    land in). A ``band.<dimension>`` column in the runs table is used when present.
    """
    scenario = results.scenario
    track = wording.track_of(scenario, dimension)
    column = wording.BAND_COLUMN.format(dimension)
    names = [f"{track.id}.agreed", f"statement.{dimension}"]
    if column in stored_names(results.runs_path):
        names.append(column)
    rows, modal = wording.shares_from_table(scenario, results.table(names), dimension)
    return pd.DataFrame([{"band": -1 if row["band"] is None else row["band"],
                          "from": _or_nan(row["from"]), "text": row["text"],
                          "count": row["count"], "share": row["share"], "ci_low": row["ci95"][0],
                          "ci_high": row["ci95"][1],
                          "share_of_statements": _or_nan(row.get("share_of_statements")),
                          "modal": row["band"] is not None and row["band"] == modal} for row in rows])


def baseline_lines(results: Results) -> pd.DataFrame:
    """The closed-form baselines of the scenario (declared inputs): track, dimension, baseline, value, wording."""
    return baselines(results.scenario)


def _need_parameter(results: Results, parameter: str) -> str:
    if results.kind != "sweep" or not results.parameters:
        raise InputError(str(results.folder), [f"this is a {results.kind.replace('_', ' ')} with no varied "
                                               f"parameters; agreement against a parameter needs a sweep"])
    if parameter not in results.parameters:
        raise InputError(str(results.folder), [f"'{parameter}' was not varied; the sweep varied: "
                                               f"{', '.join(results.parameters)}"])
    return f"param.{parameter}"


def _wilson(group: pd.DataFrame) -> pd.Series:
    count, agreed = len(group), int(group["agreed"].sum())
    low, high = agreement_interval(agreed, count)
    return pd.Series({"runs": count, "agreed": agreed, "probability": agreed / count, "ci_low": low, "ci_high": high})


def agreement_by_parameter(results: Results, parameter: str) -> pd.DataFrame:
    """Per design point: the parameter's value and the agreement probability (every track) with its
    95% Wilson interval over the point's replicates, sorted by the value."""
    column = _need_parameter(results, parameter)
    table = results.table(["point", column, "agreed"])
    per_point = table.groupby("point").apply(_wilson, include_groups=False)
    per_point[parameter] = table.groupby("point")[column].first()
    return per_point.reset_index().sort_values([parameter, "point"]).reset_index(drop=True)


def agreement_bins(results: Results, parameter: str, bins: int = 8) -> pd.DataFrame:
    """Agreement probability (every track) in quantile bins of a varied parameter, with 95% Wilson
    intervals over every run in the bin.

    A parameter with at most ``bins`` distinct values gets one bin per value. Columns: ``low``,
    ``high`` (the bin's range of the parameter), ``centre`` (the mean value of its runs),
    ``points`` (design points in it), ``runs``, ``agreed``, ``probability``, ``ci_low``, ``ci_high``.
    """
    column = _need_parameter(results, parameter)
    table = results.table(["point", column, "agreed"])
    values = table[column].astype(float)
    if values.nunique() <= bins:
        keys = values
    else:
        keys = pd.qcut(values.rank(method="dense"), bins, labels=False, duplicates="drop")
    rows = []
    for _, group in table.groupby(keys.to_numpy(), sort=True):
        x = group[column].astype(float)
        stats = _wilson(group)
        rows.append({"low": x.min(), "high": x.max(), "centre": x.mean(), "points": group["point"].nunique(),
                     **stats.to_dict()})
    frame = pd.DataFrame(rows)
    frame[["runs", "agreed", "points"]] = frame[["runs", "agreed", "points"]].astype(int)
    return frame


def parameter_label(results: Results, path: str) -> str:
    """A varied parameter by name (:func:`sim.analysis.points.parameter_label` on the results' scenario)."""
    from sim.analysis.points import parameter_label as label

    return label(results.scenario, path)


def parameter_precision(values) -> int:
    """Decimals to print a parameter's values: 0 if they are whole numbers, else
    :func:`sim.text.decimals` of their range."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if not len(values) or np.allclose(values, np.round(values)):
        return 0
    return decimals(float(values.max() - values.min()))


def pooled_parameters(results: Results) -> list[str]:
    """The varied parameters, by name, that a figure drawn over every run of a sweep pools over."""
    return [parameter_label(results, p) for p in results.parameters] if results.kind == "sweep" else []


def agreement_grid(results: Results, first: str, second: str, bins: int | None = None) -> pd.DataFrame:
    """Agreement probability over two parameters: a table indexed by ``second``, columns by ``first``.

    A parameter with at most ``bins`` distinct values keeps them; otherwise its
    values are cut into ``bins`` equal-width bins, labelled by their centres. By
    default ``bins`` grows with the design, about two points per cell (3 to 8).
    """
    columns = [_need_parameter(results, first), _need_parameter(results, second)]
    table = results.table(["agreed", *columns])
    if bins is None:
        points = int(results.manifest["design"]["points"])
        bins = int(min(8, max(3, np.sqrt(points / 2))))
    keys = []
    for column in columns:
        values = table[column]
        if values.nunique() <= bins:
            keys.append(values)
        else:
            edges = np.linspace(values.min(), values.max(), bins + 1)
            centres = (edges[:-1] + edges[1:]) / 2
            keys.append(pd.Series(centres[np.clip(np.digitize(values, edges[1:-1]), 0, bins - 1)], index=values.index))
    grid = table.groupby([keys[1].rename(second), keys[0].rename(first)])["agreed"].mean().unstack(first)
    return grid.sort_index().sort_index(axis=1)


def run_deadlines(results: Results, track) -> np.ndarray:
    """Each run's own deadline on a track: the design point's value where the sweep varied it
    (``tracks.<id>.deadline``, or ``deadline`` for a track without its own), else the scenario's."""
    column = None
    if f"tracks.{track.id}.deadline" in results.parameters:
        column = f"param.tracks.{track.id}.deadline"
    elif "deadline" in results.parameters:
        specs = getattr(results.scenario.spec, "tracks", ())
        own = next((getattr(t, "deadline", None) for t in specs if getattr(t, "id", None) == track.id), None)
        if own is None:
            column = "param.deadline"
    if column is None:
        return np.full(results.runs or len(results.table(["point"] if results.kind == "sweep" else None)),
                       float(track.deadline))
    return results.table([column])[column].to_numpy(dtype=float)


def time_to_agreement(results: Results) -> pd.DataFrame:
    """For each round, the share of all runs in which each track had agreed by then (cumulative).

    The rounds run to the largest deadline of any run (a sweep may vary deadlines), so the
    last row is each track's final agreement share.
    """
    tracks = results.scenario.tracks
    table = results.table([f"{t.id}.round" for t in tracks])
    last = max(float(np.nanmax(run_deadlines(results, t))) for t in tracks)
    observed = table.to_numpy(dtype=float)
    if np.isfinite(observed).any():
        last = max(last, float(np.nanmax(observed)))
    frame = pd.DataFrame({"round": np.arange(1, int(round(last)) + 1)})
    for track in tracks:
        rounds = table[f"{track.id}.round"].to_numpy(dtype=float)
        frame[track.id] = [(rounds <= r).mean() for r in frame["round"]]
    return frame


def blocking(results: Results, track_id: str) -> pd.DataFrame:
    """Per actor who can take part: the share of runs in which it blocked the track (or signed, for opt-in)."""
    scenario = results.scenario
    track = scenario.tracks[scenario.track_index[track_id]]
    column = f"{track.id}.signatories" if track.rule_kind == "opt_in" else f"{track.id}.blockers"
    lists = results.table([column])[column]
    actors = [scenario.actor_ids[i] for i in np.flatnonzero(possible_members(scenario, track))]
    shares = [np.mean([actor in listed for listed in lists]) for actor in actors]
    what = "signed" if track.rule_kind == "opt_in" else "blocked"
    return pd.DataFrame({"actor": actors, what: shares}).sort_values(what, ascending=False, kind="stable")


def concessions(results: Results, track_id: str) -> pd.DataFrame:
    """Long table of every run's concession and utility per actor on a track (NaN rows dropped)."""
    scenario = results.scenario
    track = scenario.tracks[scenario.track_index[track_id]]
    actors = [scenario.actor_ids[i] for i in np.flatnonzero(possible_members(scenario, track))]
    columns = [f"{kind}.{track.id}.{a}" for kind in ("concession", "utility") for a in actors]
    table = results.table(columns)
    frames = [pd.DataFrame({"actor": a, "concession": table[f"concession.{track.id}.{a}"],
                            "utility": table[f"utility.{track.id}.{a}"]}) for a in actors]
    return pd.concat(frames, ignore_index=True)


def trajectory_bands(results: Results, dimension: str) -> pd.DataFrame:
    """Per round: the median of the draft on a dimension across runs, with 50% and 90% bands."""
    frame = results.trajectories()
    if frame is None:
        raise InputError(str(results.folder), ["no trajectories here; run with `negsim run --runs N --out DIR "
                                               "--trajectories` or set outputs.trajectories in the experiment"])
    grouped = frame.groupby("round")[f"draft.{dimension}"]
    return pd.DataFrame({"q05": grouped.quantile(0.05), "q25": grouped.quantile(0.25),
                         "median": grouped.median(), "q75": grouped.quantile(0.75), "q95": grouped.quantile(0.95),
                         "runs": grouped.count()}).reset_index()


def sensitivity_table(results: Results, metric: str) -> pd.DataFrame:
    """The sweep's sensitivity indices for one output, one row per parameter."""
    if results.sensitivity is None or metric not in results.sensitivity["metrics"]:
        raise InputError(str(results.folder), [f"no sensitivity indices for '{metric}' here"])
    rows = [{"parameter": name, **values} for name, values in results.sensitivity["metrics"][metric].items()]
    return pd.DataFrame(rows)
