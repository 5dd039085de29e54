"""The ``negsim`` command: a thin layer over the Python API."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from sim.errors import InputError

__all__ = ["main"]

EXAMPLES = {
    "run": """\
  negsim run scenarios/vilnius_2023.toml
  negsim run scenarios/vilnius_2023.toml --runs 1000 --seed 7
  negsim run scenarios/vilnius_2023.toml --runs 1000 --json
  negsim run scenarios/vilnius_2023.toml --runs 1000 --out results/vilnius
  negsim run scenarios/vilnius_2023.toml --seed 7 --replicate 17   # re-create one Monte Carlo run
  negsim run scenarios/minimal.toml --trace                        # the per-round log of one run
  negsim run scenarios/vilnius_2023.toml --runs 100 --trace --out results/vilnius   # trace.parquet of every run
  negsim run scenarios/vilnius_2023.toml --protocol bdm --baselines
  negsim run scenarios/vilnius_2023.toml --set actors.germany.flexibility=0.3
  negsim run data.csv --protocol smp                               # a KTAB SMP input file
  negsim run experiments/vilnius_flank.toml --point 3 --replicate 7   # re-create one run of a sweep""",
    "validate": """\
  negsim validate scenarios/vilnius_2023.toml
  negsim validate scenarios/data/bdm_eu_emissions.csv
  negsim validate experiments/vilnius_flank.toml                   # its design, levers and uncertainties""",
    "convert": """\
  negsim convert scenarios/data/bdm_eu_emissions.csv               # to standard output
  negsim convert data.csv --to toml --out scenarios/data.toml
  negsim convert data.csv --out scenarios/data.toml --overwrite""",
    "sweep": """\
  negsim sweep experiments/vilnius_flank.toml --out results/vilnius_flank
  negsim sweep experiments/vilnius_flank.toml --out results/vilnius_flank --resume
  negsim sweep experiments/vilnius_flank.toml --out results/vilnius_flank --overwrite
  negsim sweep experiments/vilnius_sobol.toml --executor dask --workers 2
  negsim sweep experiments/vilnius_sobol.toml --executor dask --scheduler tcp://10.0.0.5:8786""",
    "plot": """\
  negsim plot results/vilnius
  negsim plot results/vilnius_flank --format svg --figure agreement --figure heatmap
  negsim plot results/vilnius --overwrite                          # draw them again""",
    "report": """\
  negsim report results/vilnius                                    # results/vilnius/report.html
  negsim report results/vilnius --out vilnius.html --overwrite""",
    "discover": """\
  negsim discover results/vilnius_flank --outcome 'not consensus.agreed'
  negsim discover results/vilnius_flank --outcome 'statement.membership_timing >= 45'
  negsim discover results/vilnius_flank --outcome 'consensus.round <= 10' --min-coverage 0.8

OUTCOME: [not] COLUMN [OP NUMBER], COLUMN a column of runs.parquet (agreed, consensus.agreed,
statement.DIM, utility.TRACK.ACTOR, ...), OP one of >= <= > < ==; a comparison with a missing
value (no statement) is false.""",
    "protocols": """\
  negsim protocols""",
}
"""Each command's own examples, shown by its ``--help``; the main ``--help`` shows a few of each."""


def _examples(*commands: str) -> str:
    if len(commands) == 1:
        return "examples:\n" + EXAMPLES[commands[0]]
    first = [EXAMPLES[name].split("\n")[0] for name in commands]
    return ("examples (`negsim COMMAND --help` shows each command's own):\n" + "\n".join(first) +
            "\n\nWrite into a non-empty folder or over a file only with --overwrite.")


class _Parser(argparse.ArgumentParser):
    """``argparse`` with no abbreviated options and a "did you mean" for misspelled commands and options."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        import difflib

        choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if choice:
            options = re.findall(r"'([^']*)'", choice.group(2))
            close = difflib.get_close_matches(choice.group(1), options, n=1, cutoff=0.5)
            if close:
                message += f"; did you mean '{close[0]}'?"
        unknown = re.match(r"unrecognized arguments: (\S+)", message)
        if unknown:
            flag = unknown.group(1).split("=")[0]
            close = difflib.get_close_matches(flag, self._known_options(), n=1, cutoff=0.6)
            if close:
                message += f"; did you mean '{close[0]}'?"
        super().error(message)

    def _known_options(self) -> list[str]:
        options = [s for action in self._actions for s in action.option_strings]
        for action in self._actions:  # a subcommand's options are reported by the main parser
            if isinstance(action, argparse._SubParsersAction):
                command = next((a for a in getattr(self, "argv", []) if a in action.choices), None)
                if command:
                    options += action.choices[command]._known_options()
        return options


CONNECT_TIMEOUT = 10.0
"""Seconds ``negsim sweep --scheduler`` waits for the scheduler to answer."""


def _parser() -> argparse.ArgumentParser:
    from sim import __version__

    parser = _Parser(
        prog="negsim",
        description="Simulate allies negotiating a shared statement under a deadline.",
        epilog=_examples(*EXAMPLES),
    )
    parser.add_argument("--version", action="version", version=f"negsim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run", help="run a scenario once, or as a Monte Carlo",
        description="Run one negotiation (declared inputs), or a Monte Carlo over the scenario's "
                    "declared uncertainty with --runs.",
        epilog=_examples("run"))
    run.add_argument("scenario", help="scenario file (.toml, .yaml, .yml, or a KTAB or BDM .csv); or an experiment "
                                      "file with --point P --replicate R, to re-create one run of its sweep")
    run.add_argument("--runs", type=int, default=None, metavar="N",
                     help="Monte Carlo: number of replicates (default: one run with the declared inputs)")
    run.add_argument("--seed", type=int, default=None, metavar="S",
                     help="root seed (default: the scenario's seed)")
    run.add_argument("--replicate", type=int, default=None, metavar="R",
                     help="re-create replicate R of a Monte Carlo alone, with its drawn inputs")
    run.add_argument("--point", type=int, default=None, metavar="P",
                     help="with --replicate and an experiment file: re-create that row of the sweep (design "
                          "point P); with --set the point's values are given by --set, since every point of a "
                          "sweep shares replicate R's random numbers")
    run.add_argument("--set", action="append", default=[], metavar="PATH=VALUE",
                     help="override one number of the scenario, e.g. --set actors.germany.flexibility=0.3 "
                          "(repeatable; paths as in experiment files; a number set is not drawn in a Monte Carlo)")
    run.add_argument("--json", action="store_true", help="print the result as JSON instead of text")
    run.add_argument("--out", metavar="DIR",
                     help="write runs.parquet (one row per run), summary.json and manifest.json into DIR "
                          "(for `negsim plot` and `negsim report`)")
    run.add_argument("--overwrite", action="store_true",
                     help="with --out: replace the results already in DIR (a non-empty DIR is refused without it)")
    run.add_argument("--trajectories", action="store_true",
                     help="with --out: also keep every run's draft per round (trajectories.parquet)")
    run.add_argument("--trace", action="store_true",
                     help="print the per-round log of a single run (positions, demands, answers, the draft and "
                          "each protocol's own quantities) before its summary; with --out also write "
                          "trace.parquet, one row per run x round x actor (every run's with --runs, which "
                          "needs --out)")
    run.add_argument("--quiet", action="store_true", help="no progress bar")
    run.add_argument("--engine", choices=["ensemble", "mesa"], default=None,
                     help="Monte Carlo driver: replicates in batches through the array kernel (ensemble, "
                          "default) or one Mesa model per run (mesa); both give the same runs")
    run.add_argument("--protocol", metavar="NAME",
                     help="negotiate every track it fits under this protocol (see `negsim protocols`)")
    run.add_argument("--baselines", action="store_true",
                     help="also print the closed-form baselines: compromise, weighted median, Nash, status quo")

    validate = commands.add_parser(
        "validate", help="check a scenario (or experiment) file and show what it holds",
        description="Check a scenario file against the schema and print its actors, dimensions, "
                    "tracks, protocols, deadline, events and declared uncertainties; or check an "
                    "experiment file and print its design, levers and uncertainties.",
        epilog=_examples("validate"))
    validate.add_argument("scenario", help="scenario file (.toml, .yaml, .yml or .csv), or an experiment file")

    convert = commands.add_parser(
        "convert", help="write a scenario (e.g. a KTAB or BDM CSV) as a TOML scenario file",
        description="Write the scenario in FILE as an equivalent TOML scenario file, so that what a CSV "
                    "cannot say (vetoes, status quo, deadline, events) can be added.",
        epilog=_examples("convert"))
    convert.add_argument("file", help="scenario file (.csv, .toml, .yaml or .yml)")
    convert.add_argument("--to", choices=["toml"], default="toml", help="output format (default toml)")
    convert.add_argument("--out", metavar="PATH", help="write here instead of standard output")
    convert.add_argument("--overwrite", "--force", dest="overwrite", action="store_true",
                         help="replace PATH if it exists (--force is the same)")

    sweep = commands.add_parser(
        "sweep", help="run an experiment's parameter sweep in batch",
        description="Run every design point x replicate of an experiment file in chunks, on local "
                    "processes or a Dask cluster, writing Parquet parts as chunks finish, a manifest, "
                    "the consolidated runs.parquet and (for Sobol'/Morris designs) sensitivity.json.",
        epilog=_examples("sweep"))
    sweep.add_argument("experiment", help="experiment file (.toml, .yaml or .yml)")
    sweep.add_argument("--out", metavar="DIR", help="results folder (default: results/<experiment name>)")
    sweep.add_argument("--executor", choices=["serial", "processes", "dask"], default="processes",
                       help="where chunks run (default: local processes)")
    sweep.add_argument("--workers", type=int, metavar="N",
                       help="processes or local Dask workers (default: one per CPU)")
    sweep.add_argument("--scheduler", metavar="ADDRESS",
                       help="an existing Dask scheduler, e.g. tcp://host:8786 (with --executor dask; "
                            "without it a local cluster is started)")
    sweep.add_argument("--connect-timeout", type=float, default=None, metavar="SECONDS",
                       help=f"with --scheduler: how long to wait for it to answer (default {CONNECT_TIMEOUT:g})")
    sweep.add_argument("--engine", choices=["ensemble", "mesa"], default="ensemble",
                       help="replicates through the array kernel (default) or one Mesa model per run")
    again = sweep.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true", help="continue an interrupted sweep in DIR")
    again.add_argument("--overwrite", action="store_true", help="delete a previous sweep's results in DIR first")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")

    plot = commands.add_parser(
        "plot", help="draw outcome distributions from a results folder",
        description="Draw every figure a results folder supports (from `negsim run --runs N --out DIR` or "
                    "`negsim sweep`), one file each, and print their paths.",
        epilog=_examples("plot"))
    plot.add_argument("results", help="a results folder")
    plot.add_argument("--overwrite", action="store_true",
                      help="draw into a folder that already holds files (replacing figures of the same name)")
    plot.add_argument("--out", metavar="DIR", help="where to write the figures (default: RESULTS/figures)")
    plot.add_argument("--format", choices=["png", "svg", "pdf"], default="png", help="file format (default png)")
    plot.add_argument("--figure", action="append", choices=["statement", "agreement", "heatmap", "time", "blocking",
                                                            "trajectories", "sensitivity"],
                      help="only these figure families (repeatable; default: all that apply)")

    report = commands.add_parser(
        "report", help="write one self-contained HTML report of a results folder",
        description="Write RESULTS/report.html: what was run, the key numbers and every figure with how to "
                    "read it, images embedded so it opens with no network.",
        epilog=_examples("report"))
    report.add_argument("results", help="a results folder")
    report.add_argument("--out", metavar="FILE", help="where to write it (default: RESULTS/report.html)")
    report.add_argument("--overwrite", action="store_true", help="replace the file if it exists")

    discover = commands.add_parser(
        "discover", help="scenario discovery (PRIM): which ranges of a sweep's inputs lead to an outcome",
        description="Run PRIM (Friedman and Fisher 1999) on a sweep's results: the box of the varied parameters "
                    "in which OUTCOME is most concentrated, with its coverage, density and mass, and alternatives "
                    "along the peeling trajectory. Writes discovery.json and the trade-off figure to --out.",
        epilog=_examples("discover"))
    discover.add_argument("results", help="a sweep's results folder")
    discover.add_argument("--outcome", required=True, metavar="EXPR",
                          help="the outcome to explain, e.g. 'not consensus.agreed' or 'statement.membership_timing "
                               ">= 45'")
    discover.add_argument("--min-coverage", type=float, default=0.5, metavar="C",
                          help="the chosen box keeps at least this share of the runs with the outcome (default 0.5)")
    discover.add_argument("--alpha", type=float, default=0.05, metavar="A",
                          help="share of the box's runs peeled at each step (default 0.05)")
    discover.add_argument("--mass-min", type=float, default=0.05, metavar="M",
                          help="peeling stops before the box holds less than this share of all runs (default 0.05)")
    discover.add_argument("--out", metavar="DIR", help="where to write discovery.json and the figure "
                                                      "(default: RESULTS/discovery)")
    discover.add_argument("--format", choices=["png", "svg", "pdf"], default="png", help="figure format (default png)")
    discover.add_argument("--overwrite", action="store_true", help="write into a folder that already holds files")

    commands.add_parser("protocols", help="list the negotiation protocols with their citations",
                        description="List every protocol: what it does, its citation, whether it is "
                                    "stochastic or batched, the decision rules and options it takes.",
                        epilog=_examples("protocols"))
    return parser


def _fail(problems: list[str]) -> int:
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    return 2


def _check_run_arguments(args: argparse.Namespace) -> list[str]:
    problems = []
    if args.runs is not None and args.runs < 1:
        problems.append(f"--runs: must be >= 1, got {args.runs}")
    if args.seed is not None and args.seed < 0:
        problems.append(f"--seed: must be >= 0, got {args.seed}")
    if args.replicate is not None and args.replicate < 0:
        problems.append(f"--replicate: must be >= 0, got {args.replicate}")
    if args.replicate is not None and args.runs is not None:
        problems.append("--replicate re-creates one run; it cannot be combined with --runs")
    if args.point is not None and (args.replicate is None or args.point < 0):
        problems.append("--point needs --replicate (and must be >= 0)")
    if args.trace and args.runs is not None and not args.out:
        problems.append("--trace with --runs needs --out DIR (every run's trace goes to DIR/trace.parquet); "
                        "to print one run's log use --replicate R instead of --runs")
    elif args.trace and args.json and not args.out:
        problems.append("--trace prints a text log, not JSON: drop --json, or add --out DIR for trace.parquet")
    if args.runs is None:
        problems += [f"{flag}: {why}; it applies with --runs N" for flag, given, why in (
            ("--engine", args.engine is not None, "a single run is always one Mesa model"),
            ("--quiet", args.quiet, "a single run shows no progress bar")) if given]
    if not args.out:
        problems += [f"{flag} does nothing without --out DIR ({why})" for flag, given, why in (
            ("--trajectories", args.trajectories, "the drafts per round are written to DIR/trajectories.parquet"),
            ("--overwrite", args.overwrite, "it replaces the results in DIR")) if given]
    if args.out:
        problems += _target_problems("--out", Path(args.out), args.overwrite, folder=True)
    return problems


def _target_problems(flag: str | None, target: Path, overwrite: bool, *, folder: bool) -> list[str]:
    """The one overwrite rule: a command writes into an empty or new folder (or a new file), or with --overwrite.

    ``flag`` names the option that gave ``target`` (None for a default target).
    """
    where = f"{flag}: " if flag else ""
    if folder and target.exists() and not target.is_dir():
        return [f"{where}{target} exists and is not a folder"]
    if not folder and target.is_dir():
        return [f"{where}{target} is a folder; give a file name"]
    if not os.access(_nearest_existing(target), os.W_OK):
        return [f"{where}cannot write to {target} (permission denied)"]
    if overwrite:
        return []
    if folder and target.is_dir() and any(target.iterdir()):
        return [f"{where}{target} is not empty; add --overwrite to replace what is there"]
    if not folder and target.exists():
        return [f"{where}{target} exists; add --overwrite to replace it"]
    return []


def _nearest_existing(path: Path) -> Path:
    path = path.absolute()
    while not path.exists():
        path = path.parent
    return path


def _run(args: argparse.Namespace) -> int:
    from sim import __version__, output, runner, summary, text
    from sim.records import table_from_records
    from sim.scenario import load_scenario
    from sim.scenario.scenario import scenario_record

    problems = _check_run_arguments(args)
    if problems:
        return _fail(problems)
    scenario = _experiment_point(args) if _is_experiment(Path(args.scenario)) else load_scenario(args.scenario)
    if args.set:
        scenario = _override(scenario, args.set)
    if args.protocol:
        scenario = _switch_protocol(scenario, args.protocol)
    if args.runs is None:
        model = runner.run(scenario, seed=args.seed, replicate=args.replicate, point=args.point, trace=args.trace)
        outcome = model.outcome()
        result = outcome.to_dict(scenario) | {"events": model.event_log}
        table = table_from_records([outcome.to_record()], scenario)
        paths = runner._model_trajectory(model, 0) if args.trajectories else None
        trace = model.trace_table() if args.trace else None
        report = text.format_run(scenario, outcome, model.event_log)
        if args.trace:
            from sim.trace_text import format_trace

            report = format_trace(scenario, trace) + "\n" + report
    else:
        from tqdm import tqdm

        quiet = args.quiet or not sys.stderr.isatty()
        with tqdm(total=args.runs, desc="runs", unit="run", disable=quiet, file=sys.stderr) as bar:
            mc = runner.monte_carlo(scenario, args.runs, seed=args.seed, engine=args.engine or "ensemble",
                                    progress=bar.update,
                                    trajectories=args.trajectories and bool(args.out), trace=args.trace)
        result = summary.summarise(scenario, mc.table, mc.seed)
        table, paths, trace = mc.table, mc.trajectories, mc.trace
        report = text.format_monte_carlo(scenario, result)
    if args.out:
        manifest = {"kind": "run" if args.runs is None else "monte_carlo", "seed": result["seed"],
                    "runs": table.num_rows, "engine": (args.engine or "ensemble") if args.runs else "mesa",
                    "package_version": __version__, "command": " ".join(["negsim", *sys.argv[1:]]),
                    "scenario": scenario_record(scenario, args.scenario)}
        if args.overwrite:
            _remove_run_results(Path(args.out))
        output.write_results(args.out, table, result, manifest, paths, trace)
    if args.baselines:
        from sim.baselines import baselines

        table = baselines(scenario)
        result["baselines"] = table.to_dict(orient="records")
        report += "\n" + text.format_baselines(table, scenario)
    sys.stdout.write(output.dumps(result) if args.json else report)
    if args.out and not args.json:
        extras = [name for name, wanted in (("trajectories.parquet", args.trajectories), ("trace.parquet", args.trace))
                  if wanted]
        print(f"wrote {args.out}/ ({', '.join(['runs.parquet', 'summary.json', 'manifest.json', *extras])})")
    return 0


RUN_ARTIFACTS = ("runs.parquet", "summary.json", "manifest.json", "trajectories.parquet", "trace.parquet",
                 "report.html", "figures", "discovery")
"""What ``negsim run --out``, ``plot``, ``report`` and ``discover`` write into a results folder: the previous
results that ``--overwrite`` removes (anything else in the folder is left alone)."""


def _remove_run_results(folder: Path) -> None:
    import shutil

    for name in RUN_ARTIFACTS:
        target = folder / name
        if target.is_symlink() or target.is_file():
            target.unlink()  # a link is removed, never followed
        elif target.is_dir():
            shutil.rmtree(target)


def _experiment_point(args: argparse.Namespace):
    """``negsim run EXPERIMENT --point P --replicate R``: the scenario of a sweep's design point
    (its levers and the experiment's uncertainties applied), run with the experiment's seed."""
    from sim.experiment.load import load_experiment

    experiment = load_experiment(args.scenario)
    if args.point is None or args.replicate is None or args.runs is not None:
        raise InputError(args.scenario, [f"this is an experiment file: run its sweep with `negsim sweep "
                                         f"{args.scenario}`, or re-create one of its runs with --point P "
                                         f"--replicate R (and no --runs)"])
    if args.point >= experiment.points.count:
        raise InputError("--point", [f"the design has {experiment.points.count} points (0 to "
                                     f"{experiment.points.count - 1}), got {args.point}"])
    if args.seed is None:
        args.seed = experiment.spec.seed
    return experiment.point_scenario(args.point)


def _override(scenario, assignments: list[str]):
    from sim.experiment.paths import PathError, apply, concrete_paths
    from sim.scenario import scenario_from_dict
    from sim.scenario.uncertainties import set_aside

    values, problems = {}, []
    for item in assignments:
        path, _, text = item.partition("=")
        try:
            values[path.strip()] = float(text)
        except ValueError:
            problems.append(f"{item}: expected PATH=NUMBER")
    if problems:
        raise InputError("--set", problems)
    data = scenario.spec.model_dump(mode="json", by_alias=True)
    try:
        fixed = {number for path in values for number, _ in concrete_paths(data, path)}
        data, _ = set_aside(data, fixed)  # a number set here is not drawn, as a sweep's lever is not
        return scenario_from_dict(apply(data, values), source=f"{scenario.name} with --set")
    except PathError as error:
        raise InputError("--set", [str(error)]) from None


def _switch_protocol(scenario, name: str):
    from sim.protocols import registry
    from sim.scenario.variants import with_protocol

    if name not in registry.names():
        raise InputError("--protocol", [f"unknown protocol '{name}'; known: {', '.join(registry.names())}"])
    switched, notes = with_protocol(scenario, name)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return switched


def _convert(args: argparse.Namespace) -> int:
    from sim.output import write_text
    from sim.scenario import load_scenario
    from sim.scenario.convert import to_toml

    if args.out and (problems := _target_problems("--out", Path(args.out), args.overwrite, folder=False)):
        return _fail(problems)
    if args.overwrite and not args.out:
        return _fail(["--overwrite does nothing without --out PATH (the scenario goes to standard output)"])
    text = to_toml(load_scenario(args.file), source=Path(args.file).name)
    if args.out:
        write_text(args.out, text)
        print(f"wrote {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def _sweep(args: argparse.Namespace) -> int:
    import time

    from tqdm import tqdm

    from sim.experiment.load import load_experiment
    from sim.sweeps import sweep
    from sim.sweeps.executors import executor_for
    from sim.text import format_sensitivity, format_variance

    problems = []
    if args.workers is not None and args.workers < 1:
        problems.append(f"--workers: must be >= 1, got {args.workers}")
    if args.scheduler and args.executor != "dask":
        problems.append("--scheduler needs --executor dask")
    if args.connect_timeout is not None and not args.connect_timeout > 0:
        problems.append(f"--connect-timeout: must be > 0 seconds, got {args.connect_timeout:g}")
    problems += [f"{flag} does nothing {why}" for flag, given, why in (
        ("--workers", args.workers is not None and args.executor == "serial",
         "with --executor serial (one run at a time, in this process)"),
        ("--workers", args.workers is not None and bool(args.scheduler),
         "with --scheduler (the cluster's workers run the chunks)"),
        ("--connect-timeout", args.connect_timeout is not None and not args.scheduler,
         "without --scheduler (a local cluster is started, not reached)")) if given]
    if problems:
        return _fail(problems)
    experiment = load_experiment(args.experiment)
    out = Path(args.out or Path("results") / experiment.name)
    quiet = args.quiet or not sys.stderr.isatty()
    start = time.perf_counter()
    with tqdm(total=experiment.total_runs, desc="runs", unit="run", disable=quiet, file=sys.stderr,
              smoothing=0.1) as bar:
        try:
            with executor_for(args.executor, args.workers, args.scheduler,
                              connect_timeout=args.connect_timeout or CONNECT_TIMEOUT) as (executor, slots):
                result = sweep(experiment, out, executor=executor, workers=slots, engine=args.engine,
                               resume=args.resume, overwrite=args.overwrite, progress=bar.update,
                               on_estimate=lambda sized: tqdm.write("\n".join(sized.lines()), file=sys.stdout))
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
    print(f"wrote {result.runs_path} (one row per run), {out / 'manifest.json'}{points}")
    if result.sensitivity is not None:
        print(f"wrote {out / 'sensitivity.json'}")
        print(format_sensitivity(result.sensitivity), end="")
    if result.variance is not None:
        print(format_variance(result.variance, result.warnings), end="")
    else:
        print("".join(f"warning: {line}\n" for line in result.warnings), end="")
    return 0


def _plot(args: argparse.Namespace) -> int:
    from sim.analysis import load_results, write_figures

    out = Path(args.out) if args.out else Path(args.results) / "figures"
    if problems := _target_problems("--out" if args.out else None, out, args.overwrite, folder=True):
        return _fail(problems)
    results = load_results(args.results)
    for path in write_figures(results, out, args.format, args.figure):
        print(path)
    return 0


def _report(args: argparse.Namespace) -> int:
    from sim.analysis import load_results, write_report

    out = Path(args.out) if args.out else Path(args.results) / "report.html"
    if problems := _target_problems("--out" if args.out else None, out, args.overwrite, folder=False):
        return _fail(problems)
    print(write_report(load_results(args.results), out))
    return 0


def _discover(args: argparse.Namespace) -> int:
    from sim.analysis import load_results
    from sim.analysis.discovery import discover_results, format_discovery, write_discovery

    problems = [f"--{name.replace('_', '-')}: must be in (0, {top:g}), got {value:g}"
                for name, value, top in (("min_coverage", args.min_coverage, 1.0), ("alpha", args.alpha, 0.5),
                                         ("mass_min", args.mass_min, 1.0)) if not 0 < value < top]
    out = Path(args.out) if args.out else Path(args.results) / "discovery"
    problems += _target_problems("--out" if args.out else None, out, args.overwrite, folder=True)
    if problems:
        return _fail(problems)
    results = load_results(args.results)
    discovery = discover_results(results, args.outcome, min_coverage=args.min_coverage, alpha=args.alpha,
                                 mass_min=args.mass_min)
    sys.stdout.write(format_discovery(discovery.to_dict()))
    for path in write_discovery(results, discovery, out, args.format):
        print(f"wrote {path}")
    return 0


def _protocols(args: argparse.Namespace) -> int:
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


def _validate(args: argparse.Namespace) -> int:
    from sim.scenario import load_scenario
    from sim.text import describe_scenario
    from sim.uncertainty_text import describe_experiment, describe_uncertainties

    if _is_experiment(Path(args.scenario)):
        from sim.experiment.load import load_experiment

        print(describe_experiment(load_experiment(args.scenario)))
        return 0
    scenario = load_scenario(args.scenario)
    print(describe_scenario(scenario, args.scenario))
    print("\n".join(describe_uncertainties(scenario)))
    return 0


_EXPERIMENT_KEYS = {"design", "levers", "parameters", "replicates", "scenario"}
_SCENARIO_KEYS = {"actors", "dimensions", "tracks"}


def _file_kind(path: Path) -> str | None:
    """What ``path`` holds: ``"experiment"``, ``"scenario"``, ``"results"`` (a results folder), or None
    when it cannot tell (then the file is read as the command expects and its errors say why).

    An experiment file names a scenario and a design; a scenario file declares actors, dimensions
    and tracks. A CSV is a scenario.
    """
    from sim.files import read_data_file

    if path.is_dir():
        return "results" if (path / "manifest.json").is_file() else None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "scenario"
    if suffix not in (".toml", ".yaml", ".yml") or not path.is_file():
        return None
    try:
        data, _ = read_data_file(path)
    except InputError:
        return None  # reported as the file the command expects
    if not isinstance(data, dict):
        return None
    keys = set(data)
    if keys & _EXPERIMENT_KEYS and not keys & _SCENARIO_KEYS:
        return "experiment"
    if keys & _SCENARIO_KEYS and not keys & _EXPERIMENT_KEYS:
        return "scenario"
    return None


def _is_experiment(path: Path) -> bool:
    return _file_kind(path) == "experiment"


_WRONG_KIND = {
    ("run", "results"): "this is a results folder: draw it with `negsim plot {0}` or `negsim report {0}`",
    ("validate", "results"): "this is a results folder: draw it with `negsim plot {0}` or `negsim report {0}`",
    ("convert", "results"): "this is a results folder: convert takes a scenario file",
    ("convert", "experiment"): "this is an experiment file: convert takes a scenario file (the experiment's "
                               "scenario is named in its 'scenario' field)",
    ("sweep", "scenario"): "this is a scenario file: run it with `negsim run {0}` (add --runs N for a Monte "
                           "Carlo); a sweep takes an experiment file",
    ("sweep", "results"): "this is a results folder: continue its sweep with `negsim sweep EXPERIMENT --out {0} "
                          "--resume`",
    ("plot", "scenario"): "this is a scenario file: plot draws a results folder; write one with `negsim run {0} "
                          "--runs 1000 --out DIR`",
    ("plot", "experiment"): "this is an experiment file: plot draws a results folder; write one with `negsim sweep "
                            "{0} --out DIR`",
    ("report", "scenario"): "this is a scenario file: report reads a results folder; write one with `negsim run {0} "
                            "--runs 1000 --out DIR`",
    ("report", "experiment"): "this is an experiment file: report reads a results folder; write one with `negsim "
                              "sweep {0} --out DIR`",
    ("discover", "scenario"): "this is a scenario file: discover reads a sweep's results folder",
    ("discover", "experiment"): "this is an experiment file: discover reads its sweep's results folder; write one "
                                "with `negsim sweep {0} --out DIR`",
}
"""What a command says when given the other kind of file (``run`` takes an experiment file only with
--point and --replicate, which :func:`_experiment_point` checks)."""


def _check_kind(command: str, target: str) -> None:
    message = _WRONG_KIND.get((command, _file_kind(Path(target))))
    if message:
        raise InputError(target, [message.format(target)])


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``negsim`` and ``python -m sim``; returns the exit status."""
    parser = _parser()
    parser.argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(parser.argv)
    handlers = {"run": _run, "validate": _validate, "convert": _convert, "protocols": _protocols,
                "sweep": _sweep, "plot": _plot, "report": _report, "discover": _discover}
    target = {"run": "scenario", "validate": "scenario", "convert": "file", "sweep": "experiment",
              "plot": "results", "report": "results", "discover": "results"}.get(args.command)
    try:
        if target:
            _check_kind(args.command, getattr(args, target))
        return handlers[args.command](args)
    except InputError as error:
        return _fail(error.lines())
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (e.g. `negsim ... | head`): nothing more to say
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
