"""negsim app: the time from an input change to the updated figures (default: vilnius_2023, 1,000 and 10,000 runs).

Usage:
    python benchmarks/app_latency.py [--runs 1000 10000] [--repeats 7] [--seed 7]

One input change, as the page makes it (``sim.app``): the edited state and its scenario
(``AppState.set``, ``.scenario()``, as ``negsim run --set`` builds it), its TOML for the
save button, the Monte Carlo in the page's batches with its summary (``sim.app.live.compute``),
then what the page draws from it: the statement figure as the PNG the page shows
(``LiveResult.figure_png``, matplotlib Agg), the agreement, wording-share and blocking tables,
and the fresh one-run stepper. Each repeat changes Germany's position on membership
timing to a new value, so nothing is reused. Not counted: the browser's transfer and drawing
(a PNG of some 30 kB, over this machine's loopback) and Solara's diffing of the page.

Prints the median and range of the repeats, per step and in total (wall time), for each run count,
and the total's CPU time: on a machine shared with other work the wall time grows with the
load while the CPU time stays near what an idle machine's wall time would be.
Target: under 0.5 s for 1,000 runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from sim.app.live import compute  # noqa: E402
from sim.app.state import AppState  # noqa: E402
from sim.app.stepping import Stepper  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

TARGET_SECONDS = 0.5
PATH = "actors.germany.position.membership_timing"
STEPS = ("scenario", "monte carlo + summary", "figure as PNG", "tables + stepper", "total", "total, CPU time")


def one_change(state: AppState, value: float, runs: int, seed: int) -> dict[str, float]:
    times = {}
    cpu = time.process_time()
    start = time.perf_counter()
    edited = state.set(PATH, value)
    scenario = edited.scenario()
    edited.to_toml()
    times["scenario"] = time.perf_counter() - start
    mark = time.perf_counter()
    live = compute(scenario, runs, seed=seed)
    times["monte carlo + summary"] = time.perf_counter() - mark
    mark = time.perf_counter()
    png = live.figure_png  # as the page draws it, in its background thread (matplotlib Agg, no pyplot)
    times["figure as PNG"] = time.perf_counter() - mark
    mark = time.perf_counter()
    live.agreement(), live.wording_shares(), live.blocking()
    Stepper(scenario, seed)
    times["tables + stepper"] = time.perf_counter() - mark
    times["total"] = time.perf_counter() - start
    times["total, CPU time"] = time.process_time() - cpu
    times["png bytes"] = len(png)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--scenario", default=str(Path(__file__).resolve().parent.parent / "scenarios"
                                                  / "vilnius_2023.toml"))
    args = parser.parse_args()
    state = AppState(load_scenario(args.scenario))
    base = state.value(PATH)
    one_change(state, base + 1.0, 200, args.seed)  # warm up: imports, matplotlib's fonts, the kernel's caches
    print(f"negsim app latency: {Path(args.scenario).stem}, change of {PATH}, median of {args.repeats} repeats")
    load = f", load average {os.getloadavg()[0]:.1f} at start" if hasattr(os, "getloadavg") else ""
    print(f"machine: {os.cpu_count()} CPUs, {platform.machine()}, Python {platform.python_version()}{load}")
    for runs in args.runs:
        samples = [one_change(state, base + 2.0 + 0.5 * k, runs, args.seed) for k in range(args.repeats)]
        print(f"\n{runs:,} runs")
        for step in STEPS:
            values = [sample[step] for sample in samples]
            print(f"  {step:<24} median {statistics.median(values):7.3f} s   (min {min(values):.3f}, "
                  f"max {max(values):.3f})")
        total = statistics.median(sample["total"] for sample in samples)
        if runs == 1000:
            print(f"  target < {TARGET_SECONDS} s: {'met' if total < TARGET_SECONDS else 'MISSED'}")


if __name__ == "__main__":
    main()
