"""Encode pictures: the main lever of render throughput.

Drawing a 2416x2416 overlay takes tens of milliseconds; encoding it as PNG with Pillow's
defaults takes about a second. The settings here are chosen on purpose and measured in
``benchmarks/``.
"""

from __future__ import annotations

import io

from PIL import Image

from maskrender.errors import OutputError

__all__ = ["encode"]


def encode(image: Image.Image, fmt: str, *, compress_level: int = 1, quality: int = 90) -> bytes:
    """Encode a picture as PNG, JPEG or WEBP bytes.

    PNG uses zlib level ``compress_level`` (1 by default: encoding dominates the time of a
    render, and level 1 is 3-4x faster than Pillow's default 6 for a few % more bytes).
    JPEG has no alpha: an RGBA picture is flattened on white.
    """
    buf = io.BytesIO()
    if fmt == "PNG":
        image.save(buf, "PNG", compress_level=compress_level)
    elif fmt == "JPEG":
        if image.mode == "RGBA":
            flat = Image.new("RGB", image.size, (255, 255, 255))
            flat.paste(image, mask=image.getchannel("A"))
            image = flat
        image.save(buf, "JPEG", quality=quality)
    elif fmt == "WEBP":
        image.save(buf, "WEBP", quality=quality)
    else:
        raise OutputError(f"unknown picture format {fmt!r}; expected one of PNG, JPEG, WEBP")
    return buf.getvalue()
