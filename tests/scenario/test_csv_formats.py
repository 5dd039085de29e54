"""The field's CSV files load as scenarios; malformed ones name the line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import InputError
from sim.scenario import load_scenario
from sim.scenario.convert import to_toml

ORACLE = Path(__file__).resolve().parent.parent / "ktab" / "oracle" / "dummyData_3Dim.csv"


def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def problems(path):
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    return caught.value.problems


def test_ktab_file_loads_as_written_by_ktab():
    scenario = load_scenario(ORACLE)
    assert scenario.name == "DummyData_3Dim"
    assert scenario.actor_ids == tuple(f"SActor-0{i}" for i in range(7))
    assert scenario.dimension_ids == ("Pstn1", "Pstn2", "Pstn3")
    assert scenario.tracks[0].protocol == "smp" and scenario.tracks[0].rule_kind == "forecast"
    first = scenario.actor_index["SActor-00"]
    assert scenario.capability[first] == 102.543
    assert scenario.position[first].tolist() == [75.79, 6.37, 70.45]
    assert scenario.salience[first].tolist() == pytest.approx([0.4953, 0.0591, 0.2815])


def test_ktab_columns_are_read_by_position_whatever_the_header_says(tmp_path):
    text = ORACLE.read_text().replace("Actor,Description,Power,Pstn1,Sal1", "Who,What,Clout,Alpha,Weight")
    scenario = load_scenario(write(tmp_path, text))
    assert scenario.dimension_ids == ("Alpha", "Pstn2", "Pstn3")
    assert scenario.position[0, 0] == 75.79


@pytest.mark.parametrize("edit, message", [
    (("75.79", "abc"), "line 3, column 4 (Pstn1): expected a number, got 'abc'"),
    (("49.53", "149.53"), "line 3, column 5 (Sal1): must be in [0, 100], got 149.53"),
    (("102.543", "-1"), "line 3, column 3 (Power): must be > 0, got -1"),
    ((",7,3,", ",9,3,"), "line 1, column 3 (numActors): says 9 actors, but the file has 7 actor lines"),
    ((" 6.37,  5.91", " 6.37, 45.91"), "line 3: saliences sum to 123.59; KTAB allows at most 100"),
])
def test_malformed_ktab_file_names_line_and_column(tmp_path, edit, message):
    text = ORACLE.read_text().replace(*edit, 1)
    assert message in problems(write(tmp_path, text))


def test_short_ktab_row(tmp_path):
    lines = ORACLE.read_text().splitlines()
    lines[4] = "SActor-02, Random Spatial Actor, 129.643, 82.45"
    assert problems(write(tmp_path, "\n".join(lines))) == [
        "line 5: expected 9 columns (Actor, Description, Power, then Pstn and Sal for 3 dimensions), got 4"]


def test_bdm_file_any_column_order_and_case(tmp_path):
    path = write(tmp_path, "Salience,POSITION,actor,Capability\n80,10,Left wing,30\n60,55,Centre,50\n90,100,Right,20\n")
    scenario = load_scenario(path)
    assert scenario.actor_ids == ("Centre", "Left_wing", "Right")
    assert scenario.tracks[0].protocol == "bdm"
    assert scenario.salience[:, 0].tolist() == pytest.approx([0.6, 0.8, 0.9])  # percentages read as shares
    assert (scenario.lower[0], scenario.upper[0]) == (10.0, 100.0)


def test_malformed_bdm_file(tmp_path):
    assert problems(write(tmp_path, "actor,position,salience\na,1,1\nb,2,1\n")) == [
        "line 1: the header must name the columns actor, capability, position, salience (any order); "
        "missing: capability"]
    assert problems(write(tmp_path, "actor,capability,position,salience\na,x,1,1\nb,2,1,1\n")) == [
        "line 2, column 2 (capability): expected a number, got 'x'"]


def test_convert_writes_toml_that_loads_back_to_the_same_scenario(tmp_path):
    scenario = load_scenario(ORACLE)
    text = to_toml(scenario, source="dummyData_3Dim.csv")
    assert text.startswith("# Scenario 'DummyData_3Dim', converted from dummyData_3Dim.csv")
    back = load_scenario(write(tmp_path, text, "converted.toml"))
    assert back.digest == scenario.digest


def test_bdm_saliences_on_two_scales_are_refused(tmp_path):
    path = write(tmp_path, "actor,capability,position,salience\na,1,10,0.8\nb,2,20,1.5\n")
    assert problems(path) == [
        "line 2, column 4 (salience): saliences mix scales: 0.8 here reads as a fraction of 1, 1.5 on line 3 as a "
        "percentage; write every salience on one scale (0-1 or 0-100)"]


def test_a_forecast_dimension_nobody_cares_about_is_refused(tmp_path):
    path = write(tmp_path, "actor,capability,position,salience\na,1,10,0\nb,2,20,0\n")
    assert problems(path) == ["tracks[0].dimensions: no participant gives 'issue' any salience, so a forecast "
                              "(weighted by capability x salience) is undefined there"]
