"""Atomic writing: a file is either its old self or complete, whatever happens to the writer.

:func:`atomic_write` writes the bytes where nobody sees them, then renames them over the target:

* on Linux the bytes go to an anonymous file in the target's folder (``O_TMPFILE``): a writer that
  dies (SIGKILL, out of memory, a power cut) leaves nothing behind, the kernel frees it; only when
  complete is it given a hidden name (``linkat``) and renamed over the target, at once;
* elsewhere, or where the file system has no ``O_TMPFILE``, they go to a hidden temporary
  ``.NAME.<pid>.<8 hex>.part`` beside the target, removed on any exception (``KeyboardInterrupt``
  too: Ctrl-C, and SIGTERM in the command line, :func:`terminate_as_interrupt`);
* a temporary left by a writer that was killed in between is removed by the next write of the same
  output: its name holds the writer's process id, and a process that no longer exists (on this
  machine) is not writing any more.

>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> atomic_write(os.path.join(folder, "o.png"), b"data")
>>> os.listdir(folder)
['o.png']
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from maskrender.errors import OutputError
from maskrender.outputs import check_name, name_max

__all__ = ["Terminated", "atomic_write", "temporary_name", "terminate_as_interrupt"]

_TAG = 8        # random hex characters in a temporary name
_PART = ".part"
_LEFTOVER = re.compile(r"\.(?P<name>.*)\.(?P<pid>[1-9][0-9]{0,9})\.[0-9a-f]{8}\.part", re.DOTALL)


def _shortened(name: str, room: int) -> str:
    """``name`` cut (at a character) to at most ``room`` bytes."""
    while len(os.fsencode(name)) > room:
        name = name[: max(0, len(name) - max(1, (len(os.fsencode(name)) - room) // 4))]
    return name


def _room(limit: int, pid: int) -> int:
    return limit - 3 - len(str(pid)) - _TAG - len(_PART)


def temporary_name(name: str, limit: int = 255, pid: int | None = None) -> str:
    """The name of a temporary file for ``name``: ``.NAME.<pid>.<8 hex>.part`` (``pid``: the writing
    process, this one by default), with ``NAME`` shortened (at a character) so that the whole stays
    within ``limit`` bytes.

    >>> len(temporary_name("x" * 250 + ".png").encode())
    255
    >>> temporary_name("visit.png", pid=4242)[:16], temporary_name("visit.png")[-5:]
    ('.visit.png.4242.', '.part')
    """
    pid = os.getpid() if pid is None else pid
    return f".{_shortened(name, _room(limit, pid))}.{pid}.{os.urandom(_TAG // 2).hex()}{_PART}"


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (one of another user's counts as alive)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


def _sweep(target: Path, limit: int) -> None:
    """Remove the temporaries of ``target`` that writers now dead left behind (SIGKILL between
    naming and renaming, or a named temporary where ``O_TMPFILE`` is not available)."""
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in entries:
        found = _LEFTOVER.fullmatch(entry.name)
        if found is None or not entry.name.startswith("."):
            continue
        pid = int(found["pid"])
        if found["name"] != _shortened(target.name, _room(limit, pid)) or _alive(pid):
            continue
        with contextlib.suppress(OSError):
            if entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)


def _named(target: Path, limit: int) -> tuple[int, str]:
    """A new, empty temporary file beside ``target``, created with mode ``0o666`` so that the kernel
    applies the process umask (reading the umask would mean setting it, a process-wide change)."""
    for _ in range(100):
        tmp = os.path.join(target.parent, temporary_name(target.name, limit))
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target}")


def _anonymous(folder: Path) -> int | None:
    """An unnamed file in ``folder`` (``O_TMPFILE``), or ``None`` where the system or file system has none."""
    flag = getattr(os, "O_TMPFILE", 0)
    if not flag or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError:  # EOPNOTSUPP, EISDIR (old kernels), EINVAL: name it instead
        return None


def _link(fd: int, target: Path, limit: int) -> str | None:
    """A hidden name beside ``target`` for the unnamed file ``fd``, or ``None`` if it cannot be linked.

    ``linkat(AT_FDCWD, "/proc/self/fd/N", folder, name, AT_SYMLINK_FOLLOW)``: Python calls ``linkat``
    only when a folder descriptor is given (else plain ``link()``, which links the ``/proc`` symlink
    itself and fails with EXDEV: every file was then written, and synced, twice)."""
    try:
        folder = os.open(target.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        for _ in range(100):
            name = temporary_name(target.name, limit)
            try:
                os.link(f"/proc/self/fd/{fd}", name, dst_dir_fd=folder, follow_symlinks=True)
            except FileExistsError:
                continue
            except (OSError, NotImplementedError):
                return None
            return os.path.join(target.parent, name)
    finally:
        os.close(folder)
    return None


def _existing_mode(target: Path) -> int | None:
    """The permission bits of the regular file ``target`` replaces (``None``: nothing, or a link)."""
    try:
        st = os.lstat(target)
    except OSError:
        return None
    return stat.S_IMODE(st.st_mode) & 0o777 if stat.S_ISREG(st.st_mode) else None


def _fill(fd: int, data: bytes, mode: int | None) -> None:
    if mode is not None and hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.fsync(fd)


def atomic_write(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` via an unseen (or hidden temporary) file in the same folder and a rename.

    A failure leaves no partial file; an existing file is replaced only when the new one
    is complete, and keeps its permissions (a 0600 file stays 0600); a new file gets the usual
    ones (``0o666`` less the umask).  A symlink at ``path`` is replaced, never written through.
    Temporaries of ``path`` left by killed writers are removed first.  Raises
    :class:`~maskrender.OutputError` when the place cannot be written, or the name is longer than
    the file system takes.

    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "out.bin")
    >>> atomic_write(target, b"data")
    >>> open(target, "rb").read(), os.listdir(os.path.dirname(target))
    (b'data', ['out.bin'])
    """
    target = Path(path)
    check_name(target)
    folder = target.parent
    try:
        if not folder.is_dir():
            raise OutputError(f"{target}: folder {folder} does not exist")
        if target.is_dir():
            raise OutputError(f"{target}: is a directory, expected a file name")
        limit = name_max(folder)
        _sweep(target, limit)
        mode = _existing_mode(target)
        fd = _anonymous(folder)
        tmp = None
        if fd is None:
            fd, tmp = _named(target, limit)
    except OSError as err:
        raise OutputError(f"{target}: cannot write in {folder}: {err.strerror or err}") from None
    try:
        try:
            _fill(fd, data, mode)
            if tmp is None:  # named only now, complete: a kill from here to the rename leaves what _sweep removes
                tmp = _link(fd, target, limit)
        finally:
            os.close(fd)
        if tmp is None:  # the unnamed file could not be named: write a named one instead
            fd, tmp = _named(target, limit)
            try:
                _fill(fd, data, mode)
            finally:
                os.close(fd)
        os.replace(tmp, target)
    except BaseException as err:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(err, OSError):
            raise OutputError(f"{target}: cannot write: {err.strerror or err}") from None
        raise


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised as an interrupt by :func:`terminate_as_interrupt` so that it cleans up as Ctrl-C."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """For a program's main (the ``maskrender`` command), never a library call: within the block,
    SIGTERM raises :class:`Terminated` (a ``KeyboardInterrupt``) in the main thread, so temporaries are
    removed, batches stop their workers and record what is unfinished, as on Ctrl-C. A handler the
    program set itself is left alone; the previous one is back when the block ends.

    >>> with terminate_as_interrupt():
    ...     signal.getsignal(signal.SIGTERM) is _raise_terminated
    True
    >>> signal.getsignal(signal.SIGTERM) is _raise_terminated
    False
    """
    sigterm = getattr(signal, "SIGTERM", None)
    if sigterm is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(sigterm)
    if previous not in (signal.SIG_DFL, None):
        yield
        return
    signal.signal(sigterm, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(sigterm, previous)
