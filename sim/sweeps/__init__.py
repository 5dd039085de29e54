"""Parameter sweeps in batch: chunks of runs on any executor, Parquet parts, resumable.

``sim.sweeps.sweep`` is imported on first use, so a worker importing
``sim.sweeps.task`` loads only what a chunk needs.
"""

from importlib import import_module

__all__ = ["SweepResult", "sweep"]


def __getattr__(name: str):
    if name in __all__:
        return getattr(import_module("sim.sweeps.runner"), name)
    raise AttributeError(f"module 'sim.sweeps' has no attribute {name!r}")
