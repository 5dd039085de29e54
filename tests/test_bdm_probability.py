"""P_ij summed over sorted voters equals the direct sum over every vote; a round's numbers are the same in any batch."""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.bdm import (
    AS_PRINTED,
    SCHOLZ_CODE,
    BDMReading,
    bdm_round,
    bdm_run,
    win_probability,
)
from sim.bdm.probability import count_below
from tests.protocols.test_bdm import CAPABILITY, POSITION, SALIENCE


def direct_win_probability(position, weight, risk, width, normalisation):
    """The definition, with the A^3 votes v_k(i, j) = w_k [(|x_k - x_j|/Δ)^r_k - (|x_k - x_i|/Δ)^r_k]."""
    g = (np.abs(position[:, :, None] - position[:, None, :]) / width[:, None, None]) ** risk[:, :, None]
    votes = weight[:, :, None, None] * (g[:, :, None, :] - g[:, :, :, None])
    favour = np.maximum(votes, 0.0).sum(axis=1)
    if normalisation == "pair":
        total = np.abs(votes).sum(axis=1)
    else:
        total = np.broadcast_to(np.abs(votes).sum(axis=(1, 2, 3))[:, None, None], favour.shape)
    return np.divide(favour, total, out=np.zeros_like(favour), where=total > 0)


# Positions on a coarse grid, so that voters sit exactly on midpoints and actors share positions.
grid_actors = st.lists(st.tuples(st.integers(0, 8), st.sampled_from([0.0, 0.3, 1.0, 2.5]), st.floats(0.5, 2.0)),
                       min_size=1, max_size=9)


@settings(max_examples=150, deadline=None)
@given(st.lists(grid_actors, min_size=1, max_size=3).filter(lambda rows: len({len(r) for r in rows}) == 1),
       st.sampled_from(["pair", "all_pairs"]), st.booleans())
def test_sorted_voter_sums_equal_the_direct_definition_with_ties(rows, normalisation, neutral):
    position, weight, risk = (np.array([[a[n] for a in row] for row in rows], dtype=float) for n in range(3))
    width = np.full(len(rows), 8.0)
    ours = win_probability(position, weight, None if neutral else risk, width, normalisation)
    expected = direct_win_probability(position, weight, np.ones_like(risk) if neutral else risk, width, normalisation)
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-13)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 100), st.floats(0.01, 5), st.floats(0.5, 2)), min_size=2, max_size=12),
       st.sampled_from(["pair", "all_pairs"]))
def test_sorted_voter_sums_equal_the_direct_definition_anywhere_on_the_scale(actors, normalisation):
    position, weight, risk = (np.array([[a[n] for a in actors]]) for n in range(3))
    width = np.array([100.0])
    ours = win_probability(position, weight, risk, width, normalisation)
    expected = direct_win_probability(position, weight, risk, width, normalisation)
    # Where two positions nearly coincide, P is a ratio of tiny differences, which the running sums
    # take as differences of sums over up to A voters: relative error about eps x A x width / spacing
    # (2e-16 x 12 x 100 / 1e-3 = 2.4e-10 here), so pairs closer than 1e-3 are left out.
    spacing = np.abs(position[0][:, None] - position[0][None, :]) + np.eye(len(actors))
    close = spacing < 1e-3
    np.testing.assert_allclose(ours[0][~close], expected[0][~close], rtol=1e-9, atol=1e-12)
    # close pairs too stay probabilities (at a spacing of 1e-20 both directions may cancel to 0, where the
    # direct sum still splits a vote of 1e-20: the model then treats the two as one position)
    assert np.all((ours >= 0) & (ours <= 1 + 1e-12))
    if normalisation == "pair":
        assert np.all(ours[0] + ours[0].T <= 1 + 1e-9)


def test_exact_values_with_a_voter_on_the_midpoint_and_two_actors_at_one_position():
    """Worked by hand: Δ = 100, r = 1, equal weights, actors at 0, 50, 100 and a second one at 0.

    On (0, 100) the voter at 50 is equally near both and votes 0; the two at 0 vote 1 each for
    0 and the one at 100 votes 1 for 100: favours 2 and 1. On (0, 50): the voters at 0 give
    0.5 each to 0; those at 50 and 100 give 0.5 each to 50: favours 1 and 1. On (50, 100): the
    voters at 0 and 50 give 0.5 each to 50, the one at 100 gives 0.5 to 100: 1.5 and 0.5. The
    two actors at 0 never beat each other. Over all pairs, each dyad counted both ways:
    2·[2·(2 + 1) + 2·(1 + 1) + (1.5 + 0.5)] = 24 = Σ_k Σ_{a,b} |v_k(a,b)| (voters at 0, 0, 50, 100: 7 + 7 + 3 + 7).
    """
    position = np.array([[0.0, 50.0, 100.0, 0.0]])
    weight, width = np.ones((1, 4)), np.array([100.0])
    favour = np.array([[0, 1, 2, 0], [1, 0, 1.5, 1], [1, 0.5, 0, 1], [0, 1, 2, 0]])
    pair_total = favour + favour.T
    np.testing.assert_allclose(win_probability(position, weight, None, width, "pair")[0],
                               np.divide(favour, pair_total, out=np.zeros((4, 4)), where=pair_total > 0),
                               rtol=1e-15)
    np.testing.assert_allclose(win_probability(position, weight, None, width, "all_pairs")[0], favour / 24,
                               rtol=1e-15)
    assert win_probability(position, weight, None, width, "pair")[0, 0, 2] == pytest.approx(2 / 3)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 40), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_counting_voters_below_a_midpoint_is_exact_either_way_round(replicates, actors, seed):
    """A binary search per replicate (few replicates) and a comparison per voter (many) count alike."""
    rng = np.random.default_rng(seed)
    position = rng.integers(0, 6, (replicates, actors)).astype(float)
    order = np.argsort(position, axis=1, kind="stable")
    midpoint = (position[:, :, None] + position[:, None, :]) * 0.5
    expected = (position[:, None, None, :] < midpoint[..., None]).sum(axis=-1)
    np.testing.assert_array_equal(count_below(position, order), expected)
    np.testing.assert_array_equal(np.concatenate([count_below(position[r:r + 1], order[r:r + 1])
                                                  for r in range(replicates)]), expected)


@pytest.mark.parametrize("reading", [SCHOLZ_CODE, AS_PRINTED, BDMReading(status_quo_probability=0.6,
                                                                         improvement_probability=0.3)])
def test_a_replicate_rounds_the_same_alone_as_in_a_batch(reading):
    """Exact equality: many replicates (each voter compared in turn) against one (binary searches)."""
    rng = np.random.default_rng(5)
    replicates, actors = 30, 7
    position = rng.integers(0, 5, (replicates, actors)) * 25.0 + (rng.uniform(size=(replicates, actors)) < 0.5)
    capability, salience = rng.uniform(0.1, 3, (replicates, actors)), rng.uniform(0.05, 1, (replicates, actors))
    batch = bdm_round(position, capability, salience, 100.0, reading)
    for r in range(replicates):
        alone = bdm_round(position[r:r + 1], capability[r:r + 1], salience[r:r + 1], 100.0, reading)
        for name in ("probability", "risk", "expected_utility", "new_position", "offer_from", "offer_kind"):
            np.testing.assert_array_equal(getattr(batch, name)[r], getattr(alone, name)[0], err_msg=name)


# Positions after each of the 10 rounds of Bueno de Mesquita's EU example (default reading), as the previous
# implementation (the A^3 vote sum) printed them to 16 digits; the sorted-voter sums agree to 1.1e-14.
PREVIOUS_IMPLEMENTATION = {  # actor index: positions after rounds 1-10 (the others never move)
    1: [8.415932315426764, 9.610859134120192, 9.96197959040132, 4.800881140632665, 5.524237694197429,
        7.472046361916352, 8.82459385526247, 9.671129769802063, 4.144849062500642, 4.291541224979735],
    2: [7.0, 8.415932315426764, 9.610859134120192, 9.96197959040132, 4.800881140632665, 5.524237694197429,
        7.472046361916352, 8.82459385526247, 9.671129769802063, 4.144849062500642],
    7: [4.0, 7.0, 8.415932315426764, 9.610859134120192, 9.96197959040132, 5.524237694197429,
        7.472046361916352, 8.82459385526247, 9.671129769802063, 4.144849062500642],
}


def test_the_published_example_matches_the_previous_implementation_to_1e_12():
    rounds = [r.new_position[0] for r in bdm_run(POSITION, CAPABILITY, SALIENCE, 6.0, rounds=10, tolerance=-1.0)]
    for actor, positions in PREVIOUS_IMPLEMENTATION.items():
        np.testing.assert_allclose([p[actor] for p in rounds], positions, rtol=0, atol=1e-12)
    fixed = [a for a in range(10) if a not in PREVIOUS_IMPLEMENTATION]
    np.testing.assert_array_equal([p[fixed] for p in rounds], np.broadcast_to(POSITION[fixed], (10, len(fixed))))


def test_a_round_of_many_actors_never_holds_actors_cubed_numbers():
    """400 actors: the A^3 votes would take 512 MB; a round's arrays are (A, A), 1.3 MB each."""
    rng = np.random.default_rng(0)
    actors = 400
    position, capability, salience = rng.uniform(0, 100, (1, actors)), rng.uniform(1, 5, (1, actors)), \
        rng.uniform(0.1, 1, (1, actors))
    tracemalloc.start()
    try:
        bdm_round(position, capability, salience, 100.0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40 * actors * actors * 8
