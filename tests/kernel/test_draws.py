"""Each replicate draws from its own generator, and only when it is active."""

from __future__ import annotations

import numpy as np
import pytest

from sim.kernel.draws import normals, uniforms


@pytest.mark.parametrize("shape", [(), (3,), (2, 2)])
def test_active_replicates_draw_their_own_numbers_and_inactive_ones_none(shape):
    active = np.array([True, False, True, True])
    drawn = uniforms([np.random.default_rng(seed) for seed in range(4)], shape, active)
    assert drawn.shape == (4,) + shape
    for r in range(4):
        expected = np.random.default_rng(r).random(shape) if active[r] else np.ones(shape)
        assert np.array_equal(drawn[r], expected)
    rngs = [np.random.default_rng(seed) for seed in range(4)]
    uniforms(rngs, shape, active)
    assert rngs[1].random() == np.random.default_rng(1).random()  # the inactive one drew nothing


def test_a_replicate_draws_the_same_alone_and_in_a_batch():
    alone = uniforms([np.random.default_rng(7)], (5,))[0]
    batch = uniforms([np.random.default_rng(s) for s in (3, 7, 9)], (5,))[1]
    assert np.array_equal(alone, batch)
    assert np.array_equal(normals([np.random.default_rng(7)], (2,))[0], np.random.default_rng(7).standard_normal(2))


def test_run_seeds_are_run_seed_of_each_replicate():
    from sim.seeding import run_seed, run_seeds

    for root in (0, 20230711, 2 ** 70 + 3):
        replicates = [0, 1, 17, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 5]
        assert run_seeds(root, replicates).tolist() == [run_seed(root, r) for r in replicates]
    assert run_seeds(5, []).tolist() == []


def test_replicate_generators_are_made_when_first_asked_for():
    from sim.seeding import ReplicateGenerators

    rngs = ReplicateGenerators([11, 12, 13])
    assert len(rngs) == 3 and not rngs._made
    first = rngs[1]
    assert rngs[1] is first and rngs[-2] is first and list(rngs._made) == [1]
    assert first.random() == np.random.default_rng(12).random()
    assert [g.random() for g in rngs[0:3:2]] == [np.random.default_rng(s).random() for s in (11, 13)]
