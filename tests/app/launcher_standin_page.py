"""A minimal Solara page standing in for ``sim.app.page`` in the launcher's tests: it shows what the
launcher handed over (the scenario, runs and seed)."""

import os

import solara


@solara.component
def Page():
    solara.Markdown(f"standin: {os.environ.get('NEGSIM_APP_SCENARIO')} "
                    f"runs={os.environ.get('NEGSIM_APP_RUNS')} seed={os.environ.get('NEGSIM_APP_SEED')}")


page = Page
