"""One self-contained HTML report: what was run, the key numbers, the figures with how to read them."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np

from sim.analysis import numbers
from sim.analysis.plot import plan
from sim.analysis.results import Results
from sim.output import write_text
from sim.summary import agreement_interval
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


def _key_numbers(results: Results) -> str:
    scenario = results.scenario
    table = results.table(["agreed"] + [f"{t.id}.agreed" for t in scenario.tracks])
    parts = []
    count, agreed = len(table), int(table["agreed"].sum())
    low, high = agreement_interval(agreed, count)
    parts.append(f"<p class='key'>Every track agreed in {100 * agreed / count:.1f}% of runs "
                 f"(95% interval {100 * low:.1f}% to {100 * high:.1f}%).</p>")
    rows = []
    for track in scenario.tracks:
        track_agreed = int(table[f"{track.id}.agreed"].sum())
        t_low, t_high = agreement_interval(track_agreed, count)
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
            settled = " settled" if track.rule_kind == "forecast" else ""
            rows.append(f"<tr><td>{html.escape(track.id)}</td><td>{100 * track_agreed / count:.1f}%{settled} "
                        f"({100 * t_low:.1f} to {100 * t_high:.1f})</td><td>{html.escape(dim)}</td>"
                        f"<td>{statement}</td><td>{_modal_text(numbers.wording_shares(results, dim))}</td></tr>")
    parts.append("<table><tr><th>track</th><th>agreed (95% interval)</th><th>dimension</th>"
                 "<th>statement: median</th><th>most frequent draft wording (share of all runs, 95% interval)"
                 "</th></tr>" + "".join(rows) + "</table>")
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
            f"<h2>Key numbers</h2>{_key_numbers(results)}"
            f"<h2>Wording: share of runs per band</h2>{_wording_tables(results)}{_discovery(results)}"
            f"<h2>Figures</h2>{''.join(sections)}"
            f"<p class='muted'>Generated by negsim {html.escape(str(results.manifest.get('package_version', '')))} "
            f"from {html.escape(str(results.folder))}.</p></body></html>\n")


def write_report(results: Results, path: str | Path | None = None) -> Path:
    """Write the report (default ``<results folder>/report.html``) and return its path."""
    target = Path(path) if path else results.folder / "report.html"
    return write_text(target, report_html(results))
