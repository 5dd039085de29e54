"""The shipped scenarios say what the domain brief says, and justify every number."""

from __future__ import annotations

import re

from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

VILNIUS = SCENARIOS / "vilnius_2023.toml"
NUMBER = re.compile(r"=\s*[\[{]?[^\"#]*\d")


def uncommented_numbers(path) -> list[str]:
    """Lines assigning a number with no comment citing the brief or marking an assumption.

    A comment may sit on the line itself or on the indented comment line just
    below it; a wording band is covered by the comment on its ``wording = [`` line.
    """
    lines = path.read_text().splitlines()
    missing = []
    in_justified_wording = False
    for i, line in enumerate(lines):
        code = re.sub(r'"[^"]*"', '""', line).split("#", 1)[0]
        if code.strip().startswith("wording = ["):
            in_justified_wording = "ASSUMPTION" in line or "brief" in line
        elif code.strip() == "]":
            in_justified_wording = False
        if not NUMBER.search(code) or code.strip().startswith(("id", "name", "text")):
            continue
        if in_justified_wording and code.strip().startswith("{ from"):
            continue
        comments = [line.split("#", 1)[1] if "#" in line else ""]
        if i + 1 < len(lines) and lines[i + 1].lstrip().startswith("#") and lines[i + 1].startswith(" "):
            comments.append(lines[i + 1])
        if not any(("brief" in c or "ASSUMPTION" in c) for c in comments):
            missing.append(f"line {i + 1}: {line.strip()}")
    return missing


def test_every_number_in_vilnius_is_justified():
    assert uncommented_numbers(VILNIUS) == []


def test_every_line_of_minimal_is_commented():
    for number, line in enumerate((SCENARIOS / "minimal.toml").read_text().splitlines(), 1):
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "{", "]")):
            assert "#" in line, f"minimal.toml line {number} has no comment: {line}"


def test_vilnius_holds_the_situation_of_the_brief():
    scenario = load_scenario(VILNIUS)
    for actor_id in ("usa", "uk", "france", "germany", "poland", "lithuania", "latvia", "estonia", "ukraine"):
        assert actor_id in scenario.actor_index
    ukraine = scenario.actors[scenario.actor_index["ukraine"]]
    assert ukraine.veto is False
    assert all(a.veto for a in scenario.actors if a.id != "ukraine")
    flank = {a.id for a in scenario.actors if a.bloc == "eastern_flank"}
    assert flank == {"poland", "lithuania", "latvia", "estonia"}
    consensus, umbrella = scenario.tracks
    assert consensus.rule_kind == "unanimity" and consensus.protocol == "mediated"
    assert [scenario.dimension_ids[d] for d in consensus.dims] == ["membership_timing", "membership_wording"]
    assert umbrella.rule_kind == "opt_in" and scenario.actor_ids[umbrella.counterpart] == "ukraine"
    assert [scenario.dimension_ids[d] for d in umbrella.dims] == ["aid_level", "aid_duration"]
    assert scenario.spec.broker.name == "NATO Secretary General"
    (meeting,) = scenario.events
    assert meeting.kind == "bilateral" and set(meeting.actors) == {"usa", "uk"}
    assert meeting.round == scenario.deadline - 2  # the day before the two-day summit


def test_minimal_is_minimal():
    scenario = load_scenario(SCENARIOS / "minimal.toml")
    assert 2 <= len(scenario.actor_ids) <= 3 and len(scenario.dimension_ids) == 1
