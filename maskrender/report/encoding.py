"""A report page as picture bytes.

Where a report may be written, and the refusal to overwrite any of its inputs, are
:func:`maskrender.outputs.check_output`'s, as for every product.  Pictures carry their resolution
(PNG ``pHYs``, JPEG JFIF density) and JPEG keeps full colour resolution (4:4:4), so coloured text stays sharp.
"""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

from maskrender.defaults import QUALITY, REPORT_COMPRESS_LEVEL
from maskrender.encode import encode
from maskrender.errors import OutputError

__all__ = ["encode_picture"]


def _phys(dpi: float) -> bytes:
    per_metre = round(dpi / 0.0254)
    payload = struct.pack(">IIB", per_metre, per_metre, 1)
    crc = zlib.crc32(payload, zlib.crc32(b"pHYs"))
    return struct.pack(">I", len(payload)) + b"pHYs" + payload + struct.pack(">I", crc)


def encode_picture(image: Image.Image, fmt: str, *, dpi: float, quality: int = QUALITY,
                   compress_level: int = REPORT_COMPRESS_LEVEL) -> bytes:
    """PNG, JPEG (4:4:4) or WebP (lossless) bytes of a report picture, with its resolution.

    >>> png = encode_picture(Image.new("RGB", (4, 4)), "PNG", dpi=150, compress_level=1)
    >>> [round(v, 1) for v in Image.open(io.BytesIO(png)).info["dpi"]]  # PNG stores pixels per metre
    [150.0, 150.0]
    >>> jpg = encode_picture(Image.new("RGB", (16, 16)), "JPEG", dpi=150)
    >>> from PIL import JpegImagePlugin; JpegImagePlugin.get_sampling(Image.open(io.BytesIO(jpg)))
    0
    """
    if not 1 <= quality <= 100:
        raise OutputError(f"quality must be from 1 to 100, not {quality}")
    if fmt == "PNG":
        if not 0 <= compress_level <= 9:
            raise OutputError(f"compress_level must be 0 to 9, not {compress_level}")
        data = encode(image, "PNG", compress_level=compress_level)
        at = 8 + 25  # after the signature and IHDR
        return data[:at] + _phys(dpi) + data[at:]
    buf = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(buf, "JPEG", quality=quality, subsampling=0, dpi=(dpi, dpi), optimize=True)
    elif fmt == "WEBP":  # lossless: lossy WebP is always 4:2:0, and thin mask lines and small text lose their
        # colour (36% of a lines report's mask pixels within 16/255 at quality 90); ``quality`` is the effort
        image.save(buf, "WEBP", lossless=True, quality=quality, method=4)
    else:  # pragma: no cover - the callers pass picture formats only
        raise OutputError(f"unknown picture format {fmt!r}")
    return buf.getvalue()
