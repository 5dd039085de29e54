"""Drawing uncertain inputs for a Monte Carlo."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.kernel.draws import normals
from sim.scenario.scenario import Scenario

__all__ = ["sample_positions"]


def sample_positions(scenario: Scenario, rngs: Sequence[np.random.Generator]) -> np.ndarray:
    """Opening positions for each replicate, drawn from the declared uncertainty.

    .. math:: p_{id} = \\mathrm{clip}(\\hat p_{id} + \\sigma_{id} z_{id}, \\underline{x}_d, \\bar{x}_d),
              \\quad z_{id} \\sim N(0, 1)

    One (A, D) block of normals is drawn from each replicate's generator, so a
    replicate's inputs do not depend on how many replicates run beside it.

    Returns
    -------
    array (R, A, D)
    """
    shape = scenario.position.shape
    noise = normals(rngs, shape) * scenario.position_sd
    return np.clip(scenario.position + noise, scenario.lower, scenario.upper)
