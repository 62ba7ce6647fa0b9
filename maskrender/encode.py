"""Encode pictures: the main lever of render throughput.

Drawing a 2416x2416 overlay takes tens of milliseconds; encoding it as PNG with Pillow's
defaults takes 1.4-3 s (adaptive filtering, zlib level 6). For ``compress_level`` 1-3 (1 is
the default) PNG goes through a small writer of our own instead:

* every row uses PNG filter 2 ("Up": the difference with the row above), computed with one
  numpy subtraction; on photos it compresses about as well as Pillow's per-row adaptive
  choice and costs 5-10 ms instead of most of Pillow's time;
* deflate comes from ISA-L (``isal``, the optional ``maskrender[fast]`` extra) at the same
  level, or from the standard library's zlib when it is not installed;
* rows are filtered and compressed in bands, so memory stays at the compressed size plus a
  band, whatever the picture's size.

Measured on the W1 overlay (2416x2416 RGB, ``python -m benchmarks``): Pillow defaults
1.4 s / 4.88 MB; Pillow level 1 0.42 s / 5.89 MB; ours with ISA-L ~55 ms / 5.3 MB; ours with
stdlib zlib ~0.2 s / 5.6 MB. The pixels are identical (PNG is lossless); level 0 and levels
4-9 use Pillow's encoder (stored, or smallest files at Pillow's speed).

>>> from PIL import Image
>>> data = encode(Image.new("RGB", (64, 48), (10, 200, 30)), "PNG")
>>> data[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
True
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
from PIL import Image

from maskrender.errors import InputError, OutputError
from maskrender.formats import OUTPUT_FORMATS

__all__ = ["PNG_ICC_MAX", "encode", "png_encoder_name"]

_BAND_BYTES = 1 << 20
"""Raw bytes filtered and compressed at a time."""

_COLOR_TYPE = {"L": 0, "RGB": 2, "LA": 4, "RGBA": 6}

PNG_ICC_MAX = 1 << 20
"""The largest ICC profile put in a PNG: Pillow (and so maskrender) refuses to read a longer ``iCCP`` chunk
(printer and LUT profiles are 1-4 MB). Photos never get here with a profile (they are converted to sRGB
when opened); a caller's picture with a longer one is written untagged."""
_FILTER_UP = 2


def _isal() -> ModuleType | None:
    try:
        from isal import isal_zlib
    except ImportError:  # the optional accelerator is not installed
        return None
    return isal_zlib


def png_encoder_name(compress_level: int = 1, accelerate: bool = True) -> str:
    """What :func:`encode` uses for PNG at ``compress_level``, for reports.

    >>> png_encoder_name(6)
    'Pillow (adaptive filters, zlib level 6)'
    """
    if not 1 <= compress_level <= 3:
        return f"Pillow (adaptive filters, zlib level {compress_level})"
    lib = "ISA-L (isal)" if accelerate and _isal() is not None else "zlib (standard library)"
    return f"maskrender (Up filter, {lib} deflate level {compress_level})"


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(payload, zlib.crc32(kind)))


def _compressor(level: int, accelerate: bool) -> tuple[Callable[[Any], bytes], Callable[[], bytes]]:
    lib = _isal() if accelerate else None
    c = lib.compressobj(min(level, 3)) if lib is not None else zlib.compressobj(level)
    return c.compress, c.flush


class _Metadata:
    """What a picture carries besides pixels into its file: the ICC profile (when it describes the
    picture's colour space), dpi, and EXIF only when asked (``keep``)."""

    __slots__ = ("dpi", "exif", "icc")

    def __init__(self, image: Image.Image, keep: bool) -> None:
        icc = image.info.get("icc_profile")
        space = {"RGB": b"RGB ", "RGBA": b"RGB ", "L": b"GRAY", "LA": b"GRAY"}.get(image.mode)
        # a profile of another colour space (a CMYK photo's, once converted to RGB) would be wrong here
        self.icc: bytes | None = icc if isinstance(icc, bytes) and len(icc) >= 20 and icc[16:20] == space else None
        dpi = image.info.get("dpi")
        ok = isinstance(dpi, tuple) and len(dpi) == 2 and all(
            isinstance(d, (int, float)) and 0 < d < 1e6 for d in dpi)
        self.dpi: tuple[float, float] | None = (float(dpi[0]), float(dpi[1])) if ok else None  # type: ignore[index]
        exif = image.info.get("exif") if keep else None
        self.exif: bytes | None = exif if isinstance(exif, bytes) and exif else None

    def pillow(self) -> dict[str, Any]:
        """Keyword arguments for Pillow's ``save`` (nothing taken from ``info`` behind our back)."""
        params: dict[str, Any] = {"icc_profile": self.icc}
        if self.dpi is not None:
            params["dpi"] = self.dpi
        if self.exif is not None:
            params["exif"] = self.exif
        return params

    def png_chunks(self) -> list[bytes]:
        parts = []
        if self.icc and len(self.icc) <= PNG_ICC_MAX:
            parts.append(_chunk(b"iCCP", b"ICC Profile\x00\x00" + zlib.compress(self.icc)))
        if self.dpi is not None:
            ppm = [max(1, round(d / 0.0254)) for d in self.dpi]
            parts.append(_chunk(b"pHYs", struct.pack(">IIB", ppm[0], ppm[1], 1)))
        if self.exif is not None:
            parts.append(_chunk(b"eXIf", self.exif.removeprefix(b"Exif\x00\x00")))
        return parts


def _write_png(image: Image.Image, level: int, accelerate: bool, meta: _Metadata) -> bytes:
    """PNG bytes of an L, LA, RGB or RGBA image: Up filter on every row, deflate in bands."""
    w, h = image.size
    channels = len(image.mode)
    stride = w * channels
    header = struct.pack(">IIBBBBB", w, h, 8, _COLOR_TYPE[image.mode], 0, 0, 0)
    parts = [b"\x89PNG\r\n\x1a\n", _chunk(b"IHDR", header), *meta.png_chunks()]
    compress, flush = _compressor(level, accelerate)
    band_rows = max(1, _BAND_BYTES // max(stride, 1))
    idat: list[bytes] = []
    above = np.zeros(stride, dtype=np.uint8)
    for y0 in range(0, h, band_rows):
        y1 = min(h, y0 + band_rows)
        rows = np.asarray(image.crop((0, y0, w, y1)), dtype=np.uint8).reshape(y1 - y0, stride)
        band = np.empty((y1 - y0, stride + 1), dtype=np.uint8)
        band[:, 0] = _FILTER_UP
        np.subtract(rows[1:], rows[:-1], out=band[1:, 1:])
        np.subtract(rows[0], above, out=band[0, 1:])
        above = rows[-1].copy()
        idat.append(compress(band.data))
    idat.append(flush())
    # one IDAT chunk, its CRC run over the pieces: the compressed data is copied only once
    crc = zlib.crc32(b"IDAT")
    for piece in idat:
        crc = zlib.crc32(piece, crc)
    size = sum(len(piece) for piece in idat)
    if size > 0x7FFFFFFF:  # beyond one PNG chunk: let Pillow split it
        buf = io.BytesIO()
        image.save(buf, "PNG", compress_level=level, **meta.pillow())
        return buf.getvalue()
    parts += [struct.pack(">I", size), b"IDAT", *idat, struct.pack(">I", crc), _chunk(b"IEND", b"")]
    return b"".join(parts)


_BY_PILLOW = {f.pillow: f for f in OUTPUT_FORMATS.values() if f.pillow is not None}


def encode(image: Image.Image, fmt: str, *, compress_level: int = 1, quality: int = 90,
           accelerate: bool = True, keep_metadata: bool = False, label: str = "picture") -> bytes:
    """Encode a picture as PNG, JPEG or WEBP bytes.

    PNG ``compress_level`` 1-3 (1 by default) uses the fast writer described in the module
    docstring (ISA-L when installed and ``accelerate``, else the standard zlib); 0 and 4-9 use
    Pillow's encoder at that zlib level. Images in modes other than L, LA, RGB and RGBA, or
    with a transparency key, always go through Pillow. JPEG has no alpha: an RGBA picture is
    flattened on white. ``quality`` (JPEG, WebP) is 1-100.

    Every format gets the picture's ICC profile (``info["icc_profile"]``, when it is a profile of
    the picture's colour space, and for PNG not over :data:`PNG_ICC_MAX`) and its dpi (PNG, JPEG); EXIF
    only with ``keep_metadata``. JPEG is written 4:4:4 (no chroma subsampling), so thin masks keep
    their colour. Nothing
    else is taken from ``info``. The size is checked first: more pixels than
    ``limits.MAX_CANVAS_PIXELS`` is a :class:`~maskrender.LimitError`, a side beyond the format's
    (WebP 16,383 px, JPEG 65,535 px) an :class:`~maskrender.OutputError` naming ``label``.

    >>> encode(Image.new("RGB", (8, 8)), "JPEG", quality=101)
    Traceback (most recent call last):
    ...
    maskrender.errors.InputError: quality must be a whole number from 1 to 100, not 101
    >>> encode(Image.new("RGB", (16_384, 1)), "WEBP", label="o.webp")
    Traceback (most recent call last):
    ...
    maskrender.errors.OutputError: o.webp: 16384x1 is wider or taller than WebP's largest 16,383 pixels
    """
    from maskrender.outputs import check_picture

    found = _BY_PILLOW.get(fmt)
    if found is None:
        raise OutputError(f"unknown picture format {fmt!r}; expected one of PNG, JPEG, WEBP")
    for name, value, low, high in (("quality", quality, 1, 100), ("compress_level", compress_level, 0, 9)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise InputError(f"{name} must be a whole number from {low} to {high}, not {value!r}")
    check_picture(image.size, found, label)
    meta = _Metadata(image, keep_metadata)
    buf = io.BytesIO()
    if fmt == "PNG":
        fast = 1 <= compress_level <= 3 and image.mode in _COLOR_TYPE and "transparency" not in image.info
        if fast:
            return _write_png(image, compress_level, accelerate, meta)
        params = meta.pillow()
        if len(params["icc_profile"] or b"") > PNG_ICC_MAX:
            params["icc_profile"] = None
        image.save(buf, "PNG", compress_level=compress_level, **params)
    elif fmt == "JPEG":
        if image.mode == "RGBA":
            flat = Image.new("RGB", image.size, (255, 255, 255))
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        # 4:4:4 (no chroma subsampling): 4:2:0 halves the colour resolution, and a 1-2 px line or pore
        # takes the photo's colour instead of its own (66.8% of mask pixels within 16 of the PNG, 94.9% here)
        image.save(buf, "JPEG", quality=quality, subsampling=0, **meta.pillow())
    else:
        image.save(buf, "WEBP", quality=quality, **meta.pillow())
    return buf.getvalue()
