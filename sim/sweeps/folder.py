"""A sweep's results folder: what may be in it, and what --resume and --overwrite do with it.

A sweep writes only inside its results folder, and only the names in :data:`ARTIFACTS`. The
folder itself may be a symbolic link (e.g. to a larger disk: it is the place the user named),
but nothing a sweep writes or deletes inside it may be one: a folder whose ``parts``,
``trajectories``, ``manifest.json`` or other artifact is a symbolic link is refused, so a
sweep never writes through a link to elsewhere and ``--overwrite`` never deletes what a link
points to. A link found in place of a single part file is removed (the link, not its target)
and the part re-run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sim.errors import InputError

__all__ = ["ARTIFACTS", "clear_folder", "prepare_folder"]

ARTIFACTS = ("parts", "trajectories", "manifest.json", "points.parquet", "runs.parquet", "sensitivity.json")
_FOLDERS = ("parts", "trajectories")


def _is_empty_folder(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink() and not any(path.iterdir())


def clear_folder(out: Path, names: list[str]) -> None:
    """Delete a previous sweep's artifacts (``names`` from :func:`prepare_folder`), never through a link."""
    for name in names:
        target = out / name
        if target.is_symlink():
            raise InputError(str(out), [f"{name} is a symbolic link; not deleting through it"])
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def prepare_folder(out: Path, resume: bool, overwrite: bool) -> list[str]:
    """Refuse to mix sweeps or to write through links; say what ``overwrite`` is to delete.

    Returns the previous sweep's artifacts to delete (:func:`clear_folder`) when ``overwrite``;
    nothing is deleted here, so a sweep refused later leaves the folder as it was.

    A non-empty folder needs ``resume`` (which then needs its ``manifest.json``) or
    ``overwrite``. A folder holding only empty ``parts``/``trajectories`` folders and no
    manifest (a sweep that failed before writing anything) counts as empty.
    """
    if out.exists() and not out.is_dir():
        raise InputError(str(out), ["exists and is not a folder"])
    if not out.exists():
        if out.is_symlink():
            raise InputError(str(out), ["is a symbolic link to nothing"])
        if resume:
            raise InputError(str(out), ["nothing to resume: the folder does not exist; run without --resume to "
                                        "start the sweep"])
        return []
    links = [name for name in ARTIFACTS if (out / name).is_symlink()]
    if links:
        raise InputError(str(out), [f"{name} is a symbolic link; a sweep writes and deletes only inside its "
                                    f"results folder and does not follow links there: remove it" for name in links])
    present = [name for name in ARTIFACTS if (out / name).exists()]
    if overwrite:
        return present
    started = (out / "manifest.json").exists()
    if resume:
        if not started:
            raise InputError(str(out), ["nothing to resume: no manifest.json here; run without --resume to start "
                                        "the sweep"])
        return []
    leftovers = [name for name in present if not (name in _FOLDERS and _is_empty_folder(out / name))]
    others = [p.name for p in out.iterdir() if p.name not in ARTIFACTS]
    if started:
        raise InputError(str(out), ["is not empty; use --resume to continue the sweep in it, "
                                    "or --overwrite to start again"])
    if leftovers or others:
        shown = ", ".join(sorted(leftovers + others)[:5])
        raise InputError(str(out), [f"is not empty and holds no sweep (no manifest.json; it has {shown}); use "
                                    f"--overwrite to start a sweep in it, or another --out"])
    return []
