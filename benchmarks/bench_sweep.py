"""Time and peak memory of `negsim sweep` on vilnius_2023 at several sizes.

Usage:
    python benchmarks/bench_sweep.py [--runs 100000 1000000] [--workers 2] [--chunk 1000]
                                     [--executor processes]

Each size is a random design of runs/100 points x 100 replicates (outcomes only),
run by the command line in a child process while /proc is sampled every 50 ms
for the memory of the whole process tree (the command and its worker
processes): PSS, which counts pages shared between processes once, and, for
comparison, the plain sum of RSS, which counts them in every process.
Targets: 100,000 runs within 60 s and under 500 MB; peak memory within 20% from
the smallest size to the largest.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _field_mb(path: str, field: str) -> float:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) * 1024 / 1e6  # kB (KiB) to MB
    except OSError:
        pass
    return 0.0


def tree_memory_mb(root: int) -> tuple[float, float, float]:
    """(PSS of the whole tree, RSS summed over the tree, RSS of the root alone), in MB."""
    seen, stack, pss, rss = set(), [root], 0.0, 0.0
    while stack:
        pid = stack.pop()
        if pid in seen:
            continue
        seen.add(pid)
        pss += _field_mb(f"/proc/{pid}/smaps_rollup", "Pss:")
        rss += _field_mb(f"/proc/{pid}/status", "VmRSS:")
        stack += _children(pid)
    return pss, rss, _field_mb(f"/proc/{root}/status", "VmRSS:")


def measure(runs: int, workers: int, chunk: int, executor: str, folder: Path) -> dict:
    points = max(1, runs // 100)
    experiment = folder / f"bench_{runs}.toml"
    experiment.write_text(f'''
name = "bench_{runs}"
scenario = "{ROOT / 'scenarios' / 'vilnius_2023.toml'}"
seed = 1
replicates = {runs // points}
chunk_size = {chunk}
design = {{ kind = "random", samples = {points} }}

[[parameters]]
path = "actors.poland.flexibility"
range = [0.0, 0.6]

[[parameters]]
path = "actors.germany.position.membership_timing"
range = [0, 50]
''')
    command = [sys.executable, "-m", "sim", "sweep", str(experiment), "--out", str(folder / f"out_{runs}"),
               "--executor", executor, "--workers", str(workers), "--quiet"]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_pss, peak_rss, peak_main = 0.0, 0.0, 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_pss, peak_rss, peak_main
        while not done.is_set():
            pss, rss, main = tree_memory_mb(process.pid)
            peak_pss, peak_rss, peak_main = max(peak_pss, pss), max(peak_rss, rss), max(peak_main, main)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise SystemExit(f"sweep failed: {err}")
    return {"runs": runs, "seconds": elapsed, "peak_pss_mb": peak_pss, "peak_rss_mb": peak_rss,
            "peak_main_mb": peak_main}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--executor", default="processes", choices=["serial", "processes", "dask"])
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs; "
          f"executor {args.executor}, {args.workers} workers, chunks of {args.chunk} runs")
    print(f"{'runs':>10}{'seconds':>10}{'runs/s':>10}{'peak PSS MB':>13}{'peak RSS-sum MB':>17}"
          f"{'peak main RSS MB':>18}")
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for runs in args.runs:
            r = measure(runs, args.workers, args.chunk, args.executor, Path(folder))
            results.append(r)
            print(f"{r['runs']:>10}{r['seconds']:>10.1f}{r['runs'] / r['seconds']:>10.0f}"
                  f"{r['peak_pss_mb']:>13.0f}{r['peak_rss_mb']:>17.0f}{r['peak_main_mb']:>18.0f}", flush=True)
    first = next((r for r in results if r["runs"] == 100_000), None)
    if first:
        print(f"100,000 runs: {first['seconds']:.1f} s (target 60 s: {'met' if first['seconds'] <= 60 else 'MISSED'}), "
              f"{first['peak_pss_mb']:.0f} MB PSS (target 500 MB: {'met' if first['peak_pss_mb'] < 500 else 'MISSED'})")
    if len(results) > 1:
        growth = results[-1]["peak_pss_mb"] / results[0]["peak_pss_mb"] - 1
        print(f"peak memory from {results[0]['runs']} to {results[-1]['runs']} runs: {100 * growth:+.0f}% "
              f"(target within 20%: {'met' if abs(growth) <= 0.2 else 'MISSED'})")


if __name__ == "__main__":
    main()
