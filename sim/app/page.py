"""The Solara page of ``negsim app``: inputs, the live Monte Carlo, one run stepped, downloads.

Solara components only; the logic is in :mod:`sim.app.state`, :mod:`sim.app.live` and
:mod:`sim.app.stepping`. The scenario, runs and seed come from the environment
(:data:`sim.app.ENV_SCENARIO`, :data:`sim.app.ENV_RUNS`, :data:`sim.app.ENV_SEED`), read when
a session opens the page, never at import. Every session has its own state.
"""

from __future__ import annotations

import math
import os
import re
import time
from dataclasses import dataclass
from typing import Any

import reacton.ipyvuetify as rv
import solara

from sim.app import DEFAULT_RUNS, ENV_RUNS, ENV_SCENARIO, ENV_SEED
from sim.app.inputs import Input
from sim.app.live import Generations, LiveResult, Stale, compute
from sim.app.state import AppState
from sim.app.stepping import Stepper
from sim.errors import InputError

__all__ = ["Page", "page"]

PLAY_INTERVAL = 0.4
"""Seconds between rounds while a run plays."""


@dataclass(frozen=True)
class Config:
    """What the launcher asked for: the scenario (or why it cannot be read), runs and seed."""

    path: str
    base: Any
    runs: int
    seed: int | None
    problems: tuple[str, ...]


def read_config() -> Config:
    """The scenario, runs and seed from the environment; every problem one line, never a traceback."""
    from sim.scenario import load_scenario

    path = os.environ.get(ENV_SCENARIO, "")
    problems: list[str] = []
    runs, seed, base = DEFAULT_RUNS, None, None
    try:
        runs = int(os.environ.get(ENV_RUNS, DEFAULT_RUNS))
        if runs < 1:
            raise ValueError
    except ValueError:
        problems.append(f"{ENV_RUNS}: must be a whole number >= 1, got {os.environ.get(ENV_RUNS)!r}")
    if os.environ.get(ENV_SEED, "").strip():
        try:
            seed = int(os.environ[ENV_SEED])
            if seed < 0:
                raise ValueError
        except ValueError:
            problems.append(f"{ENV_SEED}: must be a whole number >= 0, got {os.environ[ENV_SEED]!r}")
    if not path:
        problems.append(f"{ENV_SCENARIO} is not set: start the page with `negsim app SCENARIO`")
    else:
        try:
            base = load_scenario(path)
        except InputError as error:
            problems.extend(error.lines())
        except Exception as error:  # anything else a broken file raises: one line, no traceback
            problems.append(f"{path}: {type(error).__name__}: {error}")
    return Config(path, base, runs, seed, tuple(problems))


def slug(text: str) -> str:
    """A CSS class fragment for a path or id: ``actors.germany.position.x`` -> ``actors-germany-position-x``."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text)


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)



@solara.component
def RunsDownload(result: LiveResult, kind: str):
    """The runs table as a file, in two clicks: "Download runs (CSV)" builds the file (1,000 runs of
    Vilnius: 1.2 MB of CSV, 0.6 MB of Parquet), then "Save ..." hands it to the browser. Built on
    demand, not at every change, since a change at 10,000 runs would otherwise send 16 MB to the page."""
    built, set_built = solara.use_state(None, key=f"{kind}-{id(result)}")
    mime, label = {"csv": ("text/csv", "CSV"), "parquet": ("application/vnd.apache.parquet", "Parquet")}[kind]
    filename = f"{result.scenario.name}-runs.{kind}"
    if built is None:
        return solara.Button(f"Download runs ({label})", outlined=True, classes=[f"negsim-download-{kind}"],
                             on_click=lambda: set_built(result.csv_bytes() if kind == "csv" else result.parquet_bytes()))
    return _download(built, filename, f"Save {filename} ({len(built) / 1e6:.1f} MB)", mime, f"negsim-save-{kind}")


def _download(data: bytes | str | None, filename: str, label: str, mime: str, css: str):
    """A button that downloads ``data`` as ``filename``: a link to a ``data:`` URL, which the browser
    saves itself (Solara 1.58's ``FileDownload`` does not render under ipyvuetify 3). Disabled when
    there is nothing to save; both states pass the same properties, so the button updates in place."""
    import base64

    raw = (data.encode("utf-8") if isinstance(data, str) else data) if data is not None else None
    href = f"data:{mime};base64,{base64.b64encode(raw).decode('ascii')}" if raw is not None else None
    return rv.Btn(children=[label], prepend_icon="mdi-download", variant="outlined", href=href,
                  disabled=raw is None, attributes={"download": filename}, class_=css)


def _alert(kind: str, line: str, css: str = ""):
    """A message box (``kind``: error, info), built on ipyvuetify directly: Solara 1.58's ``solara.Error``
    hands the Alert a boolean where this ipyvuetify wants text."""
    return rv.Alert(type=kind, variant="outlined", density="compact", children=[line], class_=css)

@solara.component
def InputField(item: Input, state: solara.Reactive[AppState], refused: solara.Reactive[dict]):
    """One input: its field, a 'changed from X' chip and a reset button when it differs from the file."""
    current = state.value.value(item.path)
    css = [f"negsim-input-{slug(item.path)}"]

    def on_value(value: Any) -> None:
        if value is None:
            return
        try:
            state.set(state.value.set(item.path, value))
        except ValueError as error:
            refused.set({**refused.value, item.path: str(error)})
            return
        if item.path in refused.value:
            refused.set({k: v for k, v in refused.value.items() if k != item.path})

    with solara.Column(gap="0px", style={"margin-bottom": "6px"}):
        if item.kind == "bool":
            with solara.Div(classes=css):
                # ipyvuetify's own checkbox: Solara 1.58's Checkbox shows its label twice under ipyvuetify 3
                rv.Checkbox(label=item.label, v_model=bool(current), on_v_model=on_value, density="compact",
                            hide_details=True)
        elif item.kind == "choice":
            solara.Select(item.label, values=list(item.choices), value=current, on_value=on_value, dense=True,
                          classes=css)
        elif item.whole:
            solara.InputInt(f"{item.label} {item.interval()}", value=int(current), on_value=on_value, dense=True,
                            classes=css)
        else:
            solara.InputFloat(f"{item.label} {item.interval()}", value=float(current), on_value=on_value,
                              dense=True, classes=css)
            if ".position." in item.path:  # positions also as a slider over the dimension's range
                with solara.Div(classes=[f"negsim-slider-{slug(item.path)}"]):
                    solara.SliderFloat("", value=float(current), min=item.low, max=item.high, step=item.step,
                                       on_value=on_value, thumb_label=False)
        if state.value.changed(item.path):
            with solara.Row(gap="4px", style={"align-items": "center"}):
                rv.Chip(size="small", color="deep-orange", class_="negsim-changed",
                        children=[f"changed from {_show(item.value)}"])
                solara.Button("reset", text=True, small=True,
                              on_click=lambda: state.set(state.value.reset(item.path)))
        if item.path in refused.value:
            solara.Text(refused.value[item.path], classes=["negsim-refused"],
                        style={"color": "#b00020", "overflow-wrap": "anywhere", "white-space": "normal"})


@solara.component
def Inputs(state: solara.Reactive[AppState], refused: solara.Reactive[dict]):
    """Every input, one expansion panel per group (the negotiation, each track, each actor)."""
    inputs = solara.use_memo(lambda: state.value.inputs, [id(state.value.base)])
    groups: dict[str, list[Input]] = {}
    for item in inputs:
        groups.setdefault(item.group, []).append(item)
    with rv.ExpansionPanels(multiple=True, accordion=True, value=[0]):
        for group, items in groups.items():
            changed = sum(state.value.changed(item.path) for item in items)
            with rv.ExpansionPanel(class_=f"negsim-group-{slug(group)}"):
                rv.ExpansionPanelTitle(children=[group + (f"  ({changed} changed)" if changed else "")])
                with rv.ExpansionPanelText():
                    for item in items:
                        InputField(item, state, refused)


@solara.component
def MonteCarloView(result: LiveResult | None, computing: bool, problems: list[str], runs: int):
    """The live Monte Carlo: agreement per track, wording shares, the statement figure, who blocks."""
    with solara.Card("Monte Carlo", subtitle=f"{runs:,} runs through the ensemble, updated on every change"):
        if computing:
            with solara.Row(classes=["negsim-computing"], style={"align-items": "center"}):
                rv.ProgressCircular(indeterminate=True, size=18, width=2, color="primary")
                solara.Text("computing…")
        for line in problems:
            _alert("error", line, "negsim-problem")
        if problems and result is not None:
            _alert("info", "The scenario as edited is invalid; the figures below are the last valid result.")
        if result is None:
            if not computing and not problems:
                solara.Text("no result yet")
            return
        with solara.Row(style={"flex-wrap": "wrap"}):
            for row in result.agreement():
                with solara.Card(margin=0, style={"min-width": "240px", "flex": "1"}):
                    solara.Text(f"{row['name']}", style={"font-weight": "bold", "display": "block"})
                    solara.Text(f"{row['rule']}, protocol {row['protocol']}",
                                style={"color": "#666", "display": "block"})
                    solara.Text(_pct(row["probability"]), classes=[f"negsim-agreement-{slug(row['track'])}"],
                                style={"font-size": "2em", "display": "block"})
                    solara.Text(f"agreement (95% CI {_pct(row['low'])} to {_pct(row['high'])}; "
                                f"{row['agreed']:,} of {row['runs']:,} runs)",
                                classes=[f"negsim-interval-{slug(row['track'])}"])
        solara.Text(f"seed {result.seed}; {result.seconds:.2f} s", classes=["negsim-timing"],
                    style={"color": "#666"})
        with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "8px", "align-items": "flex-start"}):
            with solara.Div(style={"flex": "1 1 380px", "max-width": "560px"}):
                solara.Image(result.figure_png, width="100%", classes=["negsim-figure"])
            with solara.Div(style={"flex": "1 1 380px", "min-width": "0"}):
                WordingTable(result)
        blocking = result.blocking()
        text = "; ".join(f"**{track}**: " + (", ".join(f"{a} {_pct(s)}" for a, s in shares.items())
                                              or "nobody blocked") for track, shares in blocking.items())
        solara.Markdown("Blocked (share of runs): " + text)
        with solara.Row():
            RunsDownload(result, "csv")
            RunsDownload(result, "parquet")


@solara.component
def WordingTable(result: LiveResult):
    """The share of runs in each wording band per dimension, with its 95% interval; * marks the modal band."""
    lines = ["| dimension | wording band (* modal) | share of runs (95% CI) |", "|:---|:---|---:|"]
    for entry in result.wording_shares():
        for index, band in enumerate(entry["bands"]):
            mark = " *" if index == entry["modal"] else ""
            ci = band.get("ci95") or [math.nan, math.nan]
            lines.append(f"| {entry['dimension'] if index == 0 else ''} | {_md(band.get('text') or '')}{mark} | "
                         f"{_pct(band['share'])} ({_pct(ci[0])}–{_pct(ci[1])}) |")
    solara.Markdown("\n".join(lines))


def _md(text: str) -> str:
    return text.replace("|", "\\|")


@solara.component
def StepView(scenario: Any, seed: int | None):
    """One run of the edited scenario with its declared inputs, stepped as Mesa's ModelController does."""
    stepper = solara.use_reactive(None)
    tick = solara.use_reactive(0)
    playing = solara.use_reactive(False)

    def fresh():
        playing.set(False)
        stepper.set(Stepper(scenario, seed) if scenario is not None else None)
    solara.use_effect(fresh, [id(scenario)])

    def play(cancel=None):
        while playing.value and stepper.value is not None and stepper.value.running:
            time.sleep(PLAY_INTERVAL)
            if not playing.value:
                break
            stepper.value.step()
            tick.set(tick.value + 1)
        playing.set(False)
    solara.use_thread(play, dependencies=[playing.value, id(stepper.value)], intrusive_cancel=False)

    def step():
        if stepper.value is not None:
            stepper.value.step()
            tick.set(tick.value + 1)

    current = stepper.value
    _ = tick.value  # read so that each step re-renders this view (the stepper itself changes in place)
    with solara.Card("One run, round by round", subtitle="the declared inputs (no draws), as `negsim run` plays them"):
        if current is None:
            solara.Text("no valid scenario")
            return
        with solara.Row():
            solara.Button("Reset", color="primary", on_click=fresh, classes=["negsim-reset-run"])
            solara.Button("❚❚" if playing.value else "▶", color="primary",
                          on_click=lambda: playing.set(not playing.value), disabled=not current.running,
                          classes=["negsim-play"])
            solara.Button("Step", color="primary", on_click=step, disabled=playing.value or not current.running,
                          classes=["negsim-step"])
            solara.Text(f"round {current.round} of {current.scenario.deadline}"
                        + ("" if current.running else " (finished)"), classes=["negsim-round"])
        rounds = current.rounds()
        if rounds:
            dims = list(current.scenario.dimension_ids)
            tracks = [t.id for t in current.scenario.tracks]
            head = "| round | " + " | ".join(dims) + " | " + " | ".join(f"{t} accept" for t in tracks) + " |"
            lines = [head, "|" + "---:|" * (1 + len(dims) + len(tracks))]
            for row in rounds:
                drafts = [("–" if not math.isfinite(row["draft"][d]) else f"{row['draft'][d]:.1f}") for d in dims]
                accepts = [f"{sum(a.values())}/{len(a)}" for a in (row["answers"][t] for t in tracks)]
                lines.append(f"| {row['round']} | " + " | ".join(drafts) + " | " + " | ".join(accepts) + " |")
            solara.Markdown("\n".join(lines))
            last = rounds[-1]
            for track in tracks:
                answers = last["answers"][track]
                said = ", ".join(f"{a} {'✓' if ok else '✗'}" for a, ok in answers.items())
                solara.Text(f"round {last['round']}, {track}: {said}", style={"display": "block"},
                            classes=[f"negsim-answers-{slug(track)}"])
        events = current.events()
        if events:
            solara.Markdown("**Events fired**\n\n" + "\n".join(f"- {_md(e)}" for e in events))
        text = current.text()
        if text is not None:
            with solara.Div(classes=["negsim-run-text"]):
                solara.Preformatted(text)


@solara.component
def Explorer(config: Config):
    """The page for a valid scenario: inputs in the sidebar, results in the main column."""
    state = solara.use_reactive(AppState(config.base))
    refused = solara.use_reactive({})
    result = solara.use_reactive(None)
    good = solara.use_reactive(config.base)
    problems = solara.use_reactive([])
    computing = solara.use_reactive(False)
    generations = solara.use_memo(Generations, [])
    key = tuple(sorted((path, repr(value)) for path, value in state.value.changes.items()))

    def recompute():
        generation = generations.start()
        computing.set(True)
        try:
            scenario = state.value.scenario()
        except InputError as error:
            if generations.is_current(generation):
                problems.set(list(error.problems))
                computing.set(False)
            return
        if generations.is_current(generation):
            problems.set([])
            good.set(scenario)
        try:
            live = compute(scenario, config.runs, seed=config.seed, generations=generations, generation=generation)
        except Stale:
            return
        except ValueError as error:
            if generations.is_current(generation):
                problems.set([str(error)])
                computing.set(False)
            return
        if not generations.is_current(generation):
            return
        live.figure_png  # drawn here, in the background, not while the page renders
        if generations.is_current(generation):
            result.set(live)
            computing.set(False)
    solara.use_thread(recompute, dependencies=[key], intrusive_cancel=False)

    solara.Title(f"negsim app: {config.base.name}")
    with solara.Div(style={"display": "flex", "flex-wrap": "wrap", "gap": "12px", "align-items": "flex-start"}):
        with solara.Div(classes=["negsim-inputs"],
                        style={"flex": "0 0 330px", "max-width": "100%", "position": "sticky", "top": "0",
                               "max-height": "calc(100vh - 24px)", "overflow-y": "auto", "padding": "4px"}):
            with solara.Column(gap="4px"):
                solara.Text(f"{config.base.name}", style={"font-weight": "bold", "font-size": "1.2em"})
                solara.Text(config.path, style={"color": "#666", "font-size": "0.8em", "word-break": "break-all"})
                count = state.value.change_count
                with solara.Row(style={"align-items": "center"}):
                    solara.Text(f"{count} change{'s' if count != 1 else ''} from the file",
                                classes=["negsim-change-count"])
                    solara.Button("Reset to file", small=True, disabled=count == 0,
                                  on_click=lambda: (state.set(state.value.reset()), refused.set({})),
                                  classes=["negsim-reset-all"])
                toml_text = solara.use_memo(lambda: _toml_or_none(state.value, config.seed), [key])
                _download(toml_text, f"{config.base.name}-edited.toml", "Save scenario (TOML)"
                          if toml_text is not None else "Save: scenario invalid", "application/toml", "negsim-save")
                Inputs(state, refused)
        with solara.Div(style={"flex": "1 1 400px", "min-width": "0"}):
            MonteCarloView(result.value, computing.value, problems.value, config.runs)
            StepView(good.value, config.seed)


def _toml_or_none(state: AppState, seed: int | None = None) -> str | None:
    try:
        return state.to_toml(seed)
    except InputError:
        return None


@solara.component
def Page():
    """The app: the explorer for the scenario named by the environment, or its problems one per line."""
    config = solara.use_memo(read_config, [])
    if config.problems:
        solara.Title("negsim app: the scenario cannot be read")
        with solara.Card("The scenario cannot be read", classes=["negsim-load-problems"]):
            for line in config.problems:
                _alert("error", line, "negsim-problem")
        return
    Explorer(config)


page = Page
