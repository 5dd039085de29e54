"""Scenario discovery: which ranges of a sweep's varied inputs lead to an outcome (PRIM).

PRIM, the patient rule induction method (Friedman and Fisher 1999, "Bump hunting in
high-dimensional data", Statistics and Computing 9: 123-143), as used for scenario discovery
(Bryant and Lempert 2010; the EMA Workbench). Implemented here, peeling only:

1. Start from the box holding every run. At each step, try removing the ``alpha`` share of the
   box's runs with the lowest, or the highest, value of each input (for an input with few
   distinct values, a whole level at the edge); keep the peel that leaves the highest density
   (share of the box's runs with the outcome), ties to the smaller peel. Stop when the box
   would hold less than ``mass_min`` of the runs. Each step is one box of the *peeling
   trajectory*, with its coverage (share of all runs with the outcome that fall in the box),
   density and mass (share of all runs in the box).
2. Choose a box on the trajectory: among the boxes with coverage >= ``min_coverage``, take the
   densest; then, as CART's one-standard-error rule, the most covering box whose density is
   within one binomial standard error of it (denser boxes further along mostly chase noise).
3. Drop limits that do not matter: the quasi-p-value of a limit (as the EMA Workbench reports it
   per input) is the one-sided binomial probability of the box's outcome count, or more, if the
   box had the density of the same box without that limit. Each lower or upper limit with a
   quasi-p-value above ``max_qp`` (0.05) is dropped, the least significant first, and the box's
   numbers recomputed. The quasi-p-values reported are per input, both its limits relaxed.

Pasting (re-expanding the box) is not done. The outcome is a small declared expression over the
runs table's columns (:func:`parse_outcome`), parsed and checked, never evaluated as Python.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy.stats import binom

from sim.analysis.results import Results
from sim.errors import InputError

__all__ = ["Box", "Discovery", "Outcome", "discover", "discover_results", "format_discovery", "parse_outcome",
           "prim", "tradeoff_figure", "write_discovery"]

GRAMMAR = "[not] COLUMN [OP NUMBER], OP one of >= <= > < ==, e.g. `not consensus.agreed` or " \
          "`statement.membership_timing >= 45`"
_OPERATORS = {">=": np.greater_equal, "<=": np.less_equal, ">": np.greater, "<": np.less, "==": np.equal}
_PATTERN = re.compile(r"^\s*(?:(?P<not>not)\s+)?(?P<column>[A-Za-z_][A-Za-z0-9_.\-]*)\s*"
                      r"(?:(?P<op>>=|<=|==|>|<)\s*(?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?))?\s*$")


@dataclass(frozen=True)
class Outcome:
    """A parsed outcome expression: ``[not] column [op number]``."""

    column: str
    op: str | None = None
    value: float | None = None
    negate: bool = False

    def __str__(self) -> str:
        text = self.column if self.op is None else f"{self.column} {self.op} {self.value:g}"
        return f"not {text}" if self.negate else text

    def evaluate(self, values: pd.Series) -> np.ndarray:
        """The outcome per run. A comparison with a missing value (e.g. no statement) is false."""
        if self.op is None:
            truth = values.fillna(False).astype(bool).to_numpy()
        else:
            numbers = values.to_numpy(dtype=float, na_value=np.nan)
            with np.errstate(invalid="ignore"):
                truth = _OPERATORS[self.op](numbers, self.value) & ~np.isnan(numbers)
        return ~truth if self.negate else truth


def parse_outcome(text: str, table: pd.DataFrame | None = None) -> Outcome:
    """Parse an outcome expression; with ``table``, check its column against the runs table's.

    Raises
    ------
    InputError
        On an expression outside the grammar, an unknown column (naming the nearest ones), a
        column with no yes/no meaning used without a comparison, or a comparison of a
        non-numeric column.
    """
    match = _PATTERN.match(text)
    if not match or match["column"] == "not":
        raise InputError("--outcome", [f"cannot read {text!r}; expected {GRAMMAR}"])
    outcome = Outcome(match["column"], match["op"], None if match["number"] is None else float(match["number"]),
                      match["not"] is not None)
    if table is None:
        return outcome
    columns = [c for c in table.columns if not c.startswith("param.") and c not in ("run_id", "point", "replicate",
                                                                                     "seed", "run_seed")]
    if outcome.column not in table.columns:
        near = difflib.get_close_matches(outcome.column, columns, n=5, cutoff=0.5) or columns[:8]
        raise InputError("--outcome", [f"no column '{outcome.column}' in the runs table; nearest: "
                                       f"{', '.join(near)}"])
    series = table[outcome.column]
    numeric = pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series)
    if not numeric:
        raise InputError("--outcome", [f"'{outcome.column}' holds lists or text, not numbers; use a yes/no or "
                                       f"numeric column such as {', '.join(_examples(table))}"])
    if outcome.op is None and not (pd.api.types.is_bool_dtype(series) or set(series.dropna().unique()) <= {0, 1}):
        raise InputError("--outcome", [f"'{outcome.column}' is a number, not yes/no: compare it, e.g. "
                                       f"`{outcome.column} >= {float(series.median()):.3g}`"])
    return outcome


def _examples(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if c == "agreed" or c.endswith(".agreed") or c.startswith("statement.")][:4]


@dataclass
class Box:
    """One box: per input its ``[low, high]`` limits (inclusive), and its numbers."""

    limits: dict[str, tuple[float, float]]
    coverage: float
    density: float
    mass: float
    count: int
    restricted: list[str]
    qp: dict[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"coverage": self.coverage, "density": self.density, "mass": self.mass, "runs": self.count,
                "restricted": {name: list(self.limits[name]) for name in self.restricted},
                "quasi_p": self.qp or {}}


@dataclass
class Discovery:
    """PRIM's result: the peeling trajectory, the chosen box and its index on the trajectory."""

    outcome: str
    runs: int
    cases: int
    inputs: list[str]
    ranges: dict[str, tuple[float, float]]
    trajectory: pd.DataFrame
    boxes: list[Box]
    chosen: Box
    chosen_step: int
    alternatives: list[int]
    settings: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "runs": self.runs, "cases": self.cases, "base_density": self.cases / self.runs,
                "inputs": self.inputs, "ranges": {k: list(v) for k, v in self.ranges.items()},
                "settings": self.settings, "rule": RULE.format(**self.settings),
                "chosen": {"step": self.chosen_step, **self.chosen.to_dict(),
                           "unrestricted": [n for n in self.inputs if n not in self.chosen.restricted]},
                "alternatives": [{"step": s, **self.boxes[s].to_dict()} for s in self.alternatives],
                "trajectory": self.trajectory.to_dict(orient="list")}


RULE = ("the most covering box whose density is within one standard error of the densest box with coverage >= "
        "{min_coverage:g} (peeling alpha {alpha:g}, minimum mass {mass_min:g}), then limits with a "
        "quasi-p-value above {max_qp:g} dropped")


def _box_numbers(inside: np.ndarray, y: np.ndarray) -> tuple[float, float, float, int]:
    count = int(inside.sum())
    hits = int(y[inside].sum())
    total = max(int(y.sum()), 1)
    return hits / total, hits / count if count else 0.0, count / len(y), count


def _inside(x: np.ndarray, limits: np.ndarray) -> np.ndarray:
    return np.all((x >= limits[:, 0]) & (x <= limits[:, 1]), axis=1)


def prim(x: pd.DataFrame, y: np.ndarray, alpha: float = 0.05, mass_min: float = 0.05) -> list[np.ndarray]:
    """PRIM's peeling trajectory: the limits (inputs x 2 array, inclusive) of every box, the full box first."""
    data = x.to_numpy(dtype=float)
    y = np.asarray(y, dtype=bool)
    limits = np.column_stack([data.min(axis=0), data.max(axis=0)])
    inside = np.ones(len(data), dtype=bool)
    trajectory = [limits.copy()]
    while True:
        best = None  # (density, -removed, dim, side, bound)
        current = data[inside]
        for j in range(data.shape[1]):
            column = current[:, j]
            for side in (0, 1):
                q = np.quantile(column, alpha if side == 0 else 1 - alpha, method="nearest")
                drop = column < q if side == 0 else column > q
                if not drop.any():
                    drop = column <= q if side == 0 else column >= q
                keep = ~drop
                if not keep.any() or keep.sum() < mass_min * len(data):
                    continue
                density = y[inside][keep].mean()
                bound = column[keep].min() if side == 0 else column[keep].max()
                candidate = (density, -int(drop.sum()), j, side, bound)
                if best is None or candidate[:2] > best[:2]:
                    best = candidate
        if best is None:
            return trajectory
        _, _, j, side, bound = best
        limits[j, side] = bound
        inside = _inside(data, limits)
        trajectory.append(limits.copy())


def _qp(data: np.ndarray, y: np.ndarray, limits: np.ndarray, full: np.ndarray, j: int,
        side: int | None = None) -> float:
    """Quasi-p-value of the restriction on input j (one side of it if ``side`` is 0 or 1): the binomial
    probability of the box's hits or more if the box had the density it has without that restriction."""
    inside = _inside(data, limits)
    relaxed = limits.copy()
    if side is None:
        relaxed[j] = full[j]
    else:
        relaxed[j, side] = full[j, side]
    without = y[_inside(data, relaxed)].mean()
    hits, count = int(y[inside].sum()), int(inside.sum())
    return float(binom.sf(hits - 1, count, without))


def discover(x: pd.DataFrame, y: np.ndarray, outcome: str = "outcome", min_coverage: float = 0.5,
             alpha: float = 0.05, mass_min: float = 0.05, max_qp: float = 0.05, alternatives: int = 4) -> Discovery:
    """Run PRIM on inputs ``x`` (one column per input) and the boolean outcome ``y``; choose a box.

    Raises
    ------
    InputError
        If no run, or every run, has the outcome (there is nothing to tell apart).
    """
    y = np.asarray(y, dtype=bool)
    data = x.to_numpy(dtype=float)
    cases = int(y.sum())
    if cases == 0 or cases == len(y):
        raise InputError("--outcome", [f"'{outcome}' is {'never' if cases == 0 else 'always'} true in these "
                                       f"{len(y):,} runs; there is nothing for scenario discovery to tell apart"])
    names = list(x.columns)
    full = np.column_stack([data.min(axis=0), data.max(axis=0)])

    def box(limits: np.ndarray, qp: dict[str, float] | None = None) -> Box:
        coverage, density, mass, count = _box_numbers(_inside(data, limits), y)
        restricted = [n for j, n in enumerate(names) if not np.array_equal(limits[j], full[j])]
        return Box({n: (float(limits[j, 0]), float(limits[j, 1])) for j, n in enumerate(names)}, coverage, density,
                   mass, count, restricted, qp)

    steps = prim(x, y, alpha, mass_min)
    boxes = [box(limits) for limits in steps]
    eligible = [i for i, b in enumerate(boxes) if b.coverage >= min_coverage] or [0]
    densest = max(eligible, key=lambda i: (boxes[i].density, boxes[i].coverage))
    d = boxes[densest].density
    se = math.sqrt(d * (1 - d) / boxes[densest].count)
    step = min(i for i in eligible if boxes[i].density >= d - se)
    limits = steps[step].copy()
    while True:  # drop limits that do not matter (each side of each input), the least significant first
        qp = {(j, side): _qp(data, y, limits, full, j, side) for j in range(len(names)) for side in (0, 1)
              if limits[j, side] != full[j, side]}
        worst = max(qp, key=qp.get, default=None)
        if worst is None or qp[worst] <= max_qp:
            break
        limits[worst] = full[worst]
    chosen = box(limits, {names[j]: _qp(data, y, limits, full, j) for j in range(len(names))
                          if not np.array_equal(limits[j], full[j])})
    trajectory = pd.DataFrame({"step": range(len(boxes)), "coverage": [b.coverage for b in boxes],
                               "density": [b.density for b in boxes], "mass": [b.mass for b in boxes],
                               "restricted": [len(b.restricted) for b in boxes]})
    others = []
    for target in np.linspace(0.95, max(0.2, boxes[-1].coverage), alternatives + 2):
        nearest = int(np.argmin([abs(b.coverage - target) + (i == 0) for i, b in enumerate(boxes)]))
        if nearest not in (step, 0) and nearest not in others:
            others.append(nearest)
    others = sorted(others)[:alternatives]
    settings = {"min_coverage": min_coverage, "alpha": alpha, "mass_min": mass_min, "max_qp": max_qp}
    return Discovery(outcome, len(y), cases, names, {n: (float(full[j, 0]), float(full[j, 1])) for j, n in
                                                      enumerate(names)}, trajectory, boxes, chosen, step, others,
                     settings)


def discover_results(results: Results, expression: str, **options) -> Discovery:
    """PRIM on a sweep's results folder: inputs its varied parameters, outcome the parsed expression."""
    if results.kind != "sweep" or not results.parameters:
        raise InputError(str(results.folder), [f"this is a {results.kind.replace('_', ' ')} with no varied "
                                               "parameters; scenario discovery needs a sweep (`negsim sweep`)"])
    table = results.table()
    outcome = parse_outcome(expression, table)
    x = table[[f"param.{p}" for p in results.parameters]].rename(columns=lambda c: c.removeprefix("param."))
    return discover(x, outcome.evaluate(table[outcome.column]), str(outcome), **options)


def _range(low: float, high: float, full: tuple[float, float]) -> str:
    if low > full[0] and high < full[1]:
        return f"between {low:.4g} and {high:.4g}"
    return f">= {low:.4g}" if low > full[0] else f"<= {high:.4g}"


def format_discovery(result: dict[str, Any]) -> str:
    """The chosen box and the alternatives, as printed by ``negsim discover`` (from :meth:`Discovery.to_dict`)."""
    chosen, ranges = result["chosen"], result["ranges"]
    lines = [f"Scenario discovery (PRIM) for: {result['outcome']}",
             f"  {result['cases']:,} of {result['runs']:,} runs ({100 * result['base_density']:.1f}%) have it; "
             f"inputs: {', '.join(result['inputs'])}",
             f"  chosen box (from peeling step {chosen['step']} of {len(result['trajectory']['step']) - 1}):",
             *textwrap.wrap(result["rule"], 96, initial_indent="    rule: ", subsequent_indent="      ",
                           break_on_hyphens=False),
             f"    coverage {100 * chosen['coverage']:.1f}%  (share of the runs with the outcome inside the box)",
             f"    density  {100 * chosen['density']:.1f}%  (share of the box's runs with the outcome)",
             f"    mass     {100 * chosen['mass']:.1f}%  ({chosen['runs']:,} runs in the box)"]
    if chosen["restricted"]:
        lines.append("    restricted:")
        width = max(len(n) for n in chosen["restricted"])
        texts = {name: _range(low, high, ranges[name]) for name, (low, high) in chosen["restricted"].items()}
        span = max(len(t) for t in texts.values())
        for name, text in texts.items():
            full = ranges[name]
            lines.append(f"      {name:<{width}}  {text:<{span}}  (swept {full[0]:.4g} to "
                         f"{full[1]:.4g}; quasi-p {chosen['quasi_p'][name]:.2g})")
    else:
        lines.append("    restricted: none (no range of the inputs concentrates the outcome)")
    lines.append(f"    unrestricted: {', '.join(chosen['unrestricted']) or 'none'}")
    if result["alternatives"]:
        lines.append("  alternatives along the peeling trajectory (coverage / density / mass: restrictions):")
        for box in result["alternatives"]:
            limits = "; ".join(f"{n} {_range(lo, hi, ranges[n])}" for n, (lo, hi) in box["restricted"].items())
            lines.append(f"    step {box['step']:>3}: {100 * box['coverage']:5.1f}% / {100 * box['density']:5.1f}% / "
                         f"{100 * box['mass']:5.1f}%: {limits or 'none'}")
    return "\n".join(lines) + "\n"


def tradeoff_figure(results: Results, result: dict[str, Any]) -> Figure:
    """The peeling trade-off: coverage against density of every box on the trajectory, the chosen box marked."""
    from sim.analysis.figures import PALETTE, _figure

    trajectory = pd.DataFrame(result["trajectory"])
    figure, (ax,) = _figure(results, f"Scenario discovery (PRIM): when is `{result['outcome']}` true?",
                            size=(9.0, 5.6))
    ax.plot(100 * trajectory["coverage"], 100 * trajectory["density"], color="#999999", lw=1, zorder=1)
    markers = ["o", "s", "^", "D", "v", "P"]
    for count in sorted(trajectory["restricted"].unique()):
        rows = trajectory[trajectory["restricted"] == count]
        ax.scatter(100 * rows["coverage"], 100 * rows["density"], s=22, color=PALETTE[int(count) % len(PALETTE)],
                   marker=markers[int(count) % len(markers)], zorder=2,
                   label=f"peeling step: {count} input{'s' if count != 1 else ''} restricted")
    ax.axhline(100 * result["base_density"], color="black", ls=":", lw=1)
    ax.text(0.01, 100 * result["base_density"], "share of all runs with the outcome (no restriction)",
            transform=ax.get_yaxis_transform(), ha="left", va="bottom", fontsize=7.5)
    chosen = result["chosen"]
    ax.scatter([100 * chosen["coverage"]], [100 * chosen["density"]], s=260, marker="*", color=PALETTE[7],
               edgecolor="black", lw=1.2, zorder=4, label="chosen box (limits that do not matter dropped)")
    ranges = result["ranges"]
    from sim.analysis.points import parameter_label

    text = "\n".join(_wrap_line(f"{parameter_label(results.scenario, name)} {_range(lo, hi, ranges[name])}")
                     for name, (lo, hi) in chosen["restricted"].items()) or "no restriction"
    ax.annotate(f"chosen box: coverage {100 * chosen['coverage']:.0f}%, density {100 * chosen['density']:.0f}%\n{text}",
                (100 * chosen["coverage"], 100 * chosen["density"]), xytext=(0.03, 0.06), textcoords="axes fraction",
                fontsize=8, ha="left", va="bottom", arrowprops={"arrowstyle": "->", "color": "#333333", "lw": 0.8},
                bbox={"facecolor": "white", "alpha": 0.9, "lw": 0.5})
    for box in result["alternatives"]:
        ax.annotate(f"step {box['step']}", (100 * box["coverage"], 100 * box["density"]), xytext=(4, 4),
                    textcoords="offset points", fontsize=7, color="#444444")
    ax.set_xlim(-2, 102)
    ax.set_ylim(-2, 106)
    ax.set_xlabel("coverage: % of the runs with the outcome that fall in the box")
    ax.set_ylabel("density: % of the box's runs with the outcome")
    ax.grid(color="#e6e6e6", lw=0.6)
    ax.legend(loc="lower right", fontsize=7.5, framealpha=0.9)
    return figure


def _wrap_line(text: str) -> str:
    return "\n    ".join(textwrap.wrap(text, 60))


def write_discovery(results: Results, discovery: Discovery, out: str | Path | None = None,
                    fmt: str = "png") -> tuple[Path, Path]:
    """Write ``discovery.json`` and the trade-off figure (default under ``<results>/discovery``); return both paths."""
    from sim.results.output import write_text

    folder = Path(out) if out else results.folder / "discovery"
    result = discovery.to_dict()
    folder.mkdir(parents=True, exist_ok=True)
    target = write_text(folder / "discovery.json", json.dumps(result, indent=2) + "\n")
    figure_path = folder / f"discovery_tradeoff.{fmt}"
    tradeoff_figure(results, result).savefig(figure_path, dpi=130)
    return Path(target), figure_path
