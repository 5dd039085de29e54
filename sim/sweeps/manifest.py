"""A sweep's manifest: what it runs (compactly: a plan of equal chunks) and which parts are done,
each with the SHA-256 of its file, and the checks a manifest read back must pass.

The plan is three numbers (``total_runs``, ``chunk_size``, ``chunks``), never a list of chunks;
``done`` maps a finished chunk's index to its part's checksum (``trajectories`` likewise for its
trajectory part), so a manifest grows by about 80 bytes per finished chunk and at most
:data:`~sim.sweeps.limits.MAX_CHUNKS` of them. A manifest edited by hand or damaged is refused
with its path and the field at fault; it is never trusted in part.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.experiment.load import Experiment
from sim.scenario.scenario import scenario_record
from sim.sweeps.task import ChunkPlan

__all__ = ["FORMAT", "PART_FILES", "READABLE_FORMATS", "RESUMABLE_FORMATS", "SEEDING", "build_manifest", "read_manifest",
           "sha256_file"]

FORMAT = "negsim-sweep/3"
"""Format 3: ``runs.parquet`` is one Parquet file, or a folder of ``part-NNNNNN.parquet`` files when too
large for one (:mod:`sim.results.stream`). Format 2 (always one file) has the same parts, so its sweeps
resume (:data:`RESUMABLE_FORMATS`); format 1 parts have a column per actor: its finished folders are
still read (:data:`READABLE_FORMATS`) but not resumed."""
RESUMABLE_FORMATS = ("negsim-sweep/2", FORMAT)
READABLE_FORMATS = ("negsim-sweep/1", *RESUMABLE_FORMATS)
SEEDING = "common random numbers: replicate r's generator and inputs are keyed by (seed, r), at every point"
"""The manifest's ``seeding``: how its runs were seeded (:mod:`sim.seeding`). A sweep written before
the run generator stopped depending on the design point has none and cannot be resumed."""
PART_FILES = "parts/part-{index:06d}.parquet"
_HEX = re.compile(r"[0-9a-f]{64}")
_START_AGAIN = "use --overwrite to start the sweep again"


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _version() -> str:
    from sim import __version__

    return __version__


def build_manifest(experiment: Experiment, plan: ChunkPlan, done: dict[int, str], trajectories: dict[int, str],
                   engine: str, status: str, points_table: bool) -> dict[str, Any]:
    """The manifest as written: the experiment, scenario, seeds, design, plan and finished parts."""
    spec = experiment.spec
    manifest = {
        "format": FORMAT,
        "status": status,
        "experiment": {"name": spec.name, "source": experiment.source, "digest": experiment.digest,
                       "text": experiment.text},
        "scenario": scenario_record(experiment.scenario, experiment.scenario_path),
        "package_version": _version(),
        "seed": spec.seed,
        "seeding": SEEDING,
        "replicates": spec.replicates,
        "design": {"kind": spec.design.kind, "samples": spec.design.samples, "points": experiment.points.count,
                   "parameters": list(experiment.points.names),
                   "points_file": "points.parquet" if points_table else None},
        "engine": engine,
        "chunk_size": spec.chunk_size,
        "total_runs": experiment.total_runs,
        "plan": {"total_runs": plan.total_runs, "chunk_size": plan.chunk_size, "chunks": plan.count,
                 "files": PART_FILES},
        "done": {str(index): done[index] for index in sorted(done)},
    }
    if experiment.spec.outputs.trajectories:
        manifest["trajectories"] = {str(index): trajectories[index] for index in sorted(trajectories)}
    return manifest


def _refuse(path: Path, field: str, problem: str) -> InputError:
    return InputError(str(path), [f"{field}: {problem}; {_START_AGAIN}" if field else f"{problem}; {_START_AGAIN}"])


def _expect(manifest: dict, path: Path, field: str, kind: type | tuple[type, ...]) -> Any:
    node: Any = manifest
    for step in field.split("."):
        if not isinstance(node, dict) or step not in node:
            raise _refuse(path, field, "missing")
        node = node[step]
    if not isinstance(node, kind) or (isinstance(node, bool) and kind in (int, (int,))):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise _refuse(path, field, f"expected {names}, got {type(node).__name__} {json.dumps(node)[:40]}")
    return node


def _checksums(manifest: dict, path: Path, field: str, chunks: int) -> dict[int, str]:
    table = _expect(manifest, path, field, dict)
    found = {}
    for key, value in table.items():
        if not key.isdigit() or not 0 <= int(key) < chunks:
            raise _refuse(path, f"{field}.{key}", f"not a chunk index from 0 to {chunks - 1}")
        if not isinstance(value, str) or not _HEX.fullmatch(value):
            raise _refuse(path, f"{field}.{key}", "expected a SHA-256 checksum (64 hexadecimal digits)")
        found[int(key)] = value
    return found


def read_manifest(path: Path, experiment: Experiment,
                  plan: ChunkPlan) -> tuple[dict[int, str], dict[int, str]]:
    """Read a sweep's manifest to resume it: the finished parts' and trajectory parts' checksums.

    Raises
    ------
    InputError
        Naming the manifest and the field: not JSON, not a sweep manifest, a field missing or of
        the wrong type, a plan or digest that does not match the experiment, a bad checksum entry.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise _refuse(path, "", f"cannot be read ({getattr(error, 'strerror', None) or error})") from None
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as error:
        raise _refuse(path, "", f"not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}); "
                                "it was edited or damaged") from None
    if not isinstance(manifest, dict):
        raise _refuse(path, "", f"expected a JSON object, got {type(manifest).__name__}")
    if manifest.get("format") in READABLE_FORMATS and manifest.get("format") not in RESUMABLE_FORMATS:
        raise _refuse(path, "format", f"{manifest['format']}, written by an earlier negsim whose parts have a column "
                                      f"per actor; this version resumes only {' and '.join(RESUMABLE_FORMATS)} (its finished "
                                      f"runs.parquet "
                                      f"still reads)")
    if manifest.get("format") not in RESUMABLE_FORMATS:
        raise _refuse(path, "format", f"not a sweep manifest of format {' or '.join(RESUMABLE_FORMATS)}")
    if "plan" not in manifest and isinstance(manifest.get("chunks"), list):
        raise _refuse(path, "chunks", "written by an older negsim that listed every chunk and kept no checksums")
    digest = _expect(manifest, path, "experiment.digest", str)
    if digest != experiment.digest:
        raise InputError(str(path.parent), ["the experiment or its scenario changed since this sweep started "
                                            "(experiment.digest in manifest.json differs); use --overwrite to "
                                            "start again"])
    if manifest.get("seeding") != SEEDING:
        raise InputError(str(path.parent), ["this sweep was started with seeds by (point, replicate), before common "
                                            "random numbers; use --overwrite to start again"])
    _expect(manifest, path, "status", str)
    for key, value in (("total_runs", plan.total_runs), ("chunk_size", plan.chunk_size), ("chunks", plan.count)):
        found = _expect(manifest, path, f"plan.{key}", int)
        if found != value:
            raise _refuse(path, f"plan.{key}", f"{found} does not match the experiment's {value}")
    if _expect(manifest, path, "plan.files", str) != PART_FILES:
        raise _refuse(path, "plan.files", f"expected {PART_FILES!r}")
    done = _checksums(manifest, path, "done", plan.count)
    trajectories = (_checksums(manifest, path, "trajectories", plan.count)
                    if experiment.spec.outputs.trajectories else {})
    return done, trajectories
