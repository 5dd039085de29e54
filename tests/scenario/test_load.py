"""Loading scenario files: valid files load, every kind of bad input names its problem."""

from __future__ import annotations

import copy
import tomllib

import numpy as np
import pytest
import yaml

from sim.errors import InputError
from sim.scenario import load_scenario, scenario_from_dict
from tests.conftest import SCENARIOS

VILNIUS = SCENARIOS / "vilnius_2023.toml"


def vilnius_data() -> dict:
    return tomllib.loads(VILNIUS.read_text())


def problems_of(data: dict) -> list[str]:
    with pytest.raises(InputError) as caught:
        scenario_from_dict(data, source="s.toml")
    return caught.value.problems


def test_shipped_scenarios_load():
    for path in sorted(SCENARIOS.glob("*.toml")):
        scenario = load_scenario(path)
        assert scenario.name == path.stem


def test_yaml_gives_the_same_scenario_as_toml(tmp_path):
    path = tmp_path / "vilnius.yaml"
    path.write_text(yaml.safe_dump(vilnius_data()))
    assert load_scenario(path).digest == load_scenario(VILNIUS).digest


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_scenario(tmp_path / "absent.toml")


def test_invalid_toml_names_the_line(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('name = "x"\ndeadline = = 3\n')
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert caught.value.problems == ["invalid TOML: Invalid value (at line 2, column 12)"]


def test_invalid_yaml_names_the_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\ndeadline: 3\nactors: [\n  - a: 1\n")
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert "invalid YAML" in caught.value.problems[0]
    assert "line 4" in caught.value.problems[0]


def test_unknown_extension(tmp_path):
    path = tmp_path / "scenario.json"
    path.write_text("{}")
    with pytest.raises(InputError, match="unknown file type '.json'"):
        load_scenario(path)


def test_salience_out_of_bounds_names_the_field_path():
    data = vilnius_data()
    data["actors"][3]["salience"]["aid_level"] = 1.4
    assert problems_of(data) == ["actors[3].salience.aid_level: must be in [0, 1], got 1.4"]


def test_position_outside_the_dimension_range():
    data = vilnius_data()
    data["actors"][0]["position"]["membership_timing"] = 140
    assert problems_of(data) == [
        "actors[0].position.membership_timing: must be in the range of 'membership_timing' [0, 100], got 140"]


def test_event_naming_an_unknown_actor():
    data = vilnius_data()
    data["events"][0]["actors"] = ["usa", "narnia"]
    assert problems_of(data) == ["events[0].actors[1]: unknown actor 'narnia'"]


def test_fewer_than_two_actors():
    data = vilnius_data()
    data["actors"] = data["actors"][:1]
    problems = problems_of(data)
    assert "actors: a negotiation needs at least two actors, got 1" in problems


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_numbers(bad):
    data = vilnius_data()
    data["actors"][2]["capability"] = bad
    assert problems_of(data) == [f"actors[2].capability: must be a finite number, got {bad}"]


def test_nan_literal_in_a_toml_file(tmp_path):
    text = VILNIUS.read_text().replace('id = "uk"\nname = "United Kingdom"\ncapability = 25',
                                       'id = "uk"\nname = "United Kingdom"\ncapability = nan')
    assert "capability = nan" in text
    path = tmp_path / "nan.toml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    assert caught.value.problems == ["actors[1].capability: must be a finite number, got nan"]


def test_unknown_keys_are_rejected():
    data = vilnius_data()
    data["actors"][1]["colour"] = "red"
    data["tracks"][0]["decision_rule"]["quorum"] = 3
    assert problems_of(data) == [
        "actors[1].colour: unknown field (not part of the scenario schema)",
        "tracks[0].decision_rule.quorum: unknown field (not part of the scenario schema)",
    ]


def test_every_problem_is_reported_at_once():
    data = vilnius_data()
    data["actors"][0]["position"]["membership_timing"] = -5
    data["actors"][1]["position"]["nonsense"] = 3
    data["events"].append({"kind": "join", "round": 99, "actor": "usa", "track": "nowhere"})
    problems = problems_of(data)
    assert "actors[0].position.membership_timing: must be in the range of 'membership_timing' [0, 100], got -5" in problems
    assert "actors[1].position.nonsense: unknown dimension 'nonsense'" in problems
    assert f"events[{len(data['events']) - 1}].round: must be at most the last deadline (13), got 99" in problems
    assert f"events[{len(data['events']) - 1}].track: unknown track 'nowhere'" in problems


def test_unknown_event_kind():
    data = vilnius_data()
    data["events"][0]["kind"] = "summit"
    (problem,) = problems_of(data)
    assert problem.startswith("events[0]: unknown kind 'summit'; expected one of")


def test_missing_position_on_a_track_dimension():
    data = vilnius_data()
    del data["actors"][0]["position"]["aid_level"]
    assert problems_of(data) == [
        "actors[0].position: missing 'aid_level' (a dimension of track 'umbrella', in which 'usa' takes part)"]


def test_protocol_and_rule_must_fit():
    data = vilnius_data()
    data["tracks"][1]["protocol"] = "mediated"
    assert problems_of(data) == [
        "tracks[1].decision_rule.kind: protocol 'mediated' does not support 'opt_in' "
        "(it supports: unanimity, qualified_majority, simple_majority)"]


def test_wording_bands_must_start_at_the_range_and_increase():
    data = vilnius_data()
    data["dimensions"][0]["wording"][0]["from"] = 5
    data["dimensions"][0]["wording"][2]["from"] = 20
    assert problems_of(data) == [
        "dimensions[0].wording[0].from: the first band must start at 0, got 5",
        "dimensions[0].wording[2].from: bands must start in increasing order within [0, 100], got 20 after 25",
    ]


def test_a_dimension_belongs_to_one_track():
    data = vilnius_data()
    data["tracks"][1]["dimensions"].append("membership_timing")
    index = len(data["tracks"][1]["dimensions"]) - 1
    assert problems_of(data) == [f"tracks[1].dimensions[{index}]: 'membership_timing' already belongs to track 'consensus'"]


def test_scenario_is_frozen():
    scenario = load_scenario(VILNIUS)
    with pytest.raises(ValueError):
        scenario.position[0, 0] = 1.0
    with pytest.raises(Exception):
        scenario.spec.deadline = 3


def test_actor_order_in_the_file_does_not_change_the_arrays():
    data = vilnius_data()
    shuffled = copy.deepcopy(data)
    shuffled["actors"] = list(reversed(shuffled["actors"]))
    a, b = scenario_from_dict(data), scenario_from_dict(shuffled)
    assert a.actor_ids == b.actor_ids
    np.testing.assert_array_equal(a.position, b.position)
    np.testing.assert_array_equal(a.reservation_utility, b.reservation_utility)


def test_reservation_utility_per_track():
    scenario = load_scenario(VILNIUS)
    usa = scenario.actor_index["usa"]
    assert scenario.reservation_utility[scenario.track_index["consensus"], usa] == 0.55
    assert scenario.reservation_utility[scenario.track_index["umbrella"], usa] == 0.8


def test_wording_bands():
    scenario = load_scenario(SCENARIOS / "minimal.toml")
    assert scenario.wording("timing", 0) == "The door remains open."
    assert scenario.wording("timing", 49.9) == "The door remains open."
    assert scenario.wording("timing", 50) == "Membership will follow when conditions are met."
    assert scenario.wording("timing", 100) == "We invite the candidate to join."


def test_shift_targets_must_be_valid_values():
    data = vilnius_data()
    data["uncertainties"] = [u for u in data.get("uncertainties", []) if not u["path"].startswith("events.")]
    data["events"] = [
        {"kind": "shift", "round": 2, "actor": "usa", "attribute": "position", "dimension": "aid_duration", "to": 12},
        {"kind": "shift", "round": 2, "actor": "usa", "attribute": "salience", "dimension": "aid_level", "to": 1.5},
        {"kind": "shift", "round": 2, "actor": "usa", "attribute": "capability", "to": 0},
        {"kind": "shift", "round": 2, "actor": "usa", "attribute": "capability", "to": 3, "by": 1},
    ]
    assert problems_of(data) == [
        "events[0].to: must be in the range of 'aid_duration' [0, 10], got 12",
        "events[1].to: must be in the salience bounds [0, 1], got 1.5",
        "events[2].to: capability must be > 0, got 0",
        "events[3]: give exactly one of 'to' (new value) or 'by' (change)",
    ]


def test_an_opt_in_quota_no_one_can_reach_is_rejected():
    data = vilnius_data()
    data["tracks"][1]["decision_rule"]["min_signatories"] = 11
    assert problems_of(data) == [
        "tracks[1].decision_rule.min_signatories: needs 11 signatories but only 10 actors can sign"]


def test_participants_listed_twice():
    data = vilnius_data()
    data["tracks"][1]["participants"].append("usa")
    assert problems_of(data) == ["tracks[1].participants[10]: 'usa' is listed twice"]
