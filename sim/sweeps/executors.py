"""Where chunks run: in this process, in local processes, or on a Dask cluster."""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any

__all__ = ["EXECUTORS", "SerialExecutor", "executor_for"]

EXECUTORS = ("serial", "processes", "dask")


class SerialExecutor(Executor):
    """Runs each task at once, in this process (the reference the others are checked against)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # the caller sees it through the future, as with other executors
            future.set_exception(error)
        return future


@contextlib.contextmanager
def executor_for(kind: str, workers: int | None = None, scheduler: str | None = None,
                 retries: int = 2) -> Iterator[tuple[Executor, int]]:
    """Open an executor and say how many tasks it runs at once.

    ``dask`` connects to ``scheduler`` (e.g. ``tcp://host:8786``) or starts a local
    cluster of ``workers`` single-threaded worker processes; failed tasks are retried
    ``retries`` times, and a lost worker's tasks are re-run by the scheduler.
    """
    if kind == "serial":
        yield SerialExecutor(), 1
    elif kind == "processes":
        count = workers or multiprocessing.cpu_count()
        with ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("forkserver")) as pool:
            yield pool, count
    elif kind == "dask":
        from distributed import Client, LocalCluster

        with contextlib.ExitStack() as stack:
            if scheduler:
                client = stack.enter_context(Client(scheduler))
            else:
                cluster = stack.enter_context(LocalCluster(
                    n_workers=workers or multiprocessing.cpu_count(), threads_per_worker=1, processes=True,
                    dashboard_address=None))
                client = stack.enter_context(Client(cluster))
            count = max(1, sum(client.nthreads().values()))
            yield client.get_executor(retries=retries, pure=False), count
    else:
        raise ValueError(f"executor must be one of {EXECUTORS}, got {kind!r}")
