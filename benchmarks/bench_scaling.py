"""The ensemble against the Mesa path from 10 to 500 actors, and how far both are from this machine's limit.

Usage:
    python benchmarks/bench_scaling.py [--runs 2000] [--mesa-runs 500] [--position-sd 0]

Cases: one unanimity track under the mediated protocol, positions, saliences and
capabilities drawn once (``benchmarks/synthetic.py``), at 10 x 4, 50 x 4, 200 x 4
and 500 x 10 actors x dimensions. With ``--position-sd 0`` (the default) every
replicate has the declared inputs, as the issue's table measured; with a positive
value every position is drawn per replicate, so replicates differ (and each run
also pays for drawing actors x dimensions uncertain inputs). Both engines run the
same replicates: the first 200 rows are compared, and must be identical. Each
figure is CPU time (``time.process_time``, so a busy neighbour inflates it less),
the best of --repeats, pinned to one CPU. Target: the ensemble at least 30 times
faster per run than the Mesa path at every size.

The cost per actor x dimension x round divides a run's time by actors x
dimensions x rounds played. The roofline is measured here too:

- memory bandwidth: numpy summing a 1 GiB array (streamed from memory), a 16 MiB
  one (the last-level cache) and a 1 MiB one (the core's own cache);
- the minimal arithmetic: a compiled loop doing only a round's essential work per
  actor x dimension (one salience-weighted gap, :math:`s \\cdot |x - p|`, and its
  sum), on data in cache.

A round must read each actor's position and salience on each dimension twice (its
answer to the draft, and the broker's revision toward the objectors): 32 bytes per
actor x dimension x round. From memory that costs 32 B / bandwidth; in cache, the
minimal arithmetic twice. The report gives both floors and how far the ensemble is
from them.

What the profile showed (cProfile and per-stage CPU time at 500 x 10, 1,000 runs).
In the previous version: 3.6 ms a run, two thirds of it the utility of the draft (salience
weights, gaps and sums as (R, A, D) temporaries) and the broker's revision; a pass of
1,000 replicates held 40 MB per (R, A, D) array, so every round streamed them from
memory; the runs table's per-actor columns and the blockers' lists were built row by
row. Now: a round of a pass is one compiled call (numba) that, replicate by replicate,
revises the draft and has every member answer it (:func:`sim.protocols.mediated.revise_draft`'s
sums, :func:`sim.protocols.collective.answer_row`), reading each replicate's positions and
saliences twice while they are in the core's cache; a pass holds about 32 MB of state
(:func:`sim.ensemble.replicates_per_pass`: 86 replicates at 500 x 10); the runs table is
built column-wise from (R, A) arrays; the opening positions are not copied when nothing
can move them. What remained at 500 x 10, per run (about 0.21-0.25 ms, CPU, on a busy
machine): the compiled rounds about 0.12 ms (7.3 us a replicate a round: the two passes
at about 0.7 ns per actor x dimension each, against 0.55 ns for the minimal arithmetic
alone); Python's per-round work shared by a pass's 86 replicates (the demands, the
arguments, closing tracks) about 0.04 ms; the outcome (distances from the opening
positions, bands, blockers) about 0.03 ms; the runs table 0.01 ms; drawing the inputs
0.01 ms. The Mesa path calls the same compiled rounds, so it got faster too (5.2 ms
a run at 500 x 10, from 8.4 before): the ratio's denominator moved.

Then (about 0.14 ms a run): the concession of a member whose ideal nothing moved is the
distance its utility is taken from, computed once; positions and saliences no replicate
draws or moves are one (1, A, D) table all replicates read
(:func:`sim.kernel.state.shared_inputs`), so a round reads 80 kB that stay in the core's
cache instead of 80 kB per replicate from the last-level cache, and a replicate's state is
small enough for passes of 662; the revision reads last round's answers directly. What
remains, per run: the compiled rounds about 0.09 ms (5.3 us a replicate a round, now
bound by the per-actor work: the sums' horizontal reductions, the division, the answer,
and the revision's running sums, which the sums' fixed order keeps in memory), the outcome
about 0.02 ms ((R, A) arrays of 1,000 replicates from memory), Python's per-round work
about 0.01 ms, the runs table 0.008 ms, the inputs (the (R, A) copies) 0.007 ms. With
every position drawn (``--position-sd``), each replicate reads its own positions again and
drawing 5,000 numbers a run costs more than the rounds.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sim  # noqa: E402
from sim.results.output import dumps  # noqa: E402
from sim.runner import monte_carlo  # noqa: E402
from synthetic import synthetic_scenario  # noqa: E402

TARGET_RATIO = 30.0
SIZES = ((10, 4), (50, 4), (200, 4), (500, 10))


def bandwidth(mebibytes: int, repeats: int = 5) -> float:
    """GB/s numpy reads summing an array of this size (best of ``repeats``)."""
    values = np.random.default_rng(0).random(mebibytes * 2**20 // 8)
    values.sum()
    best = min(_timed(values.sum) for _ in range(repeats))
    return values.nbytes / best / 1e9


@numba.njit(cache=True)
def _minimal_round(position, salience, draft, out):  # pragma: no cover - compiled
    actors, dims = position.shape
    for i in range(actors):
        gap = 0.0
        for d in range(dims):
            gap += salience[i, d] * abs(draft[d] - position[i, d])
        out[i] = gap


def minimal_arithmetic(actors: int = 500, dims: int = 10, repeats: int = 200) -> float:
    """ns per actor x dimension for the minimal work of one pass, data in cache."""
    rng = np.random.default_rng(0)
    position, salience, draft = rng.random((actors, dims)), rng.random((actors, dims)), rng.random(dims)
    out = np.empty(actors)
    _minimal_round(position, salience, draft, out)
    best = min(_timed(lambda: _minimal_round(position, salience, draft, out)) for _ in range(repeats))
    return best / (actors * dims) * 1e9


def _timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def per_run(scenario, runs: int, engine: str, repeats: int) -> float:
    """CPU seconds per run (best of ``repeats``)."""
    monte_carlo(scenario, min(runs, 20), engine=engine)
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        monte_carlo(scenario, runs, engine=engine)
        best = min(best, (time.process_time() - start) / runs)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2000, help="ensemble Monte Carlo size per case")
    parser.add_argument("--mesa-runs", type=int, default=500, help="Mesa runs per case")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--position-sd", type=float, default=0.0, help="position noise (0: declared inputs)")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    print(f"negsim {sim.__version__}, Python {platform.python_version()}, numpy {np.__version__}, "
          f"numba {numba.__version__}, {platform.machine()}, {os.cpu_count()} CPUs (pinned to one)")
    memory, llc, core = bandwidth(1024), bandwidth(16), bandwidth(1)
    arithmetic = minimal_arithmetic()
    print(f"roofline: memory {memory:.1f} GB/s, last-level cache {llc:.1f} GB/s, core cache {core:.1f} GB/s; "
          f"minimal arithmetic {arithmetic:.2f} ns per actor x dimension")
    floor_memory = 32 / memory
    floor_cache = max(2 * arithmetic, 32 / core)
    print(f"floor per actor x dimension x round: {floor_memory:.2f} ns from memory, {floor_cache:.2f} ns in cache")
    print(f"{'actors x dims':>14}{'rounds':>8}{'ensemble ms/run':>17}{'Mesa ms/run':>13}{'ratio':>8}"
          f"{'ns/(A x D x round)':>20}{'x cache floor':>15}  target")
    for actors, dims in SIZES:
        scenario = synthetic_scenario(actors, dims, position_sd=args.position_sd)
        check = min(200, args.mesa_runs)
        fast, slow = (monte_carlo(scenario, check, seed=1, engine=e).table.to_pylist() for e in ("ensemble", "mesa"))
        assert dumps(fast) == dumps(slow), f"the engines disagree at {actors} x {dims}"
        rounds = float(np.mean([row["rounds"] for row in fast]))
        ensemble = per_run(scenario, args.runs, "ensemble", args.repeats)
        mesa = per_run(scenario, args.mesa_runs, "mesa", 1)
        ratio = mesa / ensemble
        element = ensemble / (actors * dims * rounds) * 1e9
        print(f"{actors:>8} x {dims:<3}{rounds:>8.1f}{1000 * ensemble:>17.4f}{1000 * mesa:>13.3f}{ratio:>7.1f}x"
              f"{element:>20.2f}{element / floor_cache:>15.1f}  {'met' if ratio >= TARGET_RATIO else 'MISSED'}",
              flush=True)


if __name__ == "__main__":
    main()
