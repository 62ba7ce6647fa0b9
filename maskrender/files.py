"""Opening a user's file without blocking: the one helper every stage that reads a path uses.

It lives below the parser so that reading a photo or a manifest does not load the JSON reader.
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

from maskrender.errors import MaskRenderError, ParseError

__all__ = ["open_regular"]

_KIND = {stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
         stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a directory"}


def open_regular(path: str | os.PathLike[str], label: str, expected: str,
                 error: type[MaskRenderError] = ParseError) -> BinaryIO:
    """Open ``path`` for binary reading if it is a regular file, else raise ``error`` (never blocks).

    The file is opened without waiting (``O_NONBLOCK``: a FIFO with no writer would otherwise block
    the open) and checked on the open descriptor, so it cannot be swapped after the check. Other
    ``OSError``\\ s (missing, no permission) propagate for the caller to word.

    >>> open_regular("/dev/zero", "/dev/zero", "a JSON file")
    Traceback (most recent call last):
    ...
    maskrender.errors.ParseError: /dev/zero: is a character device, not a regular file; expected a JSON file
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0) \
        | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = _KIND.get(stat.S_IFMT(mode), "not a regular file")
            tail = "," if stat.S_ISDIR(mode) else ", not a regular file;"
            raise error(f"{label}: is {kind}{tail} expected {expected}")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
