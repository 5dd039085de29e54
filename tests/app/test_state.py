"""The app's state: inputs from the schema, an edited scenario equal to --set's, bookkeeping, TOML export."""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.app.inputs import by_path, editable_inputs
from sim.app.state import AppState
from sim.cli.run import override
from sim.errors import InputError
from sim.scenario import load_scenario, scenario_from_dict

ROOT = Path(__file__).resolve().parents[2]
VILNIUS = ROOT / "scenarios" / "vilnius_2023.toml"
GERMANY = "actors.germany.position.membership_timing"


@pytest.fixture(scope="module")
def base():
    return load_scenario(VILNIUS)


def _without_evidence(scenario):
    data = scenario.spec.model_dump(mode="json", by_alias=True)
    for actor in data["actors"]:
        actor.pop("evidence")
    return data


def _same_runs(a, b, runs=200, seed=7):
    return sim.monte_carlo(a, runs, seed=seed).table.to_pandas().equals(
        sim.monte_carlo(b, runs, seed=seed).table.to_pandas())


def test_every_input_has_its_schema_range(base):
    inputs = by_path(editable_inputs(base))
    assert len(inputs) == len(set(inputs))
    assert (inputs[GERMANY].low, inputs[GERMANY].high, inputs[GERMANY].value) == (0, 100, 30)
    assert (inputs["actors.germany.position.aid_duration"].low, inputs["actors.germany.position.aid_duration"].high) \
        == (0, 10)
    assert inputs["actors.usa.salience.aid_level"].interval() == "[0, 1]"
    assert inputs["broker.step"].interval() == "(0, 1]"
    assert inputs["deadline"].whole and inputs["deadline"].value == 13
    assert inputs["tracks.consensus.protocol"].kind == "choice"
    assert set(inputs["tracks.consensus.protocol"].choices) == set(sim.protocols.registry.names())
    assert inputs["tracks.umbrella.protocol"].value == "bilateral"
    assert inputs["actors.usa.veto"].kind == "bool" and inputs["actors.usa.veto"].value is True
    assert inputs["actors.usa.tactic"].value == 0.5
    for actor in base.spec.actors:  # every actor's position and salience on every dimension it holds
        for dim in actor.position:
            assert f"actors.{actor.id}.position.{dim}" in inputs
            assert f"actors.{actor.id}.salience.{dim}" in inputs


@pytest.mark.parametrize("path, value", [(GERMANY, 40), ("broker.step", 0.45), ("actors.usa.tactic", 2.0),
                                         ("deadline", 12), ("actors.italy.salience.aid_level", 0.9),
                                         ("actors.poland.reservation_utility.consensus", 0.7)])
def test_a_change_builds_the_scenario_set_builds(base, path, value):
    edited = AppState(base).set(path, value).scenario()
    expected = override(base, [f"{path}={value}"])
    assert _without_evidence(edited) == _without_evidence(expected)
    assert _same_runs(edited, expected)


def test_a_set_number_is_not_drawn(base):
    edited = AppState(base).set(GERMANY, 40).scenario()
    data = edited.spec.model_dump(mode="json", by_alias=True)
    germany = next(a for a in data["actors"] if a["id"] == "germany")
    assert "membership_timing" not in germany["position_sd"]
    table = sim.monte_carlo(edited, 50, seed=3).table
    assert table.num_rows == 50


def test_protocol_and_veto_are_set_on_their_records(base):
    edited = AppState(base).set("tracks.consensus.protocol", "concession").set("actors.usa.veto", False).scenario()
    data = base.spec.model_dump(mode="json", by_alias=True)
    track = next(t for t in data["tracks"] if t["id"] == "consensus")
    track["protocol"], track["options"] = "concession", {}
    next(a for a in data["actors"] if a["id"] == "usa")["veto"] = False
    assert edited.spec == scenario_from_dict(data).spec


def test_values_outside_the_range_are_refused_with_a_message(base):
    state = AppState(base)
    with pytest.raises(ValueError, match=r"actors.germany.position.membership_timing: must be in \[0, 100\], got 140"):
        state.set(GERMANY, 140)
    with pytest.raises(ValueError, match=r"must be in \[0, 1\], got 1.4"):
        state.set("actors.usa.salience.aid_level", 1.4)
    with pytest.raises(ValueError, match=r"broker.step: must be in \(0, 1\], got 0"):
        state.set("broker.step", 0)
    with pytest.raises(ValueError, match="whole number"):
        state.set("deadline", 2.5)
    with pytest.raises(ValueError, match="must be one of"):
        state.set("tracks.consensus.protocol", "nonsense")
    with pytest.raises(ValueError, match="finite"):
        state.set(GERMANY, float("nan"))
    with pytest.raises(KeyError):
        state.set("actors.nobody.tactic", 1)
    assert state.change_count == 0


def test_an_invalid_combination_is_reported_not_raised_from_problems(base):
    state = AppState(base).set("tracks.umbrella.protocol", "mediated")  # an opt-in track needs bilateral
    problems = state.problems()
    assert problems and all("\n" not in line for line in problems)
    assert any("umbrella" in line or "tracks[1]" in line for line in problems)
    with pytest.raises(InputError):
        state.scenario()


def test_a_deadline_before_an_event_is_a_problem_line(base):
    assert AppState(base).set("deadline", 9).problems() == [
        "events[0].round: must be at most the last deadline (9), got 11"]


def test_changes_are_counted_and_reset(base):
    state = AppState(base).set(GERMANY, 40).set("broker.step", 0.2)
    assert state.change_count == 2 and state.changed(GERMANY) and state.value(GERMANY) == 40
    assert state.set(GERMANY, 30).change_count == 1  # back at the file's value: no longer a change
    assert state.reset(GERMANY).changed(GERMANY) is False
    assert state.reset(GERMANY).change_count == 1
    cleared = state.reset()
    assert cleared.change_count == 0 and cleared.scenario() is base
    assert state.value("actors.usa.tactic") == 0.5


def test_the_exported_toml_loads_back_to_the_edited_scenario(base, tmp_path):
    state = AppState(base).set(GERMANY, 70).set("tracks.consensus.protocol", "concession") \
        .set("actors.usa.veto", False).set("deadline", 12)
    path = tmp_path / "edited.toml"
    path.write_text(state.to_toml(), encoding="utf-8")
    loaded = load_scenario(path)  # as `negsim validate` reads it, quotes checked against positions
    assert loaded.spec.model_dump(mode="json") == state.scenario().spec.model_dump(mode="json")
    assert "# Scenario 'vilnius_2023' as edited in `negsim app`: 4 change(s)" in path.read_text()


def test_validate_accepts_the_exported_file(base, tmp_path):
    import subprocess
    import sys

    path = tmp_path / "edited.toml"
    path.write_text(AppState(base).set(GERMANY, 90).to_toml(), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "sim", "validate", str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_scenarios_inputs_hold_their_file_values(path):
    scenario = load_scenario(path)
    state = AppState(scenario)
    for item in editable_inputs(scenario):
        assert item.check(item.value) == item.value, item.path
        assert state.set(item.path, item.value).change_count == 0


def test_every_input_at_its_bounds_builds_or_says_why(base):
    state = AppState(base)
    for item in editable_inputs(base):
        values = [item.low, item.high] if item.kind == "number" else list(item.choices) or [not item.value]
        for value in values:
            if item.kind == "number" and (value == item.low and item.open_low or value == item.high and item.open_high):
                continue
            problems = state.set(item.path, value).problems()  # never raises
            assert all(isinstance(line, str) and "\n" not in line for line in problems), (item.path, value)


def test_the_saved_file_carries_the_seed_the_page_ran_with(tmp_path):
    state = AppState(load_scenario(VILNIUS)).set(GERMANY, 40)
    path = tmp_path / "saved.toml"
    path.write_text(state.to_toml(seed=7))
    assert load_scenario(path).seed == 7
    path.write_text(state.to_toml())
    assert load_scenario(path).seed == load_scenario(VILNIUS).seed
