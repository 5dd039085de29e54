"""Conditional events: a small parsed grammar, checked against the scenario, fired on the state."""

from __future__ import annotations

import pytest

from sim.errors import InputError
from sim.results.output import dumps
from sim.runner import monte_carlo, run
from sim.scenario.conditions import Both, Compare, ConditionError, Not, Status, check, parse
from tests.conftest import actor, build, dimension


def test_parse_builds_the_tree_with_and_binding_tighter_than_or():
    assert parse("agreed(a)") == Status("agreed", "a")
    assert parse("signatories(umbrella) >= 4") == Compare("signatories", "umbrella", ">=", 4.0)
    assert parse("draft(x) < -2.5e1") == Compare("draft", "x", "<", -25.0)
    assert parse("failed(a) or agreed(b) and round >= 3") == Both(
        Status("failed", "a"), Both(Status("agreed", "b"), Compare("round", "", ">=", 3.0), any_of=False), any_of=True)
    assert parse("not (closed(a) or closed(b))") == Not(Both(Status("closed", "a"), Status("closed", "b"), any_of=True))


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("agreed(a", "expected ')'"),
    ("agreed(a) extra", "unexpected 'extra'"),
    ("settled(a)", "unknown test 'settled'"),
    ("draft(x) >= lots", "expected a number"),
    ("draft(x) = 3", "cannot read"),
    ("__import__('os').system('true')", "cannot read"),
    ("round >=", "ends early"),
])
def test_malformed_conditions_say_what_is_wrong(text, message):
    with pytest.raises(ConditionError) as caught:
        parse(text)
    assert message in str(caught.value)


def test_check_names_unknown_ids_and_wrong_track_kinds():
    node = parse("agreed(nowhere) and draft(z) > 1 and signatories(talks) >= 2")
    assert check(node, {"talks": "unanimity"}, {"x"}) == [
        "unknown track 'nowhere'", "unknown dimension 'z'",
        "signatories() needs an opt-in track; 'talks' is unanimity"]


def two_tracks(events: list[dict]) -> dict:
    """Track 'quick' agrees in round 1 (both want 50); track 'slow' needs B's reservation utility to fall.

    On 'slow' A wants 100 and settles for 0.3 (s >= 30); B wants 0 and holds out for 0.9 (s <= 10):
    no text can pass until B relents.
    """
    return {
        "name": "linked", "seed": 2, "deadline": 6,
        "dimensions": [dimension("q", status_quo=0), dimension("s", status_quo=0)],
        "actors": [actor("a", {"q": 50, "s": 100}, reservation_utility={"quick": 0.5, "slow": 0.3}),
                   actor("b", {"q": 50, "s": 0}, reservation_utility={"quick": 0.5, "slow": 0.9}, tactic=0.2)],
        "tracks": [{"id": "quick", "dimensions": ["q"], "decision_rule": {"kind": "unanimity"}},
                   {"id": "slow", "dimensions": ["s"], "decision_rule": {"kind": "unanimity"}}],
        "events": events,
    }


RELENT = {"kind": "shift", "when": "agreed(quick)", "actor": "b", "attribute": "reservation_utility",
          "track": "slow", "to": 0.3, "note": "B relents once the quick deal is done"}


def test_an_event_fires_when_another_track_agrees_and_changes_that_track():
    without = run(build(two_tracks([]))).outcome()
    assert without.track("quick").agreed and not without.track("slow").agreed
    model = run(build(two_tracks([RELENT])))
    assert model.event_log == ["when agreed(quick) (fired before round 2): b reservation_utility on track slow "
                               "to 0.3 - B relents once the quick deal is done"]
    assert model.state.reservation_utility[0, 1, 1] == 0.3
    assert model.outcome().track("slow").agreed


def test_a_draft_condition_fires_once_and_a_false_one_never():
    crossing = {"kind": "shift", "when": "draft(s) <= 60 and not agreed(slow)", "actor": "a",
                "attribute": "position", "dimension": "s", "by": -10}
    never = {"kind": "shift", "when": "signatories(slow) >= 1 or round > 99", "actor": "a",
             "attribute": "position", "dimension": "s", "to": 0}
    data = two_tracks([crossing])
    data["events"].append(never)
    with pytest.raises(InputError, match="signatories"):
        build(data)
    data["events"].pop()
    model = run(build(data))
    fired = [line for line in model.event_log if "draft(s)" in line]
    assert len(fired) == 1  # once per run, however long the condition holds
    assert model.state.position[0, 0, 1] == 90.0


def test_conditional_events_give_the_same_runs_on_both_engines():
    data = two_tracks([RELENT, {"kind": "bilateral", "when": "round >= 3 and not closed(slow)", "actors": ["a", "b"],
                                "strength": 0.5}])
    for a in data["actors"]:
        a["position_sd"] = {"q": 20.0, "s": 20.0}
    data["acceptance"] = {"rule": "logistic", "temperature": 0.05}
    scenario = build(data)
    assert dumps(monte_carlo(scenario, 16, seed=8).table.to_pylist()) == dumps(
        monte_carlo(scenario, 16, seed=8, engine="mesa").table.to_pylist())


@pytest.mark.parametrize("event, message", [
    ({"kind": "join", "actor": "a", "track": "slow"}, "give exactly one of 'round' (a fixed round) or 'when'"),
    ({"kind": "join", "round": 2, "when": "agreed(quick)", "actor": "a", "track": "slow"}, "give exactly one"),
    ({"kind": "join", "when": "agreed(quik)", "actor": "a", "track": "slow"}, "events[0].when: unknown track 'quik'"),
    ({"kind": "join", "when": "agreed(quick", "actor": "a", "track": "slow"}, "events[0].when: the condition ends early; expected ')'"),
    ({"kind": "shift", "round": 2, "actor": "a", "attribute": "reservation_utility", "to": 0.2},
     "a reservation_utility shift needs the track"),
    ({"kind": "shift", "round": 2, "actor": "a", "attribute": "reservation_utility", "track": "slow", "to": 2},
     "must be in [0, 1]"),
])
def test_invalid_event_timing_is_refused_naming_the_field(event, message):
    with pytest.raises(InputError) as caught:
        build(two_tracks([event]))
    assert any(message in f"{line}" for line in caught.value.problems), caught.value.problems
