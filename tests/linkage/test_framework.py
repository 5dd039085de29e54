"""An opt-in track's framework text: settled together by the signatories, beside each one's pledge."""

from __future__ import annotations

import pytest

from sim.errors import InputError
from sim.results.output import dumps
from sim.runner import monte_carlo, run
from tests.conftest import actor, build, dimension


def umbrella(framework_positions: dict[str, float], reservation: float = 0.4) -> dict:
    """Three donors pledge aid to R; the framework 'duration' is one text for all of them."""
    donors = [actor(name, {"aid": 60, "duration": framework_positions[name]}, capability=c,
                    reservation_utility=reservation, salience={"aid": 1.0, "duration": 1.0})
              for name, c in (("big", 3.0), ("mid", 2.0), ("small", 1.0))]
    recipient = actor("recipient", {"aid": 100, "duration": 10}, veto=False, reservation_utility=0.3)
    return {
        "name": "framework", "seed": 5, "deadline": 8,
        "dimensions": [dimension("aid", status_quo=0), dimension("duration", 0, 10, status_quo=0)],
        "actors": donors + [recipient],
        "tracks": [{"id": "umbrella", "dimensions": ["aid"], "framework": ["duration"],
                    "decision_rule": {"kind": "opt_in", "counterpart": "recipient", "min_signatories": 2}}],
    }


def test_the_framework_text_is_one_statement_beside_the_pledges():
    scenario = build(umbrella({"big": 4, "mid": 5, "small": 6}))
    outcome = run(scenario).outcome().track("umbrella")
    assert outcome.agreed and len(outcome.signatories) >= 2
    duration = outcome.statement["duration"]
    assert 4 <= duration <= 10  # one text, between the donors' and the recipient's positions
    assert set(outcome.pledges[outcome.signatories[0]]) == {"aid"}  # pledges are on the pledge dimensions only
    row = run(scenario).outcome().to_record()
    assert row["statement.duration"] == duration and "pledge.big.duration" not in row


def test_a_donor_who_rejects_the_framework_text_does_not_sign():
    """'small' wants duration 0 and holds out (reservation 0.95 on a text it weighs fully): it never signs.

    It is a minor donor (capability 0.2), so its objections pull the text little and the others sign.
    (A strong hold-out drags the text toward itself until the recipient rejects it and nobody signs.)
    """
    data = umbrella({"big": 4, "mid": 5, "small": 0})
    small = next(a for a in data["actors"] if a["id"] == "small")
    small["capability"] = 0.2
    small["salience"] = {"aid": 0.0, "duration": 1.0}
    small["reservation_utility"] = 0.95
    outcome = run(build(data)).outcome().track("umbrella")
    assert outcome.agreed and "small" not in outcome.signatories


def test_without_a_framework_nothing_changes_for_pledges():
    plain = umbrella({"big": 4, "mid": 5, "small": 6})
    plain["tracks"][0].pop("framework")
    plain["dimensions"].pop()
    for a in plain["actors"]:
        for field in ("position", "salience"):
            a[field].pop("duration")
    outcome = run(build(plain)).outcome().track("umbrella")
    assert outcome.agreed and set(outcome.statement) == {"aid"}


def test_framework_runs_are_the_same_on_both_engines():
    data = umbrella({"big": 4, "mid": 5, "small": 6})
    for a in data["actors"]:
        a["position_sd"] = {"aid": 10.0, "duration": 1.5}
    data["acceptance"] = {"rule": "logistic", "temperature": 0.05}
    scenario = build(data)
    assert dumps(monte_carlo(scenario, 10, seed=3).table.to_pylist()) == dumps(
        monte_carlo(scenario, 10, seed=3, engine="mesa").table.to_pylist())


def test_only_opt_in_tracks_have_a_framework():
    data = umbrella({"big": 4, "mid": 5, "small": 6})
    data["tracks"][0]["decision_rule"] = {"kind": "unanimity"}
    with pytest.raises(InputError) as caught:
        build(data)
    assert any("only an opt-in track has a framework text" in line for line in caught.value.problems)


def test_a_deal_is_the_pledge_and_the_text_together():
    """Vilnius, declared inputs: Ukraine would reject the duration text on its own at the launch round,
    but accepts deals in which generous pledges make up for it.

    Its demand at round t is Faratin's a(t) = r + (1 - r)(1 - ((t - 1)/(T - 1))^(1/beta)), with r = 0.5,
    beta = 0.3, T = 13; the text alone is worth 1 - |f - 10|/10 to it (it wants 10 years).
    """
    from tests.conftest import SCENARIOS
    from sim.scenario import load_scenario

    outcome = run(load_scenario(SCENARIOS / "vilnius_2023.toml")).outcome().track("umbrella")
    assert outcome.agreed
    launch, text = outcome.round, outcome.statement["aid_duration"]
    demand = 0.5 + 0.5 * (1 - ((launch - 1) / 12) ** (1 / 0.3))
    assert 1 - abs(text - 10) / 10 < demand  # the text alone falls short of Ukraine's demand
    assert len(outcome.signatories) >= 4


def test_validate_lists_the_framework_text(capsys):
    from sim.cli import main
    from tests.conftest import SCENARIOS

    assert main(["validate", str(SCENARIOS / "vilnius_2023.toml")]) == 0
    assert "dimensions: aid_level (pledges); framework text: aid_duration;" in capsys.readouterr().out
