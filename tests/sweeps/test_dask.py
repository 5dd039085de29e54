"""Sweeps on a real Dask cluster: same table as serial, and a killed worker loses nothing."""

from __future__ import annotations

import os
import signal

import pytest

from sim.results.layout import read_runs
from sim.results.output import dumps
from sim.sweeps import sweep
from tests.sweeps.conftest import experiment_text

distributed = pytest.importorskip("distributed", reason="install the dask extra: pip install -e '.[dask]'")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as local, distributed.Client(local) as client:
        yield local, client


@pytest.fixture
def experiment(tmp_path):
    path = tmp_path / "dask.toml"
    path.write_text(experiment_text(design='design = { kind = "random", samples = 24 }', replicates=5,
                                    chunk_size=10))
    return path


def rows(path):
    return dumps(read_runs(path).to_pylist())


def test_dask_table_equals_serial(cluster, experiment, tmp_path):
    _, client = cluster
    reference = rows(sweep(experiment, tmp_path / "serial").runs_path)
    result = sweep(experiment, tmp_path / "dask", executor=client.get_executor(retries=2, pure=False), workers=2)
    assert rows(result.runs_path) == reference


def test_a_killed_worker_still_completes_every_row_once(cluster, experiment, tmp_path):
    _, client = cluster
    reference = rows(sweep(experiment, tmp_path / "serial").runs_path)
    killed = []

    def kill_one_worker(index: int) -> None:
        if not killed:
            pids = client.run(os.getpid)
            address, pid = sorted(pids.items())[0]
            os.kill(pid, signal.SIGKILL)
            killed.append(address)

    result = sweep(experiment, tmp_path / "dask", executor=client.get_executor(retries=2, pure=False), workers=2,
                   on_part=kill_one_worker)
    assert killed, "a worker should have been killed during the sweep"
    table = result.table()
    assert sorted(table.column("run_id").to_pylist()) == list(range(120))
    assert rows(result.runs_path) == reference
