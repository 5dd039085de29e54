"""Ensemble driver vs Mesa model on the same runs of a scenario (default: 10,000 runs of vilnius_2023).

Usage:
    python benchmarks/bench_ensemble.py [--runs 10000]

Both engines run the same replicates (same seeds, same rows: checked on the
first 200); the figure is the ratio of their per-run times, pinned to one CPU.
Target: the ensemble at least 30 times faster per run.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import sim
from sim.results.output import dumps
from sim.runner import monte_carlo

TARGET_RATIO = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10_000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    scenario = sim.load_scenario(Path(__file__).resolve().parent.parent / "scenarios" / "vilnius_2023.toml")
    check_e = monte_carlo(scenario, 200, seed=1, engine="ensemble").table.to_pylist()
    check_m = monte_carlo(scenario, 200, seed=1, engine="mesa").table.to_pylist()
    assert dumps(check_e) == dumps(check_m), "the engines disagree"
    timings = {}
    for engine in ("ensemble", "mesa"):
        start = time.perf_counter()
        monte_carlo(scenario, args.runs, seed=1, engine=engine)
        timings[engine] = time.perf_counter() - start
    ratio = timings["mesa"] / timings["ensemble"]
    print(f"negsim {sim.__version__}, Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs (pinned to one); {args.runs} runs of {scenario.name}")
    for engine, seconds in timings.items():
        print(f"{engine:<9} {seconds:8.2f} s  {1000 * seconds / args.runs:8.4f} ms per run")
    print(f"ensemble is {ratio:.1f}x faster per run (target >= {TARGET_RATIO:g}x: "
          f"{'met' if ratio >= TARGET_RATIO else 'MISSED'})")


if __name__ == "__main__":
    main()
