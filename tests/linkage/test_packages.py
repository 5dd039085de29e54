"""Packages: nothing is agreed until everything is agreed, and the classic logroll."""

from __future__ import annotations

import numpy as np
import pytest

from sim.errors import InputError
from sim.protocols.package import linkage_target
from sim.results.output import dumps
from sim.runner import monte_carlo, run
from tests.conftest import actor, build, dimension


def logroll(package: bool, linkage: bool = False, deadline: int = 10) -> dict:
    """Two actors, two issues with opposite saliences, each issue on its own track.

    A wants x = y = 100 and cares about x (0.9) far more than y (0.1); B wants x = y = 0 and
    cares the other way round. Both hold vetoes and need utility 0.7 on whatever they sign;
    the status quo (50, 50) gives each 0.5.
    """
    data = {
        "name": "logroll", "seed": 1, "deadline": deadline,
        "dimensions": [dimension("x", status_quo=50), dimension("y", status_quo=50)],
        "actors": [actor("a", {"x": 100, "y": 100}, salience={"x": 0.9, "y": 0.1}, reservation_utility=0.7),
                   actor("b", {"x": 0, "y": 0}, salience={"x": 0.1, "y": 0.9}, reservation_utility=0.7)],
        "tracks": [{"id": "track_x", "dimensions": ["x"], "decision_rule": {"kind": "unanimity"}},
                   {"id": "track_y", "dimensions": ["y"], "decision_rule": {"kind": "unanimity"}}],
    }
    if package:
        data["packages"] = [{"id": "deal", "tracks": ["track_x", "track_y"], "linkage": linkage}]
    return data


def both_issues_utility(outcome, scenario) -> dict[str, float]:
    """Each actor's utility, over both issues, of what it ends with (statement or status quo)."""
    ends = {d: (v if v == v else 50.0) for t in outcome.tracks for d, v in t.statement.items()}
    x = np.array([ends["x"], ends["y"]])
    result = {}
    for i, actor_id in enumerate(scenario.actor_ids):
        s = scenario.salience[i] / scenario.salience[i].sum()
        result[actor_id] = float(1 - (s * np.abs(x - scenario.position[i]) / 100).sum())
    return result


def test_separate_tracks_fail_where_the_package_agrees_and_leaves_both_better_off():
    separate = build(logroll(package=False))
    apart = run(separate).outcome()
    assert not any(t.agreed for t in apart.tracks)  # on x alone, A needs x >= 70 and B x <= 30
    assert both_issues_utility(apart, separate) == {"a": pytest.approx(0.5), "b": pytest.approx(0.5)}

    packaged = build(logroll(package=True))
    together = run(packaged).outcome()
    assert all(t.agreed for t in together.tracks)
    assert together.tracks[0].round == together.tracks[1].round  # closed together
    gains = both_issues_utility(together, packaged)
    assert gains["a"] > 0.7 - 1e-9 and gains["b"] > 0.7 - 1e-9  # both above their reservation, far above 0.5
    x, y = together.tracks[0].statement["x"], together.tracks[1].statement["y"]
    assert x > 50 > y  # the logroll: A gets its way on x, B on y


@pytest.mark.parametrize("linkage", [False, True])
def test_a_package_fails_as_one_when_no_package_is_acceptable(linkage):
    data = logroll(package=True, linkage=linkage)
    for a in data["actors"]:
        a["reservation_utility"] = 0.95  # nobody can get 0.95 without the other losing it
    outcome = run(build(data)).outcome()
    assert not any(t.agreed for t in outcome.tracks)
    assert all(t.blockers for t in outcome.tracks)


def test_linkage_target_maximises_the_smallest_slack_exactly():
    """Worked by hand: weights (0.9, 0.1) and (0.1, 0.9), ideals (100, 100) and (0, 0), demands 0.7.

    At (100, 0) both have utility 1 - 0.1 = 0.9, slack 0.2; moving x down 1 costs A 0.009 and gains B
    0.001, so no move helps the worse-off one: (100, 0) is the maximin point, slack 0.2 each.
    """
    target = linkage_target(np.array([[100.0, 100.0], [0.0, 0.0]]), np.array([[0.9, 0.1], [0.1, 0.9]]),
                            np.array([0.7, 0.7]), np.zeros(2), np.full(2, 100.0))
    np.testing.assert_allclose(target, [100.0, 0.0], atol=1e-7)


def test_with_linkage_the_broker_reaches_the_logroll_sooner():
    plain = run(build(logroll(package=True))).outcome().tracks[0]
    linked = run(build(logroll(package=True, linkage=True))).outcome().tracks[0]
    assert linked.agreed and plain.agreed
    assert linked.round <= plain.round
    assert linked.statement["x"] >= plain.statement["x"] - 1e-9


@pytest.mark.parametrize("linkage", [False, True])
def test_packages_give_the_same_runs_on_both_engines(linkage):
    data = logroll(package=True, linkage=linkage)
    for a in data["actors"]:
        a["position_sd"] = {"x": 15.0, "y": 15.0}
    data["acceptance"] = {"rule": "logistic", "temperature": 0.05}
    scenario = build(data)
    ensemble = monte_carlo(scenario, 12, seed=4).table.to_pylist()
    mesa = monte_carlo(scenario, 12, seed=4, engine="mesa").table.to_pylist()
    assert dumps(ensemble) == dumps(mesa)  # JSON text: NaN (null) compares equal to NaN


@pytest.mark.parametrize("change, message", [
    (lambda d: d["packages"][0].update(tracks=["track_x", "track_x"]), "a package joins at least two different tracks"),
    (lambda d: d["packages"][0].update(tracks=["track_x", "nowhere"]), "unknown track 'nowhere'"),
    (lambda d: d["tracks"][1].update(protocol="alternating"),
     "'track_y' is negotiated under 'alternating', which drafts each track on its own"),
    (lambda d: d["tracks"][1].update(decision_rule={"kind": "forecast"}, protocol="bdm"),
     "'track_y' decides by 'forecast'; a package needs collective rules"),
    (lambda d: d["packages"].append({"id": "again", "tracks": ["track_x", "track_y"]}),
     "'track_x' already belongs to package 'deal'"),
])
def test_invalid_packages_are_refused_saying_why(change, message):
    data = logroll(package=True)
    change(data)
    with pytest.raises(InputError) as caught:
        build(data)
    assert any(message in line for line in caught.value.problems), caught.value.problems


def test_round_one_judges_the_package_on_every_member_tracks_opening_draft():
    """Both tracks open at their compromise before the package's first round: A (ideal 100, 100) judges
    the draft on both issues, never against a member track's status quo."""
    model = run(build(logroll(package=True)))
    trace = model.trace()
    first = trace[trace["round"] == 1].set_index("actor")
    draft = first[["draft.x", "draft.y"]].iloc[0].to_numpy()
    assert draft[0] == pytest.approx(90.0) and draft[1] == pytest.approx(10.0)  # the compromises, not (90, 50)
    for actor_id, ideal, weights in (("a", (100, 100), (0.9, 0.1)), ("b", (0, 0), (0.1, 0.9))):
        expected = 1 - sum(w * abs(x - p) / 100 for w, x, p in zip(weights, draft, ideal))
        assert first.loc[actor_id, "track_x.utility"] == pytest.approx(expected)
        assert first.loc[actor_id, "track_y.utility"] == pytest.approx(expected)


def test_validate_and_the_summary_show_the_package(tmp_path, capsys):
    import tomli_w

    from sim.cli import main

    path = tmp_path / "logroll.toml"
    path.write_text(tomli_w.dumps(logroll(package=True, linkage=True)))
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Packages (1):" in out and "deal: track_x, track_y; nothing is agreed until everything is agreed" in out
    assert "the broker trades across them (linkage)" in out
    assert main(["run", str(path), "--runs", "4", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "in package deal with linkage" in out and "of 4 runs)" in out
