"""Drawing a Monte Carlo's uncertain inputs: 500 actors x 10 dimensions, every position uncertain.

Usage:
    python benchmarks/bench_draws.py [--replicates 2000] [--actors 500] [--dimensions 10] [--repeats 3]

Times ``sim.kernel.inputs.draw_inputs`` alone for ``--replicates`` replicates of the synthetic
scenario (``benchmarks/synthetic.py``, ``position_sd=5``: actors x dimensions truncated normals a
replicate, each from its own named sub-stream), pinned to one CPU, CPU time, best of --repeats, and
prints the time a replicate and a number.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sim.kernel.inputs import draw_inputs  # noqa: E402
from synthetic import synthetic_scenario  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicates", type=int, default=2000)
    parser.add_argument("--actors", type=int, default=500)
    parser.add_argument("--dimensions", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    scenario = synthetic_scenario(args.actors, args.dimensions, position_sd=5)
    numbers = len(scenario.uncertain_inputs)
    draw_inputs(scenario, 1, range(10))
    best = float("inf")
    for _ in range(args.repeats):
        start = time.process_time()
        draw_inputs(scenario, 1, range(args.replicates))
        best = min(best, (time.process_time() - start) / args.replicates)
    print(f"{args.actors} actors x {args.dimensions} dimensions, {numbers} uncertain numbers a replicate: "
          f"{best * 1e3:.3f} ms a replicate, {best / numbers * 1e9:.0f} ns a number")


if __name__ == "__main__":
    main()
