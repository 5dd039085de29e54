"""negsim: a negotiation simulation engine.

Allies with positions, salience, capability and vetoes negotiate a shared
statement under a deadline, as a Mesa model, one run or a Monte Carlo.

>>> import sim
>>> scenario = sim.load_scenario("scenarios/minimal.toml")
>>> model = sim.run(scenario)
>>> model.outcome().agreed
True
"""

from importlib.metadata import PackageNotFoundError, version

from sim.errors import InputError
from sim.model import NegotiationModel
from sim.outcome import RunOutcome, TrackOutcome
from sim.runner import MonteCarlo, monte_carlo, run
from sim.scenario import Scenario, load_scenario, scenario_from_dict
from sim.summary import summarise

try:
    __version__ = version("negsim")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "InputError",
    "MonteCarlo",
    "NegotiationModel",
    "RunOutcome",
    "Scenario",
    "TrackOutcome",
    "load_scenario",
    "monte_carlo",
    "run",
    "scenario_from_dict",
    "summarise",
]
