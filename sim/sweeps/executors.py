"""Where chunks run: in this process, in local processes, or on a Dask cluster."""

from __future__ import annotations

import contextlib
import multiprocessing
import socket
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, InvalidStateError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any
from urllib.parse import urlsplit

from sim.errors import InputError

__all__ = ["CONNECT_TIMEOUT", "EXECUTORS", "RestartingProcessPool", "SerialExecutor", "executor_for"]

EXECUTORS = ("serial", "processes", "dask")
CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a Dask scheduler to answer (``--connect-timeout``)."""


class SerialExecutor(Executor):
    """Runs each task at once, in this process (the reference the others are checked against)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:  # the caller sees it through the future, as with other executors
            future.set_exception(error)
        return future


class RestartingProcessPool(Executor):
    """Local worker processes whose death costs only a retry.

    A worker killed (by the out-of-memory killer, a signal) breaks a
    :class:`~concurrent.futures.ProcessPoolExecutor` and fails every task in it; here the
    broken pool is replaced by a new one and each of its tasks is submitted again, up to
    ``retries`` times per task, as Dask re-runs a lost worker's tasks.
    """

    def __init__(self, workers: int, retries: int = 2):
        self._workers = workers
        self._retries = retries
        self._lock = threading.Lock()
        self._retired: list[ProcessPoolExecutor] = []
        self._pool = self._new_pool()
        self.restarts = 0

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=self._workers, mp_context=multiprocessing.get_context("forkserver"))

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        with self._lock:
            if self._pool is broken:
                self._retired.append(broken)
                self._pool = self._new_pool()
                self.restarts += 1

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        outer: Future = Future()
        self._attempt(outer, fn, args, kwargs, self._retries)
        return outer

    def _attempt(self, outer: Future, fn: Callable[..., Any], args: tuple, kwargs: dict, left: int) -> None:
        with self._lock:
            pool = self._pool
        try:
            inner = pool.submit(fn, *args, **kwargs)
        except BrokenProcessPool as error:
            if left <= 0:
                _settle(outer, error=error)
                return
            self._replace(pool)
            self._attempt(outer, fn, args, kwargs, left - 1)
            return

        def done(finished: Future) -> None:
            if finished.cancelled():
                outer.cancel()
                return
            error = finished.exception()
            if isinstance(error, BrokenProcessPool) and left > 0 and not outer.cancelled():
                self._replace(pool)
                self._attempt(outer, fn, args, kwargs, left - 1)
            elif error is not None:
                _settle(outer, error=error)
            else:
                _settle(outer, result=finished.result())

        inner.add_done_callback(done)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            pools = [*self._retired, self._pool]
        for pool in pools:
            pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def _settle(future: Future, result: Any = None, error: BaseException | None = None) -> None:
    try:
        future.set_exception(error) if error is not None else future.set_result(result)
    except InvalidStateError:
        pass  # cancelled by the caller meanwhile


def _unreachable(address: str, reason: str) -> InputError:
    return InputError("--scheduler", [f"cannot reach the Dask scheduler at {address}: {reason}"])


def _check_reachable(address: str, timeout: float) -> None:
    """Fail fast, in one line, when nothing listens at a ``tcp://`` scheduler address."""
    try:
        parts = urlsplit(address if "://" in address else f"tcp://{address}")
    except ValueError as error:  # e.g. "Invalid IPv6 URL"
        raise _unreachable(address, f"not a valid address ({error})") from None
    if parts.scheme != "tcp":
        return  # tls://, ucx://, ...: left to the Dask client
    try:
        host, port = parts.hostname, parts.port or 8786
    except ValueError as error:
        raise _unreachable(address, f"not a valid address ({error})") from None
    if not host:
        raise _unreachable(address, "no host in the address")
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except ConnectionRefusedError:
        raise _unreachable(address, "connection refused") from None
    except (TimeoutError, socket.timeout):
        raise _unreachable(address, f"no answer within {timeout:g} s (--connect-timeout)") from None
    except OSError as error:
        raise _unreachable(address, (error.strerror or str(error)).lower()) from None


@contextlib.contextmanager
def executor_for(kind: str, workers: int | None = None, scheduler: str | None = None, retries: int = 2,
                 connect_timeout: float = CONNECT_TIMEOUT) -> Iterator[tuple[Executor, int]]:
    """Open an executor and say how many tasks it runs at once.

    ``processes`` is a :class:`RestartingProcessPool` (a killed worker's tasks are retried
    ``retries`` times in a new pool). ``dask`` connects to ``scheduler`` (e.g.
    ``tcp://host:8786``, refused in one line if it does not answer within
    ``connect_timeout`` seconds) or starts a local cluster of ``workers`` single-threaded
    worker processes; failed tasks are retried ``retries`` times, and a lost worker's
    tasks are re-run by the scheduler.
    """
    if kind == "serial":
        yield SerialExecutor(), 1
    elif kind == "processes":
        count = workers or multiprocessing.cpu_count()
        pool = RestartingProcessPool(count, retries)
        try:
            yield pool, count
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    elif kind == "dask":
        from distributed import Client, LocalCluster

        with contextlib.ExitStack() as stack:
            if scheduler:
                _check_reachable(scheduler, connect_timeout)
                try:
                    client = stack.enter_context(Client(scheduler, timeout=connect_timeout))
                except (OSError, TimeoutError) as error:
                    raise _unreachable(scheduler, str(error).splitlines()[0] if str(error) else
                                       f"no answer within {connect_timeout:g} s (--connect-timeout)") from None
                except Exception as error:  # noqa: BLE001 - whatever answered, it is not a scheduler to use
                    raise _unreachable(scheduler, f"something answered there, but not as a Dask scheduler "
                                                  f"({type(error).__name__})") from None
            else:
                cluster = stack.enter_context(LocalCluster(
                    n_workers=workers or multiprocessing.cpu_count(), threads_per_worker=1, processes=True,
                    dashboard_address=None))
                client = stack.enter_context(Client(cluster))
            count = max(1, sum(client.nthreads().values()))
            yield client.get_executor(retries=retries, pure=False), count
    else:
        raise ValueError(f"executor must be one of {EXECUTORS}, got {kind!r}")
