"""The figures, each a function returning a matplotlib Figure.

Figures are built on ``matplotlib.figure.Figure`` directly (no pyplot), so they
need no display and leave no global state. Colours are the Okabe-Ito palette
(distinguishable with colour-blindness), and every series also differs by line
style, marker or hatching, so figures read in greyscale.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter
from scipy.stats import gaussian_kde

from sim.analysis import numbers
from sim.analysis.results import Results
from sim.kernel.events import describe_event
from sim.results.records import possible_members
from sim.text import format_number

__all__ = [
    "PALETTE",
    "agreement_heatmap",
    "agreement_vs_parameter",
    "blocking_and_concessions",
    "sensitivity",
    "statement_distribution",
    "time_to_agreement",
    "trajectories",
]

PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]
LINESTYLES = ["-", "--", "-.", ":"]
HATCHES = ["", "//", "..", "xx"]
BAND_GREYS = ["#f2f2f2", "#e0e0e0"]


def _figure(results: Results, title: str, size=(9.0, 5.0), panels: tuple[int, int] = (1, 1)) -> tuple[Figure, np.ndarray]:
    figure = Figure(figsize=size, layout="constrained")
    axes = np.atleast_1d(figure.subplots(*panels, squeeze=False)).ravel()
    figure.suptitle(f"{title}\n{results.describe()}", fontsize=11)
    return figure, axes


def _dimension_label(results: Results, dimension: str) -> str:
    spec = results.scenario.dimensions[results.scenario.dimension_index[dimension]]
    low, high = spec.range
    return f"{spec.name or spec.id} ({low:g} to {high:g})"


def _shade_wording(ax, results: Results, dimension: str) -> None:
    """Shade each wording band of a dimension and write its text at the top of the panel."""
    spec = results.scenario.dimensions[results.scenario.dimension_index[dimension]]
    starts = [band.from_ for band in spec.wording] + [spec.range[1]]
    for index, band in enumerate(spec.wording):
        ax.axvspan(starts[index], starts[index + 1], color=BAND_GREYS[index % 2], zorder=0, lw=0)
        ax.text((starts[index] + starts[index + 1]) / 2, 0.98, _wrap(band.text, 26), transform=ax.get_xaxis_transform(),
                ha="center", va="top", fontsize=6.5, color="#444444", zorder=1)


def _wrap(text: str, width: int) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines[:4]) + ("..." if len(lines) > 4 else "")


def _band_bars(ax, results: Results, dimension: str) -> None:
    """The share of all runs in each wording band (and with no statement), 95% Wilson intervals."""
    shares = numbers.wording_shares(results, dimension)
    scenario = results.scenario
    d = scenario.dimension_index[dimension]
    width = float(scenario.width[d])
    high = float(scenario.upper[d])
    labels = []
    for index, row in enumerate(shares.itertuples()):
        if row.band < 0:
            labels.append(_wrap(str(row.text), 44))
        else:
            end = shares["from"].iloc[index + 1] if index + 1 < len(shares) and shares["band"].iloc[index + 1] >= 0 \
                else high
            labels.append(f"{_wrap(str(row.text), 44)}\n[{format_number(row._2, width)} to {format_number(end, width)}]")
    y = np.arange(len(shares))
    colours = [PALETTE[0] if band >= 0 else "#999999" for band in shares["band"]]
    error = np.clip(np.vstack([shares["share"] - shares["ci_low"], shares["ci_high"] - shares["share"]]), 0, None)
    ax.barh(y, shares["share"], color=colours, hatch=None, edgecolor="white", height=0.7,
            xerr=error, error_kw={"elinewidth": 1, "capsize": 3, "ecolor": "#333333"})
    for row, (share, high_ci, modal) in enumerate(zip(shares["share"], shares["ci_high"], shares["modal"])):
        ax.text(high_ci + 0.01, row, f"{100 * share:.1f}%" + ("  (most runs)" if modal else ""), va="center",
                fontsize=8)
    ax.set_yticks(y, labels, fontsize=7.5)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.25)
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.xaxis.set_major_formatter(lambda value, _: f"{100 * value:.0f}%")
    ax.set_xlabel("share of all runs (bars: 95% Wilson interval)")
    ax.set_title("What the statement says: share of runs in each wording band", fontsize=10)


def _ideal_points(ax, results: Results, dimension: str) -> None:
    """The actors' opening positions on the axis; a position the sweep varied is drawn as its range over the points."""
    scenario = results.scenario
    d = scenario.dimension_index[dimension]
    track = next(t for t in scenario.tracks if d in t.all_dims)
    members = np.flatnonzero(possible_members(scenario, track) | (np.arange(len(scenario.actor_ids)) == track.counterpart))
    at: dict[float, list[str]] = {}
    for i in members:
        actor = scenario.actor_ids[i]
        path = f"actors.{actor}.position.{dimension}"
        if path in results.parameters:
            values = results.table([f"param.{path}"])[f"param.{path}"].astype(float)
            low, high = float(values.min()), float(values.max())
            level = 0.30 + 0.07 * (len(ax.lines) % 3)
            ax.errorbar([(low + high) / 2], [level], xerr=[[(high - low) / 2]], fmt="none", ecolor="#333333",
                        elinewidth=2.5, capsize=5, zorder=5, transform=ax.get_xaxis_transform())
            ax.annotate(f"{actor}'s opening position, varied by the design: {format_number(low, scenario.width[d])} "
                        f"to {format_number(high, scenario.width[d])}", ((low + high) / 2, level), xytext=(0, 4),
                        textcoords="offset points", fontsize=6.5, ha="center", va="bottom",
                        xycoords=ax.get_xaxis_transform(), zorder=5,
                        bbox={"facecolor": "white", "alpha": 0.8, "lw": 0, "pad": 1})
            continue
        at.setdefault(round(float(scenario.position[i, d]), 6), []).append(actor)
    for x, names in sorted(at.items()):
        ax.plot([x], [0], marker="^", color="#333333", markersize=7, clip_on=False, zorder=4,
                transform=ax.get_xaxis_transform())
        ax.annotate("\n".join(", ".join(names[k:k + 2]) for k in range(0, len(names), 2)), (x, 0), xytext=(0, 9),
                    textcoords="offset points", rotation=90, fontsize=6.5, ha="center", va="bottom",
                    xycoords=ax.get_xaxis_transform(), zorder=4, linespacing=0.9)


def statement_distribution(results: Results, dimension: str) -> Figure:
    """Where the statement on a dimension lands: the share of runs in each wording band (the main
    panel), and below it how many runs land at each value, with the actors' opening positions,
    the baselines and the wording bands.

    On a forecast track it is the model's forecast in every run, settled or not.
    """
    values, no_agreement = numbers.statement_values(results, dimension)
    scenario = results.scenario
    d = scenario.dimension_index[dimension]
    low, high = scenario.lower[d], scenario.upper[d]
    width = float(scenario.width[d])
    name = scenario.dimensions[d].name or dimension
    owner = next(t for t in scenario.tracks if d in t.all_dims)
    track_kind = "framework" if d in owner.framework_dims else owner.rule_kind
    forecast = track_kind == "forecast"
    title = {"opt_in": f"Umbrella commitment on {name} (signatories' capability-weighted mean pledge)",
             "framework": f"Umbrella framework text on {name} (settled together by the signatories)",
             "forecast": f"Forecast on {name} (the model's, at its last round, settled or not)"}.get(
        track_kind, f"Agreed statement on {name}")
    figure = Figure(figsize=(10.0, 9.5), layout="constrained")
    bars, ax = figure.subplots(2, 1, height_ratios=[1.0, 1.15])
    figure.suptitle(_wrap(title + _pooled(results), 100) + f"\n{results.describe()}", fontsize=11)
    _band_bars(bars, results, dimension)
    _shade_wording(ax, results, dimension)
    total = len(values) / max(1e-12, 1 - no_agreement) if not forecast else len(values)
    total = max(total, 1)
    edges = np.linspace(low, high, 41)
    if len(values):
        ax.hist(values, bins=edges, weights=np.full(len(values), 1 / total), color=PALETTE[0], alpha=0.55,
                edgecolor="white", label="forecast (share of runs per bin)" if forecast
                else "agreed statement (share of runs per bin)", zorder=2)
        if values.nunique() > 1:
            grid = np.linspace(low, high, 400)
            scale = (edges[1] - edges[0]) * len(values) / total
            ax.plot(grid, gaussian_kde(values)(grid) * scale, color=PALETTE[0], lw=2, label="smoothed", zorder=3)
        else:
            ax.axvline(values.iloc[0], color=PALETTE[0], lw=2, label="every run" if forecast else "every agreement",
                       zorder=3)
    _ideal_points(ax, results, dimension)
    lines = numbers.baseline_lines(results)
    lines = lines[(lines["dimension"] == dimension) & (lines["baseline"] != "status_quo")]
    base = " at the base scenario" if results.kind == "sweep" else ""
    for index, row in enumerate(lines.itertuples()):
        if row.value == row.value:
            ax.axvline(row.value, color=PALETTE[(index + 1) % len(PALETTE)], ls=LINESTYLES[(index + 1) % 4], lw=1.6,
                       label=f"{row.baseline.replace('_', ' ')} ({format_number(row.value, width)}){base}", zorder=3)
    ax.set_xlim(low, high)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.45)  # headroom for the wording bands' text
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(_dimension_label(results, dimension))
    ax.set_ylabel("share of runs in each bin")
    ax.set_title("How many runs land at each value (triangles: the actors' opening positions)", fontsize=10)
    if forecast:
        settled = results.table([f"{owner.id}.agreed"])[f"{owner.id}.agreed"].mean()
        note = f"settled in {100 * settled:.1f}% of runs\nn = {len(values):,} runs"
    else:
        note = f"no agreement in {100 * no_agreement:.1f}% of runs\nn = {len(values):,} agreed runs"
    ax.text(0.01, 0.80, note,
            transform=ax.transAxes, fontsize=8, va="top", bbox={"facecolor": "white", "alpha": 0.85, "lw": 0.5})
    ax.legend(loc="upper right", bbox_to_anchor=(1.0, 0.80), fontsize=7, framealpha=0.9)
    return figure


def _pooled(results: Results, but: tuple[str, ...] = ()) -> str:
    """`` (pooled over ...)`` naming the sweep's varied parameters a figure mixes together, or ``""``."""
    pooled = [numbers.parameter_label(results, p) for p in results.parameters if p not in but] \
        if results.kind == "sweep" else []
    if not pooled:
        return ""
    return f" (pooled over the design: {'; '.join(pooled)})" if len(pooled) <= 3 else \
        f" (pooled over the design's {len(pooled)} varied parameters)"


def agreement_vs_parameter(results: Results, parameter: str, bins: int = 8) -> Figure:
    """Agreement probability against one varied parameter: the runs cut into (at most ``bins``)
    quantile bins of the parameter, each bin's share agreed with its 95% Wilson interval."""
    frame = numbers.agreement_bins(results, parameter, bins)
    label = numbers.parameter_label(results, parameter)
    title = _wrap(f"Agreement probability vs {label}" + _pooled(results, (parameter,)), 95)
    figure, (ax,) = _figure(results, title)
    error = np.clip(np.vstack([frame["probability"] - frame["ci_low"], frame["ci_high"] - frame["probability"]]),
                    0, None)
    span = np.clip(np.vstack([frame["centre"] - frame["low"], frame["high"] - frame["centre"]]), 0, None)
    ax.errorbar(frame["centre"], frame["probability"], yerr=error, xerr=span, fmt="o", color=PALETTE[0],
                ecolor="#777777", elinewidth=1.2, capsize=3, markersize=6,
                label="share agreed in the bin (95% Wilson interval; horizontal bar: the bin's range)")
    ax.plot(frame["centre"], frame["probability"], color=PALETTE[0], lw=1, alpha=0.5)
    places = numbers.parameter_precision(np.r_[frame["low"], frame["high"]])
    for row in frame.itertuples():
        ax.annotate(f"{row.points} pts", (row.centre, row.ci_low), xytext=(0, -10), textcoords="offset points",
                    ha="center", va="top", fontsize=6.5, color="#555555")
    low = float(min(frame["ci_low"].min(), frame["probability"].min()))
    bottom = max(-0.02, low - max(0.05, (1 - low) * 0.25))
    ax.set_ylim(bottom, 1.02)
    ax.set_xlabel(f"{label} (bins of equal numbers of design points)")
    ax.set_ylabel("agreement probability (every track)")
    ax.xaxis.set_major_formatter(lambda value, _: f"{value:.{places}f}")
    ax.legend(fontsize=8, loc="lower left")
    return figure


def agreement_heatmap(results: Results, first: str, second: str) -> Figure:
    """Agreement probability over two varied parameters; the colour scale spans the cells' range."""
    grid = numbers.agreement_grid(results, first, second)
    names = numbers.parameter_label(results, first), numbers.parameter_label(results, second)
    title = _wrap(f"Agreement probability over {names[0]} and {names[1]}" + _pooled(results, (first, second)), 95)
    figure, (ax,) = _figure(results, title, size=(9.0, 6.5))
    values = grid.to_numpy(dtype=float)
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    if high - low < 1e-9:
        low, high = low - 0.005, high + 0.005
    image = ax.imshow(values, origin="lower", aspect="auto", cmap="cividis", vmin=low, vmax=high)
    xp, yp = numbers.parameter_precision(grid.columns), numbers.parameter_precision(grid.index)
    ax.set_xticks(range(grid.shape[1]), [f"{v:.{xp}f}" for v in grid.columns], fontsize=8)
    ax.set_yticks(range(grid.shape[0]), [f"{v:.{yp}f}" for v in grid.index], fontsize=8)
    middle = (low + high) / 2
    for (row, column), value in np.ndenumerate(values):
        if value == value:
            ax.text(column, row, f"{100 * value:.1f}%", ha="center", va="center", fontsize=7,
                    color="white" if value < middle else "black")
        else:
            ax.text(column, row, "no design point", ha="center", va="center", fontsize=6.5, color="#777777")
    ax.set_xlabel(f"{names[0]} (bin centre)")
    ax.set_ylabel(_wrap(f"{names[1]} (bin centre)", 45))
    bar = figure.colorbar(image, ax=ax, label="agreement probability (scale fitted to the cells' range)")
    bar.formatter = _percent_formatter(high - low)
    bar.update_ticks()
    return figure


def _percent_formatter(width: float):
    places = max(0, min(3, int(np.ceil(-np.log10(max(width, 1e-9) * 100 / 5)))))
    return lambda value, _: f"{100 * value:.{places}f}%"


def time_to_agreement(results: Results) -> Figure:
    """The share of runs in which each track has agreed (a forecast track: settled), by round.

    The rounds run to the largest deadline of any run; where a sweep varied a track's deadline,
    the range of its deadlines is shaded.
    """
    frame = numbers.time_to_agreement(results)
    forecasts = {t.id for t in results.scenario.tracks if t.rule_kind == "forecast"}
    every = len(forecasts) == len(results.scenario.tracks)
    figure, (ax,) = _figure(results, _wrap(("Time to settle" if every else "Time to agreement") + _pooled(results), 95))
    deadlines: dict[tuple[int, int], list[str]] = {}
    for index, track in enumerate(results.scenario.tracks):
        final = frame[track.id].iloc[-1]
        ax.step(frame["round"], frame[track.id], where="post", color=PALETTE[index % len(PALETTE)],
                ls=LINESTYLES[index % 4], lw=2,
                label=f"{track.id}: {'settled' if track.id in forecasts else 'agreed'} by round "
                      f"({100 * final:.1f}% in the end)")
        runs = numbers.run_deadlines(results, track)
        deadlines.setdefault((int(np.nanmin(runs)), int(np.nanmax(runs))), []).append(track.id)
    for (first, last), tracks in deadlines.items():
        label = "cap" if set(tracks) <= forecasts else "deadline"
        if first == last:
            ax.axvline(last, color="black", ls=":", lw=1)
            ax.text(last, 0.5, f"{label}: {', '.join(tracks)} ", rotation=90, fontsize=7, va="center", ha="right")
        else:
            ax.axvspan(first, last, color="#bbbbbb", alpha=0.3, lw=0, zorder=0)
            for edge in (first, last):
                ax.axvline(edge, color="black", ls=":", lw=1)
            ax.text((first + last) / 2, 1.01, f"{label}s of {', '.join(tracks)}: rounds {first} to {last} "
                    "(varied by the design)", fontsize=7, va="bottom", ha="center",
                    transform=ax.get_xaxis_transform())
    for event in (e for e in results.scenario.events if e.round is not None):
        ax.axvline(event.round, color="#999999", lw=0.8, ls="--")
        ax.text(event.round, 0.02, _wrap(describe_event(event), 40) + " ", fontsize=6.5, va="bottom", ha="right",
                rotation=90, color="#555555")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0.5, frame["round"].iloc[-1] + 0.5)
    ax.set_xlabel("round")
    ax.set_ylabel("share of runs settled" if every else "share of runs agreed" if not forecasts else "share of runs agreed (forecasts: settled)")
    ax.legend(loc="upper left", fontsize=8)
    return figure


def blocking_and_concessions(results: Results, track_id: str) -> Figure:
    """Who blocks (or signs), and how far each actor conceded and what it got, on one track."""
    shares = numbers.blocking(results, track_id)
    long = numbers.concessions(results, track_id)
    figure, axes = _figure(results, f"Who blocks, who concedes: track {track_id}", size=(12.0, 5.5), panels=(1, 3))
    what = shares.columns[1]
    axes[0].barh(shares["actor"], shares[what], color=PALETTE[3], hatch="//", edgecolor="white")
    axes[0].invert_yaxis()
    top = max(0.05, float(shares[what].max()) * 1.25)
    axes[0].set_xlim(0, min(1.1, top))
    for row, share in enumerate(shares[what]):
        axes[0].text(share, row, f" {100 * share:.1f}%", va="center", fontsize=7)
    axes[0].set_xlabel(f"share of runs it {what}")
    axes[0].set_title(f"{'Signing' if what == 'signed' else 'Blocking'} frequency", fontsize=10)
    actors = list(dict.fromkeys(long["actor"]))
    for ax, column, label in ((axes[1], "concession", "concession (0 = got its ideal)"),
                              (axes[2], "utility", "utility of what it ended with")):
        data = [long.loc[(long["actor"] == a), column].dropna().to_numpy() for a in actors]
        shown = [(a, x) for a, x in zip(actors, data) if len(x)]
        if shown:
            ax.boxplot([x for _, x in shown], orientation="horizontal", tick_labels=[a for a, _ in shown], showfliers=False,
                       patch_artist=True, boxprops={"facecolor": PALETTE[5], "alpha": 0.6},
                       medianprops={"color": "black"})
            ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel(label)
        ax.set_title(f"{column.capitalize()} per actor", fontsize=10)
    return figure


def trajectories(results: Results, track_id: str) -> Figure:
    """Each dimension's draft over rounds: median with 50% and 90% bands across runs; events marked."""
    scenario = results.scenario
    track = scenario.tracks[scenario.track_index[track_id]]
    dims = [scenario.dimension_ids[d] for d in track.dims]
    figure, axes = _figure(results, f"Draft over rounds: track {track_id}", size=(6.0 * len(dims), 4.8),
                           panels=(1, len(dims)))
    for ax, dim in zip(axes, dims):
        bands = numbers.trajectory_bands(results, dim)
        ax.fill_between(bands["round"], bands["q05"], bands["q95"], color=PALETTE[0], alpha=0.18, lw=0,
                        label="90% of runs")
        ax.fill_between(bands["round"], bands["q25"], bands["q75"], color=PALETTE[0], alpha=0.35, lw=0,
                        label="50% of runs")
        ax.plot(bands["round"], bands["median"], color=PALETTE[0], lw=2, marker="o", markersize=3, label="median")
        for event in (e for e in scenario.events if e.round is not None):
            ax.axvline(event.round, color="#777777", ls="--", lw=0.9)
            ax.text(event.round, 0.02, f" {_wrap(describe_event(event), 34)}", rotation=90, fontsize=6.5,
                    va="bottom", transform=ax.get_xaxis_transform(), color="#444444")
        d = scenario.dimension_index[dim]
        ax.set_ylim(scenario.lower[d], scenario.upper[d])
        ax.set_xlabel("round")
        ax.set_ylabel(_dimension_label(results, dim))
        ax.legend(fontsize=7, loc="best")
    return figure


def sensitivity(results: Results) -> Figure:
    """Sobol' S1 and ST (or Morris mu* and sigma) per parameter, for every output the sweep analysed."""
    metrics = list(results.sensitivity["metrics"]) if results.sensitivity else []
    if not metrics:
        from sim.errors import InputError

        raise InputError(str(results.folder), ["no sensitivity indices here (only Sobol' and Morris sweeps have them)"])
    sobol = results.sensitivity["design"] == "sobol_sensitivity"
    figure, axes = _figure(results, "Sensitivity: " + ("Sobol' indices" if sobol else "Morris screening"),
                           size=(5.0 * len(metrics), 4.8), panels=(1, len(metrics)))
    for ax, metric in zip(axes, metrics):
        table = numbers.sensitivity_table(results, metric)
        y = np.arange(len(table))
        pairs = (("S1", "S1_conf", "first order S1"), ("ST", "ST_conf", "total ST")) if sobol else (
            ("mu_star", "mu_star_conf", "mu* (mean |effect|)"), ("sigma", None, "sigma (interaction)"))
        for offset, (key, conf, label) in enumerate(pairs):
            ax.barh(y + (offset - 0.5) * 0.38, table[key], height=0.36, color=PALETTE[offset * 3],
                    hatch=HATCHES[offset], edgecolor="white", xerr=table[conf] if conf else None,
                    error_kw={"elinewidth": 1, "capsize": 2}, label=label)
        ax.set_yticks(y, table["parameter"], fontsize=7)
        ax.invert_yaxis()
        ax.axvline(0, color="black", lw=0.6)
        ax.set_title(metric, fontsize=10)
        ax.set_xlabel("index (95% interval)" if sobol else "elementary effect")
        ax.legend(fontsize=7)
    return figure
