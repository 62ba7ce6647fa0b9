"""Photos in, pictures out: opening with clear errors, EXIF orientation, modes, atomic saving.

Photos of any common mode are accepted: ``RGB`` and ``RGBA`` stay as they are (alpha kept),
``L``/``LA``/``P``/``CMYK``/``I;16`` and other modes are converted to ``RGB`` (or ``RGBA``
when they carry transparency).  A transparent colour (a PNG ``tRNS`` key) is honoured as
alpha and then dropped, so it can never turn new pixels transparent.  16-bit images are
reduced to 8 bits with rounding, scaled by their real depth (a dark 16-bit PGM stays dark).

Colour: a photo with an ICC profile (Display P3 from phones, AdobeRGB, a grey or a CMYK profile) is
converted to sRGB once, here, by LittleCMS (Pillow's ``ImageCms``; relative colorimetric with black
point compensation); a photo without one is taken as sRGB. Every output is then sRGB, written without
a profile, so the photo shows as itself and each fill is the sRGB colour it names (``docs/colour.md``).
A profile that LittleCMS cannot read, or of another colour space than the pixels', is ignored.

What a photo carries besides pixels: its dpi goes on to every raster output (its profile does not:
the pixels are sRGB now); camera EXIF (with GPS), XMP and text chunks do not, unless asked
(``keep_metadata``).

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
import struct
from typing import IO, Any, Union

import numpy as np
import numpy.typing as npt
from PIL import Image, UnidentifiedImageError

from maskrender import limits
from maskrender.encode import encode
from maskrender.errors import ImageError, LimitError, MaskRenderError
from maskrender.files import open_regular
from maskrender.outputs import check_canvas

__all__ = ["PhotoSource", "embeddable", "open_photo", "strip_metadata"]

PhotoSource = Union[str, "os.PathLike[str]", bytes, IO[bytes], Image.Image, npt.NDArray[Any]]
"""A photo: a path, encoded bytes, a binary file object, a PIL image or a numpy array."""

"""Raster output formats by file extension (``.svg`` is handled by the SVG renderer)."""


# -- modes -------------------------------------------------------------------------------------------

def _sixteen_bit_top(im: Image.Image, fmt: str | None, arr: npt.NDArray[Any]) -> int:
    """The white level of an ``I``/``I;16`` image: 65535 for 16-bit files (PNG, PGM/PPM, TIFF I;16),
    else what the values suggest (a formatless image in 0..255 is read as 8-bit)."""
    if im.mode.startswith("I;16") or fmt in ("PNG", "PPM"):
        return 65535
    top = int(arr.max(initial=0))
    return 255 if top <= 255 else 65535 if top <= 65535 else top


def _rounded(arr: npt.NDArray[Any], top: int) -> npt.NDArray[np.uint8]:
    """``arr`` (0..top) scaled to 0..255, rounded to nearest."""
    wide = np.clip(arr.astype(np.int64), 0, top)
    out: npt.NDArray[np.uint8] = ((wide * 255 + top // 2) // top).astype(np.uint8)
    return out


def _key_alpha(im: Image.Image, key: Any) -> npt.NDArray[np.uint8] | None:
    """An alpha channel from a transparent colour (``tRNS``): 0 where a pixel is the key, else 255."""
    arr = np.asarray(im)
    if isinstance(key, int) and arr.ndim == 2:
        hit = arr == key
    elif isinstance(key, tuple) and arr.ndim == 3 and len(key) == arr.shape[2]:
        hit = (arr == np.asarray(key, dtype=arr.dtype)).all(axis=2)
    else:
        return None
    alpha: npt.NDArray[np.uint8] = np.where(hit, 0, 255).astype(np.uint8)
    return alpha


_SIXTEEN = ("I;16", "I;16B", "I;16L", "I;16N", "I")
_GREY = frozenset({"1", "L", "LA", "La", "F", *_SIXTEEN})


def _normalise(im: Image.Image, fmt: str | None = None) -> Image.Image:
    """``im`` as sRGB in RGB or RGBA (no transparency key, no ICC profile left in ``info``); ``fmt`` is
    the file's format."""
    if "icc_profile" not in im.info:  # most photos: LittleCMS (maskrender.colour, ~5 ms to import) not needed
        return _modes(im, fmt)
    from maskrender.colour import icc_of, to_srgb

    profile = icc_of(im)
    if profile is not None and im.mode == "CMYK":
        converted = to_srgb(im, profile, "CMYK")
        if converted is not None:
            converted.info = {k: v for k, v in im.info.items() if k != "icc_profile"}
            return converted
    out = _modes(im, fmt)
    if profile is not None:
        space = "L" if im.mode in _GREY else "RGB"
        source = out.getchannel("R") if space == "L" else out.convert("RGB") if out.mode == "RGBA" else out
        converted = to_srgb(source, profile, space)
        if converted is not None:
            if out.mode == "RGBA":
                converted.putalpha(out.getchannel("A"))
            converted.info = out.info
            out = converted
    out.info.pop("icc_profile", None)
    return out


def _modes(im: Image.Image, fmt: str | None) -> Image.Image:
    """``im`` as RGB or RGBA, its colour numbers as they are (no transparency key left in ``info``)."""
    key = im.info.get("transparency") if im.mode in ("L", "RGB", *_SIXTEEN) else None
    if im.mode in _SIXTEEN:
        arr = np.asarray(im)
        out = Image.fromarray(_rounded(arr, _sixteen_bit_top(im, fmt, arr)), mode="L").convert("RGB")
    elif im.mode == "F":
        arr = np.clip(np.nan_to_num(np.asarray(im, dtype=np.float32), nan=0.0) + 0.5, 0, 255).astype(np.uint8)
        out = Image.fromarray(arr, mode="L").convert("RGB")
    elif im.mode in ("RGB", "RGBA"):
        out = im
    else:
        transparent = im.mode in ("LA", "PA", "La", "RGBa") or (im.mode == "P" and "transparency" in im.info)
        out = im.convert("RGBA" if transparent else "RGB")
    if key is not None:
        alpha = _key_alpha(im, key)
        if alpha is not None:
            out = out.convert("RGBA")
            out.putalpha(Image.fromarray(alpha, mode="L"))
    if out is not im:
        out.info = {k: v for k, v in im.info.items() if k != "transparency"}
    else:
        out.info.pop("transparency", None)
    return out


# -- opening photos ----------------------------------------------------------------------------------

def _check_pixels(label: str, size: tuple[int, int], as_canvas: bool) -> None:
    w, h = size
    cap = limits.MAX_IMAGE_PIXELS
    if cap is not None and w * h > cap:
        raise LimitError(f"{label}: {w}x{h} = {w * h:,} pixels is more than the {cap:,} allowed "
                         "(maskrender.limits.MAX_IMAGE_PIXELS)")
    if as_canvas:
        check_canvas(size, f"{label}: an output the photo's size,")


def open_photo(source: PhotoSource, *, as_canvas: bool = False) -> Image.Image:
    """Open a photo as a PIL image in ``RGB`` or ``RGBA`` with EXIF orientation applied.

    Raises :class:`~maskrender.ImageError` for a missing, empty, truncated or non-image
    file (a named pipe or a device is refused without reading), and :class:`~maskrender.LimitError`
    for a decompression bomb. With ``as_canvas`` (the photo is the size of the output) its size is
    also checked against ``limits.MAX_CANVAS_PIXELS``, on the header, before any pixel is decoded.

    >>> open_photo("fixtures/portrait.jpg").size
    (512, 600)
    >>> open_photo(b"")
    Traceback (most recent call last):
    ...
    maskrender.errors.ImageError: <photo>: empty photo data
    """
    if isinstance(source, Image.Image):
        _check_pixels("<photo>", source.size, as_canvas)
        return _normalise(_oriented(source, shared=True), source.format)
    if isinstance(source, np.ndarray):
        if source.dtype.kind not in "uifb":
            raise ImageError(f"<photo>: a numpy array of dtype {source.dtype}: expected unsigned integers "
                             "(uint8, uint16), floats (0..1 or 0..255) or booleans")
        if source.ndim >= 2:
            if source.shape[0] == 0 or source.shape[1] == 0:
                raise ImageError(f"<photo>: a numpy array of shape {source.shape}: a photo needs pixels")
            _check_pixels("<photo>", (source.shape[1], source.shape[0]), as_canvas)
        return _normalise(_from_array(source))
    if not isinstance(source, (str, os.PathLike, bytes, bytearray)) and not callable(getattr(source, "read", None)):
        raise TypeError(f"photo: expected a path, encoded bytes, a binary file, a PIL image or a numpy array, "
                        f"not {type(source).__name__}")
    label = os.fspath(source) if isinstance(source, (str, os.PathLike)) else "<photo>"
    try:
        with contextlib.ExitStack() as stack:
            if isinstance(source, (bytes, bytearray)):
                if not source:
                    raise ImageError(f"{label}: empty photo data")
                fp: Any = io.BytesIO(source)
            elif isinstance(source, (str, os.PathLike)):
                fp = stack.enter_context(open_regular(source, label, "a photo", ImageError))
                if os.fstat(fp.fileno()).st_size == 0:
                    raise ImageError(f"{label}: empty file, expected a photo")
            else:
                fp = source
            # Pillow's own bomb check (its module-wide Image.MAX_IMAGE_PIXELS) runs in open(); ours runs on
            # the header's size before any pixel is decoded, without touching Pillow's global setting.
            with Image.open(fp) as im:
                _check_pixels(label, im.size, as_canvas)
                im.load()
                fmt = im.format
                return _normalise(_oriented(im, shared=False), fmt)   # loaded: valid after the ``with``
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
        raise ImageError(f"{label}: cannot read the photo: {err.strerror or err}") from None
    except (ValueError, SyntaxError, struct.error) as err:
        raise ImageError(f"{label}: broken image data: {err}") from None


def _oriented(im: Image.Image, *, shared: bool) -> Image.Image:
    """``im`` turned as its EXIF orientation says; EXIF too broken to read is dropped.  A new image,
    or ``im`` itself when nothing turns and it is not ``shared`` (the caller's, never drawn on)."""
    try:
        if im.getexif().get(_ORIENTATION) not in range(2, 9):  # nothing to turn: no copy of the pixels
            return im.copy() if shared else im
        from PIL import ImageOps  # a turned photo only (with ImagePalette: ~3 ms at every start otherwise)

        return ImageOps.exif_transpose(im) or im.copy()
    except (SyntaxError, ValueError, OSError, struct.error, KeyError, TypeError):
        plain = im.copy()
        plain.info.pop("exif", None)
        return plain


_ORIENTATION = 0x0112
"""The EXIF orientation tag (1: as stored; 2-8: mirrored and/or turned)."""


def _from_array(arr: npt.NDArray[Any]) -> Image.Image:
    if arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] in (1, 3, 4)):
        a = arr[:, :, 0] if arr.ndim == 3 and arr.shape[2] == 1 else arr
        if a.dtype.kind == "u" and a.dtype.itemsize == 2:     # either byte order ('>u2' from a big-endian file)
            a = _rounded(a, 65535)
        elif a.dtype.kind == "f":  # NaN is black, infinities the ends: no value left for a cast to warn about
            a = np.nan_to_num(a.astype(np.float32, copy=False), nan=0.0, posinf=255.0, neginf=0.0)
            with np.errstate(over="ignore"):
                a = np.clip(a * (255.0 if a.max(initial=0) <= 1.0 else 1.0) + 0.5, 0, 255).astype(np.uint8)
        elif a.dtype != np.uint8:
            a = np.clip(a, 0, 255).astype(np.uint8)
        return Image.fromarray(np.ascontiguousarray(a))
    raise ImageError(f"numpy photo of shape {arr.shape}: expected (H, W), (H, W, 3) or (H, W, 4)")


# -- metadata of embedded photos ------------------------------------------------------------------------

_PNG_KEEP = frozenset({b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB",
                       b"cICP", b"mDCV", b"cLLI", b"bKGD", b"pHYs", b"acTL", b"fcTL", b"fdAT"})
"""PNG chunks that say how the pixels look; everything else (eXIf, tEXt, zTXt, iTXt, tIME...) goes."""


def _strip_png(raw: bytes) -> bytes:
    out, pos = [raw[:8]], 8
    while pos < len(raw):
        (n,) = struct.unpack(">I", raw[pos:pos + 4])
        kind, end = raw[pos + 4:pos + 8], pos + 12 + n
        if end > len(raw):
            raise ValueError("truncated PNG chunk")
        if kind in _PNG_KEEP:
            out.append(raw[pos:end])
        pos = end
        if kind == b"IEND":
            break
    return b"".join(out)


def _strip_jpeg(raw: bytes) -> bytes:
    """Drop APP1 (EXIF, XMP), APP13 (IPTC) and the other application segments but JFIF (APP0),
    ICC profiles (APP2 ``ICC_PROFILE``) and Adobe's colour transform (APP14); comments (COM) stay."""
    out, pos = [raw[:2]], 2
    while pos + 4 <= len(raw):
        if raw[pos] != 0xFF:
            raise ValueError("not a JPEG marker")
        marker = raw[pos + 1]
        if marker == 0xDA:                      # start of scan: the rest is image data
            out.append(raw[pos:])
            return b"".join(out)
        (n,) = struct.unpack(">H", raw[pos + 2:pos + 4])
        segment = raw[pos:pos + 2 + n]
        app = 0xE0 <= marker <= 0xEF
        keep = not app or marker in (0xE0, 0xEE) or (
            marker == 0xE2 and segment[4:16] == b"ICC_PROFILE\x00")
        if keep:
            out.append(segment)
        pos += 2 + n
    raise ValueError("no image data in the JPEG")


def _strip_webp(raw: bytes) -> bytes:
    if raw[:4] != b"RIFF" or raw[8:12] != b"WEBP":
        raise ValueError("not a WebP")
    chunks, pos = [], 12
    while pos + 8 <= len(raw):
        kind = raw[pos:pos + 4]
        (n,) = struct.unpack("<I", raw[pos + 4:pos + 8])
        end = pos + 8 + n + (n & 1)
        if kind not in (b"EXIF", b"XMP "):
            chunk = bytearray(raw[pos:end])
            if kind == b"VP8X":
                chunk[8] &= ~0x0C & 0xFF         # the flags: no EXIF (0x08), no XMP (0x04)
            chunks.append(bytes(chunk))
        pos = end
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def strip_metadata(raw: bytes, fmt: str) -> bytes:
    """``raw`` photo bytes (``fmt`` ``JPEG``, ``PNG`` or ``WEBP``) without camera metadata, losslessly:
    EXIF (GPS, serial numbers, dates), XMP, IPTC and PNG text chunks (where tools keep EXIF and
    XMP too) go; pixels, the ICC profile, dpi, what else says how the pixels look, and a JPEG
    comment stay. Raises ``ValueError`` for bytes it cannot follow.

    >>> from PIL import Image
    >>> buf = io.BytesIO()
    >>> exif = Image.Exif(); exif[0x010F] = "Camera maker"
    >>> Image.new("RGB", (4, 4), (9, 9, 9)).save(buf, "JPEG", exif=exif.tobytes())
    >>> b"Camera maker" in buf.getvalue(), b"Camera maker" in strip_metadata(buf.getvalue(), "JPEG")
    (True, False)
    """
    strip = {"PNG": _strip_png, "JPEG": _strip_jpeg, "WEBP": _strip_webp}[fmt]
    return strip(raw)


_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def _raw_bytes(source: PhotoSource | None, photo: Image.Image) -> bytes | None:
    """The photo's encoded bytes, when they can be had and are of a sensible size for its pixels."""
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    if not isinstance(source, (str, os.PathLike)):
        return None
    bound = 4 * photo.width * photo.height + (1 << 20)   # larger is not a photo of these pixels alone
    try:
        with open_regular(source, os.fspath(source), "a photo", ImageError) as fh:
            raw = fh.read(bound + 1)
    except (OSError, MaskRenderError):
        return None
    return raw if len(raw) <= bound else None


def embeddable(source: PhotoSource | None, photo: Image.Image, *, keep_metadata: bool = False) -> tuple[bytes, str]:
    """Bytes and MIME type to embed ``photo`` (opened from ``source``) in an SVG.

    The photo's own JPEG/PNG/WebP bytes when they show exactly ``photo`` (8-bit RGB/RGBA, no EXIF
    rotation, sRGB: no profile or an sRGB one), with camera metadata removed by :func:`strip_metadata`
    unless ``keep_metadata``; else ``photo`` (converted to sRGB by :func:`open_photo`) encoded as PNG,
    without a profile, and without EXIF unless ``keep_metadata``.

    >>> photo = open_photo("fixtures/portrait.jpg")
    >>> data, mime = embeddable("fixtures/portrait.jpg", photo)
    >>> mime, data[:2]
    ('image/jpeg', b'\\xff\\xd8')
    """
    from maskrender.colour import icc_of, is_srgb

    raw = _raw_bytes(source, photo)
    if raw is not None:
        try:
            with Image.open(io.BytesIO(raw)) as im:
                fmt, mode, orientation, srgb = im.format, im.mode, im.getexif().get(0x0112, 1), is_srgb(icc_of(im))
        except (OSError, ValueError, SyntaxError, struct.error):
            fmt, mode, orientation, srgb = None, "", 1, False
        mime = _MIME.get(fmt or "")
        if mime and mode in ("RGB", "RGBA") and orientation in (0, 1) and photo.mode == mode and srgb:
            if keep_metadata:
                return raw, mime
            with contextlib.suppress(ValueError, struct.error, IndexError):
                return strip_metadata(raw, fmt or ""), mime
    return encode(photo, "PNG", keep_metadata=keep_metadata), "image/png"


