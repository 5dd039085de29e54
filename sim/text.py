"""Readable terminal summaries of scenarios, runs and Monte Carlos."""

from __future__ import annotations

import math
from typing import Any

from sim.kernel.events import describe_event
from sim.outcome import RunOutcome, TrackOutcome
from sim.scenario.scenario import Scenario, TrackInfo

__all__ = ["decimals", "describe_protocol", "describe_scenario", "format_baselines", "format_monte_carlo",
           "format_number", "format_run", "format_sensitivity"]


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _rule(scenario: Scenario, track: TrackInfo) -> str:
    if track.rule_kind == "forecast":
        return f"forecast: runs until the model settles, at most {track.deadline} rounds"
    if track.rule_kind == "opt_in":
        counterpart = scenario.actor_ids[track.counterpart]
        return f"opt-in with {counterpart}, at least {track.min_signatories} signatories"
    if track.rule_kind == "qualified_majority":
        return f"qualified majority {track.threshold:g} by {track.rule_by}"
    if track.rule_kind == "simple_majority":
        return f"simple majority by {track.rule_by}"
    return "unanimity of veto holders"


def _header(scenario: Scenario, track: TrackInfo) -> str:
    deadline = "" if track.rule_kind == "forecast" else f"; deadline round {track.deadline}"
    package = ""
    if track.package >= 0:
        info = scenario.packages[track.package]
        package = f"; in package {info.id}" + (" with linkage" if info.linkage else "")
    return f"Track {track.id}: {track.name}  [{_rule(scenario, track)}; protocol {track.protocol}{deadline}{package}]"


def describe_scenario(scenario: Scenario, source: str) -> str:
    """What ``negsim validate`` prints: the contents of a valid scenario."""
    spec = scenario.spec
    lines = [f"{source}: valid scenario '{scenario.name}'"]
    if spec.description:
        lines.append(f"  {spec.description}")
    lines.append(f"  seed {spec.seed}; deadline {spec.deadline} rounds; acceptance {spec.acceptance.rule}"
                 + (f" (temperature {spec.acceptance.temperature:g})" if spec.acceptance.rule == "logistic" else ""))
    lines.append(f"  broker: {spec.broker.name} ({spec.broker.id}); first draft {spec.broker.initial_draft}, "
                 f"step {spec.broker.step:g}")
    lines.append(f"Dimensions ({len(scenario.dimensions)}):")
    for d in scenario.dimensions:
        status_quo = "no status quo" if d.status_quo is None else f"status quo {d.status_quo:g}"
        lines.append(f"  {d.id:<22} [{d.range[0]:g}, {d.range[1]:g}]  {status_quo}; "
                     f"{len(d.wording)} wording bands")
    lines.append(f"Actors ({len(spec.actors)}):")
    for a in spec.actors:
        flags = ", ".join(filter(None, ["veto" if a.veto else "no veto", f"bloc {a.bloc}" if a.bloc else ""]))
        uncertain = " uncertain position" if any(a.position_sd.values()) else ""
        lines.append(f"  {a.id:<12} {a.name or a.id:<22} capability {a.capability:g}; {flags}; "
                     f"tactic {a.tactic:g}{uncertain}")
    lines.append(f"Tracks ({len(scenario.tracks)}):")
    for track in scenario.tracks:
        members = [scenario.actor_ids[i] for i, m in enumerate(track.participants) if m]
        dims = ", ".join(scenario.dimension_ids[d] for d in track.dims)
        framework = ", ".join(scenario.dimension_ids[d] for d in track.framework_dims)
        lines.append(f"  {_header(scenario, track)}")
        lines.append(f"    dimensions: {dims}" + (f" (pledges); framework text: {framework}" if framework else "")
                     + f"; participants ({len(members)}): {', '.join(members)}")
    if scenario.packages:
        lines.append(f"Packages ({len(scenario.packages)}):")
        for package in scenario.packages:
            tracks = ", ".join(scenario.tracks[k].id for k in package.tracks)
            lines.append(f"  {package.id}: {tracks}; nothing is agreed until everything is agreed, by round "
                         f"{package.deadline}" + ("; the broker trades across them (linkage)" if package.linkage else ""))
    lines.append(f"Events ({len(scenario.events)}):" if scenario.events else "Events: none")
    lines.extend(f"  {describe_event(e)}" for e in sorted(scenario.events, key=lambda e: (e.round is None, e.round or 0)))
    return "\n".join(lines)


def decimals(width: float) -> int:
    """How many decimals to print a value on a dimension with this range width.

    The step nearest to a thousandth of the width on a log scale,
    ``round(3 - log10(width))``, at least 0: width 100 gives 1 decimal, 10 and 6
    give 2, 2 and 1 give 3, 0.1 gives 4, 1000 and more give 0. A width that is not
    a positive number gives 2.
    """
    if not (math.isfinite(width) and width > 0):
        return 2
    return max(0, round(3 - math.log10(width)))


def format_number(value: float, width: float) -> str:
    """A value on a dimension of range width ``width``, at :func:`decimals` places; ``-`` for NaN."""
    return f"{value:.{decimals(width)}f}" if value == value else "-"


def _width(scenario: Scenario, dimension_id: str) -> float:
    return float(scenario.width[scenario.dimension_index[dimension_id]])


def _number(value: float, width: float) -> str:
    return format_number(value, width).rjust(7)


PER_ROUND_SHOWN = 12
"""A forecast's per-round table shows this many first rounds and the last three (all are in --json)."""


def _forecast_lines(scenario: Scenario, track: TrackInfo, result: TrackOutcome) -> list[str]:
    dims = [scenario.dimension_ids[d] for d in track.dims]
    played = len(next(iter(result.forecast["median"].values()))) - 1
    if result.agreed:
        lines = [f"  SETTLED in round {result.round}: the forecast"]
    else:
        lines = [f"  DID NOT SETTLE by round {played}: forecast at round {played}"]
    lines.append(f"    {'':<22}{'model':>8}{'median':>8}{'mean':>8}  wording (model)")
    for d in dims:
        final = {name: result.forecast[name][d][-1] for name in ("model", "median", "mean")}
        width = _width(scenario, d)
        lines.append(f"    {d:<22}" + "".join(_number(final[n], width).rjust(8) for n in ("model", "median", "mean"))
                     + f"  \"{scenario.wording(d, final['model'])}\"")
    missing = [d for d in dims if scenario.status_quo[scenario.dimension_index[d]] != scenario.status_quo[
        scenario.dimension_index[d]]]
    if missing:
        lines.append(f"  No status quo declared for {', '.join(missing)} (a forecast needs none).")
    lines.append("  Per round (capability x salience weighted median and mean, the model's own forecast; "
                 "round 0 is before round 1):")
    rounds = list(range(played + 1))
    shown = rounds if len(rounds) <= PER_ROUND_SHOWN + 4 else rounds[:PER_ROUND_SHOWN] + [None] + rounds[-3:]
    names = ("median", "mean", "model")
    lines.append(f"    {'':>5}" + "".join(f"  {d[:22]:^22}" for d in dims))
    lines.append(f"    {'round':>5}" + "".join("  " + "".join(f"{n:>7}" for n in names)[-22:].rjust(22) for _ in dims))
    for t in shown:
        if t is None:
            lines.append(f"    {'...':>5}  (rounds {PER_ROUND_SHOWN}-{played - 3}: see --json or --trace)")
            continue
        lines.append(f"    {t:>5}" + "".join("  " + "".join(format_number(result.forecast[n][d][t], _width(scenario, d))
                                                           .rjust(7) for n in names).rjust(22) for d in dims))
    lines.append(f"    {'actor':<12}{'utility':>9}{'conceded':>9}   (from its opening ideal point)")
    for actor, value in result.utility.items():
        lines.append(f"    {actor:<12}{value:>9.2f}{result.concession[actor]:>9.2f}")
    return lines


def _track_lines(scenario: Scenario, track: TrackInfo, result: TrackOutcome) -> list[str]:
    lines = [_header(scenario, track)]
    if track.rule_kind == "forecast":
        return lines + _forecast_lines(scenario, track, result)
    dims = [scenario.dimension_ids[d] for d in track.dims]
    if result.agreed:
        lines.append(f"  AGREED in round {result.round}")
        shown = result.statement
    else:
        lines.append(f"  NO AGREEMENT by round {track.deadline}: the status quo holds")
        shown = {d: float(scenario.status_quo[scenario.dimension_index[d]]) for d in dims}
    label = "Umbrella (signatories' capability-weighted mean pledge)" if track.rule_kind == "opt_in" else "Statement"
    lines.append(f"  {label if result.agreed else 'Status quo'}:")
    for d in dims:
        lines.append(f"    {d:<22}{_number(shown[d], _width(scenario, d))}  \"{result.wording(scenario, d, shown[d])}\"")
    if not result.agreed and track.rule_kind not in ("opt_in", "forecast"):
        lines.append("  Last draft on the table:")
        for d in dims:
            draft = result.last_draft[d]
            lines.append(f"    {d:<22}{_number(draft, _width(scenario, d))}  \"{scenario.wording(d, draft)}\"")
        lines.append(f"  Blocked by: {', '.join(result.blockers) if result.blockers else 'nobody (no rule met)'}")
    if track.rule_kind == "opt_in":
        framework = [scenario.dimension_ids[d] for d in track.framework_dims]
        if framework:
            lines.append("  Framework text (settled together by the signatories):" if result.agreed else
                         "  Framework text: none agreed (the umbrella did not launch)")
            for d in framework if result.agreed else []:
                value = result.statement[d]
                lines.append(f"    {d:<22}{_number(value, _width(scenario, d))}  \"{result.wording(scenario, d, value)}\"")
        lines.append(f"  Signatories ({len(result.signatories)}): {', '.join(result.signatories) or 'none'}")
        header = "    " + f"{'signatory':<12}" + "".join(f"{d:>16}" for d in dims) + f"{'utility':>9}{'conceded':>9}"
        lines.append(header)
        for actor, pledge in result.pledges.items():
            lines.append("    " + f"{actor:<12}" + "".join(format_number(pledge[d], _width(scenario, d)).rjust(16)
                                                     for d in dims)
                         + f"{result.utility[actor]:>9.2f}{result.concession[actor]:>9.2f}")
        missing = [a for a in result.utility if a not in result.signatories]
        if missing:
            lines.append(f"  Did not sign: {', '.join(missing)}")
    elif track.rule_kind == "forecast":
        lines.append(f"    {'actor':<12}{'utility':>9}{'conceded':>9}")
        for actor, value in result.utility.items():
            conceded = result.concession[actor]
            lines.append(f"    {actor:<12}{value:>9.2f}" + (f"{conceded:>9.2f}" if conceded == conceded else f"{'-':>9}"))
    else:
        lines.append(f"    {'actor':<12}{'utility':>9}{'conceded':>9}  answer to the last text")
        for actor, value in result.utility.items():
            conceded = result.concession[actor]
            answer = "accepts" if actor in result.accepted else "rejects"
            if actor in result.blockers:
                answer += " (blocks)"
            lines.append(f"    {actor:<12}{value:>9.2f}{conceded:>9.2f}  {answer}" if conceded == conceded
                         else f"    {actor:<12}{value:>9.2f}{'-':>9}  {answer}")
    return lines


def _agreed_word(scenario: Scenario) -> str:
    """What closing a track is called: a forecast track settles, the others agree."""
    kinds = {track.rule_kind == "forecast" for track in scenario.tracks}
    return {frozenset({True}): "settled", frozenset({False}): "agreed"}.get(frozenset(kinds), "agreed or settled")


def format_run(scenario: Scenario, outcome: RunOutcome, event_log: list[str]) -> str:
    """The summary of one run: agreement, statement and wording, utilities, blockers, pledges."""
    which = "" if outcome.replicate is None else f", replicate {outcome.replicate}"
    word = _agreed_word(scenario)
    verdict = f"every track {word}" if outcome.agreed else f"not every track {word}"
    lines = [f"{scenario.name}: one run (seed {outcome.seed}{which}); {outcome.rounds} rounds played; {verdict}", ""]
    for track, result in zip(scenario.tracks, outcome.tracks):
        lines.extend(_track_lines(scenario, track, result))
        lines.append("")
    text = [t.wording(scenario, d, v) for t in outcome.tracks if t.agreed and t.rule != "opt_in"
            for d, v in t.statement.items()]
    if text:
        lines.append("Draft statement:")
        lines.append("  " + " ".join(text))
        lines.append("")
    if event_log:
        lines.append("Events:")
        lines.extend(f"  {entry}" for entry in event_log)
    return "\n".join(lines).rstrip() + "\n"


def _interval(entry: dict[str, Any], runs: int) -> str:
    low, high = entry["ci95"]
    return f"{_pct(entry['probability'])} (95% CI {_pct(low)} to {_pct(high)}; {entry['count']} of {runs} runs)"


def format_monte_carlo(scenario: Scenario, summary: dict[str, Any]) -> str:
    """The summary of a Monte Carlo: agreement probability, rounds, statement quantiles with the share
    of runs in each wording band, blockers."""
    lines = [f"{scenario.name}: Monte Carlo of {summary['runs']} runs (seed {summary['seed']})"]
    if not scenario.has_uncertainty:
        lines.append("note: the scenario declares no uncertainty (no [[uncertainties]] or position_sd, "
                     "deterministic acceptance), so every run is the same")
    lines += [f"Every track {_agreed_word(scenario)}: {_interval(summary['agreement'], summary['runs'])}", ""]
    for track, entry in zip(scenario.tracks, summary["tracks"]):
        lines.append(_header(scenario, track))
        if track.rule_kind == "forecast":
            lines.extend(_forecast_distribution(scenario, entry, track, summary["runs"]))
            lines.append("")
            continue
        lines.append(f"  Agreement: {_interval(entry['agreement'], summary['runs'])}")
        rounds = entry["rounds"]
        if rounds:
            lines.append(f"  Round agreed: median {rounds['q50']:g} (5% {rounds['q05']:g}, 25% {rounds['q25']:g}, "
                         f"75% {rounds['q75']:g}, 95% {rounds['q95']:g})")
        lines.append(f"  {'statement (agreed runs)':<24}{'5%':>7}{'25%':>7}{'50%':>7}{'75%':>7}{'95%':>7}")
        given = "if launched" if track.rule_kind == "opt_in" else "if agreed"
        for d, q in entry["statement"].items():
            if q is None:
                lines.append(f"    {d:<22}  no run agreed")
            else:
                lines.append(f"    {d:<20}{_cells(q, _width(scenario, d))}")
            lines.extend(_band_lines(entry["wording_shares"][d], entry["modal_band"][d], summary["runs"], given))
        blocking = {a: v for a, v in sorted(entry["blocking"].items(), key=lambda kv: -kv[1]) if v > 0}
        if track.rule_kind != "opt_in":
            lines.append("  Blocked (share of runs): " + (
                ", ".join(f"{a} {_pct(v)}" for a, v in blocking.items()) or "nobody blocked in any run"))
        else:
            signing = sorted(entry["signing"].items(), key=lambda kv: -kv[1])
            lines.append("  Signed (share of runs): " + ", ".join(f"{a} {_pct(v)}" for a, v in signing))
        conceded = {a: v for a, v in entry["mean_concession"].items() if v is not None}
        if conceded:
            ranked = sorted(conceded.items(), key=lambda kv: -kv[1])
            lines.append("  Mean concession (0 = got its ideal): " + ", ".join(f"{a} {v:.2f}" for a, v in ranked))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _cells(quantiles: dict[str, float], width: float) -> str:
    return "".join(format_number(quantiles[key], width).rjust(7) for key in ("q05", "q25", "q50", "q75", "q95"))


BAND_TEXT = 60
"""Longest band text the Monte Carlo summary prints (longer ones are cut at a word, with "...")."""


def clip(text: str, limit: int = BAND_TEXT) -> str:
    """``text``, or its first words and ``...`` if it is longer than ``limit`` characters."""
    if len(text) <= limit:
        return text
    head = text[:limit - 3]
    words = head.rsplit(" ", 1)[0] if " " in head else head
    return words.rstrip(" ,;:.") + "..."


def _span(row: dict[str, Any], key: str) -> str:
    low, high = row[key]
    return f"{100 * low:.1f}-{100 * high:.1f}%"


def _band_lines(rows: list[dict[str, Any]], modal: int | None, runs: int, given: str | None) -> list[str]:
    """The share of all runs in each wording band with its 95% interval (``*`` the modal band),
    then the no-statement row.

    ``given`` heads a column of the shares among the runs with a statement; it shows only
    when some run has none.
    """
    conditional = given is not None and any(row["band"] is None and row["count"] for row in rows)
    extra = f"{given:>11}" if conditional else ""
    lines = [f"      {'share':>6}  {'95% CI':<12}{extra}  {'from':>6}  wording band (share of all {runs} runs; "
             "* modal)"]
    for row in rows:
        band = row["band"] is not None
        mark = "*" if band and row["band"] == modal else " "
        if conditional:
            extra = f"{_pct(row['share_of_statements']):>11}" if band else " " * 11
        start = f"{row['from']:>6g}" if band else " " * 6
        text = f'"{clip(row["text"])}"' if band else row["text"]
        lines.append(f"    {mark} {_pct(row['share']):>6}  {_span(row, 'ci95'):<12}{extra}  {start}  {text}")
    return lines


def _forecast_distribution(scenario: Scenario, entry: dict[str, Any], track: TrackInfo, runs: int) -> list[str]:
    lines = [f"  Settled within {track.deadline} rounds: {_interval(entry['agreement'], runs)}"]
    rounds = entry["rounds"]
    if rounds:
        lines.append(f"  Round settled: median {rounds['q50']:g} (5% {rounds['q05']:g}, 95% {rounds['q95']:g})")
    lines.append(f"  {'forecast (every run)':<24}{'5%':>7}{'25%':>7}{'50%':>7}{'75%':>7}{'95%':>7}")
    for d, q in entry["statement"].items():
        rows = [("model", q)] + [(name, entry["forecast"][name][d]) for name in ("median", "mean")]
        for name, values in rows:
            lines.append(f"    {d + ' (' + name + ')':<20}{_cells(values, _width(scenario, d))}")
        lines.extend(_band_lines(entry["wording_shares"][d], entry["modal_band"][d], runs, None))
    conceded = {a: v for a, v in entry["mean_concession"].items() if v is not None}
    if conceded:
        ranked = sorted(conceded.items(), key=lambda kv: -kv[1])
        lines.append("  Mean concession (from its opening ideal point; 0 = the forecast is its ideal): "
                     + ", ".join(f"{a} {v:.2f}" for a, v in ranked))
    return lines


def format_baselines(table, scenario: Scenario | None = None) -> str:
    """The closed-form baselines, one line per track, dimension and baseline (at each dimension's precision)."""
    lines = ["Baselines (closed form, declared inputs):"]
    for (track, dimension), rows in table.groupby(["track", "dimension"], sort=False):
        lines.append(f"  {track} / {dimension}")
        status_quo = rows.loc[rows["baseline"] == "status_quo", "value"]
        declared = not (len(status_quo) and status_quo.isna().all())
        for row in rows.itertuples():
            width = _width(scenario, dimension) if scenario is not None else 100.0
            value = _number(row.value, width)
            why = "(no point every actor prefers to the status quo)" if declared else "(no status quo declared)"
            wording = f'  "{row.wording}"' if row.wording else f"  {why}"
            lines.append(f"    {row.baseline:<16}{value}{wording}")
    return "\n".join(lines) + "\n"


def describe_protocol(protocol) -> str:
    """What ``negsim protocols`` prints for one protocol."""
    flags = ", ".join(["stochastic" if protocol.stochastic else "deterministic",
                       "batched" if protocol.batched else "replicate by replicate"])
    lines = [f"{protocol.name}: {protocol.summary}",
             f"  {flags}; decision rules: {', '.join(protocol.decision_rules)}",
             f"  citation: {protocol.citation}"]
    for name, (default, meaning) in protocol.options.items():
        lines.append(f"  option {name} (default {default!r}): {meaning}")
    return "\n".join(lines) + "\n"


def format_sensitivity(result: dict[str, Any]) -> str:
    """The sensitivity indices of a sweep, one table per output."""
    sobol = result["design"] == "sobol_sensitivity"
    keys = ("S1", "S1_conf", "ST", "ST_conf") if sobol else ("mu_star", "mu_star_conf", "sigma", "mu")
    labels = ("S1", "+/-", "ST", "+/-") if sobol else ("mu*", "+/-", "sigma", "mu")
    lines = []
    for metric, table in result["metrics"].items():
        lines.append(f"Sensitivity of {metric} ({'Sobol' if sobol else 'Morris'}):")
        lines.append(f"  {'parameter':<44}" + "".join(f"{label:>9}" for label in labels))
        for name, values in table.items():
            lines.append(f"  {name:<44}" + "".join(f"{values[k]:>9.3f}" for k in keys))
    for metric, reason in result["skipped"].items():
        lines.append(f"Sensitivity of {metric}: skipped ({reason})")
    return "\n".join(lines) + "\n"


def format_variance(variance: dict[str, dict[str, Any]], warnings: list[str]) -> str:
    """Each outcome's variance over a sweep's runs, within design points (replicate noise) and
    between them, then the sweep's warnings."""
    lines = ["Variance over the runs, within design points (replicate noise) and between them:",
             f"  {'outcome':<44}{'runs':>9}{'within':>11}{'between':>11}{'within %':>10}"]
    for metric, parts in variance.items():
        if parts["within_share"] is None:
            lines.append(f"  {metric:<44}{parts['runs']:>9}  " + ("never agreed" if not parts["runs"] else
                                                                   "the same in every run"))
            continue
        lines.append(f"  {metric:<44}{parts['runs']:>9}{parts['within']:>11.4g}{parts['between']:>11.4g}"
                     f"{parts['within_share']:>10.0%}")
    lines += [f"warning: {warning}" for warning in warnings]
    return "\n".join(lines) + "\n"
