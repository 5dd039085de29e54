"""Parameter sweeps in batch: chunks of runs on any executor, Parquet parts, resumable."""

from sim.sweeps.runner import SweepResult, sweep

__all__ = ["SweepResult", "sweep"]
