import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sim.kernel.blocs import pull_toward_blocs
from sim.kernel.events import apply_event
from sim.kernel.state import initial_state
from sim.scenario.spec import Bilateral, Membership, Shift
from tests.conftest import actor, build, dimension, scenario_data


def test_bloc_pull_exact_value():
    position = np.array([[[0.0], [100.0], [40.0]]])
    salience = np.ones((1, 3, 1))
    capability = np.array([[3.0, 1.0, 5.0]])
    bloc = np.array([0, 0, -1])
    moved = pull_toward_blocs(position, salience, capability, bloc, np.array([0.5, 0.5, 0.5]))
    # bloc position = (3*0 + 1*100) / 4 = 25; members move half-way; the third is in no bloc
    np.testing.assert_allclose(moved[0, :, 0], [12.5, 62.5, 40.0])


@given(st.floats(0, 1), st.lists(st.floats(0, 100), min_size=2, max_size=5))
def test_bloc_pull_never_widens_the_bloc(flexibility, points):
    position = np.array(points, dtype=float)[None, :, None]
    n = len(points)
    moved = pull_toward_blocs(position, np.ones((1, n, 1)), np.ones((1, n)), np.zeros(n, int), np.full(n, flexibility))
    assert np.ptp(moved) <= np.ptp(position) + 1e-9
    assert moved.min() >= position.min() - 1e-9 and moved.max() <= position.max() + 1e-9


def scenario_with_two_tracks():
    data = scenario_data([
        actor("a", {"d": 10, "e": 5}, capability=3.0),
        actor("b", {"d": 90, "e": 5}, capability=1.0),
        actor("c", {"d": 50, "e": 5}),
    ], dims=[dimension("d"), dimension("e", 0, 10)])
    data["tracks"] = [{"id": "one", "dimensions": ["d"], "decision_rule": {"kind": "unanimity"}},
                      {"id": "two", "dimensions": ["e"], "decision_rule": {"kind": "unanimity"},
                       "participants": ["a", "b"]}]
    return build(data)


def test_shift_events_set_move_and_clip():
    scenario = scenario_with_two_tracks()
    state = initial_state(scenario)
    apply_event(scenario, state, Shift(kind="shift", round=1, actor="a", attribute="position", dimension="d", by=-30))
    apply_event(scenario, state, Shift(kind="shift", round=1, actor="b", attribute="salience", dimension="e", to=0.25))
    apply_event(scenario, state, Shift(kind="shift", round=1, actor="c", attribute="capability", to=7))
    assert state.position[0, 0, 0] == 0.0  # 10 - 30 clipped to the range
    assert state.salience[0, 1, 1] == 0.25
    assert state.capability[0, 2] == 7.0


def test_bilateral_moves_both_toward_the_weighted_midpoint():
    scenario = scenario_with_two_tracks()
    state = initial_state(scenario)
    apply_event(scenario, state, Bilateral(kind="bilateral", round=1, actors=("a", "b"), strength=0.5, dimensions=["d"]))
    # midpoint = (3*10 + 1*90) / 4 = 30
    np.testing.assert_allclose(state.position[0, :2, 0], [20.0, 60.0])


def test_join_and_leave():
    scenario = scenario_with_two_tracks()
    state = initial_state(scenario)
    assert state.participating[0, 1].tolist() == [True, True, False]
    apply_event(scenario, state, Membership(kind="join", round=1, actor="c", track="two"))
    apply_event(scenario, state, Membership(kind="leave", round=1, actor="a", track="two"))
    assert state.participating[0, 1].tolist() == [False, True, True]
