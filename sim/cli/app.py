"""``negsim app``: explore a scenario live in the browser (a local Solara web app)."""

from __future__ import annotations

import argparse

from sim.cli.rules import fail

__all__ = ["app_command"]


def app_command(args: argparse.Namespace) -> int:
    from sim import runner
    from sim.app.server import serve
    from sim.scenario import load_scenario

    problems = []
    if not 1 <= args.port <= 65535:
        problems.append(f"--port: must be in 1..65535, got {args.port}")
    if args.runs < 1:
        problems.append(f"--runs: must be >= 1, got {args.runs}")
    if args.seed is not None and args.seed < 0:
        problems.append(f"--seed: must be >= 0, got {args.seed}")
    if problems:
        return fail(problems)
    scenario = load_scenario(args.scenario)
    if too_big := runner.check_monte_carlo_size(scenario, args.runs):
        return fail([f"--runs: {line}" for line in too_big])
    return serve(args.scenario, host=args.host, port=args.port, runs=args.runs, seed=args.seed)
