"""Running ``negsim`` in-process and checking the input-error contract."""

from __future__ import annotations

import contextlib
import io
import time
from dataclasses import dataclass

from sim.cli import main


@dataclass
class Result:
    status: int
    stdout: str
    stderr: str
    seconds: float


def invoke(argv: list[str]) -> Result:
    """``negsim ARGV`` in this process; an exception escaping ``main`` fails the calling test."""
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return Result(status, out.getvalue(), err.getvalue(), time.perf_counter() - start)


def check_contract(result: Result, source: str, allowed: set[int] = frozenset({0, 2})) -> None:
    """Status in ``allowed``; no traceback; on status 2, every stderr line is ``error: SOURCE: ...``."""
    assert result.status in allowed, (result.status, result.stderr[:2000])
    assert "Traceback" not in result.stderr
    if result.status == 2:
        lines = result.stderr.splitlines()
        assert lines, "status 2 with nothing on stderr"
        for line in lines:
            assert line.startswith(f"error: {source}"), line[:300]
