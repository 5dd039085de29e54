"""What ``negsim validate`` prints about declared uncertainty (and about an experiment file)."""

from __future__ import annotations

import math
from typing import Any

from sim.scenario.scenario import Scenario
from sim.scenario.uncertainties import UncertainInput

__all__ = ["describe_distribution", "describe_experiment", "describe_uncertainties"]


def describe_distribution(item: UncertainInput) -> str:
    """One distribution in words, e.g. ``normal(sd 8) around the declared 25, truncated to [0, 100]``."""
    dist = item.distribution
    bounds = f"[{item.lower:g}, {item.upper:g}]" if math.isfinite(item.upper) else f"({item.lower:g}, inf)"
    if dist.kind == "normal":
        mean = "the declared value" if dist.mean is None else f"{dist.mean:g}"
        text = f"normal(sd {dist.sd:g}) around {mean}, truncated to {bounds}"
    elif dist.kind == "uniform":
        text = f"uniform on [{dist.low:g}, {dist.high:g}]"
    elif dist.kind == "triangular":
        mode = "the declared value" if dist.mode is None else f"{dist.mode:g}"
        text = f"triangular on [{dist.low:g}, {dist.high:g}], mode {mode}"
    elif dist.kind == "beta":
        low = item.lower if dist.low is None else dist.low
        high = item.upper if dist.high is None else dist.high
        text = f"beta({dist.a:g}, {dist.b:g}) on [{low:g}, {high:g}]"
    else:
        values = ", ".join(f"{v:g}" for v in dist.values)
        text = f"one of {values}" + ("" if dist.weights is None else
                                     " (weights " + ", ".join(f"{w:g}" for w in dist.weights) + ")")
    if item.integer:
        text += ", in whole rounds"
    if item.factor is not None:
        text += f"; factor {item.factor}, loading {item.loading:g}"
    return text


def describe_uncertainties(scenario: Scenario) -> list[str]:
    """Lines listing every declared uncertainty: one per entry (with how many numbers it covers)."""
    items = scenario.uncertain_inputs
    if not items:
        return ["Uncertainties: none (a Monte Carlo varies only logistic answers, if any)"]
    lines = [f"Uncertainties ({len(items)} numbers, drawn in each Monte Carlo replicate):"]
    from_sd = [item for item in items if item.entry < 0]
    if from_sd:
        actors = sorted({item.keys[0] for item in from_sd})
        lines.append(f"  position_sd: {len(from_sd)} positions of {len(actors)} actors, each a normal around the "
                     "declared position, truncated to its dimension's range")
    entries = scenario.spec.uncertainties
    for index, entry in enumerate(entries):
        covered = [item for item in items if item.entry == index]
        if not covered:
            continue  # every number it named is declared again by a later entry
        count = f" ({len(covered)} numbers)" if len(covered) > 1 or "*" in entry.path else ""
        lines.append(f"  {entry.path}{count}: {describe_distribution(covered[0])}")
        if entry.note:
            lines.append(f"      {entry.note}")
    return lines


def describe_experiment(experiment: Any) -> str:
    """What ``negsim validate`` prints for a valid experiment file."""
    spec = experiment.spec
    lines = [f"{experiment.source}: valid experiment '{spec.name}' on scenario {experiment.scenario_path}"]
    if spec.description:
        lines.append(f"  {spec.description}")
    lines.append(f"  design {spec.design.kind}: {experiment.points.count} points x {spec.replicates} replicates = "
                 f"{experiment.total_runs} runs; seed {spec.seed}; chunks of {spec.chunk_size}")
    lines.append(f"Levers ({len(spec.levers)}, varied by the design):")
    for lever in spec.levers:
        values = (", ".join(f"{v:g}" for v in lever.values) if lever.values is not None
                  else f"{lever.distribution} on [{lever.range[0]:g}, {lever.range[1]:g}]")
        lines.append(f"  {lever.path}: {values}")
    scenario = experiment.point_scenario(0)
    lines.extend(describe_uncertainties(scenario))
    return "\n".join(lines)
