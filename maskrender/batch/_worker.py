"""What runs in a batch worker: one job, what it was made from, its time limit, and the worker's
watch on the batch that started it.

:func:`execute` is the one function a batch submits (to any executor). It never raises for a
failed job: every failure is a :class:`TaskResult`. With a work folder it renders into a folder
of the run's own, records what the output was made from, then renames the output into place
(keeping an existing file's permissions), so an output is either whole or absent, and nothing the
batch did not create is ever removed.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import importlib
import json
import os
import secrets
import shutil
import signal
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from maskrender.batch._check import is_complete
from maskrender.batch._jobs import KINDS, PATH_OPTIONS, Job, Status
from maskrender.errors import MaskRenderError
from maskrender.files import open_regular

__all__ = ["Task", "TaskResult", "execute", "fingerprint", "init_worker"]


@dataclass(frozen=True)
class Task:
    """One job and how to run it (what a batch sends to a worker)."""

    job: Job
    resume: bool = False
    limits: Mapping[str, Any] | None = None
    """The submitting process's :mod:`maskrender.limits`, applied in the worker."""
    recorded: str | None = None
    """With ``resume``: what the existing output was recorded as made from, given only while the output is
    still the very file recorded (inode, size, modification time); ``""``: no such record, so it is made
    again; ``None``: no record is kept, an output that :func:`is_complete` is trusted."""
    work: str | None = None
    """A folder of this run's own to render in before the output is renamed into place; ``made.jsonl``
    beside it records what each output was made from (``None``: write the output directly)."""
    key: str = ""
    """The output's name in ``made.jsonl``."""
    timeout: float | None = None
    """Seconds the job may take (``None`` or 0: no limit)."""
    capture: bool = True
    """Collect the job's warnings (only where one job runs per process: warnings are process-wide)."""
    review: bool = False
    """Make what the review page shows of the output too (needs ``work``): a thumbnail, the main metrics."""


@dataclass(frozen=True)
class TaskResult:
    """What became of a task; :class:`~maskrender.batch.Outcome` adds the job."""

    status: Status
    error: str | None = None
    message: str | None = None
    warnings: tuple[str, ...] = ()
    details: str | None = None
    fingerprint: str | None = None
    review: Mapping[str, Any] | None = None


# -- the worker process --------------------------------------------------------------------------------

_OWN_WORKER = False
"""Set in processes the batch started (:func:`init_worker`): there, a job may use SIGALRM."""

_PR_SET_PDEATHSIG = 1


def init_worker(parent: int, memory: int | None = None) -> None:
    """Set up a worker process of the batch whose process id is ``parent``.

    Ctrl-C reaches the whole process group: the batch decides what to do, so workers ignore
    SIGINT. A worker must not outlive the batch (it would keep the batch's standard output and
    error open, hanging ``subprocess.run(..., timeout=)`` or ``| tee``): on Linux the kernel
    kills it when its parent dies (``PR_SET_PDEATHSIG``), and everywhere a watchdog thread
    exits when the worker's parent changes. ``memory`` (bytes) caps the worker's address space,
    so that one hostile job fails with ``MemoryError`` instead of the machine running out.
    """
    global _OWN_WORKER
    _OWN_WORKER = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if memory:
        with contextlib.suppress(ImportError, ValueError, OSError):
            import resource

            hard = resource.getrlimit(resource.RLIMIT_AS)[1]
            cap = memory if hard == resource.RLIM_INFINITY else min(memory, hard)
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:               # it died before the request: go now
        os._exit(1)
    threading.Thread(target=_watch, args=(parent,), name="maskrender-parent-watch", daemon=True).start()


def _watch(parent: int) -> None:
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:           # reparented: the batch is gone
            os._exit(1)


class _JobTimeout(BaseException):
    """Raised in a job that ran out of time (a BaseException, so no ``except Exception`` keeps it)."""


@contextlib.contextmanager
def _time_limit(seconds: float | None) -> Iterator[None]:
    """Raise :class:`_JobTimeout` in the job after ``seconds``, where that is possible: in a process
    the batch started, on its main thread (elsewhere the batch enforces the limit from outside)."""
    usable = _OWN_WORKER and seconds and threading.current_thread() is threading.main_thread() \
        and hasattr(signal, "setitimer")
    if not usable:
        yield
        return

    def expire(signum: int, frame: FrameType | None) -> None:
        raise _JobTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, float(seconds))   # type: ignore[arg-type]
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# -- what an output is made from --------------------------------------------------------------------------

def _canonical(value: Any) -> Any:
    """Options as plain JSON (dataclasses by their fields, paths as text), the same in every process."""
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {type(value).__name__: {f: _canonical(getattr(value, f)) for f in value.__dataclass_fields__}}
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value if isinstance(value, (str, int, float, bool, type(None))) else repr(value)


def _file_digest(path: Path, cache: dict[tuple[Any, ...], bytes] | None) -> bytes | None:
    """SHA-256 of one input file (``None``: unreadable), remembered in ``cache`` by what the file system says
    of it (device, inode, size, modification and change times), so that a photo many jobs share is read once."""
    try:
        with open_regular(path, os.fspath(path), "a file") as fh:   # never blocks on a FIFO
            st = os.fstat(fh.fileno())
            key = (os.fspath(path), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
            if cache is not None and key in cache:
                return cache[key]
            digest = hashlib.sha256()
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except (OSError, MaskRenderError):
        return None
    if cache is not None:
        if len(cache) > 4096:
            cache.clear()
        cache[key] = digest.digest()
    return digest.digest()


def fingerprint(job: Job, cache: dict[tuple[Any, ...], bytes] | None = None) -> str | None:
    """A SHA-256 of what ``job``'s output is made from: the kind, the output's format, every option,
    and the content of every input file (:meth:`Job.inputs`: the result, the photo, a catalogue and
    font files...). ``None`` if an input cannot be read (the job will fail). ``cache`` (a dict kept
    between calls) spares reading a file again that the file system says is unchanged.

    >>> from maskrender.batch import Job
    >>> a = fingerprint(Job("fixtures/acne.json", "/tmp/a.png", options={"mask_set": "original"}))
    >>> a == fingerprint(Job("fixtures/acne.json", "/tmp/b.png", options={"mask_set": "original"}))
    True
    >>> a == fingerprint(Job("fixtures/acne.json", "/tmp/a.png", options={"mask_set": "restored"}))
    False
    """
    digest = hashlib.sha256()
    head = {"kind": job.kind, "format": job.output.suffix.lower(), "options": _canonical(job.options)}
    digest.update(json.dumps(head, sort_keys=True, default=repr).encode("utf-8", "surrogatepass"))
    for path in job.inputs():
        content = _file_digest(path, cache)
        if content is None:
            return None
        digest.update(b"\0" + os.fsencode(path) + b"\0" + content)
    return digest.hexdigest()


def earlier_fingerprint(job: Job) -> str | None:
    """The fingerprint earlier versions recorded (every input streamed into one hash, before files were hashed
    one by one), for a job they fingerprinted whole (one that reads no catalogue or font file), so that the
    outputs they made are kept by ``--resume``; ``None`` for other jobs, or an unreadable input.

    >>> from maskrender.batch import Job
    >>> earlier_fingerprint(Job("fixtures/acne.json", "/tmp/a.png")) == fingerprint(Job("fixtures/acne.json",
    ...                                                                                  "/tmp/a.png"))
    False
    """
    inputs = job.inputs()
    if len(inputs) != len([p for p in (job.result, job.image, *(job.options.get(k) for k in PATH_OPTIONS))
                           if isinstance(p, Path)]):
        return None
    digest = hashlib.sha256()
    head = {"kind": job.kind, "format": job.output.suffix.lower(), "options": _canonical(job.options)}
    digest.update(json.dumps(head, sort_keys=True, default=repr).encode("utf-8", "surrogatepass"))
    for path in inputs:
        digest.update(b"\0" + os.fsencode(path) + b"\0")
        try:
            with open_regular(path, os.fspath(path), "a file") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
        except (OSError, MaskRenderError):
            return None
    return digest.hexdigest()


MADE = "made.jsonl"
"""The file in a batch's work folder recording what each output was made from, one line each."""


def _record(work: str, key: str, made_from: str, path: Path, review: Mapping[str, Any] | None = None) -> None:
    """Append one line to ``made.jsonl`` beside the run's folder ``work`` (one ``write`` in append mode: lines
    do not interleave). The output's inode, size and modification time tie the record to this very file
    (a rename keeps them); ``review`` is what the review page shows of it."""
    st = os.stat(path)
    record: dict[str, Any] = {"output": key, "made_from": made_from, "inode": st.st_ino, "size": st.st_size,
                              "mtime_ns": st.st_mtime_ns}
    if review is not None:
        record["review"] = review
    line = json.dumps(record, ensure_ascii=False) + "\n"
    with contextlib.suppress(OSError):  # no record only means: --resume makes it again
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(os.path.join(os.path.dirname(work), MADE), flags, 0o644)
        try:
            os.write(fd, line.encode("utf-8", "surrogatepass"))
        finally:
            os.close(fd)


def still_made_from(path: Path, record: Mapping[str, Any]) -> bool:
    """Whether ``path`` is still the very file ``record`` describes (inode, size, modification time)."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return (st.st_ino, st.st_size, st.st_mtime_ns) == (record.get("inode"), record.get("size"),
                                                         record.get("mtime_ns"))


def _place(made: Path, target: Path) -> None:
    """Rename ``made`` onto ``target``, with ``target``'s permissions if it is a file already."""
    with contextlib.suppress(OSError):
        st = os.lstat(target)
        if os.path.isfile(target) and not os.path.islink(target):
            os.chmod(made, st.st_mode & 0o777)
    os.replace(made, target)


# -- one job -----------------------------------------------------------------------------------------------

def _apply_limits(values: Mapping[str, Any] | None) -> None:
    if values:
        from maskrender import limits as settings

        for name, value in values.items():
            setattr(settings, name, value)


def _scratch(task: Task) -> Path | None:
    """A new folder of the run's own to make the output in; ``None`` (the output is made in place, by an
    atomic write of its own) when there is no work folder, or when the longer path would not fit the file
    system (an output folder near the path-length limit works as it does for ``render``)."""
    if task.work is None:
        return None
    scratch = Path(task.work) / secrets.token_hex(8)
    longest = len(os.fsencode(scratch / task.job.output.name)) + 16      # and a temporary name's suffix
    try:
        fits = longest < os.pathconf(task.work, "PC_PATH_MAX")
    except (OSError, ValueError, AttributeError):
        fits = longest < 4096
    if not fits:
        return None
    scratch.mkdir()
    return scratch


def _said(err: BaseException | str, scratch: Path | None, output: Path) -> str:
    """An error's message (or a warning's, a traceback), naming the output where it names the scratch file
    (the user never sees that)."""
    text = err if isinstance(err, str) else str(err) or repr(err)
    if scratch is not None:
        text = text.replace(os.fspath(scratch / output.name), os.fspath(output))
        text = text.replace(os.fspath(scratch), os.fspath(output.parent))
    return text


def _review(task: Task, output: Path) -> Mapping[str, Any] | None:
    if not task.review or task.work is None:
        return None
    from maskrender.batch._review import make_review

    return make_review(task.job, output, Path(task.work).parent)


def execute(task: Task) -> TaskResult:
    """Make one job's output; what runs in the worker. Never raises for a failed job."""
    _apply_limits(task.limits)
    job = task.job
    made_from = fingerprint(job) if task.work is not None else None
    recorded = bool(task.recorded) and made_from == task.recorded     # the very file recorded, made from the same
    if task.resume and (recorded or (task.recorded is None and is_complete(job.output))):
        review = _review(task, job.output)
        if review is not None and made_from is not None:
            _record(task.work or "", task.key, made_from, job.output, review)
        return TaskResult("skipped", fingerprint=made_from, review=review)
    module, function, _ = KINDS[job.kind]
    caught: list[warnings.WarningMessage] = []
    review = None
    with contextlib.ExitStack() as stack:
        if task.capture:
            caught = stack.enter_context(warnings.catch_warnings(record=True))
            warnings.simplefilter("always")
        scratch = None
        try:
            with _time_limit(task.timeout):
                make = getattr(importlib.import_module(module), function)
                from maskrender.outputs import refuse_inputs

                refuse_inputs(job.output, job.inputs())
                scratch = _scratch(task)
                made = job.output if scratch is None else scratch / job.output.name
                make(job.result, made, job.image, **job.options)
                review = _review(task, made)
                if made_from is not None and task.work is not None:
                    _record(task.work, task.key, made_from, made, review)
                if scratch is not None:
                    _place(made, job.output)
        except _JobTimeout:
            return TaskResult("failed", "TimeoutError", f"did not finish within {task.timeout:g} s (the batch's "
                              "timeout); stopped", _texts(caught))
        except Exception as err:  # a failed job is an outcome, not a crash of the batch
            details = None if isinstance(err, MaskRenderError) else traceback.format_exc()
            if isinstance(err, OSError) and scratch is not None:    # the rename into place
                from maskrender.errors import OutputError

                err = OutputError(f"{job.output}: cannot write: {err.strerror or err}")
                details = None
            return TaskResult("failed", type(err).__name__, _said(err, scratch, job.output),
                              _texts(caught, scratch, job.output), details and _said(details, scratch, job.output))
        finally:
            if scratch is not None:
                shutil.rmtree(scratch, ignore_errors=True)
    return TaskResult("done", warnings=_texts(caught, scratch, job.output), fingerprint=made_from, review=review)


def _texts(caught: list[warnings.WarningMessage], scratch: Path | None = None,
           output: Path | None = None) -> tuple[str, ...]:
    texts = (str(w.message) for w in caught)
    if scratch is not None and output is not None:
        texts = (_said(text, scratch, output) for text in texts)
    return tuple(dict.fromkeys(texts))
