"""The live Monte Carlo: the same numbers as sim.monte_carlo + summarise; stale computations abandoned."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import sim
from sim.app.live import Generations, Stale, compute
from sim.app.state import AppState
from sim.app.stepping import Stepper
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
VILNIUS = ROOT / "scenarios" / "vilnius_2023.toml"


@pytest.fixture(scope="module")
def edited():
    return AppState(load_scenario(VILNIUS)).set("actors.germany.position.membership_timing", 40).scenario()


def test_the_live_numbers_equal_monte_carlo_and_summarise(edited):
    live = compute(edited, 600, seed=7, batch=250)  # batches that do not divide the runs
    reference = sim.monte_carlo(edited, 600, seed=7)
    assert live.table.to_pandas().equals(reference.table.to_pandas())
    assert live.summary == sim.summarise(edited, reference.table, 7)
    rows = live.agreement()
    assert [row["track"] for row in rows] == ["consensus", "umbrella"]
    consensus = live.summary["tracks"][0]
    assert rows[0]["probability"] == consensus["agreement"]["probability"]
    assert (rows[0]["low"], rows[0]["high"]) == tuple(consensus["agreement"]["ci95"])
    shares = live.wording_shares()
    assert {(row["track"], row["dimension"]) for row in shares} == {
        ("consensus", "membership_timing"), ("consensus", "membership_wording"),
        ("umbrella", "aid_level"), ("umbrella", "aid_duration")}
    assert all(abs(sum(band["share"] for band in row["bands"]) - 1) < 1e-9 for row in shares)
    assert set(live.blocking()) == {"consensus", "umbrella"}


def test_the_seed_defaults_to_the_scenarios(edited):
    live = compute(edited, 50)
    assert live.seed == edited.seed
    assert live.table.to_pandas().equals(sim.monte_carlo(edited, 50).table.to_pandas())


def test_downloads_hold_the_runs_table(edited):
    import io

    import pandas as pd
    import pyarrow.parquet as pq

    live = compute(edited, 40, seed=1)
    assert pq.read_table(io.BytesIO(live.parquet_bytes())).to_pandas().equals(live.table.to_pandas())
    frame = pd.read_csv(io.BytesIO(live.csv_bytes()))
    assert len(frame) == 40 and list(frame.columns) == live.table.column_names


def test_the_figure_has_a_panel_per_dimension(edited):
    live = compute(edited, 40, seed=1)
    figure = live.figure()
    assert len([ax for ax in figure.axes if ax.get_visible()]) == len(edited.dimension_ids)


def test_a_stale_computation_is_abandoned():
    generations = Generations()
    first = generations.start()
    second = generations.start()
    assert not generations.is_current(first) and generations.is_current(second)
    scenario = load_scenario(VILNIUS)
    with pytest.raises(Stale):
        compute(scenario, 1000, seed=7, generations=generations, generation=first)


def test_a_newer_input_stops_a_running_computation_between_batches(edited):
    generations = Generations()
    generation = generations.start()
    batches = []

    def progress(done, runs):
        batches.append(done)
        if done == 100:
            generations.start()  # a newer input arrives while the first is computing

    with pytest.raises(Stale):
        compute(edited, 1000, seed=7, generations=generations, generation=generation, batch=100, progress=progress)
    assert batches == [100]  # stopped before the second batch


def test_generations_are_thread_safe():
    generations = Generations()
    threads = [threading.Thread(target=lambda: [generations.start() for _ in range(1000)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert generations.current() == 4000


def test_the_stepper_plays_the_run_negsim_run_plays():
    scenario = load_scenario(VILNIUS)
    stepper = Stepper(scenario)
    assert stepper.rounds() == [] and stepper.running and stepper.text() is None
    stepper.step()
    first = stepper.rounds()
    assert len(first) == 1 and first[0]["round"] == 1
    assert set(first[0]["answers"]["consensus"]) == set(scenario.actor_ids)
    while stepper.step():
        pass
    assert not stepper.running and stepper.round == len(stepper.rounds())
    reference = sim.run(scenario)
    from sim.text import format_run

    assert stepper.text() == format_run(scenario, reference.outcome(), reference.event_log)
    assert stepper.events() == reference.event_log
    again = stepper.reset()
    assert again.round == 0 and again.running
