"""Time the alternating protocol (Baron & Ferejohn) per run: in the ensemble, and through Mesa.

Usage:
    python benchmarks/bench_alternating.py [--repeats 5] [--runs 10000] [--mesa-runs 50] [--profile 0]

Cases: vilnius_2023 with its consensus track switched to ``alternating``
(:func:`sim.scenario.variants.with_protocol`; the opt-in umbrella track keeps the
bilateral protocol), and a synthetic 50 actors x 4 dimensions scenario
(``benchmarks/synthetic.py``, ``position_sd=10``). Both carry uncertainty, so the
replicates genuinely differ (Vilnius declares its own). "ensemble" is the time of a
``sim.runner.monte_carlo`` of --runs replicates divided by --runs (a tenth of them for
the synthetic case); "Mesa" the mean time of one ``sim.runner.run`` (outcome only).
Each figure is the median over --repeats, pinned to one CPU. Target: Vilnius in the
ensemble at 0.5 ms per run or less.

What the profile showed (cProfile, 500 Vilnius runs in the ensemble, before the
change; ``--profile 500`` prints the same table): 7.9 s in all, of which 4,373
``scipy.optimize.linprog`` calls (8.7 proposals per run, each a separate HiGHS call
from a Python loop over replicates, on programmes of 2 dimensions x 9-10 members):
4.5 s inside the compiled HiGHS call and about 1.7 s in linprog's input checking
and sparse-matrix conversion (``_clean_inputs``, ``scipy.sparse`` constructors), the
rest mostly building the constraint rows in Python loops. 86% of those programmes
were infeasible (round-one demands are 1). Recognition and coalitions were a few
percent.

After the change (the proposals of all open replicates in one compiled call,
:func:`sim.kernel.city_block_lp.best_points`; 10,000 Vilnius runs, 85,897
programmes, 86% infeasible): 6.3 microseconds a programme with the dual simplex
alone, 1.6-1.9 once a pair of incompatible members certifies infeasibility before
it (0.016 ms per run). The protocol's round is now about a quarter of a Vilnius
run in the ensemble, and most of that quarter is not the solver: the one uniform
per open replicate drawn from its own generator (``sim.kernel.draws.uniforms``,
about 4 microseconds a replicate-round) and the members' answers
(``answer_draft``); the rest of the run is drawing the inputs (``quantiles``,
seeding) and the bilateral umbrella track. The synthetic case has 49 members on 4
dimensions (a dense tableau of 49 rows x about 250 columns): 85 microseconds a
programme, 1.3 ms of its 1.8 ms per run.

Measured on this shared 2-CPU machine (load average 2-5 from other work, so
figures vary by up to 2x between runs). Before the change (``--repeats 3 --runs 1000
--mesa-runs 20``): Vilnius ensemble 16.7 ms/run, Mesa 19.4 ms/run; synthetic 50x4
ensemble 60.3, Mesa 61.0. After, with the pair certificate (defaults, two runs of
the script): Vilnius ensemble 0.21 and 0.42 ms/run, Mesa 16.5 and 29.5 ms/run (a Mesa
run is mostly the model and the bilateral umbrella track); synthetic 50x4 ensemble
1.8 and 2.5 ms/run, Mesa 8.9 and 19.5 ms/run. Without it, at a lighter load: Vilnius
ensemble 0.16 ms/run, Mesa 12.0; synthetic 3.0 and 7.8.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_protocols import ensemble_ms  # noqa: E402  (the one definition of the ensemble figure)
from synthetic import synthetic_scenario

import sim
from sim.runner import monte_carlo, run
from sim.scenario.variants import with_protocol

TARGET_MS = 0.5


def mesa_ms(scenario, runs: int, repeats: int) -> float:
    """Median over repeats of the mean time of one Mesa run (replicates 0..runs-1), in ms."""
    run(scenario, collect=False)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for replicate in range(runs):
            run(scenario, replicate=replicate, collect=False)
        times.append((time.perf_counter() - start) / runs)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--runs", type=int, default=10000, help="Monte Carlo size for the Vilnius ensemble figure")
    parser.add_argument("--mesa-runs", type=int, default=50, help="Mesa runs per repeat")
    parser.add_argument("--profile", type=int, default=0, metavar="RUNS",
                        help="instead of timing, profile a Monte Carlo of RUNS Vilnius runs and print the top entries")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    vilnius = with_protocol(sim.load_scenario(ROOT / "scenarios" / "vilnius_2023.toml"), "alternating")[0]
    if args.profile:
        monte_carlo(vilnius, 20)
        profiler = cProfile.Profile()
        profiler.runcall(monte_carlo, vilnius, args.profile)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
        return
    synthetic = synthetic_scenario(50, 4, protocol="alternating", position_sd=10.0)
    print(f"negsim {sim.__version__}, Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs (pinned to one); outcome only; medians of {args.repeats}")
    print(f"{'scenario':<34}{'rounds':>7}{'Mesa ms/run':>13}{'ensemble ms/run':>17}{'runs':>8}{'target':>9}")
    cases = [("vilnius_2023, consensus alternating", vilnius, args.runs, f"{TARGET_MS:.1f}"),
             ("synthetic 50x4, position_sd 10", synthetic, max(args.runs // 10, 1), "-")]
    for label, scenario, runs, target in cases:
        rounds = run(scenario, collect=False).outcome().rounds
        mesa = mesa_ms(scenario, args.mesa_runs, args.repeats)
        batched = ensemble_ms(scenario, runs, args.repeats)
        print(f"{label:<34}{rounds:>7}{mesa:>13.2f}{batched:>17.3f}{runs:>8}{target:>9}", flush=True)


if __name__ == "__main__":
    main()
