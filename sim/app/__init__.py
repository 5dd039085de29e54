"""``negsim app``: explore a scenario live in the browser.

The logic lives in plain modules, importable and testable without a browser:
:mod:`sim.app.inputs` (what can be edited), :mod:`sim.app.state` (the edited
scenario), :mod:`sim.app.live` (the Monte Carlo the page shows) and
:mod:`sim.app.stepping` (one run, round by round). :mod:`sim.app.page` holds
the Solara components; nothing here imports Solara when the package is imported.
"""

ENV_SCENARIO = "NEGSIM_APP_SCENARIO"
"""The scenario file the page explores (set by the launcher)."""
ENV_RUNS = "NEGSIM_APP_RUNS"
"""Monte Carlo runs per update (default :data:`DEFAULT_RUNS`)."""
ENV_SEED = "NEGSIM_APP_SEED"
"""The Monte Carlo's root seed (default: the scenario's)."""
DEFAULT_RUNS = 1000

__all__ = ["DEFAULT_RUNS", "ENV_RUNS", "ENV_SCENARIO", "ENV_SEED"]
