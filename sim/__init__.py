"""negsim: a negotiation simulation engine.

Allies with positions, salience, capability and vetoes negotiate a shared
statement under a deadline, as a Mesa model, one run, a Monte Carlo or a sweep.

>>> import sim
>>> scenario = sim.load_scenario("scenarios/minimal.toml")
>>> model = sim.run(scenario)
>>> model.outcome().agreed
True

The names below are imported on first use, so that importing one part of the
package (a sweep worker importing the kernel, say) does not load the rest.
"""

from importlib import import_module
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("negsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

_EXPORTS = {
    "InputError": "sim.errors",
    "MonteCarlo": "sim.runner",
    "NegotiationModel": "sim.model",
    "RunOutcome": "sim.outcome",
    "Scenario": "sim.scenario",
    "TrackOutcome": "sim.outcome",
    "baselines": "sim.baselines",
    "load_experiment": "sim.experiment.load",
    "load_scenario": "sim.scenario",
    "monte_carlo": "sim.runner",
    "read_runs": "sim.results.layout",
    "run": "sim.runner",
    "run_ensemble": "sim.ensemble",
    "scenario_from_dict": "sim.scenario",
    "summarise": "sim.results.summary",
    "sweep": "sim.sweeps.runner",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
