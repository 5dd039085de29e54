"""One self-contained HTML report: what was run, the key numbers, the figures with how to read them."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import numbers, points
from sim.analysis.plot import plan
from sim.analysis.results import Results
from sim.baselines import baselines
from sim.results.output import write_text
from sim.results.summary import agreement_interval
from sim.text import format_number

__all__ = ["report_html", "write_report"]

STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.92em; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; } .key { font-size: 1.25em; font-weight: 600; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.95em; color: #333; margin-top: 0.3em; } .muted { color: #666; font-size: 0.9em; }
.warnings { border: 2px solid #d55e00; background: #fff4ec; padding: 0.4em 1em; margin: 0.8em 0; }
.warnings ul { margin: 0.3em 0; } td.num { text-align: right; }
"""


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _what_was_run(results: Results) -> str:
    manifest = results.manifest
    rows = [("Scenario", f"{results.scenario.name}: {results.scenario.spec.description}"),
            ("Protocols", ", ".join(f"{t.id}: {t.protocol} ({t.rule_kind.replace('_', ' ')}, deadline round "
                                    f"{t.deadline})" for t in results.scenario.tracks)),
            ("Runs", f"{results.runs:,}"), ("Root seed", str(results.seed)),
            ("Package version", str(manifest.get("package_version", "unknown")))]
    if results.kind == "sweep":
        design = manifest["design"]
        rows.insert(2, ("Design", f"{design['kind']}: {design['points']} points x {manifest['replicates']} "
                                  f"replicates; varied: {', '.join(design['parameters'])}"))
        rows.insert(3, ("Experiment", manifest["experiment"]["name"]))
    else:
        rows.insert(2, ("Kind", results.kind.replace("_", " ") + f" (engine {manifest.get('engine', '?')})"))
    return "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows)


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _modal_text(shares) -> str:
    """The modal band's text with its share of all runs and interval, for the key-number table."""
    modal = shares[shares["modal"]]
    if modal.empty:
        return ""
    row = modal.iloc[0]
    return (f"{html.escape(row.text)} <span class='muted'>({_pct(row.share)} of runs, "
            f"{_pct(row.ci_low)} to {_pct(row.ci_high)})</span>")


def _headline(results: Results, agreed: int, count: int) -> str:
    """The agreement headline: binomial over the runs for a Monte Carlo; over design points for a sweep."""
    if results.kind != "sweep":
        low, high = agreement_interval(agreed, count)
        return (f"<p class='key'>Every track agreed in {100 * agreed / count:.1f}% of runs "
                f"(95% interval {100 * low:.1f}% to {100 * high:.1f}%).</p>")
    per_point = points.agreement_per_point(results.table(["point", "agreed"]))
    row = points.design_summary(per_point, pooled=agreed / count, seed=results.seed).iloc[0]
    replicates = results.manifest.get("replicates", "?")
    return (f"<p class='key'>Averaged over the {int(row.points)} design points, every track agreed with "
            f"probability {_pct(row['mean'])} (95% bootstrap interval over the points {_pct(row.boot_low)} to "
            f"{_pct(row.boot_high)}); across the points it ranges from {_pct(row['min'])} to {_pct(row['max'])} "
            f"(quartiles {_pct(row.q25)}, {_pct(row['median'])}, {_pct(row.q75)}).</p>"
            f"<p>A sweep is not one sample: each design point has its own agreement probability, estimated from "
            f"its {replicates} replicates (per-point table below, with 95% Wilson intervals). The share of all "
            f"{count:,} runs that agreed ({_pct(agreed / count)}) pools the points, so it depends on the design: "
            f"which points were drawn over the levers' ranges and how many replicates each got (another design "
            f"over the same ranges gives another number). A binomial interval around it would treat the "
            f"{count:,} runs as one sample from one setting, which they are not, so none is given. The bootstrap "
            f"interval resamples the design points and says how precisely the design mean is known, not where a "
            f"single point lies: read the spread across points and the per-point table for that.</p>")


def _track_agreed(results: Results, table, track, count: int) -> str:
    """A track's agreement cell: binomial for a Monte Carlo; design mean and range over points for a sweep."""
    settled = " settled" if track.rule_kind == "forecast" else ""
    if results.kind == "sweep":
        per_point = points.agreement_per_point(table, f"{track.id}.agreed")
        row = points.design_summary(per_point, seed=results.seed).iloc[0]
        return (f"{_pct(row['mean'])}{settled}, mean over points ({_pct(row.boot_low)} to {_pct(row.boot_high)}; "
                f"points range {_pct(row['min'])} to {_pct(row['max'])})")
    track_agreed = int(table[f"{track.id}.agreed"].sum())
    t_low, t_high = agreement_interval(track_agreed, count)
    return f"{100 * track_agreed / count:.1f}%{settled} ({100 * t_low:.1f} to {100 * t_high:.1f})"


def _key_numbers(results: Results) -> str:
    scenario = results.scenario
    extra = ["point"] if results.kind == "sweep" else []
    table = results.table(extra + ["agreed"] + [f"{t.id}.agreed" for t in scenario.tracks])
    parts = []
    count, agreed = len(table), int(table["agreed"].sum())
    parts.append(_headline(results, agreed, count))
    parts.append(_warnings(results))
    rows = []
    for track in scenario.tracks:
        agreed_cell = _track_agreed(results, table, track, count)
        for d in track.all_dims:
            dim = scenario.dimension_ids[d]
            width = float(scenario.width[d])
            values, _ = numbers.statement_values(results, dim)
            if len(values):
                q05, q50, q95 = (format_number(v, width) for v in np.quantile(values, [0.05, 0.5, 0.95]))
                among = "runs' forecasts" if track.rule_kind == "forecast" else "agreements"
                statement = f"{q50} (90% of {among} between {q05} and {q95})"
            else:
                statement = "never agreed"
            rows.append(f"<tr><td>{html.escape(track.id)}</td><td>{agreed_cell}</td><td>{html.escape(dim)}</td>"
                        f"<td>{statement}</td><td>{_modal_text(numbers.wording_shares(results, dim))}</td></tr>")
    agreed_head = "agreed (over design points)" if results.kind == "sweep" else "agreed (95% interval)"
    pooled_note = ("<p class='muted'>Statements, wordings and blockers pool the runs of every design point.</p>"
                   if results.kind == "sweep" else "")
    parts.append(f"<table><tr><th>track</th><th>{agreed_head}</th><th>dimension</th>"
                 "<th>statement: median</th><th>most frequent draft wording (share of all runs, 95% interval)"
                 "</th></tr>" + "".join(rows) + "</table>" + pooled_note)
    blockers = []
    for track in scenario.tracks:
        shares = numbers.blocking(results, track.id)
        what = shares.columns[1]
        top = shares[shares[what] > 0].head(3)
        if what == "blocked":
            text = ", ".join(f"{r.actor} ({100 * r.blocked:.1f}%)" for r in top.itertuples()) or "nobody blocked"
            blockers.append(f"<li>{html.escape(track.id)}: top blockers: {html.escape(text)}</li>")
        else:
            text = ", ".join(f"{r.actor} ({100 * r.signed:.0f}%)" for r in shares.head(3).itertuples())
            blockers.append(f"<li>{html.escape(track.id)}: most frequent signatories: {html.escape(text)}</li>")
    parts.append("<ul>" + "".join(blockers) + "</ul>")
    return "".join(parts)


def _variance(results: Results) -> pd.DataFrame:
    """The within/between split per outcome: from ``sensitivity.json`` if the sweep wrote one, else computed."""
    if results.sensitivity and results.sensitivity.get("variance"):
        return pd.DataFrame([{"outcome": k, "runs": v["runs"], "within": v["within"], "between": v["between"],
                              "within_share": v["within_share"]}
                             for k, v in results.sensitivity["variance"].items()])
    dims = [f"statement.{d}" for d in results.scenario.dimension_ids]
    table = results.table(["point", "agreed", *dims]).copy()
    table["agreed"] = table["agreed"].astype(float)
    return points.variance_split(table, {"agreement": "agreed", **{d: d for d in dims}})


def _warnings(results: Results) -> str:
    """A sweep's warnings (``sensitivity.json``'s, else the same checks on the variance split), boxed,
    so a reader cannot miss them (empty when none, and for a Monte Carlo)."""
    if results.kind != "sweep":
        return ""
    if results.sensitivity is not None:
        found, source = results.sensitivity.get("warnings") or [], "sensitivity.json"
    else:
        from sim.sweeps.sensitivity import sensitivity_warnings

        split = _variance(results)
        variance = {r["outcome"]: {"within": r["within"], "between": r["between"],
                                   "within_share": None if r["within_share"] != r["within_share"] else
                                   r["within_share"]} for r in split.to_dict("records")}
        found, source = sensitivity_warnings(variance), "the variance split below"
    if not found:
        return ""
    items = "".join(f"<li>{html.escape(w)}</li>" for w in found)
    return (f"<div class='warnings'><strong>Warnings ({len(found)}, from {source}):</strong>"
            f"<ul>{items}</ul></div>")


SHOWN = 30
"""A per-point table with more rows than this shows only the points with the lowest and highest agreement."""


def _value(value) -> str:
    return f"{value:.4g}" if isinstance(value, (int, float, np.number)) else html.escape(str(value))


def _point_row(row: dict, labels: list[str]) -> str:
    cells = "".join(f"<td class='num'>{_value(row[label])}</td>" for label in labels)
    return (f"<tr><td class='num'>{row['point']}</td>{cells}<td class='num'>{_pct(row['share'])}</td>"
            f"<td>{_pct(row['ci_low'])} to {_pct(row['ci_high'])}</td><td class='num'>{row['agreed']} / "
            f"{row['runs']}</td></tr>")


def _points_section(results: Results) -> str:
    """The per-point table: each design point's parameter values and agreement with its Wilson interval."""
    columns = ["point", "agreed"] + [f"param.{p}" for p in results.parameters]
    table = points.point_table(results.table(columns), results.parameters, results.scenario)
    labels = list(table.columns[1:1 + len(results.parameters)])
    ordered = table.sort_values(["share", "point"], ascending=[False, True]).to_dict("records")
    head = ("<table><tr><th>point</th>" + "".join(f"<th>{html.escape(label)}<br><span class='muted'>"
                                                   f"{html.escape(path)}</span></th>"
                                                   for label, path in zip(labels, results.parameters))
            + "<th>agreed</th><th>95% Wilson interval</th><th>runs agreed</th></tr>")
    if len(ordered) <= SHOWN:
        body = "".join(_point_row(row, labels) for row in ordered)
        note = f"All {len(ordered)} design points, by agreement (highest first)."
    else:
        half = SHOWN // 3
        gap = (f"<tr><td colspan='{len(labels) + 4}' class='muted'>... {len(ordered) - 2 * half} points "
               f"not shown ...</td></tr>")
        body = ("".join(_point_row(row, labels) for row in ordered[:half]) + gap
                + "".join(_point_row(row, labels) for row in ordered[-half:]))
        note = (f"The {half} design points with the highest and the {half} with the lowest agreement, of "
                f"{len(ordered)}; every point is in <code>runs.parquet</code> "
                f"(<code>sim.analysis.points.point_table</code>).")
    return (f"<h2>Agreement per design point</h2><p>Each row is one design point: the values the design gave the "
            f"varied parameters, and the share of its replicates in which every track agreed, with a 95% Wilson "
            f"interval over those replicates. {note}</p>{head}{body}</table>")


def _variance_section(results: Results) -> str:
    """Within-point (replicate noise) and between-point (levers) variance per outcome."""
    split = _variance(results)

    def number(value) -> str:
        return "" if value is None or value != value else f"{value:.4g}"

    def share(value) -> str:
        return "(constant)" if value is None or value != value else _pct(value)

    rows = "".join(f"<tr><td>{html.escape(r['outcome'])}</td><td class='num'>{int(r['runs']):,}</td>"
                   f"<td class='num'>{number(r['within'])}</td><td class='num'>{number(r['between'])}</td>"
                   f"<td class='num'>{share(r['within_share']) if r['runs'] else ''}</td></tr>"
                   for r in split.to_dict("records"))
    return ("<h3>Variance within and between design points</h3><p>Each outcome's variance over the runs, split "
            "into its part within design points (replicate noise: the draws and stochastic events of the "
            "replicates) and between them (the levers' effect). When noise dominates (within share above 50%), "
            "differences between points are mostly noise: add replicates before reading them.</p>"
            "<table><tr><th>outcome</th><th>runs</th><th>within</th><th>between</th><th>within share</th></tr>"
            + rows + "</table>")


def _sensitivity_section(results: Results) -> str:
    """The Sobol' or Morris indices of ``sensitivity.json`` with its warnings (empty when there is none)."""
    data = results.sensitivity
    if not data:
        return ""
    frame = points.sensitivity_table(data)
    sobol = data.get("design") == "sobol_sensitivity"
    keys = (("S1", "S1_conf"), ("ST", "ST_conf")) if sobol else (("mu", None), ("mu_star", "mu_star_conf"),
                                                                 ("sigma", None))
    head = "".join(f"<th>{html.escape(k)}{' (+/- 95%)' if conf else ''}</th>" for k, conf in keys)
    rows = []
    for r in frame.to_dict("records"):
        cells = "".join(f"<td class='num'>{r[k]:.3f}" + (f" +/- {r[c]:.3f}" if c else "") + "</td>" for k, c in keys)
        label = points.parameter_label(results.scenario, r["parameter"])
        rows.append(f"<tr><td>{html.escape(r['outcome'])}</td><td>{html.escape(label)} <span class='muted'>"
                    f"({html.escape(r['parameter'])})</span></td>{cells}</tr>")
    skipped = "".join(f"<li>{html.escape(m)}: {html.escape(why)}</li>" for m, why in data.get("skipped", {}).items())
    what = ("Sobol' indices (Saltelli scheme, SALib): S1 is the share of an outcome's variance over the design "
            "points due to the parameter alone, ST including its interactions; +/- is the 95% confidence "
            "half-width from SALib's bootstrap over the points." if sobol else
            "Morris elementary effects (SALib): mu* is the mean absolute effect of the parameter on the outcome, "
            "sigma its spread (interactions or non-linearity); +/- is mu*'s 95% confidence half-width.")
    return (f"<h3>Sensitivity ({'Sobol' if sobol else 'Morris'}, from sensitivity.json)</h3>{_warnings(results)}"
            f"<p>{what} Computed on per-point outcomes (agreement probability, mean statement), never on single "
            f"runs.</p><table class='sensitivity'><tr><th>outcome</th><th>parameter</th>{head}</tr>"
            + "".join(rows) + "</table>" + (f"<p>Skipped:</p><ul>{skipped}</ul>" if skipped else ""))


def _baselines_section(results: Results) -> str:
    """The closed-form baselines (sim.baselines), at the scenario's declared values (a sweep's base scenario)."""
    frame = baselines(results.scenario)
    if frame.empty:
        return ""
    scenario = results.scenario
    rows = []
    for r in frame.to_dict("records"):
        width = float(scenario.width[scenario.dimension_index[r["dimension"]]])
        value = "none (no point beats the status quo for everyone)" if r["value"] != r["value"] else \
            format_number(r["value"], width)
        rows.append(f"<tr><td>{html.escape(r['track'])}</td><td>{html.escape(r['dimension'])}</td>"
                    f"<td>{html.escape(r['baseline'].replace('_', ' '))}</td><td class='num'>{html.escape(value)}</td>"
                    f"<td>{html.escape(r['wording'])}</td></tr>")
    where = ("at the base scenario (its declared values, before any lever is applied; they move from point to "
             "point)" if results.kind == "sweep" else "at the scenario's declared values")
    return (f"<h2>Baselines</h2><p>What closed-form solution concepts predict, without simulating a negotiation, "
            f"{where}: the compromise (capability x salience weighted mean), the weighted median, the Nash "
            f"bargaining solution over the status quo, and the status quo itself.</p><table class='baselines'>"
            "<tr><th>track</th><th>dimension</th><th>baseline</th><th>value</th><th>wording</th></tr>"
            + "".join(rows) + "</table>")


def _sweep_sections(results: Results) -> str:
    if results.kind != "sweep":
        return ""
    return (_points_section(results) + "<h2>What moves the outcome</h2>" + _variance_section(results)
            + _sensitivity_section(results))


def _wording_tables(results: Results) -> str:
    """Per dimension: the share of all runs in each wording band with its 95% Wilson interval."""
    scenario = results.scenario
    parts = ["<p>Each row is one outcome on the dimension: a wording band the statement falls in, or no "
             "statement at all (no agreement, the status quo holding; an opt-in track not launched). Shares "
             "are of all runs and sum to 100%; the bold row is the most frequent band. The last column is the "
             "share among the runs that produced a statement.</p>"]
    for track in scenario.tracks:
        for d in track.all_dims:
            dim = scenario.dimension_ids[d]
            shares = numbers.wording_shares(results, dim)
            rows = []
            for row in shares.to_dict("records"):
                band = row["band"] >= 0
                style = " style='font-weight:600'" if row["modal"] else ""
                rows.append(f"<tr{style}><td>{row['from']:g}</td>" if band else f"<tr{style}><td></td>")
                rows.append(f"<td>{html.escape(row['text'])}</td><td>{_pct(row['share'])}</td>"
                            f"<td>{_pct(row['ci_low'])} to {_pct(row['ci_high'])}</td><td>{row['count']:,}</td>"
                            f"<td>{_pct(row['share_of_statements']) if band else ''}</td></tr>")
            name = scenario.dimensions[d].name or dim
            parts.append(f"<h3>{html.escape(name)} <span class='muted'>({html.escape(dim)}, track "
                         f"{html.escape(track.id)})</span></h3><table><tr><th>from</th><th>wording</th>"
                         "<th>share of runs</th><th>95% interval</th><th>runs</th><th>share of statements</th></tr>"
                         + "".join(rows) + "</table>")
    return "".join(parts)


def _discovery(results: Results) -> str:
    """The "Scenario discovery" section, when ``negsim discover`` wrote RESULTS/discovery/discovery.json."""
    import json

    from sim.analysis.discovery import _range, tradeoff_figure

    path = results.folder / "discovery" / "discovery.json"
    if not path.exists():
        return ""
    result = json.loads(path.read_text())
    chosen, ranges = result["chosen"], result["ranges"]
    rows = "".join(f"<tr><td>{html.escape(name)}</td><td>{html.escape(_range(low, high, ranges[name]))}</td>"
                   f"<td>{ranges[name][0]:.4g} to {ranges[name][1]:.4g}</td><td>{chosen['quasi_p'][name]:.2g}</td></tr>"
                   for name, (low, high) in chosen["restricted"].items())
    unrestricted = ", ".join(chosen["unrestricted"]) or "none"
    return (f"<h2>Scenario discovery</h2><p>Which ranges of the varied inputs lead to "
            f"<code>{html.escape(result['outcome'])}</code>? PRIM (patient rule induction, Friedman and Fisher 1999) "
            f"found a box of the inputs holding {_pct(chosen['coverage'])} of the {result['cases']:,} runs with the "
            f"outcome (coverage); inside it {_pct(chosen['density'])} of runs have the outcome (density), against "
            f"{_pct(result['base_density'])} of all runs; the box holds {_pct(chosen['mass'])} of the runs (mass). "
            f"Chosen as {html.escape(result['rule'])}.</p>"
            + (f"<table><tr><th>input</th><th>range in the box</th><th>swept</th><th>quasi-p</th></tr>{rows}</table>"
               if rows else "<p>No range of the inputs concentrates the outcome.</p>")
            + f"<p>Unrestricted (any value of the sweep): {html.escape(unrestricted)}.</p>"
            f"<figure><img alt='discovery_tradeoff' src='data:image/png;base64,"
            f"{_png(tradeoff_figure(results, result))}'>"
            "<figcaption>Each point is a box on PRIM's peeling trajectory: to the right it keeps more of the runs with "
            "the outcome, higher up more of its runs have the outcome; the star is the chosen box.</figcaption>"
            "</figure>")


def report_html(results: Results) -> str:
    """The report as one HTML document with its figures embedded (opens with no network)."""
    sections = [f"<figure><img alt='{html.escape(item.name)}' src='data:image/png;base64,{_png(item.make())}'>"
                f"<figcaption>{html.escape(item.caption)}</figcaption></figure>" for item in plan(results)]
    title = html.escape(results.describe())
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
            f"<style>{STYLE}</style></head><body><h1>{html.escape(results.scenario.name)}</h1>"
            f"<p class='muted'>{title}</p><h2>What was run</h2><table>{_what_was_run(results)}</table>"
            f"<h2>Key numbers</h2>{_key_numbers(results)}{_sweep_sections(results)}{_baselines_section(results)}"
            f"<h2>Wording: share of runs per band</h2>{_wording_tables(results)}{_discovery(results)}"
            f"<h2>Figures</h2>{''.join(sections)}"
            f"<p class='muted'>Generated by negsim {html.escape(str(results.manifest.get('package_version', '')))} "
            f"from {html.escape(str(results.folder))}.</p></body></html>\n")


def write_report(results: Results, path: str | Path | None = None) -> Path:
    """Write the report (default ``<results folder>/report.html``) and return its path."""
    target = Path(path) if path else results.folder / "report.html"
    return write_text(target, report_html(results))
