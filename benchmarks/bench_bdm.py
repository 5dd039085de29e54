"""Time Bueno de Mesquita's expected utility model (``bdm``) in the ensemble and at large actor counts.

Usage:
    python benchmarks/bench_bdm.py [--repeats 3] [--runs 10000] [--skip-large]

Pinned to one CPU; each figure is the median over --repeats, printed next to its target.
Times are this process's CPU time (``time.process_time``), with the wall-clock time
beside it: on a shared machine the wall clock also counts the waits for the CPU.

- EU example: Bueno de Mesquita's EU car-emissions case (scenarios/data/bdm_eu_emissions.csv)
  for the 10 rounds Scholz et al. publish, a --runs Monte Carlo through the ensemble
  (``sim.runner.monte_carlo``), per run. The file has no uncertainty, so every replicate
  is identical; the honest figure is the second one, with every actor's position drawn
  with sd 0.3 (on the 4-10 scale), so that replicates differ (and some settle before
  round 10: the mean number of rounds played is printed). Target: 0.2 ms per run.
- Vilnius 2023 with its consensus track switched to bdm, for comparison with
  benchmarks/bench_protocols.py.
- Synthetic tracks (benchmarks/synthetic.py), 200 and 500 actors on 10 dimensions,
  20 rounds: one run through the Mesa model (``sim.runner.run(..., collect=False)``)
  and a small ensemble with position noise (sd 2 on 0-100), per run. Targets: 1 s
  (200 actors) and 10 s (500 actors) per run. The 500-actor case runs in a child
  process, which reports its peak resident memory (``ru_maxrss``; the interpreter
  with numpy, pyarrow and the model imported takes about 260 MB of it before any round).
  Both sizes are within the bdm limits of sim/limits.py (1,000 actors, actors^2 x
  dimensions x rounds <= 5e7).

What the profile showed (cProfile; 10,000 runs of the EU example; one 200 x 10 run):

Before: ``win_probability`` built the votes v_k(i, j) as an (R, A, A, A) array: 47% of
the EU ensemble's time (2.8 of 5.9 s for 10,000 runs) and 85% of the 100-actor run
(1.4 of 1.7 s); at 200 actors a round took 54 ms, almost all of it there, and 500
actors needed 1 GB per array of votes. Next came ``expected_utility`` (17% of the EU
ensemble: three calls a round, each recomputing δ and both power tables),
``_offers`` (12%: boolean-mask assignments, full-size arithmetic for compromises)
and numpy's per-call overhead.

After: P_ij from running sums over voters sorted by position (sim/bdm/probability.py):
no A^3 array. The EU ensemble now spends ~70% of its time in ``bdm_round`` (the rest is
the ensemble's own per-run work: seeding, drawing inputs, the forecast record, the
table), spread over ~100 numpy calls a round on blocks of ~160 replicates x 10 x 10:
counting voters below each midpoint and sorting (~18% of a round), the two P
computations (~25%), the three expected utilities and their power tables (~25%), the
offers (~22%). Two numpy traps showed up and were avoided: ``np.cumsum`` along a
leading axis and masked ``np.copyto``/``np.where`` were 5-10x slower than a loop of
``np.add`` over voters and a flat-index ``put``, and blocks of 2^18 replicates x
actors^2 were slower than 2^14 (the arrays leave the cache). At 200 actors a round
(one dimension) takes ~3.5 ms: the binary searches for the midpoints ~0.5 ms, each P
~0.5 ms (power, running sums, two gathers), the rest element-wise A x A work. At 500
actors ~30 ms, of which the searches ~5 ms and, by /usr/bin/time, ~20% is the kernel
zeroing fresh pages for the 2 MB temporaries. Numba was not needed.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from synthetic import synthetic_data

import sim
from sim.runner import monte_carlo, run
from sim.scenario import Scenario, scenario_from_dict
from sim.scenario.variants import with_protocol


EU_TARGET_MS, LARGE_TARGETS_S = 0.2, {200: 1.0, 500: 10.0}


def eu_example(position_sd: float = 0.0) -> Scenario:
    """The EU example for 10 rounds, optionally with every actor's position uncertain."""
    eu = sim.load_scenario(ROOT / "scenarios" / "data" / "bdm_eu_emissions.csv")
    data = eu.spec.model_dump(mode="json", by_alias=True)
    data["deadline"] = 10
    if position_sd > 0:
        for actor in data["actors"]:
            actor["position_sd"] = {dim: position_sd for dim in actor["position"]}
    return scenario_from_dict(data, source=f"EU example, 10 rounds, position sd {position_sd}")


def synthetic(actors: int, position_sd: float = 0.0) -> Scenario:
    return scenario_from_dict(synthetic_data(actors, 10, protocol="bdm", position_sd=position_sd),
                              source=f"synthetic {actors} x 10")


def timed(work, per: int, repeats: int) -> tuple[float, float, object]:
    """(median CPU seconds, median wall seconds, the last result) of ``repeats`` calls, divided by ``per``."""
    cpu, wall, result = [], [], None
    for _ in range(repeats):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        result = work()
        cpu.append((time.process_time() - start_cpu) / per)
        wall.append((time.perf_counter() - start_wall) / per)
    return statistics.median(cpu), statistics.median(wall), result


def ensemble_per_run(scenario: Scenario, runs: int, repeats: int) -> tuple[float, float, float]:
    """(CPU and wall seconds per run, median over ``repeats`` Monte Carlos of ``runs``; mean rounds played)."""
    monte_carlo(scenario, min(runs, 50))
    cpu, wall, result = timed(lambda: monte_carlo(scenario, runs), runs, repeats)
    return cpu, wall, float(result.table.column("rounds").to_numpy().mean())


def mesa_per_run(scenario: Scenario, repeats: int) -> tuple[float, float, int]:
    """(CPU and wall seconds of one run through the Mesa model, median over ``repeats``; rounds played)."""
    run(eu_example(), collect=False)  # warm up imports and caches on a small case
    cpu, wall, model = timed(lambda: run(scenario, collect=False), 1, repeats)
    return cpu, wall, model.outcome().rounds


def row(label: str, engine: str, rounds: float, cpu: float, wall: float, unit: str, target: str) -> None:
    scale = 1000.0 if unit == "ms" else 1.0
    digits = 3 if unit == "ms" else 2
    print(f"{label:<38}{engine:<18}{rounds:>7.1f}  {scale * cpu:>8.{digits}f} {unit}/run  "
          f"(wall {scale * wall:.{digits}f})  {target}", flush=True)


def large(actors: int, repeats: int, ensemble_runs: int) -> None:
    """The synthetic cases of one size; prints this process's peak memory."""
    scenario = synthetic(actors)
    baseline_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    target = f"target <= {LARGE_TARGETS_S[actors]:g} s"
    cpu, wall, rounds = mesa_per_run(scenario, repeats)
    row(f"synthetic {actors} x 10", "Mesa, one run", rounds, cpu, wall, "s", target)
    noisy = synthetic(actors, position_sd=2.0)
    cpu, wall, rounds = ensemble_per_run(noisy, ensemble_runs, 1)
    row(f"synthetic {actors} x 10, position sd 2", f"ensemble of {ensemble_runs}", rounds, cpu, wall, "s", target)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"{'':<38}peak RSS {peak_kb / 1024:.0f} MiB (before the first round: {baseline_kb / 1024:.0f} MiB); "
          "target well under 500 MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--runs", type=int, default=10_000, help="Monte Carlo size for the EU example")
    parser.add_argument("--skip-large", action="store_true", help="only the EU example and Vilnius")
    parser.add_argument("--large", type=int, choices=list(LARGE_TARGETS_S), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    if args.large:
        large(args.large, 1 if args.large > 200 else args.repeats, 2 if args.large > 200 else 10)
        return
    print(f"negsim {sim.__version__}, Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs (pinned to one); outcome only, no per-round DataCollector")
    print(f"{'case':<38}{'engine':<18}{'rounds':>7}  CPU time (wall time)  target")
    for sd, label in ((0.0, "EU example (identical replicates)"), (0.3, "EU example, position sd 0.3")):
        cpu, wall, rounds = ensemble_per_run(eu_example(sd), args.runs, args.repeats)
        row(label, f"ensemble of {args.runs}", rounds, cpu, wall, "ms", f"target <= {EU_TARGET_MS} ms")
    vilnius = with_protocol(sim.load_scenario(ROOT / "scenarios" / "vilnius_2023.toml"), "bdm")[0]
    cpu, wall, rounds = ensemble_per_run(vilnius, 1000, args.repeats)
    row("vilnius_2023, consensus track on bdm", "ensemble of 1000", rounds, cpu, wall, "ms", "")
    if args.skip_large:
        return
    for actors in LARGE_TARGETS_S:
        subprocess.run([sys.executable, __file__, "--large", str(actors), "--repeats", str(args.repeats)],
                       check=True)


if __name__ == "__main__":
    main()
