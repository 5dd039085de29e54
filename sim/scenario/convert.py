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
        f"# Scenario '{_comment_text(scenario.name)}'" + (f", converted from {_comment_text(source)}" if source else "")
        + " by `negsim convert`.",
        "# Review what the source format could not say: each dimension's status_quo (none given; a track",
        "# that can fail needs one), vetoes (none), reservation utilities and tactics (defaults), and events.",
        "",
    ]
    return "\n".join(header) + tomli_w.dumps(data)


def _comment_text(text: str) -> str:
    """``text`` for a one-line TOML comment: newlines and every other character a comment cannot
    hold (controls, line separators) written as escapes, so the comment never becomes TOML."""
    text = text if len(text) <= 200 else text[:200] + "..."
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)
