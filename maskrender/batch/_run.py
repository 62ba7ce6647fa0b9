"""Running jobs: on any executor, bounded, one outcome per job as it finishes."""

from __future__ import annotations

import contextlib
import importlib
import json
import multiprocessing
import os
import re
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Iterable, Iterator, Sized
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from maskrender.batch._check import is_complete
from maskrender.batch._jobs import KINDS, BatchError, Job, Outcome, Status
from maskrender.errors import InputError, MaskRenderError

__all__ = ["Summary", "dask_executor", "default_workers", "process_pool", "render_batch", "run_batch"]

ERRORS_FILE = "errors.jsonl"
"""The file in the output folder where :func:`run_batch` records each failed job."""

# atomic_write's temporary files: ".NAME.<8 random characters>.part"
_PART = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.part$")

WorkerResult = tuple[Status, "str | None", "str | None", tuple[str, ...], "str | None"]


# -- in the worker -----------------------------------------------------------------------------

def _limits() -> dict[str, Any]:
    from maskrender import limits

    return {name: getattr(limits, name) for name in limits.__all__}


def _init_worker() -> None:
    # Ctrl-C reaches the whole process group: the parent cancels the batch and lets the
    # jobs in progress finish; workers must not die with a traceback each.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def execute(job: Job, resume: bool = False, limits: dict[str, Any] | None = None) -> WorkerResult:
    """Make one job's output; what runs in the worker. Never raises for a failed job.

    ``limits`` are the submitting process's :mod:`maskrender.limits`, applied here so a
    raised limit holds in spawned workers and on a cluster too.
    """
    if limits:
        from maskrender import limits as settings

        for name, value in limits.items():
            setattr(settings, name, value)
    if resume and is_complete(job.output):
        return ("skipped", None, None, (), None)
    module, function, _ = KINDS[job.kind]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            make = getattr(importlib.import_module(module), function)
            make(job.result, job.output, job.image, **job.options)
        except Exception as err:  # a failed job is an outcome, not a crash of the batch
            details = None if isinstance(err, MaskRenderError) else traceback.format_exc()
            return ("failed", type(err).__name__, str(err), _texts(caught), details)
    return ("done", None, None, _texts(caught), None)


def _texts(caught: list[warnings.WarningMessage]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(w.message) for w in caught))


# -- executors ---------------------------------------------------------------------------------

def default_workers() -> int:
    """The number of CPU cores this process may use (its affinity where the OS tells)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def process_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """A process pool for batches: ``workers`` processes (default: :func:`default_workers`).

    Workers start with ``forkserver`` where the platform has it, else ``spawn``; never
    ``fork``: the calling process may have threads (a progress bar, a Dask client, the
    application's own), and forking a process with threads can deadlock a child on a lock
    some other thread held. Workers ignore SIGINT; the caller handles Ctrl-C.
    """
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    return ProcessPoolExecutor(max_workers=workers or default_workers(), mp_context=context,
                               initializer=_init_worker)


def _slots(executor: Executor) -> int:
    n = getattr(executor, "_max_workers", None)
    if isinstance(n, int) and n > 0:
        return n
    client = getattr(executor, "_client", None)     # dask.distributed's ClientExecutor
    if client is not None:
        with contextlib.suppress(Exception):
            return max(1, int(sum(client.nthreads().values())))
    return default_workers()


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
    try:
        executor: Executor = client.get_executor(pure=False)
        yield executor
    finally:
        client.close()


def _failure(job: Job, err: BaseException) -> Outcome:
    if isinstance(err, BrokenProcessPool):
        return Outcome(job, "failed", error="WorkerDied",
                       message="a worker process died (killed, out of memory, or crashed) while this job or one "
                               "running beside it was in progress; run the batch again with --resume")
    return Outcome(job, "failed", error=type(err).__name__, message=str(err) or repr(err))


def render_batch(jobs: Iterable[Job], executor: Executor | None = None, *, workers: int | None = None,
                 resume: bool = False, max_in_flight: int | None = None,
                 stop: threading.Event | None = None) -> Iterator[Outcome]:
    """Run ``jobs`` on ``executor``; yield one :class:`Outcome` per job as each finishes.

    Parameters
    ----------
    jobs : iterable of Job
        Consumed lazily: at most ``max_in_flight`` jobs are submitted and not yet yielded.
    executor : concurrent.futures.Executor, optional
        Any executor that can pickle a :class:`Job`: a ``ProcessPoolExecutor``,
        ``dask.distributed.Client(...).get_executor()``, a ``ThreadPoolExecutor`` (works,
        but rendering is CPU-bound, and warnings, which Python records per process, may
        be reported with the wrong job). Default: a :func:`process_pool` of ``workers``
        processes, shut down at the end and replaced if a worker dies (the jobs running
        then fail as ``WorkerDied``). An executor you pass is not shut down.
    resume : bool
        Skip (outcome ``"skipped"``) jobs whose output :func:`is_complete` already.
    max_in_flight : int, optional
        Default: twice the executor's workers.
    stop : threading.Event, optional
        Set it (from a signal handler, another thread) to end the batch early: no more
        jobs start, those running finish and are yielded, then the iteration ends.

    A failed job is an outcome, never an exception. Outputs are identical whatever the
    executor or the number of workers; the order of outcomes is the order of completion.
    On Ctrl-C (``KeyboardInterrupt``) no more jobs start; the outcomes of those already
    running are yielded as they finish, then ``KeyboardInterrupt`` is raised.

    Examples
    --------
    >>> import tempfile, os
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> out = tempfile.mkdtemp()
    >>> jobs = [Job("fixtures/acne.json", os.path.join(out, "acne.png"), "fixtures/portrait.jpg",
    ...             options={"masks": "original"}),
    ...         Job("fixtures/broken/empty.json", os.path.join(out, "empty.png"))]
    >>> with ThreadPoolExecutor(1) as pool:
    ...     for outcome in render_batch(jobs, pool):
    ...         print(outcome.status, outcome.job.result.name, outcome.error)
    done acne.json None
    failed empty.json ParseError
    """
    own_pool = process_pool(workers) if executor is None else None
    pool: Executor = own_pool or executor  # type: ignore[assignment]
    limit = max(1, max_in_flight or 2 * _slots(pool))
    settings = _limits()
    pending: dict[Future[WorkerResult], Job] = {}
    source = iter(jobs)
    exhausted = interrupted = stopping = False
    try:
        while True:
            while not exhausted and len(pending) < limit:
                job = next(source, None)
                if job is None:
                    exhausted = True
                    break
                try:
                    future = pool.submit(execute, job, resume, settings)
                except BrokenProcessPool as err:
                    if own_pool is None:
                        yield _failure(job, err)
                        continue
                    own_pool.shutdown(wait=False, cancel_futures=True)   # a worker died: start afresh
                    pool = own_pool = process_pool(workers)
                    future = pool.submit(execute, job, resume, settings)
                pending[future] = job
            if not pending:
                break
            try:
                done, _ = wait(pending, timeout=None if stop is None else 0.2, return_when=FIRST_COMPLETED)
            except KeyboardInterrupt:
                if interrupted:                  # a second Ctrl-C: stop waiting
                    raise
                interrupted = True
                done = set()
            if not stopping and (interrupted or (stop is not None and stop.is_set())):
                stopping = exhausted = True      # submit no more, drop what has not started,
                for future in pending:           # and report what is running as it finishes
                    future.cancel()
            for future in [f for f in pending if f in done]:   # in submission order
                job = pending.pop(future)
                if future.cancelled():
                    continue
                try:
                    status, error, message, notes, details = future.result()
                except Exception as err:  # the executor failed (a worker died ...), not the job's code
                    yield _failure(job, err)
                    continue
                output = None if status == "failed" else job.output
                yield Outcome(job, status, output, error, message, notes, details)
        if interrupted:
            raise KeyboardInterrupt
    finally:
        for future in pending:
            future.cancel()
        if own_pool is not None:
            own_pool.shutdown(wait=True, cancel_futures=True)


# -- a whole batch: progress, errors.jsonl, summary ---------------------------------------------

@dataclass(frozen=True)
class Summary:
    """What a batch did. ``str()`` is the closing line of ``maskrender batch``."""

    done: int
    skipped: int
    failed: int
    elapsed: float
    warnings: int = 0
    interrupted: bool = False
    errors: Path | None = None
    """``errors.jsonl``, when some job failed."""

    @property
    def rate(self) -> float:
        """Images made per second of the batch."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def exit_status(self) -> int:
        """0: every job done or skipped; 1: some failed; 130: interrupted."""
        return 130 if self.interrupted else 1 if self.failed else 0

    def __str__(self) -> str:
        """``3 done, 1 skipped, 0 failed in 2.1 s (1.43 images/s)`` and what to do next."""
        line = (f"{self.done} done, {self.skipped} skipped, {self.failed} failed in {self.elapsed:.1f} s "
                f"({self.rate:.2f} images/s)")
        if self.warnings:
            line += f"; {self.warnings} warning{'s' if self.warnings != 1 else ''}"
        if self.errors is not None:
            line += f"; failures listed in {self.errors}"
        if self.interrupted:
            line += "; interrupted: run it again with --resume to finish"
        return line


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[bool]:
    """Hold an exclusive lock on ``folder`` (True), or yield False where there is no flock."""
    try:
        import fcntl
    except ImportError:  # Windows
        yield False
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BatchError(f"{folder}: another batch is writing into this folder") from None
        yield True
    finally:
        os.close(fd)


def _remove_stale_parts(folder: Path) -> None:
    """Temporary files a killed batch left (``.NAME.xxxxxxxx.part``)."""
    for entry in os.scandir(folder):
        if _PART.match(entry.name) and entry.is_file(follow_symlinks=False):
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


class _ErrorLog:
    """``errors.jsonl``: one complete line per failed job, created on the first failure."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[str] | None = None
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # a stale list from an earlier run (or a symlink): never written through

    def write(self, outcome: Outcome) -> None:
        if self._fh is None:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            self._fh = os.fdopen(os.open(self.path, flags, 0o644), "w", encoding="utf-8")
        record: dict[str, Any] = {"job": outcome.job.describe(), "error": outcome.error, "message": outcome.message}
        if outcome.details:
            record["traceback"] = outcome.details
        self._fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._fh.flush()

    def close(self) -> Path | None:
        if self._fh is None:
            return None
        self._fh.close()
        return self.path


def run_batch(jobs: Iterable[Job], out_dir: str | os.PathLike[str], *, executor: Executor | None = None,
              workers: int | None = None, scheduler: str | None = None, resume: bool = False,
              progress: bool = False, messages: IO[str] | None = None,
              max_in_flight: int | None = None) -> Summary:
    """Run a whole batch into ``out_dir``: what ``maskrender batch`` does after reading the jobs.

    Creates ``out_dir``, locks it against a second batch, removes temporary files a killed
    batch left there, runs :func:`render_batch` (on ``executor``; or on the Dask cluster at
    ``scheduler``; or on a process pool of ``workers``), records each failure as one line
    of ``out_dir/errors.jsonl`` (job, error class, message), and returns the counts.
    Ctrl-C (SIGINT, when called from the main thread) stops submitting, lets the jobs in
    progress finish and counts them, and returns with ``interrupted`` set; a second
    Ctrl-C abandons the jobs in progress.

    ``progress`` shows a progress bar on ``messages`` (default ``sys.stderr``); failures and
    each distinct warning are printed there too unless ``messages`` is None and
    ``progress`` is False.

    >>> import tempfile, os
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> out = tempfile.mkdtemp()
    >>> jobs = [Job("fixtures/acne.json", os.path.join(out, "acne.png"), "fixtures/portrait.jpg",
    ...             options={"masks": "original"})]
    >>> with ThreadPoolExecutor(1) as pool:
    ...     summary = run_batch(jobs, out, executor=pool)
    >>> summary.done, summary.failed, summary.exit_status
    (1, 0, 0)
    """
    if executor is not None and scheduler is not None:
        raise InputError("give an executor or a scheduler address, not both")
    out = Path(out_dir)
    stream = messages if messages is not None else (sys.stderr if progress else None)
    total = len(jobs) if isinstance(jobs, Sized) else None
    counts = {"done": 0, "skipped": 0, "failed": 0}
    seen: set[str] = set()
    n_warnings = 0
    interrupted = False
    with contextlib.ExitStack() as stack:
        if scheduler is not None:                # connect first: an unreachable cluster is a usage error
            executor = stack.enter_context(dask_executor(scheduler))
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise BatchError(f"{out}: cannot create the output folder: {err.strerror or err}") from None
        if stack.enter_context(_folder_lock(out)):
            _remove_stale_parts(out)
        log = _ErrorLog(out / ERRORS_FILE)
        bar = None
        if progress:
            from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]

            bar = stack.enter_context(tqdm(total=total, unit="img", file=stream, dynamic_ncols=True, smoothing=0.05))

        def say(line: str) -> None:
            if bar is not None:
                bar.write(line, file=stream)
            elif stream is not None:
                print(line, file=stream, flush=True)

        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            def on_interrupt(signum: int, frame: Any) -> None:
                if stop.is_set():                # a second Ctrl-C: abandon the jobs in progress
                    raise KeyboardInterrupt
                stop.set()                       # the first: let the jobs in progress finish

            stack.callback(signal.signal, signal.SIGINT, signal.signal(signal.SIGINT, on_interrupt))
        start = time.perf_counter()
        try:
            for outcome in render_batch(jobs, executor, workers=workers, resume=resume, max_in_flight=max_in_flight,
                                        stop=stop):
                counts[outcome.status] += 1
                for note in outcome.warnings:
                    n_warnings += 1
                    if note not in seen and len(seen) < 1000:
                        seen.add(note)
                        say(f"maskrender: warning: {outcome.job.label}: {note}")
                if outcome.status == "failed":
                    log.write(outcome)
                    say(f"maskrender: failed: {outcome.job.label}: {outcome.error}: {outcome.message}")
                if bar is not None:
                    bar.update(1)
                    if counts["failed"]:
                        bar.set_postfix(failed=counts["failed"], refresh=False)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            errors = log.close()
        elapsed = time.perf_counter() - start
        interrupted = interrupted or stop.is_set()
    return Summary(counts["done"], counts["skipped"], counts["failed"], elapsed, n_warnings, interrupted, errors)
