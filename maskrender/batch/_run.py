"""Running jobs: on any executor, bounded, one outcome per job as it finishes; a whole batch."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sized
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from maskrender._paths import printable
from maskrender.batch._executors import dask_executor, default_workers, kill_workers, process_pool, slots
from maskrender.batch._jobs import BatchError, Job, Outcome
from maskrender.batch._records import ERRORS_FILE, ErrorLog, WorkFolder
from maskrender.batch._worker import Task, TaskResult, execute, still_made_from
from maskrender.errors import InputError

__all__ = ["DEFAULT_TIMEOUT", "ERRORS_FILE", "Summary", "dask_executor", "default_workers", "process_pool",
           "render_batch", "run_batch"]

DEFAULT_TIMEOUT = 600.0
"""Seconds a job of :func:`run_batch` (``maskrender batch``) may take, unless told otherwise: some
ten times what the largest input the limits allow takes."""

_POLL = 0.25
"""Seconds between looks at the clock (time limits) and at the stop event."""


def _limits() -> dict[str, Any]:
    from maskrender import limits

    return {name: getattr(limits, name) for name in limits.__all__}


def _failure(job: Job, err: BaseException | None, *, timeout: float | None = None) -> Outcome:
    if timeout is not None:
        return Outcome(job, "failed", error="TimeoutError",
                       message=f"did not finish within {timeout:g} s (the batch's timeout); its worker was stopped")
    if err is None or isinstance(err, BrokenProcessPool):
        return Outcome(job, "failed", error="WorkerDied",
                       message="its worker process died (killed, out of memory, or crashed) while it ran; run the "
                               "batch again with --resume")
    return Outcome(job, "failed", error=type(err).__name__, message=str(err) or repr(err))


@dataclass
class _Flight:
    job: Job
    pool: Executor
    owned: bool
    since: float
    seen_running: bool = False


@dataclass
class _Runner:
    """The loop of :func:`render_batch`: submits lazily, collects outcomes, and survives dead workers.

    When a worker of its own pool dies, every job then in flight is suspect: each is run again alone,
    so that only the one that kills its worker fails (``WorkerDied``). A job past its time limit is
    stopped from inside its worker (``SIGALRM``), or, stuck in C code, by killing the pool's workers;
    on other executors it is given up (``TimeoutError``) and its result ignored.
    """

    jobs: Iterable[Job]
    executor: Executor | None
    workers: int | None = None
    resume: bool = False
    max_in_flight: int | None = None
    stop: threading.Event | None = None
    timeout: float | None = None
    work: WorkFolder | None = None
    out: Path | None = None
    made: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.own = process_pool(self.workers) if self.executor is None else None
        self.pool: Executor = self.own or self.executor  # type: ignore[assignment]
        self.capture = isinstance(self.pool, ProcessPoolExecutor)   # one job per process: warnings are its own
        self.limit = max(1, self.max_in_flight or 2 * slots(self.pool))
        self.settings = _limits()
        self.pending: dict[Future[TaskResult], _Flight] = {}
        self.suspects: deque[Job] = deque()
        self.killed: set[Future[TaskResult]] = set()
        self.source = iter(self.jobs)
        self.exhausted = self.interrupted = self.stopping = False

    # -- submitting -------------------------------------------------------------------------------

    def _seconds(self, job: Job) -> float | None:
        value = job.timeout if job.timeout is not None else self.timeout
        return float(value) if value else None

    def _task(self, job: Job) -> Task:
        key, work, recorded = "", None, None
        if self.work is not None and self.work.run is not None and job.output.parent == self.out:
            key, work = job.output.name, os.fspath(self.work.run)
            record = self.made.get(key)
            recorded = record["made_from"] if record and still_made_from(job.output, record) else ""
        return Task(job, self.resume, self.settings, recorded, work, key, self._seconds(job), self.capture)

    def _new_pool(self) -> None:
        assert self.own is not None
        self.own.shutdown(wait=False, cancel_futures=True)
        self.own = process_pool(self.workers)
        self.pool = self.own

    def _submit(self, job: Job) -> Outcome | None:
        task = self._task(job)
        for attempt in (0, 1):
            try:
                future = self.pool.submit(execute, task)
            except (BrokenProcessPool, RuntimeError) as err:   # RuntimeError: a pool shut down under us
                if self.own is None or attempt:
                    return _failure(job, err)
                self._new_pool()
                continue
            self.pending[future] = _Flight(job, self.pool, self.own is not None, time.monotonic())
            return None
        return None

    def _fill(self) -> Iterator[Outcome]:
        if self.stopping:
            return
        if self.suspects:                 # alone, one at a time, so a dying worker names its job
            if not self.pending:
                failed = self._submit(self.suspects.popleft())
                if failed is not None:
                    yield failed
            return
        while not self.exhausted and len(self.pending) < self.limit:
            job = next(self.source, None)
            if job is None:
                self.exhausted = True
                break
            failed = self._submit(job)
            if failed is not None:
                yield failed

    # -- collecting -------------------------------------------------------------------------------

    def _broken(self, flight: _Flight, future: Future[TaskResult], err: BaseException) -> Iterator[Outcome]:
        """A pool's worker died: every job of that pool in flight went with it."""
        victims = [(future, flight)] + [(f, self.pending.pop(f)) for f in list(self.pending)
                                        if self.pending[f].pool is flight.pool]
        if flight.pool is self.own:
            self._new_pool()
        if self.stopping:                 # interrupted anyway: abandoned, made on --resume
            return
        if not flight.owned or len(victims) == 1:
            for f, v in victims:
                yield _failure(v.job, err, timeout=self._seconds(v.job) if f in self.killed else None)
            return
        self.suspects.extend(v.job for _, v in victims)

    def _finished(self, done: set[Future[TaskResult]]) -> Iterator[Outcome]:
        for future in [f for f in self.pending if f in done]:     # in submission order
            flight = self.pending.pop(future, None)
            if flight is None or future.cancelled():
                continue
            try:
                result = future.result()
            except BrokenProcessPool as err:
                yield from self._broken(flight, future, err)
                continue
            except Exception as err:  # the executor failed (a Dask worker killed too often ...), not the job
                yield _failure(flight.job, err)
                continue
            output = None if result.status == "failed" else flight.job.output
            yield Outcome(flight.job, result.status, output, result.error, result.message, result.warnings,
                          result.details)

    def _overdue(self) -> Iterator[Outcome]:
        now = time.monotonic()
        for future, flight in list(self.pending.items()):
            if not flight.seen_running and future.running():
                flight.seen_running, flight.since = True, now
            seconds = self._seconds(flight.job)
            if not seconds or future.done():
                continue
            if flight.pool is self.own:   # the worker stops it itself; this is for a job stuck in C code
                if now - flight.since > seconds * 1.25 + 5 and future not in self.killed:
                    self.killed.update(f for f, v in self.pending.items() if v.pool is flight.pool)
                    kill_workers(self.own)
            elif now - flight.since > seconds + 5:
                future.cancel()
                self.pending.pop(future, None)
                yield _failure(flight.job, None, timeout=seconds)

    def outcomes(self) -> Iterator[Outcome]:
        abandon = True
        try:
            while True:
                yield from self._fill()
                if not self.pending:
                    if self.suspects and not self.stopping:
                        continue
                    break
                try:
                    done, _ = wait(self.pending, timeout=_POLL, return_when=FIRST_COMPLETED)
                except KeyboardInterrupt:
                    if self.interrupted:      # a second Ctrl-C: stop waiting, abandon what runs
                        raise
                    self.interrupted = True
                    done = set()
                if not self.stopping and (self.interrupted or (self.stop is not None and self.stop.is_set())):
                    self.stopping = self.exhausted = True     # submit no more, drop what has not started
                    self.suspects.clear()
                    for future in self.pending:
                        future.cancel()
                yield from self._finished(done)
                yield from self._overdue()
            abandon = False
            if self.interrupted:
                raise KeyboardInterrupt
        except GeneratorExit:             # the caller stopped reading: let the jobs in progress finish
            abandon = False
            raise
        finally:
            for future in self.pending:
                future.cancel()
            if self.own is not None:
                if abandon:
                    kill_workers(self.own)
                self.own.shutdown(wait=True, cancel_futures=True)


def render_batch(jobs: Iterable[Job], executor: Executor | None = None, *, workers: int | None = None,
                 resume: bool = False, max_in_flight: int | None = None,
                 stop: threading.Event | None = None, timeout: float | None = None) -> Iterator[Outcome]:
    """Run ``jobs`` on ``executor``; yield one :class:`Outcome` per job as each finishes.

    Parameters
    ----------
    jobs : iterable of Job
        Consumed lazily: at most ``max_in_flight`` jobs are submitted and not yet yielded.
    executor : concurrent.futures.Executor, optional
        Any executor that can pickle a :class:`Job`: a ``ProcessPoolExecutor``,
        ``dask.distributed.Client(...).get_executor()``, a ``ThreadPoolExecutor``. Default: a
        :func:`process_pool` of ``workers`` processes, shut down at the end, replaced if a worker
        dies (the jobs it was running are run again one by one; the one that kills its worker
        fails as ``WorkerDied``). An executor you pass is not shut down. Warnings are collected
        per job (``Outcome.warnings``) on process pools only: on threads (and Dask workers, which
        run jobs in threads) Python's warnings machinery is process-wide, so they go to it as
        usual and outcomes carry none.
    resume : bool
        Skip (outcome ``"skipped"``) jobs whose output :func:`is_complete` already. (:func:`run_batch`
        also checks that the output was made from the same inputs and options.)
    max_in_flight : int, optional
        Default: twice the executor's workers.
    stop : threading.Event, optional
        Set it (from a signal handler, another thread) to end the batch early: no more
        jobs start, those running finish and are yielded, then the iteration ends.
    timeout : float, optional
        Seconds a job may take (a job's own ``timeout`` wins; ``None``/0: no limit). A job past it
        fails as ``TimeoutError``.

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
    yield from _Runner(jobs, executor, workers, resume, max_in_flight, stop, timeout).outcomes()


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
    unrecorded: int = 0
    """Failures that could not be written to ``errors.jsonl`` (they were printed instead)."""
    problem: str | None = None
    """Why ``errors.jsonl`` could not be written."""

    @property
    def rate(self) -> float:
        """Images made per second of the batch."""
        return self.done / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def exit_status(self) -> int:
        """0: every job done or skipped; 1: some failed; 130: interrupted (SIGINT or SIGTERM)."""
        return 130 if self.interrupted else 1 if self.failed else 0

    def __str__(self) -> str:
        """``3 done, 1 skipped, 0 failed in 2.1 s (1.43 images/s)`` and what to do next."""
        line = (f"{self.done} done, {self.skipped} skipped, {self.failed} failed in {self.elapsed:.1f} s "
                f"({self.rate:.2f} images/s)")
        if self.warnings:
            line += f"; {self.warnings} warning{'s' if self.warnings != 1 else ''}"
        if self.errors is not None:
            line += f"; failures listed in {self.errors}"
        if self.unrecorded:
            line += (f"; {self.unrecorded} failure{'s' if self.unrecorded != 1 else ''} could not be written to "
                     f"{ERRORS_FILE} ({self.problem}) and {'were' if self.unrecorded != 1 else 'was'} printed above")
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


def _on_signals(stack: contextlib.ExitStack, stop: threading.Event) -> None:
    """SIGINT and SIGTERM: the first stops the batch after the jobs in progress, the second abandons them."""
    if threading.current_thread() is not threading.main_thread():
        return

    def on_signal(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    for sig in (signal.SIGINT, getattr(signal, "SIGTERM", None)):
        if sig is not None:
            stack.callback(signal.signal, sig, signal.signal(sig, on_signal))


def run_batch(jobs: Iterable[Job], out_dir: str | os.PathLike[str], *, executor: Executor | None = None,
              workers: int | None = None, scheduler: str | None = None, resume: bool = False,
              progress: bool = False, messages: IO[str] | None = None,
              max_in_flight: int | None = None, timeout: float | None = DEFAULT_TIMEOUT) -> Summary:
    """Run a whole batch into ``out_dir``: what ``maskrender batch`` does after reading the jobs.

    Creates ``out_dir``, locks it against a second batch, runs :func:`render_batch` (on ``executor``;
    or on the Dask cluster at ``scheduler``; or on a process pool of ``workers``), records each
    failure as one line of ``out_dir/errors.jsonl`` (job, error class, message), and returns the
    counts. Outputs in ``out_dir`` are made in the batch's own folder ``out_dir/.maskrender-batch``
    and renamed into place; what each was made from (a hash of its inputs and options) is recorded
    there, and ``resume`` skips only outputs that are complete and made from the same. Only
    files the batch made are ever removed. Jobs take at most ``timeout`` seconds each (a job's
    own ``timeout`` wins; ``None``/0: no limit).

    SIGINT (Ctrl-C) and SIGTERM, when called from the main thread: the first stops submitting,
    lets the jobs in progress finish and counts them, and returns with ``interrupted`` set; a
    second abandons the jobs in progress (their workers are stopped).

    ``progress`` shows a progress bar on ``messages`` (default ``sys.stderr``); failures and
    each distinct warning are printed there too unless ``messages`` is None and
    ``progress`` is False (failures that cannot be written to ``errors.jsonl`` are printed anyway).

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
    out = Path(os.path.abspath(out_dir))
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
        locked = stack.enter_context(_folder_lock(out))
        work = WorkFolder(out)
        work.open(clean=locked)
        stack.callback(work.close)
        log = ErrorLog(out / ERRORS_FILE)
        bar = None
        if progress:
            from tqdm import tqdm  # type: ignore[import-untyped,unused-ignore]

            bar = stack.enter_context(tqdm(total=total, unit="img", file=stream, dynamic_ncols=True, smoothing=0.05))

        def say(line: str, anyway: bool = False) -> None:
            target = stream if stream is not None or not anyway else sys.stderr
            if bar is not None:
                bar.write(printable(line), file=target)
            elif target is not None:
                print(printable(line), file=target, flush=True)

        stop = threading.Event()
        _on_signals(stack, stop)
        start = time.perf_counter()
        runner = _Runner(jobs, executor, workers, resume, max_in_flight, stop, timeout, work, out,
                         work.made() if resume else {})
        try:
            for outcome in runner.outcomes():
                counts[outcome.status] += 1
                for note in outcome.warnings:
                    n_warnings += 1
                    if note not in seen and len(seen) < 1000:
                        seen.add(note)
                        say(f"maskrender: warning: {outcome.job.label}: {note}")
                if outcome.status == "failed":
                    recorded = log.write(outcome)
                    say(f"maskrender: failed: {outcome.job.label}: {outcome.error}: {outcome.message}",
                        anyway=not recorded)
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
    return Summary(counts["done"], counts["skipped"], counts["failed"], elapsed, n_warnings, interrupted, errors,
                   log.unrecorded, log.problem)
