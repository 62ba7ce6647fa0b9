"""Where batch jobs run: a process pool of the batch's own, or a Dask cluster."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import CancelledError, Executor, ProcessPoolExecutor
from typing import Any

from maskrender.batch._worker import init_worker
from maskrender.errors import BatchError

__all__ = ["dask_executor", "default_workers", "executor_lost", "kill_workers", "process_pool", "slots",
           "worker_memory"]


def default_workers() -> int:
    """The number of CPU cores this process may use (its affinity where the OS tells)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def process_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """A process pool for batches: ``workers`` processes (default: :func:`default_workers`).

    Workers start with ``spawn``: never ``fork`` (the calling process may have threads, a progress
    bar, a Dask client, the application's own, and forking a process with threads can deadlock a
    child on a lock some other thread held), and not ``forkserver`` either, whose server process
    outlives a killed batch and keeps its workers, and the batch's standard output, alive. Spawned
    workers are the batch's own children and die with it (see :func:`~maskrender.batch._worker.init_worker`),
    and each may take :func:`worker_memory`: a job that needs more fails, the machine does not run
    out. Workers ignore SIGINT; the caller handles Ctrl-C.
    """
    context = multiprocessing.get_context("spawn")
    n = workers or default_workers()
    return ProcessPoolExecutor(max_workers=n, mp_context=context, initializer=init_worker,
                               initargs=(os.getpid(), worker_memory(n)))


def worker_memory(workers: int) -> int | None:
    """The address space each of ``workers`` may take: three quarters of the machine's memory shared
    out, and at least 2 GiB (``None`` where the machine does not say how much it has).

    >>> worker_memory(1) is None or worker_memory(1) >= 2 << 30
    True
    """
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None
    return max(2 << 30, int(total * 0.75) // max(1, workers))


def kill_workers(pool: ProcessPoolExecutor) -> None:
    """Stop the pool's worker processes now (their jobs are abandoned; the pool is broken after)."""
    terminate = getattr(pool, "kill_workers", None)     # Python 3.14
    if callable(terminate):
        terminate()
        return
    processes: Any = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        with contextlib.suppress(Exception):
            process.kill()


def slots(executor: Executor) -> int:
    """How many jobs ``executor`` runs at once, as far as it says."""
    n = getattr(executor, "_max_workers", None)
    if isinstance(n, int) and n > 0:
        return n
    client = getattr(executor, "_client", None)     # dask.distributed's ClientExecutor
    if client is not None:
        with contextlib.suppress(Exception):
            return max(1, int(sum(client.nthreads().values())))
    return default_workers()


_CLIENT_UP = ("running", "newly-created")


def executor_lost(executor: Executor) -> str | None:
    """Why ``executor`` will finish nothing it holds, if it says so: a Dask client that lost its scheduler
    (it cancels every task it had; status ``connecting``, then ``closed``). ``None``: as far as it tells, fine.

    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(1) as pool:
    ...     executor_lost(pool) is None
    True
    """
    client = getattr(executor, "_client", None)     # dask.distributed's ClientExecutor
    status = getattr(client, "status", None)
    status = getattr(status, "value", status)       # an enum in some versions
    if isinstance(status, str) and status not in _CLIENT_UP:
        return f"the Dask client lost its scheduler (its status is {status!r})"
    return None


@contextlib.contextmanager
def dask_executor(address: str) -> Iterator[Executor]:
    """An executor on the Dask cluster whose scheduler is at ``address`` (needs ``maskrender[dask]``).

    Workers must see the batch's files at the same paths (a shared file system).
    """
    try:
        distributed: Any = importlib.import_module("distributed")   # optional, untyped calls
    except ImportError:
        raise BatchError("a Dask scheduler needs the optional Dask support: pip install 'maskrender[dask]'") from None
    try:
        distributed.comm.resolve_address(address)   # a bad address fails here, not in a half-made Client
        client = distributed.Client(address, timeout="10s", set_as_default=False)
    except Exception as err:  # OSError, TimeoutError, ValueError for a bad address ...
        raise BatchError(f"cannot reach the Dask scheduler at {address}: {err}") from None
    quiet = _Cancelled()          # a client that loses its scheduler cancels its tasks: the batch says so itself
    logs = [logging.getLogger(name) for name in _NOISY]
    for log in logs:
        log.addFilter(quiet)
    try:
        executor: Executor = client.get_executor(pure=False)
        yield executor
    finally:
        try:
            client.close()
        finally:
            for log in logs:
                log.removeFilter(quiet)


_NOISY = ("distributed.client", "tornado.application")
"""Where a Dask client logs the tracebacks of the tasks it cancels when its scheduler goes away."""


class _Cancelled(logging.Filter):
    """Drops the log records of the tasks a Dask client gave up, and only those: a cancelled task
    (``asyncio.CancelledError`` and its kin, ``distributed``'s ``FutureCancelledError``), and an error
    escaping ``distributed``'s executor glue (``cfexecutor._cascade_future``: a result it could no longer
    fetch). The batch reports those jobs itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.exc_info or record.exc_info[1] is None:
            return True
        if isinstance(record.exc_info[1], (asyncio.CancelledError, CancelledError)):
            return False
        tb = record.exc_info[2]
        while tb is not None:
            if tb.tb_frame.f_code.co_name == "_cascade_future" and "distributed" in tb.tb_frame.f_code.co_filename:
                return False
            tb = tb.tb_next
        return True
