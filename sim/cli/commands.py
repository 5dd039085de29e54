"""The commands other than ``run``: validate, convert, sweep, plot, report, discover, protocols."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.parser import CONNECT_TIMEOUT
from sim.cli.rules import fail, is_experiment, target_problems, writable_problems

__all__ = ["convert_command", "discover_command", "plot_command", "protocols_command", "report_command",
           "sweep_command", "validate_command"]


def convert_command(args: argparse.Namespace) -> int:
    from sim.results.output import write_text
    from sim.scenario import load_scenario
    from sim.scenario.convert import to_toml

    if args.out and (problems := target_problems("--out", Path(args.out), args.overwrite, folder=False)):
        return fail(problems)
    if args.overwrite and not args.out:
        return fail(["--overwrite does nothing without --out PATH (the scenario goes to standard output)"])
    text = to_toml(load_scenario(args.file), source=Path(args.file).name)
    if args.out:
        write_text(args.out, text)
        print(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def sweep_command(args: argparse.Namespace) -> int:
    import time

    from tqdm import tqdm

    from sim.experiment.load import load_experiment
    from sim.results.stream import describe
    from sim.sweeps import sweep
    from sim.sweeps.executors import executor_for
    from sim.text import format_sensitivity, format_variance

    problems = []
    if args.workers is not None and args.workers < 1:
        problems.append(f"--workers: must be >= 1, got {args.workers}")
    if args.scheduler and args.executor != "dask":
        problems.append("--scheduler needs --executor dask")
    problems += [f"{flag} does nothing {why}" for flag, given, why in (
        ("--workers", args.workers is not None and args.executor == "serial",
         "with --executor serial (one run at a time, in this process)"),
        ("--workers", args.workers is not None and bool(args.scheduler),
         "with --scheduler (the cluster's workers run the chunks)"),
        ("--connect-timeout", args.connect_timeout is not None and not args.scheduler,
         "without --scheduler (a local cluster is started, not reached)")) if given]
    if problems:
        return fail(problems)
    experiment = load_experiment(args.experiment)
    out = Path(args.out or Path("results") / experiment.name)
    if problems := writable_problems(out):
        return fail([f"{'--out: ' if args.out else ''}{problem}" for problem in problems])
    if args.estimate:  # sized here, on this machine's cores (or --workers), with no executor started
        import os

        result = sweep(experiment, out, workers=args.workers or os.cpu_count() or 1, engine=args.engine,
                       resume=args.resume, overwrite=args.overwrite, estimate_only=True)
        print("\n".join(result.estimate.lines()))
        print(f"fits: run it without --estimate to write {out}/")
        return 0
    quiet = args.quiet or not sys.stderr.isatty()
    start = time.perf_counter()
    with tqdm(total=experiment.total_runs, desc="runs", unit="run", disable=quiet, file=sys.stderr,
              smoothing=0.1) as bar:
        try:
            with executor_for(args.executor, args.workers, args.scheduler,
                              connect_timeout=args.connect_timeout or CONNECT_TIMEOUT) as (executor, slots):
                result = sweep(experiment, out, executor=executor, workers=slots, engine=args.engine,
                               resume=args.resume, overwrite=args.overwrite, progress=bar.update,
                               on_estimate=lambda sized: tqdm.write("\n".join(sized.lines()), file=sys.stdout),
                               on_runs_done=lambda: executor.shutdown(wait=True))  # local workers end first
        except KeyboardInterrupt:
            bar.close()
            if not (out / "manifest.json").exists():
                print("interrupted before anything was written", file=sys.stderr)
                return 130
            print(f"interrupted; parts written so far are kept. Continue with:\n"
                  f"  negsim sweep {args.experiment} --out {out} --resume", file=sys.stderr)
            return 130
    elapsed = time.perf_counter() - start
    print(f"{experiment.name}: {result.total_runs} runs ({experiment.points.count} design points x "
          f"{experiment.replicates} replicates) in {result.chunks} chunks; {result.chunks_run} run now "
          f"in {elapsed:.1f} s on {args.executor}")
    points = f", {out / 'points.parquet'}" if (out / "points.parquet").exists() else ""
    if result.repaired:
        print(f"re-ran {result.repaired} parts that were missing or did not match their checksum")
    runs = f"{result.runs_path.parent}/{describe(result.runs_path)}"  # a folder of files when too large for one
    print(f"wrote {runs} (one row per run), {out / 'manifest.json'}{points}")
    if result.sensitivity is not None:
        print(f"wrote {out / 'sensitivity.json'}")
        print(format_sensitivity(result.sensitivity), end="")
    if result.variance is not None:
        print(format_variance(result.variance, result.warnings), end="")
    else:
        print("".join(f"warning: {line}\n" for line in result.warnings), end="")
    return 0


def plot_command(args: argparse.Namespace) -> int:
    from sim.analysis import load_results, write_figures

    out = Path(args.out) if args.out else Path(args.results) / "figures"
    if problems := target_problems("--out" if args.out else None, out, args.overwrite, folder=True):
        return fail(problems)
    results = load_results(args.results)
    for path in write_figures(results, out, args.format, args.figure):
        print(path)
    return 0


def report_command(args: argparse.Namespace) -> int:
    from sim.analysis import load_results, write_report

    out = Path(args.out) if args.out else Path(args.results) / "report.html"
    if problems := target_problems("--out" if args.out else None, out, args.overwrite, folder=False):
        return fail(problems)
    print(write_report(load_results(args.results), out))
    return 0


def discover_command(args: argparse.Namespace) -> int:
    from sim.analysis import load_results
    from sim.analysis.discovery import discover_results, format_discovery, write_discovery

    problems = [f"--{name.replace('_', '-')}: must be in (0, {top:g}), got {value:g}"
                for name, value, top in (("min_coverage", args.min_coverage, 1.0), ("alpha", args.alpha, 0.5),
                                         ("mass_min", args.mass_min, 1.0)) if not 0 < value < top]
    out = Path(args.out) if args.out else Path(args.results) / "discovery"
    problems += target_problems("--out" if args.out else None, out, args.overwrite, folder=True)
    if problems:
        return fail(problems)
    results = load_results(args.results)
    discovery = discover_results(results, args.outcome, min_coverage=args.min_coverage, alpha=args.alpha,
                                 mass_min=args.mass_min)
    sys.stdout.write(format_discovery(discovery.to_dict()))
    for path in write_discovery(results, discovery, out, args.format):
        print(f"wrote {path}")
    return 0


def protocols_command(args: argparse.Namespace) -> int:
    from sim.protocols import registry
    from sim.text import describe_protocol

    for protocol in registry.all_protocols():
        text = describe_protocol(protocol)
        switches = _stochastic_options(protocol)
        if switches:  # e.g. "deterministic (stochastic with StateTransitions=Stochastic)"
            flag, other = ("stochastic", "deterministic") if protocol.stochastic else ("deterministic", "stochastic")
            text = text.replace(f"  {flag},", f"  {flag} ({other} with {' or '.join(switches)}),", 1)
        print(text)
    return 0


def _stochastic_options(protocol) -> list[str]:
    """The option values that change whether a protocol draws random numbers (asked of its ``is_stochastic``)."""
    from types import SimpleNamespace

    switches = []
    for name, choices in protocol.option_choices.items():
        for choice in choices:
            try:
                differs = protocol.is_stochastic(SimpleNamespace(options={name: choice})) != protocol.stochastic
            except AttributeError:  # it asks the track for more than its options: cannot tell here
                differs = False
            if differs:
                switches.append(f"{name}={choice}")
    return switches


def validate_command(args: argparse.Namespace) -> int:
    from sim.scenario import load_scenario
    from sim.text import describe_scenario
    from sim.uncertainty_text import describe_experiment, describe_uncertainties

    if is_experiment(Path(args.scenario)):
        from sim.experiment.load import load_experiment

        print(describe_experiment(load_experiment(args.scenario)))
        return 0
    scenario = load_scenario(args.scenario)
    print(describe_scenario(scenario, args.scenario))
    print("\n".join(describe_uncertainties(scenario)))
    return 0
