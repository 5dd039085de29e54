"""The ``negsim`` command: a thin layer over the Python API."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from sim.cli.app import app_command
from sim.cli.commands import (convert_command, discover_command, plot_command, protocols_command,
                              report_command, sweep_command, validate_command)
from sim.cli.parser import EXAMPLES, build_parser
from sim.cli.rules import check_kind, fail
from sim.cli.run import run_command
from sim.errors import InputError

__all__ = ["EXAMPLES", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``negsim`` and ``python -m sim``; returns the exit status."""
    parser = build_parser()
    parser.argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(parser.argv)
    except SystemExit as stop:  # --help, --version (0) or a usage error (2), already printed
        return stop.code if isinstance(stop.code, int) else 2
    from sim.kernel.compiled_cache import kernels_cached, refresh_once

    refresh_once()  # numba's cache misses changes across modules (sim.kernel.compiled_cache)
    if (args.command in ("run", "sweep", "app") and not getattr(args, "quiet", False) and sys.stderr.isatty()
            and not kernels_cached()):
        print("negsim: compiling the simulation kernels for their first use (up to a minute, once; "
              "they are cached for later runs)", file=sys.stderr)
    handlers = {"run": run_command, "validate": validate_command, "convert": convert_command,
                "protocols": protocols_command, "sweep": sweep_command, "plot": plot_command,
                "report": report_command, "discover": discover_command, "app": app_command}
    target = {"run": "scenario", "validate": "scenario", "convert": "file", "sweep": "experiment",
              "plot": "results", "report": "results", "discover": "results", "app": "scenario"}.get(args.command)
    try:
        if target:
            check_kind(args.command, getattr(args, target))
        return handlers[args.command](args)
    except InputError as error:
        return fail(error.lines())
    except OSError as error:  # the system refused a read or write the checks before the work could not foresee
        where = error.filename if isinstance(error.filename, str) else "negsim"
        return fail([InputError(where, [(error.strerror or str(error)).lower()]).lines()[0]])
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader went away (e.g. `negsim ... | head`): nothing more to say
        sys.stderr.close()
        return 0
