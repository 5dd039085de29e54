"""Time single runs and a Monte Carlo of a scenario (default: vilnius_2023).

Usage:
    python benchmarks/bench_run.py [SCENARIO] [--runs 1000] [--repeats 5]

Prints the median time per single run (with and without the per-round
DataCollector) and the time for one Monte Carlo of --runs replicates with each
engine (ensemble, the default, and one Mesa model per run), each the median
over --repeats. The process is pinned to one CPU so the figures
are one core's.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import sim
from sim.runner import monte_carlo, run

TARGET_SINGLE_MS = 15.0
TARGET_MC_1000_S = 20.0


def _median_seconds(action, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    default = Path(__file__).resolve().parent.parent / "scenarios" / "vilnius_2023.toml"
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", nargs="?", default=str(default))
    parser.add_argument("--runs", type=int, default=1000, help="Monte Carlo size (default 1000)")
    parser.add_argument("--repeats", type=int, default=5, help="repeats per measurement (default 5)")
    args = parser.parse_args()

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    scenario = sim.load_scenario(args.scenario)
    run(scenario)  # warm up imports and caches

    singles = 200
    with_record = _median_seconds(lambda: [run(scenario) for _ in range(singles)], args.repeats) / singles
    without = _median_seconds(lambda: [run(scenario, collect=False) for _ in range(singles)],
                              args.repeats) / singles
    mc = {engine: _median_seconds(lambda engine=engine: monte_carlo(scenario, args.runs, engine=engine),
                                  args.repeats if engine == "ensemble" else max(1, args.repeats // 2))
          for engine in ("ensemble", "mesa")}

    print(f"negsim {sim.__version__}, Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs (pinned to one)")
    print(f"scenario: {scenario.name} ({len(scenario.actor_ids)} actors, {len(scenario.dimension_ids)} dimensions, "
          f"{len(scenario.tracks)} tracks, deadline {scenario.deadline})")
    print(f"single run, with per-round DataCollector: {1000 * with_record:.2f} ms (median of {args.repeats} x {singles})")
    print(f"single run, outcome only:                 {1000 * without:.2f} ms")
    for engine, seconds in mc.items():
        print(f"Monte Carlo of {args.runs} runs, {engine + ' engine:':<16} {seconds:.2f} s "
              f"({1000 * seconds / args.runs:.3f} ms per run)")
    verdict = "met" if 1000 * with_record < TARGET_SINGLE_MS else "MISSED"
    print(f"target single run < {TARGET_SINGLE_MS:g} ms: {verdict}")
    if args.runs == 1000:
        verdict = "met" if max(mc.values()) < TARGET_MC_1000_S else "MISSED"
        print(f"target 1,000 runs < {TARGET_MC_1000_S:g} s (either engine): {verdict}")


if __name__ == "__main__":
    main()
