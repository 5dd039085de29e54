"""Time one run of each protocol (default: on vilnius_2023; the SMP also on KTAB's example).

Usage:
    python benchmarks/bench_protocols.py [--repeats 5]

Each figure is the median over --repeats of the mean time of a batch of runs,
pinned to one CPU. On vilnius_2023 the consensus track is switched to each
protocol (the opt-in umbrella track keeps the bilateral protocol);
the SMP is also timed on KTAB's dummyData_3Dim.csv, the file of its reference log.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import sim
from sim.runner import run
from sim.scenario.variants import with_protocol

ROOT = Path(__file__).resolve().parent.parent


def per_run_ms(scenario, runs: int, repeats: int) -> float:
    run(scenario, collect=False)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(runs):
            run(scenario, collect=False)
        times.append((time.perf_counter() - start) / runs)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    vilnius = sim.load_scenario(ROOT / "scenarios" / "vilnius_2023.toml")
    ktab = sim.load_scenario(ROOT / "tests" / "ktab" / "oracle" / "dummyData_3Dim.csv")
    print(f"negsim {sim.__version__}, Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs (pinned to one); outcome only, no per-round DataCollector")
    print(f"{'protocol':<12}{'scenario':<22}{'rounds':>7}{'ms per run':>12}")
    cases = [(name, "vilnius_2023", with_protocol(vilnius, name)[0], 50)
             for name in ("mediated", "concession", "alternating", "bdm", "smp")]
    cases.append(("smp", "KTAB dummyData_3Dim", ktab, 20))
    for name, label, scenario, runs in cases:
        rounds = run(scenario, collect=False).outcome().rounds
        print(f"{name:<12}{label:<22}{rounds:>7}{per_run_ms(scenario, runs, args.repeats):>12.2f}")


if __name__ == "__main__":
    main()
