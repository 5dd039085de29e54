"""Time KTAB's SMP protocol: vilnius_2023 in a 10,000-run ensemble, and synthetic tracks of 200 and 500 actors.

Usage:
    python benchmarks/bench_smp.py [--runs 10000] [--actors 200 500] [--dims 10] [--repeats 3]

Pinned to one CPU. Figures, each printed next to its target:

1. vilnius_2023 with its consensus track switched to ``smp`` (as bench_protocols does, by
   :func:`sim.scenario.variants.with_protocol`): ``sim.runner.monte_carlo(scenario, --runs)``,
   wall time and per run (target: 10,000 runs within 60 s, <= 6 ms per run). Vilnius declares
   uncertainty, so the replicates differ. Also one Mesa run (``run``), for reference.
2. ``synthetic_scenario(actors, --dims, protocol="smp", position_sd=5)``: one run (``run``,
   outcome only), per run (targets: 200 actors <= 1 s, 500 actors <= 10 s). ``position_sd``
   makes the drawn positions differ by seed; the run plays until KTAB's stopping rule or the
   20-round deadline (within the smp limits of ``sim.limits``: 1,000 actors, actors^3 x
   dimensions x rounds <= 2.5e10). Peak memory: run one size alone under
   ``/usr/bin/time -f "%e s %M KB" python benchmarks/bench_smp.py --runs 0 --actors 500``.

The first call compiles the numba kernels (cached on disk afterwards); it is not timed.
Each figure is printed as wall time and, in brackets, the process's CPU time: on a machine
shared with other work the CPU time is the steadier of the two.

What the profile showed before the rewrite (cProfile, NumPy implementation of commit 8d9495c):
- 200 vilnius runs in the ensemble (13.9 s): ``smp_math.challenge`` 256,240 calls, 5.6 s own /
  7.9 s cumulative (57%): one Python call per (initiator, target) pair, building third-party
  arrays each time; then ``risk_utility`` 0.8 s, ``salience_distance`` 1.5 s cumulative,
  ``interpolate_bargain`` 0.5 s, ``bargain_utilities`` 2.2 s cumulative, NumPy reductions
  and small-array overheads (``np.ones``, ``np.diag``, ``linalg.norm``) the rest; the
  replicates looped in Python, 2,129 ``smp_turn`` calls.
- one 100 actors x 10 dimensions run (20 turns, 8.7 s): ``challenge`` 200,000 calls, 6.4 s
  of 8.7 s (74%); ``coalition_strengths`` 0.4 s, ``unique_positions`` 0.5 s.
So the work is the O(A^3) challenge search (every pair, every third party) done pair by
pair in Python; the rewrite compiles it (numba) and loops over replicates inside the kernel.

After the rewrite (CPU time per round of the 500-actor run, timing the protocol's calls):
a turn takes 0.15 s early and 0.25 s late in the run, the assessment of the new state (for
the forecast) about 0.06 s. In a turn: the assessment (two O(A^3) coalition sums, 0.03 s
each), then the challenge search, whose targets are skipped when an upper bound on their
gain cannot beat the best found: 7% of the (initiator, target) pairs are assessed in the
first turn, 32% by the tenth, as positions converge; each assessment costs about 3 ns per
third party. The elections among bargains take a few ms. The first call in a fresh checkout
compiles the kernels: about 28 s and 500 MB, once (numba caches them in sim/ktab/__pycache__).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from synthetic import synthetic_scenario

import sim
from sim.runner import monte_carlo, run
from sim.scenario.variants import with_protocol


def vilnius_ensemble(runs: int, repeats: int) -> None:
    scenario = with_protocol(sim.load_scenario(ROOT / "scenarios" / "vilnius_2023.toml"), "smp")[0]
    monte_carlo(scenario, 20)  # compile and warm up
    times, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        monte_carlo(scenario, runs)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    total = statistics.median(times)
    print(f"vilnius_2023 under smp, monte_carlo({runs}): {total:.2f} s (CPU {statistics.median(cpu):.2f} s), "
          f"{1000 * total / runs:.3f} ms per run (target: 10,000 runs <= 60 s, <= 6 ms per run)", flush=True)
    mesa = []
    for _ in range(max(repeats, 5)):
        start = time.perf_counter()
        run(scenario, seed=1, replicate=len(mesa), collect=False)
        mesa.append(time.perf_counter() - start)
    print(f"vilnius_2023 under smp, one Mesa run: {1000 * statistics.median(mesa):.2f} ms", flush=True)


def synthetic_run(actors: int, dims: int, repeats: int) -> None:
    scenario = synthetic_scenario(actors, dims, protocol="smp", position_sd=5.0)
    run(synthetic_scenario(5, dims, protocol="smp", position_sd=5.0), collect=False)  # compile
    times, cpu, rounds = [], [], []
    for replicate in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        model = run(scenario, seed=1, replicate=replicate, collect=False)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        rounds.append(model.outcome().rounds)
    target = {200: "<= 1 s", 500: "<= 10 s"}.get(actors, "none set")
    print(f"smp {actors} actors x {dims} dims, one run: {statistics.median(times):.2f} s "
          f"(CPU {statistics.median(cpu):.2f} s; rounds played: {rounds}; target: {target})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10_000, help="vilnius Monte Carlo size (0: skip)")
    parser.add_argument("--actors", type=int, nargs="*", default=[200, 500], help="synthetic sizes")
    parser.add_argument("--dims", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    if args.runs:
        vilnius_ensemble(args.runs, args.repeats)
    for actors in args.actors:
        synthetic_run(actors, args.dims, 1 if actors >= 500 else args.repeats)


if __name__ == "__main__":
    main()
