"""Keeping numba's on-disk cache of the compiled kernels in step with their sources.

numba caches each compiled function beside its source file and checks only that
file's own time stamp: a kernel that calls a compiled function from another
module keeps the callee's old code after the callee's file changes (numba's
"Notes on caching": changes in another file are not recognised). :func:`refresh`
fingerprints every module of the package that uses numba and, when the
fingerprint differs from the one the cache was built with, removes the cached
kernels so they are compiled afresh. ``negsim``, the test suite and the Python
API's run functions call it (once per process); ``python -m sim.kernel.compiled_cache``
runs it alone.
"""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

__all__ = ["fingerprint", "kernels_cached", "refresh", "refresh_once"]

PACKAGE = Path(__file__).resolve().parent.parent
MARKER = "compiled-kernels.sha256"


def fingerprint(package: Path = PACKAGE) -> str:
    """SHA-256 over the path and text of every module in ``package`` that imports numba."""
    digest = hashlib.sha256()
    for source in sorted(package.rglob("*.py")):
        text = source.read_bytes()
        if b"import numba" in text:
            digest.update(str(source.relative_to(package)).encode() + b"\0" + text + b"\0")
    return digest.hexdigest()


def refresh(package: Path = PACKAGE) -> bool:
    """Remove the package's cached kernels if any compiled module changed since they were cached.

    Returns whether anything was removed. A package folder that cannot be written
    (an installed copy; numba then caches elsewhere, and an upgrade changes every
    file's time stamp) is left alone, and so is a cache moved elsewhere with
    ``NUMBA_CACHE_DIR`` (clear that folder yourself after editing a kernel).
    """
    if os.environ.get("NUMBA_CACHE_DIR"):
        return False
    marker = package / "__pycache__" / MARKER
    current = fingerprint(package)
    try:
        if marker.is_file() and marker.read_text().strip() == current:
            return False
        removed = False
        for cached in [*package.rglob("*.nbi"), *package.rglob("*.nbc")]:
            cached.unlink(missing_ok=True)
            removed = True
        marker.parent.mkdir(exist_ok=True)
        marker.write_text(current + "\n")
        return removed
    except OSError:
        return False


def kernels_cached(package: Path = PACKAGE) -> bool:
    """Whether any compiled kernel is cached where numba keeps them: beside the package's sources, or
    in ``NUMBA_CACHE_DIR``, or (a package folder it cannot write, e.g. an installed copy) in numba's
    per-user cache folder. If none is, the first run compiles them, which takes seconds to a minute."""
    folder = os.environ.get("NUMBA_CACHE_DIR")
    if folder:
        places = [Path(folder)]
    elif os.access(package, os.W_OK):
        places = [package]
    else:
        from numba.misc.appdirs import AppDirs

        places = [Path(AppDirs(appname="numba", appauthor=False).user_cache_dir)]
    return any(next(place.rglob("*.nbi"), None) is not None for place in places)


@functools.cache
def refresh_once() -> bool:
    """:func:`refresh`, once per process: the command line calls it before every command, and
    ``run``, ``monte_carlo``, ``stream_monte_carlo`` and ``run_ensemble`` before their first run."""
    return refresh()


if __name__ == "__main__":  # pragma: no cover
    print("removed stale compiled kernels" if refresh() else "compiled kernels up to date")
