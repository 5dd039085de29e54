"""``negsim run``: one run, a Monte Carlo, or one run of a sweep re-created."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli.rules import fail, is_experiment, remove_run_results, target_problems
from sim.errors import InputError

__all__ = ["check_run_arguments", "override", "run_command"]


def check_run_arguments(args: argparse.Namespace) -> list[str]:
    problems = []
    if args.runs is not None and args.runs < 1:
        problems.append(f"--runs: must be >= 1, got {args.runs}")
    if args.replicate is not None and args.runs is not None:
        problems.append("--replicate re-creates one run; it cannot be combined with --runs")
    if args.point is not None and args.replicate is None:
        problems.append("--point needs --replicate")
    elif args.point is not None and not is_experiment(Path(args.scenario)):
        problems.append("--point does nothing with a scenario file: every design point's replicate R shares its "
                        "random numbers, so give the point's values with --set (with an experiment file, --point "
                        "picks the design point)")
    if args.seed is not None and is_experiment(Path(args.scenario)):
        problems.append("--seed: an experiment's runs use its own seed, so a run with another is not a row of its "
                        "sweep; drop --seed (or run the scenario with --set and --seed)")
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
        problems += target_problems("--out", Path(args.out), args.overwrite, folder=True)
    return problems


def run_command(args: argparse.Namespace) -> int:
    from sim import runner, text
    from sim.results import output, summary
    from sim.results.records import table_from_records
    from sim.scenario import load_scenario

    problems = check_run_arguments(args)
    if problems:
        return fail(problems)
    scenario = experiment_point(args) if is_experiment(Path(args.scenario)) else load_scenario(args.scenario)
    if args.set:
        scenario = override(scenario, args.set, source=args.scenario)
    if args.protocol:
        scenario = switch_protocol(scenario, args.protocol, source=args.scenario)
    held = args.trace or (args.trajectories and bool(args.out))  # per-round tables are held whole
    if args.runs is not None and (too_big := runner.check_monte_carlo_size(
            scenario, args.runs, trajectories=args.trajectories and bool(args.out), trace=args.trace,
            streamed=not held, out=args.out)):
        return fail([f"--runs: {line}" for line in too_big])
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
        # streamed: summarised and written as the runs finish (memory bounded at any --runs); whatever
        # fails until the results are in place removes the partial file and the folders made for it
        stream = _open_stream(Path(args.out), scenario) if args.out and not held else None
        try:
            with tqdm(total=args.runs, desc="runs", unit="run", disable=quiet, file=sys.stderr) as bar:
                if held:
                    mc = runner.monte_carlo(scenario, args.runs, seed=args.seed, engine=args.engine or "ensemble",
                                            progress=bar.update,
                                            trajectories=args.trajectories and bool(args.out), trace=args.trace)
                    result = summary.summarise(scenario, mc.table, mc.seed)
                    table, paths, trace = mc.table, mc.trajectories, mc.trace
                else:
                    result = runner.stream_monte_carlo(scenario, args.runs, seed=args.seed,
                                                       engine=args.engine or "ensemble", progress=bar.update,
                                                       write=stream.write if stream else None,
                                                       written=stream.flush if stream else None)
                    table, paths, trace = stream, None, None
            report = text.format_monte_carlo(scenario, result)
            if args.out:
                _write_out(args, scenario, result, table, paths, trace)
        except BaseException:
            if stream is not None:
                _close_stream(stream, keep=False)
            raise
    if args.runs is None and args.out:
        _write_out(args, scenario, result, table, paths, trace)
    if args.baselines:
        from sim.baselines import baselines

        table = baselines(scenario)
        result["baselines"] = table.to_dict(orient="records")
        report += "\n" + text.format_baselines(table, scenario)
    sys.stdout.write(output.dumps(result) if args.json else report)
    if args.out and not args.json:
        extras = [name for name, wanted in (("trajectories.parquet", args.trajectories), ("trace.parquet", args.trace))
                  if wanted]
        from sim.results.stream import describe

        runs_name = describe(Path(args.out) / "runs.parquet")  # a folder of files when too large for one
        print(f"wrote {args.out}/ ({', '.join([runs_name, 'summary.json', 'manifest.json', *extras])})")
    return 0


def _write_out(args: argparse.Namespace, scenario, result: dict, table, paths, trace) -> None:
    """The results folder: runs.parquet (moved into place if it was streamed), summary, manifest."""
    from sim import __version__
    from sim.results import output
    from sim.results.stream import ParquetStream
    from sim.scenario.scenario import scenario_record

    streamed = isinstance(table, ParquetStream)
    manifest = {"kind": "run" if args.runs is None else "monte_carlo", "seed": result["seed"],
                "runs": table.rows if streamed else table.num_rows,
                "engine": (args.engine or "ensemble") if args.runs else "mesa",
                "package_version": __version__, "command": " ".join(["negsim", *sys.argv[1:]]),
                "scenario": scenario_record(scenario, args.scenario)}
    if args.overwrite:
        remove_run_results(Path(args.out))
    if streamed:
        _close_stream(table, keep=True)
    output.write_results(args.out, None if streamed else table, result, manifest, paths, trace)


def _open_stream(out: Path, scenario):
    """``runs.parquet`` in ``out``, written as the runs finish (``out`` is created, and removed again
    by :func:`_close_stream` if the run fails and it was made for it)."""
    from sim.results.layout import parquet_options, stored_schema, to_stored
    from sim.results.records import runs_schema
    from sim.results.stream import ParquetStream

    made = [folder for folder in (out, *out.parents) if not folder.exists()]  # innermost first
    out.mkdir(parents=True, exist_ok=True)
    schema = stored_schema(runs_schema(scenario))
    stream = ParquetStream(out / "runs.parquet", schema, prepare=to_stored, options=parquet_options(schema))
    stream.made_folders = made
    return stream


def _close_stream(stream, keep: bool) -> None:
    if keep:
        stream.commit()
        return
    stream.discard()
    for folder in stream.made_folders:  # innermost first, and only if empty: nothing half-written is left
        try:
            folder.rmdir()
        except OSError:
            break


def experiment_point(args: argparse.Namespace):
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
    args.seed = experiment.spec.seed
    return experiment.point_scenario(args.point)


def override(scenario, assignments: list[str], source: str | None = None):
    """``scenario`` with each ``PATH=NUMBER`` of ``assignments`` set (and not drawn); errors name ``source``
    (default: the scenario's name)."""
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
        return scenario_from_dict(apply(data, values), source=f"{source or scenario.name} with --set")
    except PathError as error:
        raise InputError("--set", [str(error)]) from None


def switch_protocol(scenario, name: str, source: str | None = None):
    from sim.protocols import registry
    from sim.scenario.variants import with_protocol

    if name not in registry.names():
        raise InputError("--protocol", [f"unknown protocol '{name}'; known: {', '.join(registry.names())}"])
    try:
        switched, notes = with_protocol(scenario, name)
    except InputError as error:  # named after the file the user gave, not the scenario's name
        raise InputError(f"{source or scenario.name} with --protocol {name}", error.problems) from None
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return switched
