"""Where outputs may go, and what size they may be: checked before any work or allocation.

Every writer (overlays, reports, batches) asks here first:

* :func:`check_output`: the extension names a format of that kind, the folder exists, the file
  name fits the file system (``NAME_MAX`` bytes; over-long paths too), and the output is none of
  the inputs (:func:`refuse_inputs`);
* :func:`refuse_inputs`: the output resolves (symlinks, ``..``, a folder reached through a link)
  to an input path, or is the same file (a hard link: same device and inode), or is an open
  input file object: an :class:`~maskrender.OutputError`;
* :func:`check_canvas`: width × height within ``limits.MAX_CANVAS_PIXELS`` and each side within
  what the rasteriser can address (:data:`MAX_SIDE`);
* :func:`check_picture`: :func:`check_canvas` plus the format's own largest side (WebP 16,383 px,
  JPEG 65,535 px, from :data:`maskrender.formats.OUTPUT_FORMATS`).

Examples
--------
>>> import os, tempfile
>>> folder = tempfile.mkdtemp()
>>> photo = os.path.join(folder, "p.png")
>>> _ = open(photo, "wb").write(b"not really a photo")
>>> check_output(os.path.join(folder, "o.png"), "overlay", [photo]).name
'png'
>>> os.symlink(folder, os.path.join(folder, "via"))
>>> check_output(os.path.join(folder, "via", "p.png"), "report", [photo])  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
maskrender.errors.OutputError: .../via/p.png: is the input .../p.png; refusing to overwrite an input
>>> check_picture((20_000, 400), "webp", "o.webp")
Traceback (most recent call last):
...
maskrender.errors.OutputError: o.webp: 20000x400 is wider or taller than WebP's largest 16,383 pixels
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from maskrender import limits
from maskrender.errors import LimitError, OutputError
from maskrender.formats import OUTPUT_FORMATS, OutputFormat, output_format

__all__ = ["MAX_SIDE", "check_canvas", "check_name", "check_output", "check_picture", "name_max", "refuse_inputs"]

MAX_SIDE = 524_287
"""The widest or tallest raster output: the rasteriser keeps sub-pixel positions in int32 at
1/4096 px, so ``x * 4096`` must stay below 2**31 (and Pillow cannot hand out a wider RGBA row)."""

_DEFAULT_NAME_MAX = 255


def name_max(folder: str | os.PathLike[str]) -> int:
    """The longest file name (in bytes) ``folder``'s file system takes (255 where it does not say).

    >>> name_max(".") >= 14
    True
    """
    try:
        n = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # no pathconf (Windows), or the folder is not there
        return _DEFAULT_NAME_MAX
    return n if isinstance(n, int) and n > 0 else _DEFAULT_NAME_MAX


def check_name(path: str | os.PathLike[str]) -> None:
    """Raise :class:`~maskrender.OutputError` unless ``path``'s file name and whole path fit the file system.

    >>> check_name("x" * 300 + ".png")
    Traceback (most recent call last):
    ...
    maskrender.errors.OutputError: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...xxxxxxxx.png: the file name is 304 \
bytes, more than the 255 this file system allows
    """
    text = os.fspath(path)
    folder = os.path.dirname(text) or "."
    size = len(os.fsencode(os.path.basename(text)))
    cap = name_max(folder)
    if size > cap:
        raise OutputError(f"{_short(text)}: the file name is {size:,} bytes, more than the {cap:,} this file "
                          "system allows")
    whole = len(os.fsencode(os.path.abspath(text)))
    try:
        path_cap = os.pathconf(folder, "PC_PATH_MAX")
    except (OSError, ValueError, AttributeError):
        path_cap = 4096
    if whole >= path_cap:
        raise OutputError(f"{_short(text)}: the path is {whole:,} bytes, more than the {path_cap - 1:,} this file "
                          "system allows")


def _short(text: str) -> str:
    """A long path shortened for a one-line message (its start and its end)."""
    return text if len(text) <= 100 else f"{text[:40]}...{text[-12:]}"


def _identity(source: Any) -> tuple[str | None, tuple[int, int] | None]:
    """``(real path, (device, inode))`` of an input, as far as it is a file; ``(None, None)`` otherwise."""
    if isinstance(source, (str, bytes, os.PathLike)) and not isinstance(source, bytes):
        path = os.fspath(source)
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            st = None
        return os.path.realpath(path), None if st is None else (st.st_dev, st.st_ino)
    fileno = getattr(source, "fileno", None)
    if callable(fileno):  # an open file: compare what it is, whatever its name
        try:
            st = os.fstat(fileno())
        except (OSError, ValueError, TypeError, AttributeError):  # io.BytesIO raises UnsupportedOperation
            return None, None
        name = getattr(source, "name", None)
        real = os.path.realpath(name) if isinstance(name, str) and os.path.isabs(name) else None
        return real, (st.st_dev, st.st_ino)
    return None, None


def refuse_inputs(output: str | os.PathLike[str], inputs: Iterable[Any]) -> None:
    """Raise :class:`~maskrender.OutputError` if ``output`` is one of ``inputs``.

    ``inputs`` may hold anything a render or report call takes (paths, file objects, bytes, images,
    ``None``); paths and open files are compared by their real path and by device and inode, so a
    symlinked folder, ``..`` or a hard link cannot make an output overwrite an input.

    >>> refuse_inputs("fixtures/../fixtures/acne.json", ["fixtures/acne.json"])
    Traceback (most recent call last):
    ...
    maskrender.errors.OutputError: fixtures/../fixtures/acne.json: is the input fixtures/acne.json; refusing to \
overwrite an input
    """
    out = os.fspath(output)
    real = os.path.realpath(out)
    try:
        st = os.stat(out)
        node: tuple[int, int] | None = (st.st_dev, st.st_ino)
    except (OSError, ValueError):
        node = None
    for source in inputs:
        if source is None:
            continue
        path, ident = _identity(source)
        if (path is not None and path == real) or (ident is not None and ident == node):
            shown = os.fspath(source) if isinstance(source, (str, os.PathLike)) else getattr(source, "name", "<file>")
            raise OutputError(f"{out}: is the input {shown}; refusing to overwrite an input")


def check_output(output: str | os.PathLike[str], kind: str, inputs: Iterable[Any] = (),
                 size: tuple[int, int] | None = None) -> OutputFormat:
    """Everything about an output path that can be checked before any work: the format its extension
    names (for ``kind``, ``overlay`` or ``report``), an existing folder, a file name and path the file
    system can hold, that it is none of ``inputs``, and, when the picture's ``size`` is known already,
    that the format can hold it (:func:`check_picture`). Returns the format.

    >>> check_output("no-such-folder/o.png", "overlay")
    Traceback (most recent call last):
    ...
    maskrender.errors.OutputError: no-such-folder/o.png: folder no-such-folder does not exist
    """
    text = os.fspath(output)
    if "\0" in text:
        raise OutputError(f"{_short(text)}: not a usable output path (a NUL character in the name)")
    refuse_inputs(output, inputs)  # first: overwriting an input is the one mistake that must never pass
    fmt = output_format(output, kind)
    check_name(text)
    folder = os.path.dirname(text) or "."
    try:
        if not os.path.isdir(folder):
            raise OutputError(f"{text}: folder {folder} does not exist")
        if os.path.isdir(text):
            raise OutputError(f"{text}: is a directory, expected a file name")
    except (OSError, ValueError) as err:  # a NUL in the name, a path the system refuses
        raise OutputError(f"{_short(text)}: not a usable output path ({err})") from None
    if size is not None and fmt.raster:
        check_picture(size, fmt, text)
    return fmt


def check_canvas(size: tuple[int, int], what: str = "output canvas") -> None:
    """Raise :class:`~maskrender.LimitError` if a picture of ``size`` cannot be made: more pixels than
    ``limits.MAX_CANVAS_PIXELS``, or a side over :data:`MAX_SIDE`. Check before allocating it.

    >>> check_canvas((2416, 2416))
    >>> check_canvas((100_000, 100_000))
    Traceback (most recent call last):
    ...
    maskrender.errors.LimitError: output canvas 100000x100000 is 10,000,000,000 pixels, more than the \
100,000,000 allowed (maskrender.limits.MAX_CANVAS_PIXELS)
    >>> check_canvas((600_000, 10))
    Traceback (most recent call last):
    ...
    maskrender.errors.LimitError: output canvas 600000x10: a side is longer than the 524,287 pixels a picture may have
    """
    w, h = size
    if w <= 0 or h <= 0:
        raise LimitError(f"{what} {w}x{h}: width and height must be positive")
    cap = limits.MAX_CANVAS_PIXELS
    if cap is not None and w * h > cap:
        raise LimitError(
            f"{what} {w}x{h} is {w * h:,} pixels, more than the {cap:,} allowed "
            "(maskrender.limits.MAX_CANVAS_PIXELS)"
        )
    if max(w, h) > MAX_SIDE:
        raise LimitError(f"{what} {w}x{h}: a side is longer than the {MAX_SIDE:,} pixels a picture may have")


def check_picture(size: tuple[int, int], fmt: str | OutputFormat, label: str = "output") -> None:
    """:func:`check_canvas`, then the format's largest side: an :class:`~maskrender.OutputError` naming
    ``label`` when, say, a WebP would be wider than 16,383 px. ``fmt`` is a format or its name."""
    check_canvas(size, f"{label}:" if label != "output" else "output canvas")
    found = fmt if isinstance(fmt, OutputFormat) else OUTPUT_FORMATS[fmt]
    if found.max_side is not None and max(size) > found.max_side:
        name = {"jpeg": "JPEG", "webp": "WebP", "png": "PNG"}.get(found.name, found.name)
        raise OutputError(f"{label}: {size[0]}x{size[1]} is wider or taller than {name}'s largest "
                          f"{found.max_side:,} pixels")
