"""The declared limits are checked at validation: a scenario at a limit is accepted, one beyond it refused."""

from __future__ import annotations

import pytest

from sim import limits
from sim.errors import InputError
from sim.scenario import scenario_from_dict


def scenario(actors: int, dimensions: int = 1, deadline: int = 10, protocol: str = "mediated") -> dict:
    dims = [f"d{j}" for j in range(dimensions)]
    rule = {"kind": "forecast"} if protocol in ("bdm", "smp") else (
        {"kind": "opt_in", "counterpart": "a0"} if protocol == "bilateral" else {"kind": "unanimity"})
    return {
        "name": "sized", "deadline": deadline,
        "dimensions": [{"id": d, "range": [0, 100], "status_quo": 0, "wording": [{"from": 0, "text": "t"}]}
                       for d in dims],
        "actors": [{"id": f"a{i}", "capability": 1, "position": {d: i % 100 for d in dims},
                    "salience": {d: 0.5 for d in dims}} for i in range(actors)],
        "tracks": [{"id": "t", "dimensions": dims, "decision_rule": rule, "protocol": protocol}],
    }


def refused(data: dict) -> list[str]:
    with pytest.raises(InputError) as error:
        scenario_from_dict(data)
    return error.value.problems


def test_every_limit_is_declared_in_one_module():
    for name in ("MAX_FILE_BYTES", "MAX_PATH_CHARS", "MAX_NESTING", "MAX_STRING_CHARS", "MAX_INTEGER_DIGITS",
                 "MAX_YAML_ALIASES", "MAX_ROUNDS", "MAX_DIMENSIONS", "MAX_ACTORS", "MAX_TRACK_STEPS"):
        assert isinstance(getattr(limits, name), int)
    assert set(limits.PROTOCOL_LIMITS) == {"bdm", "smp", "alternating"}


def test_deadline():
    assert scenario_from_dict(scenario(2, deadline=limits.MAX_ROUNDS)).deadline == limits.MAX_ROUNDS
    assert refused(scenario(2, deadline=limits.MAX_ROUNDS + 1)) == [
        "deadline: must be in [1, 10000] (see README, 'Limits'), got 10001"]
    assert "got an integer of 40 digits" in refused(scenario(2, deadline=10 ** 39))[0]


def test_actors_and_dimensions():
    scenario_from_dict(scenario(limits.MAX_ACTORS))
    assert refused(scenario(limits.MAX_ACTORS + 1))[0].startswith("actors: 1,001 actors; the limit is 1,000")
    scenario_from_dict(scenario(2, dimensions=limits.MAX_DIMENSIONS))
    assert refused(scenario(2, dimensions=limits.MAX_DIMENSIONS + 1))[0].startswith("dimensions: 101 dimensions")


def test_actor_steps_of_a_track():
    scenario_from_dict(scenario(1000, dimensions=10, deadline=1000))
    assert "actor-steps; the limit is 10,000,000" in refused(scenario(1000, dimensions=10, deadline=1001))[0]


@pytest.mark.parametrize("protocol", ["bdm", "smp", "alternating"])
def test_protocol_actor_limits(protocol):
    most = limits.PROTOCOL_LIMITS[protocol].actors
    scenario_from_dict(scenario(most, deadline=1, protocol=protocol))
    problem = refused(scenario(most + 1, deadline=1, protocol=protocol))[0]
    if most == limits.MAX_ACTORS:  # the scenario's own limit comes first
        assert problem.startswith(f"actors: {most + 1:,} actors; the limit is {most:,}")
    else:
        assert f"{most + 1} actors take part; the {protocol} protocol takes at most {most}" in problem


@pytest.mark.parametrize("protocol, actors, dimensions, deadline", [
    ("bdm", 500, 10, 20), ("smp", 500, 10, 20), ("alternating", 1000, 10, 20)])
def test_protocol_work_limits(protocol, actors, dimensions, deadline):
    scenario_from_dict(scenario(actors, dimensions, deadline, protocol))
    problem = refused(scenario(actors, dimensions, deadline + 1, protocol))[0]
    assert f"too much work for the {protocol} protocol" in problem


def test_a_protocol_actor_limit_below_the_scenario_limit_is_checked(monkeypatch):
    """Every shipped protocol takes MAX_ACTORS now; the per-protocol check still refuses a track over its own."""
    monkeypatch.setitem(limits.PROTOCOL_LIMITS, "smp", limits.ProtocolLimits(actors=5, work=10 ** 12))
    scenario_from_dict(scenario(5, deadline=2, protocol="smp"))
    assert "6 actors take part; the smp protocol takes at most 5" in refused(scenario(6, deadline=2, protocol="smp"))[0]


def test_a_switched_protocol_is_checked_too():
    from sim.scenario.variants import with_protocol

    base = scenario_from_dict(scenario(1000, deadline=30))
    with pytest.raises(InputError, match="too much work for the smp protocol"):
        with_protocol(base, "smp")


def _events(count: int, when: str = "round >= 2") -> list[dict]:
    return [{"kind": "shift", "when": when, "actor": "a0", "attribute": "capability", "by": 0.0}] * count


def test_events_and_their_checks():
    scenario_from_dict(scenario(2, deadline=1000) | {"events": _events(limits.MAX_EVENTS)})
    assert refused(scenario(2, deadline=1) | {"events": _events(limits.MAX_EVENTS + 1)}) == [
        "events: 1,001 events; the limit is 1,000 (see README, 'Limits')"]
    assert "event checks; the limit is 1,000,000" in refused(
        scenario(2, deadline=1001) | {"events": _events(limits.MAX_EVENTS)})[0]


def test_uncertainties():
    many = [{"path": "actors.a0.capability", "distribution": {"kind": "uniform", "low": 0.5, "high": 1.5}}] * 1001
    assert refused(scenario(2) | {"uncertainties": many})[0] == (
        "uncertainties: 1,001 uncertainties; the limit is 1,000 (see README, 'Limits')")


@pytest.mark.parametrize("when, expected", [
    ("(" * 40 + "round >= 2" + ")" * 40, "'not' and parentheses nested more than 32 deep"),
    ("(" * 4000 + "round >= 2" + ")" * 4000, "'not' and parentheses nested more than 32 deep"),
    ("not " * 2000 + "round >= 2", "'not' and parentheses nested more than 32 deep"),
    (" and ".join(["round >= 2"] * 101), "more than 100 tests in one condition"),
])
def test_conditions_are_bounded(when, expected):
    problems = refused(scenario(2) | {"events": _events(1, when)})
    assert any(problem.startswith("events[0].when: ") and expected in problem for problem in problems), problems


def test_a_condition_at_the_limits_runs():
    from sim import runner

    when = "(" * 31 + " or ".join(["round >= 2"] * 100) + ")" * 31
    model = runner.run(scenario_from_dict(scenario(2, deadline=3) | {"events": _events(1, when)}))
    assert model.outcome().rounds <= 3
