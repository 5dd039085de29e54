"""Running a scenario: one run, or a Monte Carlo of many."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sim.model import NegotiationModel
from sim.outcome import RunOutcome
from sim.scenario.scenario import Scenario

__all__ = ["MonteCarlo", "monte_carlo", "run"]


def run(scenario: Scenario, *, seed: int | None = None, replicate: int | None = None,
        collect: bool = True) -> NegotiationModel:
    """Run one negotiation to its end and return the finished model.

    Parameters
    ----------
    scenario : Scenario
    seed : int, optional
        Root seed (the scenario's ``seed`` if omitted).
    replicate : int, optional
        Re-create this replicate of a Monte Carlo (inputs drawn from the declared
        uncertainty); omitted, the run uses the declared inputs.
    collect : bool
        Keep per-round data (``model.trajectory()``).

    Returns
    -------
    NegotiationModel
        ``model.outcome()`` is the :class:`~sim.outcome.RunOutcome`.
    """
    model = NegotiationModel(scenario, seed=seed, replicate=replicate, collect=collect)
    model.run()
    return model


@dataclass
class MonteCarlo:
    """The runs of a Monte Carlo, in replicate order."""

    scenario: Scenario
    seed: int
    outcomes: list[RunOutcome] = field(default_factory=list)

    @property
    def runs(self) -> int:
        return len(self.outcomes)

    def records(self) -> list[dict]:
        """One flat row per run (see :meth:`RunOutcome.to_record`)."""
        return [outcome.to_record() for outcome in self.outcomes]


def monte_carlo(scenario: Scenario, runs: int, *, seed: int | None = None,
                progress: Callable[[int], None] | None = None) -> MonteCarlo:
    """Run ``runs`` replicates, each with inputs drawn from the scenario's declared uncertainty.

    Replicate r's generator is seeded by ``SeedSequence(seed, spawn_key=(r,))``,
    so any replicate can be re-created alone with ``run(scenario, seed=seed, replicate=r)``.

    Parameters
    ----------
    progress : callable, optional
        Called with 1 after each run (e.g. ``tqdm.update``).
    """
    if runs < 1:
        raise ValueError(f"runs must be >= 1, got {runs}")
    root = scenario.seed if seed is None else int(seed)
    result = MonteCarlo(scenario=scenario, seed=root)
    for replicate in range(runs):
        model = NegotiationModel(scenario, seed=root, replicate=replicate, collect=False)
        model.run()
        result.outcomes.append(model.outcome(run_id=replicate))
        if progress is not None:
            progress(1)
    return result
