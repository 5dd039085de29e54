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
    in_justified_wording = in_evidence = in_uncertainties = False
    for i, line in enumerate(lines):
        code = re.sub(r'"[^"]*"', '""', line).split("#", 1)[0]
        if code.strip().startswith("["):
            in_uncertainties = code.strip() == "[[uncertainties]]"  # distributions are the justification
        if code.strip().startswith("wording = ["):
            in_justified_wording = "ASSUMPTION" in line or "brief" in line
        elif code.strip().startswith("evidence = ["):
            in_evidence = not code.rstrip().endswith("]")  # a quote and its band: references, not inputs
            continue
        elif code.strip() == "]":
            in_justified_wording = in_evidence = False
        if in_uncertainties or in_evidence:
            continue
        if not NUMBER.search(code) or code.strip().startswith(("id", "name", "text")):
            continue
        if in_justified_wording and code.strip().startswith("{ from"):
            continue
        comments = [line.split("#", 1)[1] if "#" in line else ""]
        if i + 1 < len(lines) and lines[i + 1].lstrip().startswith("#") and lines[i + 1].startswith(" "):
            comments.append(lines[i + 1])
        if not any(("brief" in c or "ASSUMPTION" in c or "CONVENTION" in c) for c in comments):
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
    assert [scenario.dimension_ids[d] for d in umbrella.dims] == ["aid_level"]  # each donor's own pledge
    assert [scenario.dimension_ids[d] for d in umbrella.framework_dims] == ["aid_duration"]  # one joint text
    assert scenario.spec.broker.name == "NATO Secretary General"
    meeting, linkage = scenario.events
    assert meeting.kind == "bilateral" and set(meeting.actors) == {"usa", "uk"}
    assert meeting.round == scenario.deadline - 2  # the day before the two-day summit
    assert linkage.when == "signatories(umbrella) >= 4" and linkage.track == "consensus"


def test_minimal_is_minimal():
    scenario = load_scenario(SCENARIOS / "minimal.toml")
    assert 2 <= len(scenario.actor_ids) <= 3 and len(scenario.dimension_ids) == 1


ASSUMED = re.compile(r"^\s*(\w+)\s*=\s*(\{.*\}|[-\d.]+)")


def assumed_numbers(path) -> list[tuple[int, str]]:
    """(line, path) of every model input a comment marks ASSUMPTION, as dotted paths.

    Reads the layout of the shipped scenarios: ``[[section]]`` headers, an ``id`` line, then
    ``key = number`` or ``key = { k = number, ... }`` with its comment on the line or the indented
    comment line below; a wording band's edge (but the first, fixed at the range's lower bound) is
    assumed when its ``wording = [`` line says so. ``position_sd`` is itself the declared uncertainty.
    """
    lines = path.read_text().splitlines()
    found, section, record, counts, band = [], "", "", {}, None
    for i, line in enumerate(lines):
        code = re.sub(r'"[^"]*"', '""', line).split("#", 1)[0].strip()
        header = re.fullmatch(r"\[\[?(\w+)\]\]?", code)
        if header:
            section = header.group(1)
            counts[section] = counts.get(section, -1) + 1
            record = f"{section}.{counts[section]}" if section == "events" else section
            band = None
            continue
        named = re.fullmatch(r'id\s*=\s*"(\w+)"', re.sub(r"#.*", "", line).strip())
        if named and section in ("actors", "dimensions", "tracks"):
            record = f"{section}.{named.group(1)}"
            continue
        comment = line.split("#", 1)[1] if "#" in line else ""
        if i + 1 < len(lines) and lines[i + 1].startswith(" ") and lines[i + 1].lstrip().startswith("#"):
            comment += lines[i + 1]
        if code.startswith("wording = ["):
            band = 0 if "ASSUMPTION" in comment else None
            continue
        if band is not None and code.startswith("{ from"):
            if band > 0:
                found.append((i + 1, f"{record}.wording.{band}.from"))
            band += 1
            continue
        match = ASSUMED.match(code)
        if not match or "ASSUMPTION" not in comment or section in ("uncertainties", "") or match.group(1) in (
                "position_sd", "evidence"):
            continue
        key, value = match.groups()
        prefix = f"{record}.{key}" if section != "broker" else f"broker.{key}"
        if value.startswith("{"):
            found += [(i + 1, f"{prefix}.{k}") for k in re.findall(r"(\w+)\s*=", value)]
        else:
            found.append((i + 1, prefix))
    return found


def test_every_assumption_in_vilnius_carries_a_declared_uncertainty():
    """validity.md: a number the sources do not pin down is marked ASSUMPTION and carries an uncertainty."""
    from sim.scenario.uncertainties import resolve

    scenario = load_scenario(VILNIUS)
    inputs, problems = resolve(scenario.spec.model_dump(mode="json", by_alias=True))
    assert problems == []
    uncertain = {item.path for item in inputs}
    assumed = assumed_numbers(VILNIUS)
    assert len(assumed) > 100  # the reader found the scenario's assumptions
    assert [f"line {line}: {path}" for line, path in assumed if path not in uncertain] == []


def test_the_assumption_reader_finds_an_uncovered_assumption(tmp_path):
    """The check above can fail: drop one declared uncertainty and it names the number."""
    text = VILNIUS.read_text().replace(
        '[[uncertainties]]\npath = "broker.step"\ndistribution = { kind = "uniform", low = 0.15, high = 0.45 }\n'
        'note = "how far the Secretary General moves the draft each round"\n', "")
    assert text != VILNIUS.read_text()
    edited = tmp_path / "vilnius.toml"
    edited.write_text(text)
    from sim.scenario.uncertainties import resolve

    inputs, _ = resolve(load_scenario(edited).spec.model_dump(mode="json", by_alias=True))
    uncovered = [path for _, path in assumed_numbers(edited) if path not in {item.path for item in inputs}]
    assert uncovered == ["broker.step"]
