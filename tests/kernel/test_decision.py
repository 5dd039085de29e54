import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.kernel.decision import blockers, rule_met

members = np.array([[True, True, True, True]])
veto = np.array([True, True, False, False])
capability = np.array([[4.0, 3.0, 2.0, 1.0]])


def answers(*flags):
    return np.array([flags])


def test_unanimity_needs_only_veto_holders():
    assert rule_met(answers(True, True, False, False), members, veto, capability, "unanimity")[0]
    assert not rule_met(answers(True, False, True, True), members, veto, capability, "unanimity")[0]
    assert blockers(answers(True, False, True, True), members, veto).tolist() == [[False, True, False, False]]


def test_unanimity_without_veto_holders_needs_everyone():
    nobody = np.zeros(4, dtype=bool)
    assert not rule_met(answers(True, True, True, False), members, nobody, capability, "unanimity")[0]
    assert blockers(answers(True, True, True, False), members, nobody).tolist() == [[False, False, False, True]]


def test_qualified_majority_by_count_and_capability():
    nobody = np.zeros(4, dtype=bool)
    yes = answers(True, False, False, True)  # 2 of 4 heads, 5 of 10 capability
    assert rule_met(yes, members, nobody, capability, "qualified_majority", "count", 0.5)[0]
    assert not rule_met(yes, members, nobody, capability, "qualified_majority", "count", 0.55)[0]
    assert rule_met(yes, members, nobody, capability, "qualified_majority", "capability", 0.5)[0]
    assert not rule_met(answers(False, True, True, True), members, nobody, capability,
                        "qualified_majority", "capability", 0.65)[0]


def test_simple_majority_is_strict_and_vetoes_still_bind():
    nobody = np.zeros(4, dtype=bool)
    assert not rule_met(answers(True, True, False, False), members, nobody, capability, "simple_majority")[0]
    assert rule_met(answers(True, True, True, False), members, nobody, capability, "simple_majority")[0]
    assert not rule_met(answers(False, True, True, True), members, veto, capability, "simple_majority")[0]


def test_non_members_do_not_count():
    partial = np.array([[True, True, False, False]])
    assert rule_met(answers(True, True, False, False), partial, np.zeros(4, bool), capability, "unanimity")[0]


@given(arrays(bool, (5, 4)), arrays(bool, (4,)))
def test_unanimity_met_exactly_when_nobody_blocks(accepted, holders):
    met = rule_met(accepted, np.ones((5, 4), bool), holders, np.ones((5, 4)), "unanimity")
    np.testing.assert_array_equal(met, ~blockers(accepted, np.ones((5, 4), bool), holders).any(axis=1))
    everyone = rule_met(np.ones((5, 4), bool), np.ones((5, 4), bool), holders, np.ones((5, 4)), "unanimity")
    assert everyone.all()


@given(st.floats(0.01, 1.0))
def test_all_accepting_meets_any_majority(threshold):
    for kind in ("qualified_majority", "simple_majority"):
        assert rule_met(np.ones((1, 4), bool), members, veto, capability, kind, "capability", threshold)[0]
