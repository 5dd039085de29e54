"""How big a sweep may be: every design-size limit, in one place.

A sweep is checked against these before any run starts (:mod:`sim.sweeps.estimate`),
and a design that would pass one of them is refused with the figure that does not fit.
Designs that can be generated piece by piece (``grid``, ``random``, ``sobol``) stream:
each chunk computes only its own points. Designs that must be built whole (``lhs``, and
``sobol_sensitivity`` and ``morris``, whose analysis needs every point's outcome at once)
are held in memory, so their point count is capped.
"""

from __future__ import annotations

__all__ = ["CALIBRATION_RUNS", "MAX_CHUNK_BYTES", "MAX_CHUNKS", "MAX_GRID_LEVELS", "MAX_MATERIALISED_POINTS",
           "MAX_POINTS", "MAX_POINTS_TABLE", "MAX_RUNS", "MAX_RUNS_ANALYSED", "MAX_SOBOL_POINTS", "POINTS_BLOCK"]

MAX_RUNS = 10**12
"""Runs in one sweep (design points x replicates)."""

MAX_POINTS = 10**12
"""Design points of a streamed design (a grid's product of levels, ``random`` or ``sobol`` samples)."""

MAX_MATERIALISED_POINTS = 2_000_000
"""Design points of a design built whole in memory (``lhs``, ``sobol_sensitivity``, ``morris``)."""

MAX_SOBOL_POINTS = 2**30
"""Points of a scrambled Sobol' sequence (``scipy.stats.qmc.Sobol``'s own limit at its default 30 bits)."""

MAX_GRID_LEVELS = 1_000_000
"""Levels of one grid parameter (its ``values``, ``levels`` or the whole numbers of an integer range)."""

MAX_CHUNKS = 100_000
"""Chunks in one sweep: the manifest records a checksum per finished chunk, so this bounds its size
(about 100 bytes a chunk). A larger sweep needs a larger ``chunk_size``."""

MAX_CHUNK_BYTES = 1 << 30
"""Memory one chunk's rows may take (``chunk_size`` x the measured row width); at most twice the
workers' count of chunks are in memory at once."""

MAX_POINTS_TABLE = 10_000_000
"""Rows of ``points.parquet`` (written in blocks of :data:`POINTS_BLOCK`); a larger design is not
written there (every run's row in ``runs.parquet`` carries its point's values)."""

POINTS_BLOCK = 65_536
"""Design points generated at once when writing ``points.parquet``."""

MAX_RUNS_ANALYSED = 50_000_000
"""Runs the variance decomposition and sensitivity indices read into memory; above it they are skipped
(with a warning) and ``runs.parquet`` is still written."""

CALIBRATION_RUNS = 16
"""Runs timed before a sweep starts, by one of its workers (after one untimed run, and one timed alone
to separate a design point's fixed cost from a run's), to estimate its time, memory and disk."""
