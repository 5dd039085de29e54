"""Which figures a results folder supports, their file names, and writing them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from matplotlib.figure import Figure

from sim.analysis import figures, numbers
from sim.analysis.results import Results
from sim.errors import InputError

__all__ = ["FIGURES", "Planned", "plan", "write_figures"]

FIGURES = ("statement", "agreement", "heatmap", "time", "blocking", "trajectories", "sensitivity")
"""Figure families, for ``negsim plot --figure``."""


@dataclass(frozen=True)
class Planned:
    """One figure to draw: its family, file stem, how to read it, and how to make it."""

    family: str
    name: str
    caption: str
    make: Callable[[], Figure]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_")


def plan(results: Results, families: list[str] | None = None) -> list[Planned]:
    """The figures that apply to these results (restricted to ``families`` if given).

    Raises
    ------
    InputError
        If a requested family does not apply (e.g. agreement against a parameter for
        a Monte Carlo, which varies none).
    """
    wanted = set(families or FIGURES)
    scenario = results.scenario
    planned: list[Planned] = []
    if "statement" in wanted:
        forecast_dims = {scenario.dimension_ids[d] for t in scenario.tracks if t.rule_kind == "forecast" for d in t.dims}
        for dim in scenario.dimension_ids:
            what = "the model's forecast" if dim in forecast_dims else "the agreed statement"
            planned.append(Planned("statement", f"statement_{dim}",
                                   f"Where {what} on {dim} falls across runs. Top: the share of all runs whose "
                                   "statement falls in each wording band, with its 95% interval. Bottom: how many "
                                   "runs land at each value, triangles the actors' opening positions, vertical "
                                   "lines the closed-form baselines, grey bands the wording each range maps to."
                                   + (" A sweep pools every design point's runs." if results.kind == "sweep" else ""),
                                   lambda dim=dim: figures.statement_distribution(results, dim)))
    if wanted & {"agreement", "heatmap"} and not results.parameters:
        asked = sorted(wanted & {"agreement", "heatmap"}) if families else []
        if asked:
            raise InputError(str(results.folder), [f"this is a {results.kind.replace('_', ' ')} with no varied "
                                                   f"parameters; the {' and '.join(asked)} figure needs a sweep"])
    if "agreement" in wanted:
        for parameter in results.parameters:
            planned.append(Planned("agreement", f"agreement_vs_{_slug(parameter)}",
                                   f"How the chance that every track agrees moves with "
                                   f"{numbers.parameter_label(results, parameter)}: the design points are cut into "
                                   "bins of equal size along it; a dot is the share of the bin's runs that agreed, "
                                   "its vertical bar the 95% interval, its horizontal bar the bin's range.",
                                   lambda p=parameter: figures.agreement_vs_parameter(results, p)))
    if "heatmap" in wanted and len(results.parameters) >= 2:
        first, second = results.parameters[:2]
        planned.append(Planned("heatmap", "agreement_heatmap",
                               f"The chance of agreement over {numbers.parameter_label(results, first)} and "
                               f"{numbers.parameter_label(results, second)} together, written in each cell; "
                               "lighter is likelier, and the colour scale spans only the cells' range "
                               "(a blank cell had no design point).",
                               lambda: figures.agreement_heatmap(results, first, second)))
    elif "heatmap" in wanted and families and len(results.parameters) < 2:
        raise InputError(str(results.folder), ["the heatmap needs a sweep that varied at least two parameters"])
    if "time" in wanted:
        planned.append(Planned("time", "time_to_agreement",
                               "The share of runs in which each track had agreed (a forecast track: the model "
                               "had settled) by each round, up to the latest deadline of any run (a shaded "
                               "range: deadlines the design varied); a late rise means agreements come under "
                               "deadline pressure.",
                               lambda: figures.time_to_agreement(results)))
    if "blocking" in wanted:
        for track in (t for t in scenario.tracks if t.rule_kind != "forecast"):  # nobody blocks a forecast
            planned.append(Planned("blocking", f"blocking_{track.id}",
                                   f"Track {track.id}: how often each actor blocked (or signed), and the spread "
                                   "of how far it conceded and what it ended with.",
                                   lambda t=track.id: figures.blocking_and_concessions(results, t)))
    if "trajectories" in wanted:
        if results.trajectories_path is not None:
            for track in scenario.tracks:
                planned.append(Planned("trajectories", f"trajectories_{track.id}",
                                       f"Track {track.id}: the draft on the table round by round, median and the "
                                       "bands holding 50% and 90% of runs; dashed lines are scheduled events.",
                                       lambda t=track.id: figures.trajectories(results, t)))
        elif families:
            raise InputError(str(results.folder), ["no trajectories here; run with `negsim run --runs N --out DIR "
                                                   "--trajectories` or set outputs.trajectories in the experiment"])
    if "sensitivity" in wanted:
        if results.sensitivity and results.sensitivity.get("metrics"):
            planned.append(Planned("sensitivity", "sensitivity",
                                   "Which inputs move each output most: longer bars matter more; "
                                   + ("S1 is an input's effect alone, ST including its interactions."
                                      if results.sensitivity["design"] == "sobol_sensitivity"
                                      else "mu* is the mean size of an input's effect, sigma how much it "
                                           "depends on the others."),
                                   lambda: figures.sensitivity(results)))
        elif families:
            raise InputError(str(results.folder), ["no sensitivity indices here (only Sobol' and Morris sweeps "
                                                   "have them)"])
    return planned


def write_figures(results: Results, out: str | Path, fmt: str = "png",
                  families: list[str] | None = None) -> list[Path]:
    """Draw and save every planned figure as ``out/<name>.<fmt>``; return the paths."""
    out = Path(out)
    figures_to_draw = plan(results, families)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for item in figures_to_draw:
        figure = item.make()
        path = out / f"{item.name}.{fmt}"
        figure.savefig(path, dpi=130)
        written.append(path)
    return written
