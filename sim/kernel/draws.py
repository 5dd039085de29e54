"""Random draws, one stream per replicate.

Drawing each replicate's numbers from its own generator, and only for the
replicates that need them, makes a replicate's run the same whether it is
simulated alone or in a batch.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["uniforms", "normals"]


def uniforms(rngs: Sequence[np.random.Generator], shape: tuple[int, ...],
             active: np.ndarray | None = None) -> np.ndarray:
    """Uniform [0, 1) draws of ``shape`` from each active replicate's generator.

    Returns
    -------
    array (R, *shape); rows of inactive replicates are 1.0 and consume no draws.
    """
    out = np.ones((len(rngs),) + tuple(shape))
    drawn = range(len(rngs)) if active is None else np.flatnonzero(active)
    if not shape:  # one number each
        for r in drawn:
            out[r] = rngs[r].random()
        return out
    for r in drawn:
        rngs[r].random(out=out[r])  # the same numbers as rng.random(shape), written in place
    return out


def normals(rngs: Sequence[np.random.Generator], shape: tuple[int, ...]) -> np.ndarray:
    """Standard normal draws of ``shape`` from each replicate's generator: array (R, *shape)."""
    return np.stack([rng.standard_normal(shape) for rng in rngs])
