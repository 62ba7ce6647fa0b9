"""Photos in, pictures out: opening with clear errors, EXIF orientation, modes, atomic saving.

Photos of any common mode are accepted: ``RGB`` and ``RGBA`` stay as they are (alpha kept),
``L``/``LA``/``P``/``CMYK``/``I;16`` and other modes are converted to ``RGB`` (or ``RGBA``
when they carry transparency).  16-bit images are reduced to 8 bits.

Examples
--------
>>> im = open_photo("fixtures/portrait.jpg")
>>> im.mode, im.size
('RGB', (512, 600))
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import struct
from pathlib import Path
from typing import IO, Any, Union

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from maskrender import limits
from maskrender.encode import encode
from maskrender.errors import ImageError, LimitError, MaskRenderError, OutputError
from maskrender.formats import FORMATS as ALL_FORMATS

__all__ = ["FORMATS", "PhotoSource", "atomic_write", "check_canvas", "open_photo", "save_image"]

PhotoSource = Union[str, "os.PathLike[str]", bytes, IO[bytes], Image.Image, npt.NDArray[Any]]
"""A photo: a path, encoded bytes, a binary file object, a PIL image or a numpy array."""

FORMATS = {ext: f.pillow for f in ALL_FORMATS.values() if f.pillow is not None for ext in f.extensions}
"""Raster output formats by file extension (``.svg`` is handled by the SVG renderer)."""


def check_canvas(size: tuple[int, int], what: str = "output canvas") -> None:
    """Raise :class:`~maskrender.LimitError` if ``size`` exceeds ``limits.MAX_CANVAS_PIXELS``.

    >>> check_canvas((2416, 2416))
    >>> check_canvas((100_000, 100_000))
    Traceback (most recent call last):
    ...
    maskrender.errors.LimitError: output canvas 100000x100000 is 10,000,000,000 pixels, more than the \
100,000,000 allowed (maskrender.limits.MAX_CANVAS_PIXELS)
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


def _normalise(im: Image.Image) -> Image.Image:
    if im.mode in ("RGB", "RGBA"):
        return im
    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(im, dtype=np.uint32)
        top = 65535 if im.mode.startswith("I;16") or arr.max(initial=0) > 255 else 255
        return Image.fromarray((arr * 255 // max(top, 1)).astype(np.uint8), mode="L").convert("RGB")
    if im.mode == "F":
        arr = np.clip(np.asarray(im, dtype=np.float32), 0, 255).astype(np.uint8)
        return Image.fromarray(arr, mode="L").convert("RGB")
    transparent = im.mode in ("LA", "PA", "La", "RGBa") or (im.mode == "P" and "transparency" in im.info)
    return im.convert("RGBA" if transparent else "RGB")


def open_photo(source: PhotoSource) -> Image.Image:
    """Open a photo as a PIL image in ``RGB`` or ``RGBA`` with EXIF orientation applied.

    Raises :class:`~maskrender.ImageError` for a missing, empty, truncated or non-image
    file, and :class:`~maskrender.LimitError` for a decompression bomb.

    >>> open_photo("fixtures/portrait.jpg").size
    (512, 600)
    >>> open_photo(b"")
    Traceback (most recent call last):
    ...
    maskrender.errors.ImageError: <photo>: empty photo data
    """
    if isinstance(source, Image.Image):
        return _normalise(ImageOps.exif_transpose(source) or source)
    if isinstance(source, np.ndarray):
        return _normalise(_from_array(source))
    label = os.fspath(source) if isinstance(source, (str, os.PathLike)) else "<photo>"
    try:
        if isinstance(source, (bytes, bytearray)):
            if not source:
                raise ImageError(f"{label}: empty photo data")
            fp: Any = io.BytesIO(source)
        else:
            fp = source
        if isinstance(fp, (str, os.PathLike)) and os.path.getsize(fp) == 0:
            raise ImageError(f"{label}: empty file, expected a photo")
        # Pillow's own bomb check (its module-wide Image.MAX_IMAGE_PIXELS) runs in open(); ours runs on
        # the header's size before any pixel is decoded, without touching Pillow's global setting.
        with Image.open(fp) as im:
            cap = limits.MAX_IMAGE_PIXELS
            if cap is not None and im.width * im.height > cap:
                raise LimitError(f"{label}: {im.width}x{im.height} = {im.width * im.height:,} pixels is more than "
                                 f"the {cap:,} allowed (maskrender.limits.MAX_IMAGE_PIXELS)")
            im.load()
            oriented = ImageOps.exif_transpose(im) or im
            return _normalise(oriented.copy() if oriented is im else oriented)
    except MaskRenderError:  # ours (an ImageError is also a ValueError): as raised
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise LimitError(f"{label}: {err} (maskrender.limits.MAX_IMAGE_PIXELS)") from None
    except FileNotFoundError:
        raise ImageError(f"{label}: no such file") from None
    except IsADirectoryError:
        raise ImageError(f"{label}: is a directory, expected a photo") from None
    except UnidentifiedImageError:
        raise ImageError(f"{label}: not an image Pillow can read") from None
    except OSError as err:
        raise ImageError(f"{label}: cannot read the photo: {err}") from None
    except (ValueError, SyntaxError, struct.error) as err:
        raise ImageError(f"{label}: broken image data: {err}") from None


def _from_array(arr: npt.NDArray[Any]) -> Image.Image:
    if arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] in (1, 3, 4)):
        a = arr[:, :, 0] if arr.ndim == 3 and arr.shape[2] == 1 else arr
        if a.dtype == np.uint16:
            a = (a.astype(np.uint32) * 255 // 65535).astype(np.uint8)
        elif a.dtype.kind == "f":
            a = np.clip(a * (255.0 if a.max(initial=0) <= 1.0 else 1.0) + 0.5, 0, 255).astype(np.uint8)
        elif a.dtype != np.uint8:
            a = np.clip(a, 0, 255).astype(np.uint8)
        return Image.fromarray(np.ascontiguousarray(a))
    raise ImageError(f"numpy photo of shape {arr.shape}: expected (H, W), (H, W, 3) or (H, W, 4)")


def _temporary(target: Path) -> tuple[int, str]:
    """A new, empty temporary file beside ``target``, created with mode ``0o666`` so that the kernel
    applies the process umask (reading the umask would mean setting it, a process-wide change)."""
    for _ in range(100):
        tmp = os.path.join(target.parent, f".{target.name}.{secrets.token_hex(4)}.part")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target}")


def atomic_write(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename.

    A failure leaves no partial file; an existing file is replaced only when the new one
    is complete.  The file gets the usual permissions (``0o666`` less the umask).  Raises
    :class:`~maskrender.OutputError` when the place cannot be written.

    >>> import tempfile, os
    >>> target = os.path.join(tempfile.mkdtemp(), "out.bin")
    >>> atomic_write(target, b"data")
    >>> open(target, "rb").read(), os.listdir(os.path.dirname(target))
    (b'data', ['out.bin'])
    """
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"{target}: folder {folder} does not exist")
    if target.is_dir():
        raise OutputError(f"{target}: is a directory, expected a file name")
    try:
        fd, tmp = _temporary(target)
    except OSError as err:
        raise OutputError(f"{target}: cannot write in {folder}: {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(err, OSError):
            raise OutputError(f"{target}: cannot write: {err.strerror or err}") from None
        raise


def save_image(image: Image.Image, path: str | os.PathLike[str], *, compress_level: int = 1,
               quality: int = 90) -> None:
    """Encode by the extension of ``path`` (.png, .jpg, .jpeg, .webp) and write atomically.

    >>> import os, tempfile
    >>> from PIL import Image
    >>> path = os.path.join(tempfile.mkdtemp(), "red.webp")
    >>> save_image(Image.new("RGB", (8, 8), (255, 0, 0)), path)
    >>> Image.open(path).format
    'WEBP'
    """
    ext = Path(path).suffix.lower()
    fmt = FORMATS.get(ext)
    if fmt is None:
        raise OutputError(f"{path}: unknown output extension {ext or '(none)'}; expected .png, .jpg, .webp or .svg")
    atomic_write(path, encode(image, fmt, compress_level=compress_level, quality=quality))
