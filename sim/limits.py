"""The declared limits on input files, checked when a file is read, before any work starts.

Every limit is generous for real use (the shipped Vilnius scenario is 27 kB, 14
actors, 13 rounds) and keeps a hostile file from exhausting a small machine (2
cores, a few GB): beyond a limit the file is refused with a message naming the
file, the field or line, the limit and this module. README, section "Limits",
lists them with what an input at each limit costs.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DEFAULT_PROTOCOL_LIMITS",
    "MAX_ACTORS",
    "MAX_CONDITION_TESTS",
    "MAX_DIMENSIONS",
    "MAX_EVENTS",
    "MAX_EVENT_ROUNDS",
    "MAX_FILE_BYTES",
    "MAX_INTEGER_DIGITS",
    "MAX_MONTE_CARLO_BYTES",
    "MAX_NESTING",
    "MAX_PATH_CHARS",
    "MAX_ROUNDS",
    "MAX_STRING_CHARS",
    "MAX_TRACK_STEPS",
    "MAX_UNCERTAINTIES",
    "MAX_YAML_ALIASES",
    "PROTOCOL_LIMITS",
    "ProtocolLimits",
    "protocol_limits",
]

MAX_FILE_BYTES = 1_000_000
"""Size of one scenario, experiment or CSV file, in bytes (Vilnius: 27 kB)."""

MAX_PATH_CHARS = 1_024
"""Characters in a file path given on the command line or in an experiment file."""

MAX_NESTING = 32
"""Depth of nested tables and arrays in a TOML or YAML file (the schemas need 6)."""

MAX_STRING_CHARS = 10_000
"""Characters in one string value or key (a description, a note, a wording text, an id)."""

MAX_INTEGER_DIGITS = 4_300
"""Decimal digits of one integer (Python's own limit on converting text to int)."""

MAX_YAML_ALIASES = 0
"""YAML anchors and aliases are refused outright: a few nested aliases expand to
billions of nodes ("billion laughs"), and TOML, the schema's own format, has nothing like them."""

MAX_ROUNDS = 10_000
"""A scenario's or a track's ``deadline``, in rounds (Vilnius: 13; KTAB's SMP and BDM stop within 100)."""

MAX_DIMENSIONS = 100
"""Issue dimensions in one scenario."""

MAX_ACTORS = 1_000
"""Actors in one scenario, whatever its protocols (each protocol may allow fewer)."""

MAX_EVENTS = 1_000
"""Events in one scenario (Vilnius: 2)."""

MAX_EVENT_ROUNDS = 1_000_000
"""``events x deadline``: every round checks each event not yet fired, at a few microseconds each
(100 events under ``when`` for 10,000 rounds: about 7 s)."""

MAX_CONDITION_TESTS = 100
"""Tests (``agreed(T)``, ``round >= N``, ...) in one event's ``when`` condition; its ``not`` and
parentheses nest at most :data:`MAX_NESTING` deep."""

MAX_UNCERTAINTIES = 1_000
"""Declared uncertainties in one scenario (Vilnius: 32 entries, 153 numbers): each is drawn in every replicate."""

MAX_TRACK_STEPS = 10_000_000
"""``actors x dimensions x deadline`` of one track, under every protocol: each round moves every
actor on every dimension, and a single run's trace keeps one row per actor and round (with a
column per dimension), so time and memory grow with this product."""


@dataclass(frozen=True)
class ProtocolLimits:
    """What one protocol accepts on a track.

    Parameters
    ----------
    actors : int
        Actors taking part in the track (participants, counterpart and joiners).
    work : int or None
        The most :meth:`cost` a track may declare; None where :data:`MAX_TRACK_STEPS` suffices.
    scaling : str
        How a round's cost grows: ``"triples"`` (pairwise contests weighed by every third
        actor: ``actors**3 x dimensions`` a round), ``"pairs"`` (every dyad on every dimension:
        ``actors**2 x dimensions`` a round) or ``"coalition_lp"`` (a linear programme over every
        member's distance on every dimension: ``(actors x dimensions)**2`` a round).
    """

    actors: int
    work: int | None = None
    scaling: str = "triples"

    def cost(self, actors: int, dimensions: int, rounds: int) -> int:
        """The work a track of this size declares, in the protocol's own scaling."""
        if self.scaling == "coalition_lp":
            return (actors * dimensions) ** 2 * rounds
        if self.scaling == "pairs":
            return actors ** 2 * dimensions * rounds
        return actors ** 3 * dimensions * rounds

    @property
    def formula(self) -> str:
        """:meth:`cost` in words, for messages."""
        return {"coalition_lp": "(actors x dimensions)^2 x rounds", "pairs": "actors^2 x dimensions x rounds"}.get(
            self.scaling, "actors^3 x dimensions x rounds")


PROTOCOL_LIMITS: dict[str, ProtocolLimits] = {
    "bdm": ProtocolLimits(actors=MAX_ACTORS, work=50_000_000, scaling="pairs"),
    "smp": ProtocolLimits(actors=MAX_ACTORS, work=25_000_000_000),
    "alternating": ProtocolLimits(actors=MAX_ACTORS, work=2_000_000_000, scaling="coalition_lp"),
}
"""Per protocol, by name, where a round costs more than linear in the actors.

Measured (one CPU, one run, ``benchmarks/bench_bdm.py`` and ``benchmarks/bench_alternating.py``;
README "Limits"): BDM's rounds cost about 130-240 ns per dyad and dimension (sorted voters,
no triple sums): 500 actors on 10 dimensions for 20 rounds (work 5e7) about 7 s, 1,000 actors
on one dimension about 0.24 s a round; KTAB's SMP (compiled, no belief tensor) with 500 actors on
10 dimensions for 20 rounds (work 2.5e10) about 5.5 s and 340 MB, twice that on a loaded machine; alternating offers (a compiled simplex per proposal) with
1,000 actors on 10 dimensions for 20 rounds (work 2e9) about 7 s and 350 MB."""

DEFAULT_PROTOCOL_LIMITS = ProtocolLimits(actors=MAX_ACTORS)
"""The protocols whose round costs grow linearly with actors x dimensions (mediated, concession,
bilateral): :data:`MAX_TRACK_STEPS` bounds them."""


def protocol_limits(name: str) -> ProtocolLimits:
    """The limits of the protocol registered as ``name`` (the default ones for any other)."""
    return PROTOCOL_LIMITS.get(name, DEFAULT_PROTOCOL_LIMITS)

MAX_MONTE_CARLO_BYTES = 4_000_000_000
"""Memory a Monte Carlo may take (``negsim run --runs N``, :func:`sim.runner.monte_carlo`), as
:func:`sim.runner.monte_carlo_bytes` (held) or :func:`sim.runner.streamed_bytes` (streamed) estimates
its peak before any run. ``negsim run --runs N`` summarises and writes its runs as they finish, keeping
a few numbers a run for the summary's quantiles (for Vilnius 13, counted at 16 bytes each: some
18 million runs fit); with ``--trace`` (or ``--trajectories --out``) it holds every table whole (Vilnius: about
2 million runs, or about 130,000 with every run's trace). :func:`sim.runner.monte_carlo` returns
the runs table whole, so it is held."""
