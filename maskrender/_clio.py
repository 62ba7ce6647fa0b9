"""The command line's files: ``-`` for standard input and output, pipes, and output folders made on demand.

The library refuses named pipes and devices (a server must never block on one); the command
line also takes the pipes a shell hands it: ``-`` (standard input), and ``/dev/stdin`` or
``/dev/fd/N`` (``<(...)``) when they are pipes.  A named pipe elsewhere on disk is still refused
(with no writer it would block).  What is read from a pipe is bounded by
``limits.MAX_INPUT_BYTES``, as a file is.

>>> import io
>>> len(read_pipe(io.BytesIO(b"[1, 2]"), "<stdin>"))
6
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from maskrender import limits
from maskrender.errors import LimitError, OutputError, ParseError

__all__ = ["STDIO", "one_blas_thread", "output_folders", "photo_argument", "read_pipe", "result_argument",
           "to_stdout"]

STDIO = "-"
"""The file name that stands for standard input (an input) or standard output (``-o -``)."""


def read_pipe(stream: IO[bytes], label: str) -> bytes:
    """Everything ``stream`` holds, refused past ``limits.MAX_INPUT_BYTES`` (read one byte beyond, no more)."""
    cap = limits.MAX_INPUT_BYTES
    try:
        data = stream.read() if cap is None else stream.read(cap + 1)
    except OSError as err:
        raise ParseError(f"{label}: cannot read: {err.strerror or err}") from None
    if cap is not None and len(data) > cap:
        raise LimitError(f"{label}: more than the {cap:,} bytes allowed (maskrender.limits.MAX_INPUT_BYTES)")
    return data


_HANDED = re.compile(r"/dev/stdin|/dev/fd/\d+|/proc/self/fd/\d+")
"""The names of descriptors the shell opened for this process."""


def _is_pipe(path: str) -> bool:
    """Whether ``path`` names a pipe the shell handed over (``/dev/stdin``, ``/dev/fd/63``)."""
    if not _HANDED.fullmatch(path):
        return False
    try:
        return stat.S_ISFIFO(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


class _Named:
    """Bytes with the name messages give them (``<stdin>``, ``/dev/fd/63``), for :func:`maskrender.load`."""

    def __init__(self, data: bytes, name: str) -> None:
        self._data, self.name = data, name

    def read(self, size: int = -1) -> bytes:
        out, self._data = (self._data, b"") if size < 0 else (self._data[:size], self._data[size:])
        return out


def _piped(value: str) -> tuple[bytes, str] | None:
    """The bytes of ``-`` (standard input) or of a pipe given by name, else ``None`` (a file: the library reads it)."""
    if value == STDIO:
        return read_pipe(sys.stdin.buffer, "<stdin>"), "<stdin>"
    if _is_pipe(value):
        with open(value, "rb") as fh:
            return read_pipe(fh, value), value
    return None


def result_argument(value: str, taken: list[str]) -> Any:
    """A result argument: a path, or what a pipe holds (as a named file object for ``load``)."""
    piped = _piped(value)
    if piped is None:
        return Path(value)  # a path argument is a path, even "[visit 1].json"
    _once(value, taken)
    return _Named(*piped)


def photo_argument(value: str | None, taken: list[str]) -> Any:
    """A photo argument: ``None``, a path, or the bytes a pipe holds."""
    if value is None:
        return None
    piped = _piped(value)
    if piped is None:
        return Path(value)
    _once(value, taken)
    return piped[0]


def _once(value: str, taken: list[str]) -> None:
    if value == STDIO and STDIO in taken:
        raise ParseError("standard input ('-') can be read once: give the result or the photo as a file")
    taken.append(value)


@contextmanager
def output_folders(output: str | None) -> Iterator[None]:
    """Create the missing folders of ``output`` (as ``batch`` does); remove them again if the command fails."""
    if output is None or output == STDIO:
        yield
        return
    made: list[Path] = []
    folder = Path(output).parent
    while not folder.exists() and folder != folder.parent:
        made.append(folder)
        folder = folder.parent
    try:
        for path in reversed(made):
            path.mkdir()
    except OSError as err:
        _remove(made)
        raise OutputError(f"{output}: cannot create folder {made[0]}: {err.strerror or err}") from None
    try:
        yield
    except BaseException:
        _remove(made)
        raise


def _remove(made: list[Path]) -> None:
    for path in made:  # deepest first; only if still empty
        try:
            path.rmdir()
        except OSError:
            break


def to_stdout(write: Callable[[str], Any], extension: str) -> None:
    """Run ``write(path)`` into a private temporary file ending in ``extension``, then copy it to
    standard output (for writers that take only paths, such as the exports)."""
    import shutil  # only here: ~2 ms at every start otherwise
    import tempfile

    folder = tempfile.mkdtemp(prefix="maskrender-")
    try:
        path = os.path.join(folder, "out" + extension)
        write(path)
        with open(path, "rb") as fh:
            shutil.copyfileobj(fh, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


BLAS_THREADS = "OPENBLAS_NUM_THREADS"
"""The variable numpy's OpenBLAS reads, once, when numpy is first imported."""


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """For a command: numpy, when this process has not imported it yet, loads OpenBLAS with one
    thread (``OPENBLAS_NUM_THREADS=1``, unless the user set it), and so do the batch workers the
    command starts; the variable is removed again at the end.

    maskrender makes no BLAS call, and OpenBLAS's pool of one thread per core, started with numpy,
    spins: 40-50 ms of CPU in every command on a 2-core machine (a tenth of a render's), taken
    from the render itself when other processes share the cores.  A process that imported numpy
    before keeps its pool (the setting is read at that import only).

    >>> import os
    >>> before = dict(os.environ)
    >>> with one_blas_thread():
    ...     pass
    >>> dict(os.environ) == before
    True
    """
    if "numpy" in sys.modules or BLAS_THREADS in os.environ:
        yield
        return
    os.environ[BLAS_THREADS] = "1"
    try:
        yield
    finally:
        os.environ.pop(BLAS_THREADS, None)
