"""Conventions every command follows: one error line per problem, one overwrite rule, and
recognising the other kind of file."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sim.errors import InputError

__all__ = ["RUN_ARTIFACTS", "check_kind", "fail", "file_kind", "is_experiment", "nearest_existing",
           "remove_run_results", "target_problems", "writable_problems"]


def fail(problems: list[str]) -> int:
    for line in problems:
        print(f"error: {line}", file=sys.stderr)
    return 2


def target_problems(flag: str | None, target: Path, overwrite: bool, *, folder: bool) -> list[str]:
    """The one overwrite rule: a command writes into an empty or new folder (or a new file), or with --overwrite.

    Checked before any work, with :func:`writable_problems`. ``flag`` names the option that gave
    ``target`` (None for a default target).
    """
    where = f"{flag}: " if flag else ""
    if problems := writable_problems(target):
        return [f"{where}{problem}" for problem in problems]
    if folder and target.exists() and not target.is_dir():
        return [f"{where}{target} exists and is not a folder"]
    if not folder and target.is_dir():
        return [f"{where}{target} is a folder; give a file name"]
    if overwrite:
        return []
    if folder and target.is_dir() and any(target.iterdir()):
        return [f"{where}{target} is not empty; add --overwrite to replace what is there"]
    if not folder and target.exists():
        return [f"{where}{target} exists; add --overwrite to replace it"]
    return []


PATH_MAX = 4096
"""Bytes in a path the system takes (Linux's ``PATH_MAX``)."""


def writable_problems(target: Path) -> list[str]:
    """Why ``target`` cannot be written (empty if it can): a name or path too long for the system, a
    file where a folder must be, or a folder this user cannot create files in (tried with a temporary
    file, removed at once, since permission bits do not tell for root, ``/proc`` or a read-only mount).
    """
    import tempfile

    from sim.files import display_path

    shown = display_path(target)
    try:
        absolute = target.absolute()
        if len(os.fsencode(str(absolute))) >= PATH_MAX:
            return [f"the path {shown} is too long for the system ({len(os.fsencode(str(absolute))):,} bytes)"]
        for part in absolute.parts:
            if len(os.fsencode(part)) > 255:
                return [f"the name {part[:40]!r}... in {shown} is too long for the system (at most 255 bytes)"]
        ancestor = nearest_existing(absolute)
        if ancestor == absolute and not ancestor.is_dir():  # an existing file: replaced in its folder
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            return [f"cannot write {shown}: {display_path(ancestor)} is a file, not a folder"]
        with tempfile.TemporaryFile(dir=ancestor, prefix=".negsim-probe-"):
            pass
    except (OSError, ValueError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        return [f"cannot write {shown}: {reason.lower()}"]
    return []


def nearest_existing(path: Path) -> Path:
    """The deepest folder (or file) on ``path`` that exists."""
    path = path.absolute()
    while not path.exists():
        path = path.parent
    return path


RUN_ARTIFACTS = ("runs.parquet", "summary.json", "manifest.json", "trajectories.parquet", "trace.parquet",
                 "report.html", "figures", "discovery")
"""What ``negsim run --out``, ``plot``, ``report`` and ``discover`` write into a results folder: the previous
results that ``--overwrite`` removes (anything else in the folder is left alone)."""


def remove_run_results(folder: Path) -> None:
    import shutil

    for name in RUN_ARTIFACTS:
        target = folder / name
        if target.is_symlink() or target.is_file():
            target.unlink()  # a link is removed, never followed
        elif target.is_dir():
            shutil.rmtree(target)


EXPERIMENT_KEYS = {"design", "levers", "parameters", "replicates", "scenario"}
SCENARIO_KEYS = {"actors", "dimensions", "tracks"}


def file_kind(path: Path) -> str | None:
    """What ``path`` holds: ``"experiment"``, ``"scenario"``, ``"results"`` (a results folder), or None
    when it cannot tell (then the file is read as the command expects and its errors say why).

    An experiment file names a scenario and a design; a scenario file declares actors, dimensions
    and tracks. A CSV is a scenario.
    """
    from sim.files import read_data_file

    try:
        if path.is_dir():
            return "results" if (path / "manifest.json").is_file() else None
        suffix = path.suffix.lower()
        if suffix == ".csv":
            return "scenario"
        if suffix not in (".toml", ".yaml", ".yml") or not path.is_file():
            return None
    except (OSError, ValueError):  # a name too long for the system, a NUL byte: the loader says which
        return None
    try:
        data, _ = read_data_file(path)
    except InputError:
        return None  # reported as the file the command expects
    if not isinstance(data, dict):
        return None
    keys = set(data)
    if keys & EXPERIMENT_KEYS and not keys & SCENARIO_KEYS:
        return "experiment"
    if keys & SCENARIO_KEYS and not keys & EXPERIMENT_KEYS:
        return "scenario"
    return None


def is_experiment(path: Path) -> bool:
    return file_kind(path) == "experiment"


WRONG_KIND = {
    ("run", "results"): "this is a results folder: draw it with `negsim plot {0}` or `negsim report {0}`",
    ("validate", "results"): "this is a results folder: draw it with `negsim plot {0}` or `negsim report {0}`",
    ("convert", "results"): "this is a results folder: convert takes a scenario file",
    ("convert", "experiment"): "this is an experiment file: convert takes a scenario file (the experiment's "
                               "scenario is named in its 'scenario' field)",
    ("sweep", "scenario"): "this is a scenario file: run it with `negsim run {0}` (add --runs N for a Monte "
                           "Carlo); a sweep takes an experiment file",
    ("sweep", "results"): "this is a results folder: continue its sweep with `negsim sweep EXPERIMENT --out {0} "
                          "--resume`",
    ("plot", "scenario"): "this is a scenario file: plot draws a results folder; write one with `negsim run {0} "
                          "--runs 1000 --out DIR`",
    ("plot", "experiment"): "this is an experiment file: plot draws a results folder; write one with `negsim sweep "
                            "{0} --out DIR`",
    ("report", "scenario"): "this is a scenario file: report reads a results folder; write one with `negsim run {0} "
                            "--runs 1000 --out DIR`",
    ("report", "experiment"): "this is an experiment file: report reads a results folder; write one with `negsim "
                              "sweep {0} --out DIR`",
    ("discover", "scenario"): "this is a scenario file: discover reads a sweep's results folder",
    ("discover", "experiment"): "this is an experiment file: discover reads its sweep's results folder; write one "
                                "with `negsim sweep {0} --out DIR`",
    ("app", "experiment"): "this is an experiment file: the app explores a scenario file (the experiment's "
                           "scenario is named in its 'scenario' field)",
    ("app", "results"): "this is a results folder: the app explores a scenario file; draw results with "
                        "`negsim report {0}`",
}
"""What a command says when given the other kind of file (``run`` takes an experiment file only with
--point and --replicate, which :func:`_experiment_point` checks)."""


def check_kind(command: str, target: str) -> None:
    message = WRONG_KIND.get((command, file_kind(Path(target))))
    if message:
        raise InputError(target, [message.format(target)])
