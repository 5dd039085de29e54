"""Per-run cost of the serial, processes and Dask executors on the same sweep.

Usage:
    python benchmarks/bench_executors.py [--runs 20000] [--chunk 1000] [--workers 2]

The sweep (vilnius_2023, a random design of runs/100 points x 100 replicates) runs
in this process through ``sim.sweep`` on each executor; executor start-up (process
pool, local Dask cluster) is included, as a user pays it. Overhead per run is
(workers x wall time - serial wall time) / runs: the worker-seconds an executor
spends beyond the serial work.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

from sim.experiment.load import experiment_from_dict
from sim.sweeps import sweep
from sim.sweeps.executors import executor_for

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20_000)
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    points = max(1, args.runs // 100)
    experiment = experiment_from_dict({
        "name": "executors", "scenario": str(ROOT / "scenarios" / "vilnius_2023.toml"), "seed": 1,
        "replicates": args.runs // points, "chunk_size": args.chunk,
        "design": {"kind": "random", "samples": points},
        "parameters": [{"path": "actors.poland.flexibility", "range": [0.0, 0.6]}],
    }, source="bench_executors")
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs; "
          f"{experiment.total_runs} runs in chunks of {args.chunk}")
    print(f"{'executor':<12}{'workers':>8}{'wall s':>9}{'ms/run':>9}{'overhead ms/run':>17}")
    serial_wall = None
    with tempfile.TemporaryDirectory() as folder:
        for kind, workers in (("serial", 1), ("processes", args.workers), ("dask", args.workers)):
            start = time.perf_counter()
            with executor_for(kind, workers) as (executor, slots):
                sweep(experiment, Path(folder) / kind, executor=executor, workers=slots)
            wall = time.perf_counter() - start
            serial_wall = serial_wall or wall
            overhead = (workers * wall - serial_wall) / experiment.total_runs
            print(f"{kind:<12}{workers:>8}{wall:>9.2f}{1000 * wall / experiment.total_runs:>9.4f}"
                  f"{1000 * overhead:>17.4f}", flush=True)


if __name__ == "__main__":
    main()
