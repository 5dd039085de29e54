"""Faults a sweep survives: kill -9, damaged parts, edited manifests, unwritable folders, a full disk,
a killed worker, an unreachable scheduler. Each ends in one clear line and a state --resume continues."""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import Executor
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import sim.sweeps.runner as runner
from sim.cli import main
from sim.errors import InputError
from sim.results.output import dumps
from sim.sweeps import sweep
from sim.sweeps.executors import RestartingProcessPool
from tests.conftest import ROOT
from tests.sweeps.conftest import experiment_text


def data(path: Path) -> str:
    return dumps(pq.read_table(path).to_pylist())


@pytest.fixture
def experiment(tmp_path) -> Path:
    path = tmp_path / "faults.toml"
    path.write_text(experiment_text(design='design = { kind = "random", samples = 20 }', replicates=6, chunk_size=6))
    return path


@pytest.fixture
def reference(experiment, tmp_path) -> str:
    return data(sweep(experiment, tmp_path / "reference").runs_path)


def _parts(out: Path) -> int:
    return len(list((out / "parts").glob("part-*.parquet"))) if (out / "parts").exists() else 0


def test_kill_9_at_random_moments_then_resume_gives_the_same_table(experiment, reference, tmp_path):
    """Three kill -9s, each some parts (and a random fraction of a second) into the sweep; the
    resumed table equals an uninterrupted run's, byte for byte."""
    moments = random.Random(20261129)
    out = tmp_path / "cut"
    command = [sys.executable, "-m", "sim", "sweep", str(experiment), "--out", str(out), "--executor", "serial",
               "--engine", "mesa", "--quiet"]
    kills = 0
    for attempt in range(3):
        before = _parts(out)
        process = subprocess.Popen(command + (["--resume"] if attempt else []), cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wanted = before + moments.randint(1, 4)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _parts(out) < wanted and process.poll() is None:
            time.sleep(0.005)
        time.sleep(moments.uniform(0.0, 0.05))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            kills += 1
        process.wait()
    assert kills >= 2, "the sweep should have been cut part-way"
    assert not (out / "runs.parquet").exists() or kills < 3
    resumed = subprocess.run(command + ["--resume"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert data(out / "runs.parquet") == reference
    assert (out / "runs.parquet").read_bytes() == (tmp_path / "reference" / "runs.parquet").read_bytes()


def test_a_truncated_or_garbled_part_is_detected_and_run_again(experiment, reference, tmp_path):
    out = tmp_path / "out"
    sweep(experiment, out)
    truncated, garbled = out / "parts" / "part-000004.parquet", out / "parts" / "part-000011.parquet"
    truncated.write_bytes(truncated.read_bytes()[:100])
    body = bytearray(garbled.read_bytes())
    body[len(body) // 2] ^= 0xFF
    garbled.write_bytes(bytes(body))
    (out / "parts" / "part-000007.parquet").unlink()
    result = sweep(experiment, out, resume=True)
    assert result.repaired == 3 and result.chunks_run == 3
    assert data(result.runs_path) == reference


def test_a_part_written_after_the_last_manifest_update_is_not_trusted(experiment, reference, tmp_path):
    out = tmp_path / "out"
    sweep(experiment, out)
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["done"]["2"]  # as if killed between writing part 2 and recording it
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "parts" / "part-000002.parquet").write_bytes(b"not parquet")
    result = sweep(experiment, out, resume=True)
    assert result.chunks_run == 1 and data(result.runs_path) == reference


def _edit(field: str):
    def edit(text: str) -> str:
        manifest = json.loads(text)
        if field == "types":
            manifest["plan"]["chunk_size"] = "6"
        elif field == "missing":
            del manifest["plan"]
        elif field == "chunks":
            manifest["plan"]["chunks"] = 19
        elif field == "digest":
            manifest["experiment"]["digest"] = "0" * 64
        elif field == "done":
            manifest["done"]["3"] = "not a checksum"
        elif field == "index":
            manifest["done"]["99"] = "0" * 64
        elif field == "top":
            manifest = [manifest]
        return json.dumps(manifest)
    return edit


@pytest.mark.parametrize("edit, expected", [
    (lambda text: text[: len(text) // 2], "not valid JSON"),
    (_edit("types"), "plan.chunk_size: expected int, got str"),
    (_edit("missing"), "plan.total_runs: missing"),
    (_edit("chunks"), "plan.chunks: 19 does not match the experiment's 20"),
    (_edit("digest"), "experiment.digest in manifest.json differs"),
    (_edit("done"), "done.3: expected a SHA-256 checksum"),
    (_edit("index"), "done.99: not a chunk index from 0 to 19"),
    (_edit("top"), "expected a JSON object, got list"),
], ids=["invalid-json", "wrong-type", "missing-key", "chunks-edited", "digest-edited", "bad-checksum",
        "bad-index", "not-an-object"])
def test_a_hand_edited_manifest_is_refused_in_one_line(experiment, tmp_path, capsys, edit, expected):
    out = tmp_path / "out"
    sweep(experiment, out)
    manifest = out / "manifest.json"
    manifest.write_text(edit(manifest.read_text()))
    assert main(["sweep", str(experiment), "--out", str(out), "--resume", "--executor", "serial", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert expected in err and "Traceback" not in err
    assert "manifest.json" in err or "digest" in expected


def _failing_after(count: int, error: OSError):
    calls = []
    original = runner.write_parquet_checksummed

    def write(path, table, **options):
        calls.append(path)
        if len(calls) > count:
            raise error
        return original(path, table, **options)
    return write


@pytest.mark.parametrize("error", [
    OSError(errno.ENOSPC, "No space left on device", "parts/part-000003.parquet"),
    PermissionError(errno.EACCES, "Permission denied", "parts/part-000003.parquet"),
], ids=["full-disk", "read-only"])
def test_a_failed_write_is_one_line_and_resume_continues(experiment, reference, tmp_path, monkeypatch, capsys,
                                                         error):
    out = tmp_path / "out"
    monkeypatch.setattr(runner, "write_parquet_checksummed", _failing_after(3, error))
    assert main(["sweep", str(experiment), "--out", str(out), "--executor", "serial", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"cannot write parts/part-000003.parquet: {error.strerror}; the 3 finished parts are kept" in err
    assert "--resume" in err
    monkeypatch.undo()
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    assert main(["sweep", str(experiment), "--out", str(out), "--executor", "serial", "--quiet"]) == 2
    assert "use --resume" in capsys.readouterr().err
    result = sweep(experiment, out, resume=True)
    assert result.chunks_run == 17 and data(result.runs_path) == reference


def test_a_full_disk_before_anything_is_written_leaves_a_folder_to_start_in(experiment, reference, tmp_path,
                                                                           monkeypatch, capsys):
    out = tmp_path / "out"

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(runner, "write_text", full)
    assert main(["sweep", str(experiment), "--out", str(out), "--executor", "serial", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device; nothing was written" in err, err
    monkeypatch.undo()
    (out / "parts").mkdir()  # an empty parts folder, as an older version could leave, changes nothing
    assert main(["sweep", str(experiment), "--out", str(out), "--resume", "--executor", "serial", "--quiet"]) == 2
    assert "nothing to resume: no manifest.json here; run without --resume" in capsys.readouterr().err
    assert data(sweep(experiment, out).runs_path) == reference


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_for_real(experiment, reference, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o555)
    try:
        assert main(["sweep", str(experiment), "--out", str(out), "--executor", "serial", "--quiet"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Permission denied" in err
    finally:
        out.chmod(0o755)
    assert data(sweep(experiment, out).runs_path) == reference


def _kill_once(marker: str, fn, *args):
    """Run ``fn``, but first kill this worker process the first time any task gets here."""
    try:
        with open(marker, "x"):
            pass
    except FileExistsError:
        return fn(*args)
    os.kill(os.getpid(), signal.SIGKILL)


class _KillOnce(Executor):
    def __init__(self, inner: Executor, marker: Path):
        self.inner, self.marker = inner, str(marker)

    def submit(self, fn, /, *args, **kwargs):
        return self.inner.submit(_kill_once, self.marker, fn, *args)


def test_a_killed_process_worker_costs_nothing(experiment, reference, tmp_path):
    pool = RestartingProcessPool(2)
    try:
        result = sweep(experiment, tmp_path / "out", executor=_KillOnce(pool, tmp_path / "killed"), workers=2)
    finally:
        pool.shutdown()
    assert (tmp_path / "killed").exists() and pool.restarts >= 1
    assert data(result.runs_path) == reference


def _always_die(fn, *args):
    os.kill(os.getpid(), signal.SIGKILL)


class _AlwaysDie(Executor):
    def __init__(self, inner: Executor):
        self.inner = inner

    def submit(self, fn, /, *args, **kwargs):
        return self.inner.submit(_always_die, fn, *args)


def test_a_worker_that_dies_every_time_stops_the_sweep_in_one_line(experiment, tmp_path):
    pool = RestartingProcessPool(1, retries=1)
    try:
        with pytest.raises(InputError, match=r"a worker process died running chunk \d+ each time it was tried.*"
                                              r"continue with --resume"):
            sweep(experiment, tmp_path / "out", executor=_AlwaysDie(pool), workers=1)
    finally:
        pool.shutdown()
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["status"] == "interrupted"


def test_a_part_replaced_by_a_link_is_rerun_and_its_target_untouched(experiment, reference, tmp_path):
    out, outside = tmp_path / "out", tmp_path / "outside.parquet"
    sweep(experiment, out)
    part = out / "parts" / "part-000005.parquet"
    outside.write_bytes(part.read_bytes())
    part.unlink()
    part.symlink_to(outside)
    result = sweep(experiment, out, resume=True)
    assert result.repaired == 1 and not part.is_symlink() and outside.exists()
    assert data(result.runs_path) == reference


def test_an_unreachable_scheduler_is_one_line_within_the_timeout(experiment, tmp_path, capsys):
    pytest.importorskip("distributed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    assert main(["sweep", str(experiment), "--out", str(tmp_path / "out"), "--executor", "dask",
                 "--scheduler", f"tcp://127.0.0.1:{port}", "--connect-timeout", "3", "--quiet"]) == 2
    assert time.monotonic() - started < 5
    err = capsys.readouterr().err
    assert err == f"error: --scheduler: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: connection refused\n"


def test_a_symlinked_parts_folder_is_refused_and_never_deleted_through(experiment, tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "part-000000.parquet").write_text("keep me")
    out.mkdir()
    (out / "parts").symlink_to(elsewhere)
    (out / "manifest.json").write_text("{}")
    for flags in ({}, {"overwrite": True}, {"resume": True}):
        with pytest.raises(InputError, match="parts is a symbolic link"):
            sweep(experiment, out, **flags)
    assert (elsewhere / "part-000000.parquet").read_text() == "keep me"
