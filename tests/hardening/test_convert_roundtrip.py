"""``negsim convert`` writes a file that loads back as the same scenario, whatever its texts hold."""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.scenario import load_scenario, scenario_from_dict
from sim.scenario.convert import to_toml

BASE = load_scenario("scenarios/minimal.toml").spec.model_dump(mode="json", by_alias=True, exclude_defaults=True)

HOSTILE = ["two\nlines", "x'\n[[actors]]\nid = 'z'", "carriage\rreturn", "crlf\r\n[broker]", "line\u2028separator",
           "nul\x00char", "del\x7f", 'triple """ quotes', "triple ''' quotes", "back\\slash", "# a comment",
           "\ufeffbom", "tab\there", "é ü 漢字 🙂", "\x1b[31mred\x1b[0m", "\n", " "]

texts = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=40)


def _with_texts(name: str, other: str) -> dict:
    data = copy.deepcopy(BASE)
    data["name"] = name
    data["description"] = other
    data["dimensions"][0]["name"] = other
    data["dimensions"][0]["description"] = name
    data["dimensions"][0]["wording"][0]["text"] = other
    data["actors"][0]["name"] = other
    data["tracks"][0]["name"] = name
    data["events"] = [{"kind": "shift", "round": 2, "actor": "hawk", "attribute": "capability", "by": 0.1,
                       "note": other}]
    return data


def _round_trip(data: dict, tmp_path, source: str = "x.csv") -> None:
    scenario = scenario_from_dict(data)
    path = tmp_path / "converted.toml"
    path.write_text(to_toml(scenario, source=source), encoding="utf-8")
    back = load_scenario(path)
    assert back.spec == scenario.spec
    assert back.digest == scenario.digest


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_texts_round_trip(text, tmp_path):
    _round_trip(_with_texts(text, text), tmp_path, source=text)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=texts, other=texts, source=texts)
def test_any_texts_round_trip(name, other, source, tmp_path):
    _round_trip(_with_texts(name, other), tmp_path, source=source)
