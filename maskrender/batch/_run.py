"""Running jobs: on any executor, bounded, one outcome per job as it finishes."""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maskrender.batch._executors import (
    dask_executor,
    default_workers,
    executor_lost,
    kill_workers,
    process_pool,
    slots,
)
from maskrender.batch._jobs import Job, Outcome
from maskrender.batch._records import WorkFolder
from maskrender.batch._resume import earlier_fingerprint, fingerprint, still_made_from
from maskrender.batch._review import has_review
from maskrender.batch._worker import Task, TaskResult, execute
from maskrender.defaults import BATCH_TIMEOUT

__all__ = ["DEFAULT_TIMEOUT", "dask_executor", "default_workers", "process_pool", "render_batch"]

DEFAULT_TIMEOUT = BATCH_TIMEOUT
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


NOT_RUN = "NotRun"
"""The error of the jobs a batch could not run because its executor failed (``--resume`` runs them)."""


def _lost(job: Job, error: str, reason: str, ran: bool) -> Outcome:
    what = "while it ran" if ran else "before it ran"
    return Outcome(job, "failed", error=error, message=f"not made: {reason} {what}; run the batch again with --resume")


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
    review: bool = False
    """Make each output's review data too (a thumbnail, the main metrics: ``maskrender batch --index``)."""

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
        self.lost: str | None = None
        """Why the executor was given up (its submit raised, its scheduler went away): what was not made fails."""
        self.digests: dict[tuple[Any, ...], bytes] = {}

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
        return Task(job, self.resume, self.settings, recorded, work, key, self._seconds(job), self.capture,
                    self.review and work is not None)

    def _trusted(self, job: Job) -> Outcome | None:
        """Resuming: skip, here and now, an output that is the very file ``made.jsonl`` recorded (inode, size,
        modification time: a rename keeps them, any rewrite changes them) whose inputs and options still give
        the recorded fingerprint. Nothing is decoded, nothing submitted."""
        if not self.resume or self.work is None or job.output.parent != self.out:
            return None
        record = self.made.get(job.output.name)
        if record is None or not still_made_from(job.output, record):
            return None
        if self.review and not has_review(record, self.work.path):
            return None                   # the worker keeps the output and makes what the review page needs
        made_from = record.get("made_from")
        if made_from != fingerprint(job, self.digests) and made_from != earlier_fingerprint(job):
            return None
        return Outcome(job, "skipped", job.output, review=record.get("review"))

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
                    return self._lose(job, err)
                self._new_pool()
                continue
            except Exception as err:      # a Dask client closed or cut off (ClosedClientError, ConnectionError)
                return self._lose(job, err)
            self.pending[future] = _Flight(job, self.pool, self.own is not None, time.monotonic())
            return None
        return None

    def _lose(self, job: Job, err: BaseException) -> Outcome:
        """The executor refused ``job``: it takes no more; this job and every one not yet submitted fail."""
        self.lost = self.lost or f"the executor failed ({type(err).__name__}: {str(err) or repr(err)})"
        self.exhausted = True
        return _lost(job, type(err).__name__, self.lost, ran=False)

    def _check_executor(self) -> Iterator[Outcome]:
        """A foreign executor whose cluster went away (a Dask scheduler that died) finishes nothing it holds:
        every job in flight fails now, rather than at its time limit."""
        reason = None if self.own is not None else executor_lost(self.pool)
        if reason is None:
            return
        self.lost = self.lost or reason
        self.exhausted = True
        for future, flight in list(self.pending.items()):
            future.cancel()
            del self.pending[future]
            yield _lost(flight.job, "ExecutorLost", self.lost, ran=True)

    def _unmade(self) -> Iterator[Outcome]:
        """With the executor lost: every job never submitted, as a failure (so ``errors.jsonl`` lists them)."""
        while self.suspects:
            yield _lost(self.suspects.popleft(), NOT_RUN, self.lost or "", ran=False)
        for job in self.source:
            yield _lost(job, NOT_RUN, self.lost or "", ran=False)

    def _fill(self) -> Iterator[Outcome]:
        if self.stopping or self.lost is not None:
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
            kept = self._trusted(job)
            if kept is not None:
                yield kept
                if self.stop is not None and self.stop.is_set():
                    break
                continue
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
            if flight is None:
                continue
            if future.cancelled():        # not by this batch (it forgets what it cancels): by the executor
                if not self.stopping:
                    yield from self._check_executor()
                    yield _lost(flight.job, "ExecutorLost" if self.lost else "Cancelled",
                                self.lost or "the executor cancelled it", ran=True)
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
                          result.details, result.review)

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
                    if self.suspects and not self.stopping and self.lost is None:
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
                yield from self._check_executor()
                yield from self._overdue()
            if self.lost is not None and not self.stopping:
                yield from self._unmade()
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
    ...             options={"mask_set": "original"}),
    ...         Job("fixtures/broken/empty.json", os.path.join(out, "empty.png"))]
    >>> with ThreadPoolExecutor(1) as pool:
    ...     for outcome in render_batch(jobs, pool):
    ...         print(outcome.status, outcome.job.result.name, outcome.error)
    done acne.json None
    failed empty.json ParseError
    """
    yield from _Runner(jobs, executor, workers, resume, max_in_flight, stop, timeout).outcomes()
