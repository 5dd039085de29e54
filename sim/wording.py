"""Wording bands as outcomes: which band each run's statement falls in, and how often.

A dimension's wording bands (``[[dimensions]] wording``) cut its range into
texts. Over a Monte Carlo, each run lands in one band, or produces no statement
at all (a collective track that did not agree, an opt-in track that did not
launch). :func:`band_shares` turns that into the share of runs per outcome with
95% Wilson intervals; the shares are over *all* runs, with the no-statement
outcome as its own row, so they sum to 1. A forecast track (rule ``forecast``)
has a statement, the model's forecast, in every run, so it has no such row.

Where the runs table carries a column ``band.<dimension>`` (the band index per
run with that run's own band edges, drawn when they are uncertain; null where
there is no statement), it is used as given; a table without it (results written
before it existed, a table built by hand) gets the band from ``statement.<dimension>``
and the declared edges.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from sim.results.arrow import to_numpy
from sim.scenario.scenario import Scenario, TrackInfo

if TYPE_CHECKING:  # a DataFrame comes from the analysis layer, which has pandas loaded already
    import pandas as pd

__all__ = ["BAND_COLUMN", "NO_STATEMENT", "band_index", "band_shares", "band_shares_from_counts", "band_starts",
           "modal_band", "no_statement_label", "run_bands", "shares_from_table", "track_of"]

BAND_COLUMN = "band.{}"
"""Name of the optional per-run band column for a dimension."""

NO_STATEMENT = {
    "unanimity": "no agreement (status quo holds)",
    "qualified_majority": "no agreement (status quo holds)",
    "simple_majority": "no agreement (status quo holds)",
    "opt_in": "not launched (too few signatories)",
}
"""The label of the no-statement outcome row, by decision rule (a forecast has none)."""


def band_starts(scenario: Scenario, dimension_id: str) -> np.ndarray:
    """Where each of a dimension's wording bands starts (increasing; the first is the range's lower end)."""
    bands = scenario.dimensions[scenario.dimension_index[dimension_id]].wording
    return np.array([band.from_ for band in bands], dtype=float)


def band_index(scenario: Scenario, dimension_id: str, values: Any) -> np.ndarray:
    """The wording band of each value, as :meth:`Scenario.wording` picks it.

    Parameters
    ----------
    scenario : Scenario
    dimension_id : str
    values : array_like of float
        Statements on the dimension; NaN where there is none.

    Returns
    -------
    numpy.ndarray of int
        The band index (0 for the first band) of each value; -1 where the value is NaN.
        A value below the first band's start is in the first band, as in the wording.
    """
    values = np.asarray(values, dtype=float)
    index = np.searchsorted(band_starts(scenario, dimension_id), values, side="right") - 1
    return np.where(np.isnan(values), -1, np.maximum(index, 0)).astype(int)


def track_of(scenario: Scenario, dimension_id: str) -> TrackInfo:
    """The track a dimension belongs to."""
    index = scenario.dimension_index[dimension_id]
    return next(track for track in scenario.tracks if index in track.all_dims)


def no_statement_label(track: TrackInfo) -> str | None:
    """The label of the row for runs with no statement on a track; None for a forecast track."""
    return NO_STATEMENT.get(track.rule_kind)


def _names(table: pa.Table | pd.DataFrame) -> list[str]:
    return list(table.column_names) if isinstance(table, pa.Table) else list(table.columns)


def _floats(table: pa.Table | pd.DataFrame, name: str) -> np.ndarray:
    if isinstance(table, pa.Table):
        column = table.column(name)
        return to_numpy(column).astype(np.float64)  # (nulls as NaN; without loading pandas)
    import pandas as pd

    return pd.to_numeric(table[name]).to_numpy(dtype=float, na_value=np.nan)


def run_bands(scenario: Scenario, table: pa.Table | pd.DataFrame, dimension_id: str) -> np.ndarray:
    """The wording band of every run's statement on a dimension; -1 where the run has none.

    Parameters
    ----------
    scenario : Scenario
    table : pyarrow.Table or pandas.DataFrame
        Runs table holding ``<track>.agreed`` and ``statement.<dimension>``, or
        ``band.<dimension>`` (integer band per run, null where no statement), which
        then takes precedence.

    Returns
    -------
    numpy.ndarray of int
        One band index per run; -1 for a run with no statement: on a collective
        or opt-in track, every run in which the track did not agree (launch).

    Raises
    ------
    ValueError
        If a ``band.<dimension>`` value is not a band of the dimension.
    """
    track = track_of(scenario, dimension_id)
    column = BAND_COLUMN.format(dimension_id)
    if column in _names(table):
        given = _floats(table, column)
        bands = np.where(np.isnan(given), -1, given).astype(int)
        count = len(band_starts(scenario, dimension_id))
        bad = (bands < -1) | (bands >= count) | (np.isfinite(given) & (given != np.round(given)))
        if bad.any():
            raise ValueError(f"{column}: band indices must be integers in [0, {count - 1}] or null, "
                             f"got {given[bad][0]:g}")
    else:
        bands = band_index(scenario, dimension_id, _floats(table, f"statement.{dimension_id}"))
    if track.rule_kind != "forecast":
        agreed = _floats(table, f"{track.id}.agreed") == 1
        bands = np.where(agreed, bands, -1)
    return bands


def _share(count: int, total: int) -> tuple[float, list[float]]:
    from sim.results.summary import agreement_interval  # here: sim.results.summary imports this module

    low, high = agreement_interval(count, total)
    return count / total, [low, high]


def band_shares(scenario: Scenario, dimension_id: str, bands: np.ndarray,
                no_statement: str | None = None) -> list[dict[str, Any]]:
    """The share of runs in each wording band, with 95% Wilson intervals.

    Parameters
    ----------
    scenario : Scenario
    dimension_id : str
    bands : numpy.ndarray of int
        One band index per run, -1 where the run has no statement (:func:`run_bands`).
    no_statement : str, optional
        Label of the row counting the runs with no statement (:func:`no_statement_label`).
        Without one, that row appears, labelled ``"no statement"``, only if some run has none.

    Returns
    -------
    list of dict
        One row per band in order, then the no-statement row: ``band`` (index, None for
        the no-statement row), ``text``, ``from`` (the band's declared start, None for the
        no-statement row), ``count``, ``share`` of all runs and its ``ci95``; band rows also
        carry ``share_of_statements`` and ``ci95_of_statements``, among the runs with a
        statement (None if there is none). The ``share`` values sum to 1.
    """
    bands = np.asarray(bands, dtype=int)
    texts = scenario.dimensions[scenario.dimension_index[dimension_id]].wording
    counts = np.bincount(bands[bands >= 0], minlength=len(texts))
    return band_shares_from_counts(scenario, dimension_id, counts, int((bands < 0).sum()), no_statement)


def band_shares_from_counts(scenario: Scenario, dimension_id: str, counts: np.ndarray, missing: int,
                            no_statement: str | None = None) -> list[dict[str, Any]]:
    """:func:`band_shares` from the number of runs in each band (``counts[k]`` in band ``k``) and the
    number with no statement (``missing``), as a summary folded block by block counts them."""
    counts = np.asarray(counts, dtype=np.int64)
    stated = int(counts.sum())
    total = stated + int(missing)
    if total == 0:
        raise ValueError("no runs to count")
    texts = scenario.dimensions[scenario.dimension_index[dimension_id]].wording
    if len(counts) != len(texts):
        raise ValueError(f"{len(counts)} band counts for the {len(texts)} bands of {dimension_id}")
    rows = []
    for k, band in enumerate(texts):
        share, ci95 = _share(int(counts[k]), total)
        given, given_ci = _share(int(counts[k]), stated) if stated else (None, None)
        rows.append({"band": k, "text": band.text, "from": band.from_, "count": int(counts[k]), "share": share,
                     "ci95": ci95, "share_of_statements": given, "ci95_of_statements": given_ci})
    if no_statement is not None or missing:
        share, ci95 = _share(missing, total)
        rows.append({"band": None, "text": no_statement or "no statement", "from": None, "count": missing,
                     "share": share, "ci95": ci95})
    return rows


def modal_band(rows: list[dict[str, Any]]) -> int | None:
    """The band most runs land in (the lowest on a tie); None if no run has a statement."""
    counted = [row for row in rows if row["band"] is not None and row["count"] > 0]
    return max(counted, key=lambda row: (row["count"], -row["band"]))["band"] if counted else None


def shares_from_table(scenario: Scenario, table: pa.Table | pd.DataFrame,
                      dimension_id: str) -> tuple[list[dict[str, Any]], int | None]:
    """:func:`band_shares` and :func:`modal_band` of a dimension, from a runs table."""
    label = no_statement_label(track_of(scenario, dimension_id))
    rows = band_shares(scenario, dimension_id, run_bands(scenario, table, dimension_id), label)
    return rows, modal_band(rows)
