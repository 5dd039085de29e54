"""Time each protocol per run: one Mesa run, and a run within an ensemble Monte Carlo.

Usage:
    python benchmarks/bench_protocols.py [--repeats 5] [--runs 1000]

Each figure is the median over --repeats, pinned to one CPU. "Mesa" is the mean
time of one run through the Mesa model (outcome only); "ensemble" is the time
of a --runs Monte Carlo through the batched ensemble, divided by --runs. On
vilnius_2023 the consensus track is switched to each protocol (the opt-in
umbrella track keeps the bilateral protocol); the SMP is also timed on KTAB's
dummyData_3Dim.csv, the file of its reference log, and BDM on Bueno de
Mesquita's EU car-emissions example for the 10 rounds Scholz et al. publish.
Every protocol runs batched over replicates in the ensemble. Targets: the SMP's
10,000 Vilnius runs within 60 s (6 ms a run), BDM on the EU example at 0.2 ms a
run or less, alternating offers on Vilnius at 0.5 ms a run or less. The EU file
declares no uncertainty, so its replicates are identical: `benchmarks/bench_bdm.py`
also times it with every position uncertain. The forecasting models at 200 and
500 actors: `benchmarks/bench_bdm.py`, `benchmarks/bench_smp.py`.
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
from sim.scenario import scenario_from_dict
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


def ensemble_ms(scenario, runs: int, repeats: int) -> float:
    monte_carlo(scenario, min(runs, 50))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        monte_carlo(scenario, runs)
        times.append((time.perf_counter() - start) / runs)
    return 1000 * statistics.median(times)


def with_deadline(scenario, rounds: int):
    data = scenario.spec.model_dump(mode="json", by_alias=True)
    data["deadline"] = rounds
    return scenario_from_dict(data, source=f"{scenario.name}, {rounds} rounds")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--runs", type=int, default=1000, help="Monte Carlo size for the ensemble figure")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    vilnius = sim.load_scenario(ROOT / "scenarios" / "vilnius_2023.toml")
    ktab = sim.load_scenario(ROOT / "scenarios" / "data" / "ktab_dummyData_3Dim.csv")
    eu = with_deadline(sim.load_scenario(ROOT / "scenarios" / "data" / "bdm_eu_emissions.csv"), 10)
    print(f"negsim {sim.__version__}, Python {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs (pinned to one); outcome only, no per-round DataCollector")
    print(f"{'protocol':<12}{'scenario':<24}{'rounds':>7}{'Mesa ms/run':>13}{'ensemble ms/run':>17}  target")
    targets = {("alternating", "vilnius_2023"): 0.5, ("smp", "vilnius_2023"): 6.0,
               ("bdm", "EU emissions, 10 rounds"): 0.2}
    cases = [(name, "vilnius_2023", with_protocol(vilnius, name)[0], 50)
             for name in ("mediated", "concession", "alternating", "bdm", "smp")]
    cases.append(("smp", "KTAB dummyData_3Dim", ktab, 20))
    cases.append(("bdm", "EU emissions, 10 rounds", eu, 50))
    for name, label, scenario, runs in cases:
        rounds = run(scenario, collect=False).outcome().rounds
        mesa = per_run_ms(scenario, runs, args.repeats)
        batched = ensemble_ms(scenario, args.runs, args.repeats)
        target = targets.get((name, label))
        verdict = "" if target is None else f"<= {target:g} ms: {'met' if batched <= target else 'MISSED'}"
        print(f"{name:<12}{label:<24}{rounds:>7}{mesa:>13.2f}{batched:>17.3f}  {verdict}", flush=True)


if __name__ == "__main__":
    main()
