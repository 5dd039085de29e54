"""The figures, each a function returning a matplotlib Figure.

Figures are built on ``matplotlib.figure.Figure`` directly (no pyplot), so they
need no display and leave no global state. Colours are the Okabe-Ito palette
(distinguishable with colour-blindness), and every series also differs by line
style, marker or hatching, so figures read in greyscale.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from scipy.stats import gaussian_kde

from sim.analysis import numbers
from sim.analysis.results import Results
from sim.kernel.events import describe_event
from sim.records import possible_members

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


def statement_distribution(results: Results, dimension: str) -> Figure:
    """Histogram and KDE of the agreed statement on a dimension, with ideal points, baselines and wording bands.

    On a forecast track it is the model's forecast in every run, settled or not.
    """
    values, no_agreement = numbers.statement_values(results, dimension)
    scenario = results.scenario
    d = scenario.dimension_index[dimension]
    low, high = scenario.lower[d], scenario.upper[d]
    name = scenario.dimensions[d].name or dimension
    owner = next(t for t in scenario.tracks if d in t.all_dims)
    track_kind = "framework" if d in owner.framework_dims else owner.rule_kind
    forecast = track_kind == "forecast"
    title = {"opt_in": f"Umbrella commitment on {name} (signatories' capability-weighted mean pledge)",
             "framework": f"Umbrella framework text on {name} (settled together by the signatories)",
             "forecast": f"Forecast on {name} (the model's, at its last round, settled or not)"}.get(
        track_kind, f"Agreed statement on {name}")
    figure, (ax,) = _figure(results, title)
    _shade_wording(ax, results, dimension)
    if len(values):
        ax.hist(values, bins=np.linspace(low, high, 41), density=True, color=PALETTE[0], alpha=0.55,
                edgecolor="white", label="forecast (histogram)" if forecast else "agreed statement (histogram)",
                zorder=2)
        if values.nunique() > 1:
            grid = np.linspace(low, high, 400)
            ax.plot(grid, gaussian_kde(values)(grid), color=PALETTE[0], lw=2, label="density (KDE)", zorder=3)
        else:
            ax.axvline(values.iloc[0], color=PALETTE[0], lw=2, label="every run" if forecast else "every agreement",
                       zorder=3)
    track = next(t for t in scenario.tracks if d in t.all_dims)
    members = np.flatnonzero(possible_members(scenario, track) | (np.arange(len(scenario.actor_ids)) == track.counterpart))
    at: dict[float, list[str]] = {}
    for i in members:
        at.setdefault(round(float(scenario.position[i, d]), 6), []).append(scenario.actor_ids[i])
    for x, names in sorted(at.items()):
        ax.plot([x], [0], marker="^", color="#333333", markersize=7, clip_on=False, zorder=4,
                transform=ax.get_xaxis_transform())
        ax.annotate("\n".join(", ".join(names[k:k + 2]) for k in range(0, len(names), 2)), (x, 0), xytext=(0, 9),
                    textcoords="offset points", rotation=90, fontsize=6.5, ha="center", va="bottom",
                    xycoords=ax.get_xaxis_transform(), zorder=4, linespacing=0.9)
    lines = numbers.baseline_lines(results)
    lines = lines[(lines["dimension"] == dimension) & (lines["baseline"] != "status_quo")]
    for index, row in enumerate(lines.itertuples()):
        if row.value == row.value:
            ax.axvline(row.value, color=PALETTE[(index + 1) % len(PALETTE)], ls=LINESTYLES[(index + 1) % 4], lw=1.6,
                       label=f"{row.baseline.replace('_', ' ')} ({row.value:.1f})", zorder=3)
    ax.set_xlim(low, high)
    ax.set_ylim(0, ax.get_ylim()[1] * 1.45)  # headroom for the wording bands' text
    ax.set_xlabel(_dimension_label(results, dimension))
    if forecast:
        track = next(t for t in scenario.tracks if d in t.all_dims)
        settled = results.table([f"{track.id}.agreed"])[f"{track.id}.agreed"].mean()
        ax.set_ylabel("density of runs")
        note = f"settled in {100 * settled:.1f}% of runs\nn = {len(values):,} runs"
    else:
        ax.set_ylabel("density of runs that agreed")
        note = f"no agreement in {100 * no_agreement:.1f}% of runs\nn = {len(values):,} agreed runs"
    ax.text(0.01, 0.80, note,
            transform=ax.transAxes, fontsize=8, va="top", bbox={"facecolor": "white", "alpha": 0.85, "lw": 0.5})
    ax.legend(loc="upper right", bbox_to_anchor=(1.0, 0.80), fontsize=7, framealpha=0.9)
    return figure


def agreement_vs_parameter(results: Results, parameter: str) -> Figure:
    """Agreement probability at each design point against one varied parameter, with 95% Wilson intervals."""
    frame = numbers.agreement_by_parameter(results, parameter)
    figure, (ax,) = _figure(results, f"Agreement probability vs {parameter}")
    error = np.vstack([frame["probability"] - frame["ci_low"], frame["ci_high"] - frame["probability"]])
    ax.errorbar(frame[parameter], frame["probability"], yerr=error, fmt="o", color=PALETTE[0], ecolor="#777777",
                elinewidth=1, capsize=2, markersize=4, label="design point (95% Wilson interval)")
    if frame[parameter].nunique() < len(frame) or len(frame) <= 12:
        means = frame.groupby(parameter)["probability"].mean()
        ax.plot(means.index, means.values, color=PALETTE[1], ls="--", lw=1.2, label="mean over points")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(parameter)
    ax.set_ylabel("agreement probability (every track)")
    ax.legend(fontsize=8)
    return figure


def agreement_heatmap(results: Results, first: str, second: str) -> Figure:
    """Agreement probability over two varied parameters."""
    grid = numbers.agreement_grid(results, first, second)
    figure, (ax,) = _figure(results, f"Agreement probability over {first} and {second}", size=(8.5, 6.0))
    image = ax.imshow(grid.to_numpy(dtype=float), origin="lower", aspect="auto", cmap="cividis", vmin=0, vmax=1)
    ax.set_xticks(range(grid.shape[1]), [f"{v:.3g}" for v in grid.columns], rotation=45, fontsize=7)
    ax.set_yticks(range(grid.shape[0]), [f"{v:.3g}" for v in grid.index], fontsize=7)
    for (row, column), value in np.ndenumerate(grid.to_numpy(dtype=float)):
        if value == value:
            ax.text(column, row, f"{value:.2f}", ha="center", va="center", fontsize=6.5,
                    color="white" if value < 0.55 else "black")
    ax.set_xlabel(first)
    ax.set_ylabel(second)
    figure.colorbar(image, ax=ax, label="agreement probability")
    return figure


def time_to_agreement(results: Results) -> Figure:
    """The share of runs in which each track has agreed (a forecast track: settled), by round."""
    frame = numbers.time_to_agreement(results)
    forecasts = {t.id for t in results.scenario.tracks if t.rule_kind == "forecast"}
    every = len(forecasts) == len(results.scenario.tracks)
    figure, (ax,) = _figure(results, "Time to settle" if every else "Time to agreement")
    deadlines: dict[int, list[str]] = {}
    for index, track in enumerate(results.scenario.tracks):
        ax.step(frame["round"], frame[track.id], where="post", color=PALETTE[index % len(PALETTE)],
                ls=LINESTYLES[index % 4], lw=2,
                label=f"{track.id}: {'settled' if track.id in forecasts else 'agreed'} by round")
        deadlines.setdefault(track.deadline, []).append(track.id)
    for deadline, tracks in deadlines.items():
        ax.axvline(deadline, color="black", ls=":", lw=1)
        label = "cap" if set(tracks) <= forecasts else "deadline"
        ax.text(deadline, 0.5, f"{label}: {', '.join(tracks)} ", rotation=90, fontsize=7, va="center", ha="right")
    for event in (e for e in results.scenario.events if e.round is not None):
        ax.axvline(event.round, color="#999999", lw=0.8, ls="--")
        ax.text(event.round, 0.02, _wrap(describe_event(event), 40) + " ", fontsize=6.5, va="bottom", ha="right",
                rotation=90, color="#555555")
    ax.set_ylim(0, 1.02)
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
