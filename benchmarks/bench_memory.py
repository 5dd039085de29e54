"""Peak memory of `negsim run --runs N` on a 500-actor x 10-dimension scenario, as N grows.

Usage:
    python benchmarks/bench_memory.py [--runs 1000 10000 50000] [--actors 500] [--dimensions 10]

Writes the synthetic scenario (``benchmarks/synthetic.py``: one unanimity track,
mediated, every position uncertain so replicates differ) to a temporary TOML file
and runs ``negsim run FILE --runs N --out DIR`` once per N, each in a fresh
process, reporting that process's peak resident memory (``ru_maxrss``, in MB of 10^6
bytes), its time and the size of the ``runs.parquet`` it wrote. Target: under 500 MB at any N.

Why it stays flat: the ensemble plays replicates in passes sized by the state's
bytes (:func:`sim.ensemble.replicates_per_pass`: at most 32 MB; 362 replicates at 500 x 10
here, whose drawn positions are a replicate's only table over actors x dimensions, the
saliences being shared), and the command summarises and writes each batch of 1,000 runs
as it finishes (:func:`sim.runner.stream_monte_carlo`), keeping only a few numbers
a run for the summary's quantiles (here 23 of the runs table's 1,030 columns: 184
bytes a run; the table's row is about 8 kB). Before, a pass held 1,000 replicates
(40 MB per actor x dimension array) and the command held the whole runs table.

Why it no longer grows with N: ``runs.parquet`` stores each actor's numbers gathered in
list columns (:mod:`sim.results.layout`), 32 columns instead of 1,030. pyarrow's Parquet
writer holds a description of every column of every row group until it closes, about 860
bytes each, then copies them into the footer: 1,030 columns made that about 226 MB a
million runs (652 MB peak at 1,000,000 runs, 419 MB at 200,000); 32 make it 7 MB. The
gathered numbers are written without dictionary encoding, which cost about 60 MB of
scratch memory a row group of lists (measured with ``ru_maxrss`` around one write).

Why it stays flat beyond a million runs: 7 MB a million runs still grew (425 MB at 1,000,000,
434 MB at 2,000,000, about 500 MB by extrapolation near 9 million). The stream now starts a new
file once the open one holds :data:`sim.results.stream.FILE_COLUMN_CHUNKS` (4,096) column
chunks, 128 row groups here (about a million runs, 8 GB): ``runs.parquet`` is then a folder
of ``part-NNNNNN.parquet`` files, and the writer's descriptions never exceed 3.5 MB (7 MB
at a file's close). The ``files`` column below counts them.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import tomli_w

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import synthetic_data  # noqa: E402

from sim.results.stream import parquet_files  # noqa: E402

CHILD = """
import resource, sys, time
from sim.cli import main
start = time.perf_counter()
status = main(sys.argv[1:])
print(status, time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def measure(scenario: Path, runs: int, out: Path) -> tuple[float, float, int, int]:
    """(seconds, peak MB, bytes of runs.parquet, its files) of one `negsim run` in a fresh process."""
    command = [sys.executable, "-c", CHILD, "run", str(scenario), "--runs", str(runs), "--out", str(out),
               "--quiet", "--json", "--overwrite"]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    status, seconds, peak_kb = done.stdout.strip().splitlines()[-1].split()
    if status != "0":
        raise SystemExit(f"negsim run failed: {done.stderr}")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["runs"] == runs
    files = parquet_files(out / "runs.parquet")
    return float(seconds), int(peak_kb) * 1024 / 1e6, sum(f.stat().st_size for f in files), len(files)  # KiB to MB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, nargs="+", default=[1000, 10_000, 50_000])
    parser.add_argument("--actors", type=int, default=500)
    parser.add_argument("--dimensions", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        scenario = Path(folder) / "synthetic.toml"
        scenario.write_text(tomli_w.dumps(synthetic_data(args.actors, args.dimensions, position_sd=5.0)))
        print(f"{args.actors} actors x {args.dimensions} dimensions, every position uncertain; "
              f"negsim run --runs N --out DIR, one fresh process each")
        print(f"{'runs':>10}{'seconds':>10}{'peak MB':>10}{'runs.parquet MB':>17}{'files':>7}  target < 500 MB")
        for runs in args.runs:
            seconds, peak, size, files = measure(scenario, runs, Path(folder) / "out")
            print(f"{runs:>10,}{seconds:>10.1f}{peak:>10.0f}{size / 1e6:>17.1f}{files:>7}  "
                  f"{'met' if peak < 500 else 'MISSED'}", flush=True)


if __name__ == "__main__":
    main()
