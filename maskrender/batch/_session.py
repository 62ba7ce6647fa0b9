"""A whole batch: the output folder, its lock, signals, progress, ``errors.jsonl``, the review page and a summary."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Sized
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from maskrender._jsonpath import printable
from maskrender.batch._executors import dask_executor
from maskrender.batch._index import IndexPage
from maskrender.batch._jobs import BatchError, Job, Outcome
from maskrender.batch._records import ERRORS_FILE, ErrorLog, WorkFolder
from maskrender.batch._run import DEFAULT_TIMEOUT, NOT_RUN, _Runner
from maskrender.errors import InputError

__all__ = ["Summary", "run_batch"]


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
    lost: str | None = None
    """Why the executor was given up before the end (jobs it did not make are failures: ``--resume`` makes them)."""
    index: Path | None = None
    """The review page, ``index.html``, when one was asked for."""

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
        if self.lost:
            line += f"; stopped early: {self.lost}; run it again with --resume to finish"
        if self.interrupted:
            line += "; interrupted: run it again with --resume to finish"
        if self.index is not None:
            line += f"; review page {self.index}"
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
              max_in_flight: int | None = None, timeout: float | None = DEFAULT_TIMEOUT,
              index: bool = False) -> Summary:
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

    An executor that fails (its ``submit`` raises, a Dask client loses its scheduler) ends the batch
    at once: the jobs it held and those not yet submitted are failures in ``errors.jsonl`` (``NotRun``,
    ``ExecutorLost``), the summary says why (:attr:`Summary.lost`), and ``resume`` makes them.

    ``index`` writes ``out_dir/index.html``, a review page of every job of the run (a thumbnail linked to
    its output, the main metric of each algorithm, failures with their messages; sorting, a filter),
    thumbnails made once in ``out_dir/.maskrender-batch/thumbs`` (:mod:`maskrender.batch._index`).

    ``progress`` shows a progress bar on ``messages`` (default ``sys.stderr``); failures and
    each distinct warning are printed there too unless ``messages`` is None and
    ``progress`` is False (failures that cannot be written to ``errors.jsonl`` are printed anyway).

    >>> import tempfile, os
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> out = tempfile.mkdtemp()
    >>> jobs = [Job("fixtures/acne.json", os.path.join(out, "acne.png"), "fixtures/portrait.jpg",
    ...             options={"mask_set": "original"})]
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
        page = IndexPage(out, total) if index else None
        if page is not None:
            page.check(jobs)
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
                         work.made() if resume else {}, index)
        not_run = 0
        try:
            for outcome in runner.outcomes():
                counts[outcome.status] += 1
                if page is not None:
                    page.add(outcome)
                for note in outcome.warnings:
                    n_warnings += 1
                    if note not in seen and len(seen) < 1000:
                        seen.add(note)
                        say(f"maskrender: warning: {outcome.job.label}: {note}")
                if outcome.status == "failed":
                    recorded = log.write(outcome)
                    not_run += outcome.error == NOT_RUN
                    if not_run < 2 or not recorded:      # the jobs an executor never took: one line says it
                        say(f"maskrender: failed: {outcome.job.label}: {outcome.error}: {outcome.message}"
                            + (" (and so every job after it)" if not_run else ""), anyway=not recorded)
                if bar is not None:
                    _advance(bar, outcome, counts)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            errors = log.close()
        elapsed = time.perf_counter() - start
        interrupted = interrupted or stop.is_set()
        written = page.write(work.path) if page is not None else None
    return Summary(counts["done"], counts["skipped"], counts["failed"], elapsed, n_warnings, interrupted, errors,
                   log.unrecorded, log.problem, runner.lost, written)


def _advance(bar: Any, outcome: Outcome, counts: dict[str, int]) -> None:
    """One more outcome on the progress bar. A job kept by ``--resume`` leaves the bar's total instead of
    counting, so the rate it shows is that of the jobs actually run."""
    if outcome.status == "skipped":
        bar.total = max(bar.n, (bar.total or 1) - 1) if bar.total is not None else None
        bar.set_postfix(skipped=counts["skipped"], failed=counts["failed"], refresh=False)
        bar.refresh()
        return
    bar.update(1)
    if counts["failed"] or counts["skipped"]:
        bar.set_postfix(skipped=counts["skipped"], failed=counts["failed"], refresh=False)
