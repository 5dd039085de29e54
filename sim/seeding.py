"""Seeds by coordinates: any run can be re-created alone.

A Monte Carlo replicate's generator comes from ``SeedSequence(root, spawn_key=(replicate,))``,
the same sequence ``SeedSequence(root).spawn(n)[replicate]`` gives, so the seed of
replicate 17 does not depend on how many replicates ran. A sweep's run at design
point p uses ``spawn_key=(p, replicate)``. A single nominal run (no replicate)
uses ``SeedSequence(root)`` itself.
"""

from __future__ import annotations

import numpy as np

__all__ = ["run_seed", "run_rng"]


def run_seed(root: int, replicate: int | None = None, point: int | None = None) -> int:
    """The integer seed handed to one run's model (64 bits from its seed sequence)."""
    if replicate is None:
        sequence = np.random.SeedSequence(root)
    else:
        key = (replicate,) if point is None else (point, replicate)
        sequence = np.random.SeedSequence(root, spawn_key=key)
    return int(sequence.generate_state(1, dtype=np.uint64)[0])


def run_rng(root: int, replicate: int | None = None, point: int | None = None) -> np.random.Generator:
    """The generator one run draws from: ``numpy.random.default_rng(run_seed(...))``."""
    return np.random.default_rng(run_seed(root, replicate, point))
