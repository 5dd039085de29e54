"""The command line's grammar: every command, its options and its own examples."""

from __future__ import annotations

import argparse
import re

__all__ = ["CONNECT_TIMEOUT", "EXAMPLES", "Parser", "build_parser", "examples_for"]

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
  negsim sweep experiments/vilnius_sobol.toml --estimate                 # its size; nothing is run or written
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
    "app": """\
  negsim app scenarios/vilnius_2023.toml                           # then open http://127.0.0.1:8765/
  negsim app scenarios/vilnius_2023.toml --port 8800 --runs 10000 --seed 7
  negsim app scenarios/minimal.toml --host 0.0.0.0                 # reachable from other machines""",
}
"""Each command's own examples, shown by its ``--help``; the main ``--help`` shows a few of each."""


def examples_for(*commands: str) -> str:
    if len(commands) == 1:
        return "examples:\n" + EXAMPLES[commands[0]]
    first = [EXAMPLES[name].split("\n")[0] for name in commands]
    return ("examples (`negsim COMMAND --help` shows each command's own):\n" + "\n".join(first) +
            "\n\nWrite into a non-empty folder or over a file only with --overwrite.")


class Parser(argparse.ArgumentParser):
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
        command = self._command()
        unknown = re.match(r"unrecognized arguments: (\S+)", message)
        if unknown:
            flag = unknown.group(1).split("=")[0]
            known = command._known_options() if command else self._known_options()
            close = difflib.get_close_matches(flag, known, n=1, cutoff=0.6)
            if close:
                message += f"; did you mean '{close[0]}'?"
        where = (command or self).prog
        self.exit(2, f"error: {message} (`{where} --help` lists the options)\n")

    def _command(self) -> "Parser | None":
        """The subcommand's parser, when the command line names one (its options are reported here)."""
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                command = next((a for a in getattr(self, "argv", []) if a in action.choices), None)
                return action.choices[command] if command else None
        return None

    def _known_options(self) -> list[str]:
        return [s for action in self._actions for s in action.option_strings]


def whole_number(text: str) -> int:
    """An option's whole number >= 0, written in ASCII digits only (no sign, spaces, underscores or other
    scripts' digits, which ``int()`` would take)."""
    if not re.fullmatch(r"[0-9]+", text):
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0 in digits 0-9, got {text!r}")
    if len(text) > 4300:
        raise argparse.ArgumentTypeError(f"a number of {len(text):,} digits is too long (at most 4,300)")
    return int(text)


def seconds(text: str) -> float:
    """A timeout in seconds: more than 0 and at most a day."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value <= 86_400:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 86400 seconds (a day), got {text}")
    return value


def index(text: str) -> int:
    """A run or design-point index: a whole number below 2**63, as the runs table stores it."""
    value = whole_number(text)
    if value >= 2**63:
        raise argparse.ArgumentTypeError(f"must be below 2**63 (the runs table's int64), got {text}")
    return value


CONNECT_TIMEOUT = 10.0
"""Seconds ``negsim sweep --scheduler`` waits for the scheduler to answer."""


def build_parser() -> argparse.ArgumentParser:
    from sim import __version__

    parser = Parser(
        prog="negsim",
        description="Simulate allies negotiating a shared statement under a deadline.",
        epilog=examples_for(*EXAMPLES),
    )
    parser.add_argument("--version", action="version", version=f"negsim {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run", help="run a scenario once, or as a Monte Carlo",
        description="Run one negotiation (declared inputs), or a Monte Carlo over the scenario's "
                    "declared uncertainty with --runs.",
        epilog=examples_for("run"))
    run.add_argument("scenario", help="scenario file (.toml, .yaml, .yml, or a KTAB or BDM .csv); or an experiment "
                                      "file with --point P --replicate R, to re-create one run of its sweep")
    run.add_argument("--runs", type=index, default=None, metavar="N",
                     help="Monte Carlo: number of replicates (default: one run with the declared inputs)")
    run.add_argument("--seed", type=whole_number, default=None, metavar="S",
                     help="root seed (default: the scenario's seed)")
    run.add_argument("--replicate", type=index, default=None, metavar="R",
                     help="re-create replicate R of a Monte Carlo alone, with its drawn inputs")
    run.add_argument("--point", type=index, default=None, metavar="P",
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
        epilog=examples_for("validate"))
    validate.add_argument("scenario", help="scenario file (.toml, .yaml, .yml or .csv), or an experiment file")

    convert = commands.add_parser(
        "convert", help="write a scenario (e.g. a KTAB or BDM CSV) as a TOML scenario file",
        description="Write the scenario in FILE as an equivalent TOML scenario file, so that what a CSV "
                    "cannot say (vetoes, status quo, deadline, events) can be added.",
        epilog=examples_for("convert"))
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
        epilog=examples_for("sweep"))
    sweep.add_argument("experiment", help="experiment file (.toml, .yaml or .yml)")
    sweep.add_argument("--out", metavar="DIR", help="results folder (default: results/<experiment name>)")
    sweep.add_argument("--executor", choices=["serial", "processes", "dask"], default="processes",
                       help="where chunks run (default: local processes)")
    sweep.add_argument("--workers", type=index, metavar="N",
                       help="processes or local Dask workers (default: one per CPU)")
    sweep.add_argument("--scheduler", metavar="ADDRESS",
                       help="an existing Dask scheduler, e.g. tcp://host:8786 (with --executor dask; "
                            "without it a local cluster is started)")
    sweep.add_argument("--connect-timeout", type=seconds, default=None, metavar="SECONDS",
                       help=f"with --scheduler: how long to wait for it to answer (default {CONNECT_TIMEOUT:g})")
    sweep.add_argument("--engine", choices=["ensemble", "mesa"], default="ensemble",
                       help="replicates through the array kernel (default) or one Mesa model per run")
    again = sweep.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true", help="continue an interrupted sweep in DIR")
    again.add_argument("--overwrite", action="store_true", help="delete a previous sweep's results in DIR first")
    sweep.add_argument("--estimate", action="store_true",
                       help="print the sweep's size (runs, time, memory, disk) and whether it fits, then stop; "
                            "nothing is written")
    sweep.add_argument("--quiet", action="store_true", help="no progress bar")

    plot = commands.add_parser(
        "plot", help="draw outcome distributions from a results folder",
        description="Draw every figure a results folder supports (from `negsim run --runs N --out DIR` or "
                    "`negsim sweep`), one file each, and print their paths.",
        epilog=examples_for("plot"))
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
        epilog=examples_for("report"))
    report.add_argument("results", help="a results folder")
    report.add_argument("--out", metavar="FILE", help="where to write it (default: RESULTS/report.html)")
    report.add_argument("--overwrite", action="store_true", help="replace the file if it exists")

    discover = commands.add_parser(
        "discover", help="scenario discovery (PRIM): which ranges of a sweep's inputs lead to an outcome",
        description="Run PRIM (Friedman and Fisher 1999) on a sweep's results: the box of the varied parameters "
                    "in which OUTCOME is most concentrated, with its coverage, density and mass, and alternatives "
                    "along the peeling trajectory. Writes discovery.json and the trade-off figure to --out.",
        epilog=examples_for("discover"))
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
                        epilog=examples_for("protocols"))

    app = commands.add_parser(
        "app", help="explore a scenario live in the browser (a local web app)",
        description="Serve a web page on this machine that runs SCENARIO's Monte Carlo and redraws its figures as "
                    "you change its inputs. Needs the viz extra: pip install -e '.[viz]'. Ctrl-C stops it.",
        epilog=examples_for("app"))
    app.add_argument("scenario", help="scenario file (.toml, .yaml, .yml or .csv)")
    app.add_argument("--port", type=index, default=8765, metavar="N", help="port to listen on (default 8765)")
    app.add_argument("--host", default="127.0.0.1", metavar="H",
                     help="address to listen on (default 127.0.0.1, this machine only)")
    app.add_argument("--runs", type=index, default=1000, metavar="N",
                     help="Monte Carlo runs per update (default 1000)")
    app.add_argument("--seed", type=whole_number, default=None, metavar="S", help="root seed (default: the scenario's seed)")
    return parser
