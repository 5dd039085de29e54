"""Writing a scenario back out as a scenario file."""

from __future__ import annotations

import tomli_w

from sim.scenario.scenario import Scenario

__all__ = ["to_toml"]


def to_toml(scenario: Scenario, source: str = "") -> str:
    """The scenario as TOML text that loads back to the same scenario.

    Fields left at their defaults are omitted. A header says where it came
    from and what a CSV source could not say.
    """
    data = scenario.spec.model_dump(mode="json", by_alias=True, exclude_defaults=True)
    header = [
        f"# Scenario '{scenario.name}'" + (f", converted from {source}" if source else "") + " by `negsim convert`.",
        "# Review what the source format could not say: each dimension's status_quo (none given; a track",
        "# that can fail needs one), vetoes (none), reservation utilities and tactics (defaults), and events.",
        "",
    ]
    return "\n".join(header) + tomli_w.dumps(data)
