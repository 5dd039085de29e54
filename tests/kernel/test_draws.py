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
