"""Colour management: photos with an ICC profile are converted to sRGB by LittleCMS, once, when opened.

Every maskrender output is sRGB and written without a profile (``docs/colour.md``): the fills are sRGB
colours, the SVG and HTML outputs are shown by browsers as sRGB, and the reports draw the photo next to
sRGB text and gauges. So a photo is converted when it is opened (:func:`maskrender.image.open_photo`),
from its profile (Display P3 from phones, AdobeRGB, a grey or a CMYK profile) to sRGB, with LittleCMS
through Pillow's ``ImageCms``: relative colorimetric intent with black point compensation (what
Photoshop and colour-managed viewers do for matrix profiles; colours outside sRGB are clipped).

A photo without a profile is sRGB; a profile that LittleCMS cannot read, or of another colour space
than the pixels', is ignored (as viewers ignore it); a profile that maps every colour within 1/255 of
itself (an sRGB profile) is no conversion at all, so an sRGB photo's pixels are untouched.

Transforms are built once per profile and kept (16 at most), behind a lock: a batch's photos share a
few profiles, and building one costs more than converting a photo.

>>> from PIL import Image
>>> im = Image.new("RGB", (2, 2), (200, 150, 120))
>>> to_srgb(im, ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(), "RGB") is None
True
"""

from __future__ import annotations

import hashlib
import io
import threading

import numpy as np
from PIL import Image, ImageCms

__all__ = ["icc_of", "is_srgb", "to_srgb"]

_SPACE = {"RGB": b"RGB ", "L": b"GRAY", "CMYK": b"CMYK"}
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_TRANSFORMS: dict[tuple[bytes, str], ImageCms.ImageCmsTransform | None] = {}
_TRANSFORMS_LOCK = threading.Lock()
_TRANSFORMS_KEPT = 16
"""Transforms cached by the profile's digest and the pixels' mode (a batch's photos share a few profiles)."""


def icc_of(im: Image.Image) -> bytes | None:
    """The ICC profile ``im`` carries (``info["icc_profile"]``), or ``None`` (none, or too short to be one).

    >>> icc_of(Image.new("RGB", (1, 1))) is None
    True
    """
    icc = im.info.get("icc_profile")
    return icc if isinstance(icc, bytes) and len(icc) >= 128 else None


def _identity(transform: ImageCms.ImageCmsTransform, mode: str) -> bool:
    """Whether ``transform`` leaves every colour within 1/255 (an sRGB profile, or one close to it)."""
    levels = np.arange(0, 256, 15, dtype=np.uint8)
    if mode == "RGB":
        grid = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), axis=-1).reshape(1, -1, 3)
        probe = Image.fromarray(np.ascontiguousarray(grid))
        expected = grid.astype(np.int16)
    elif mode == "L":
        probe = Image.fromarray(np.arange(256, dtype=np.uint8).reshape(1, -1))
        expected = np.repeat(np.arange(256, dtype=np.int16).reshape(1, -1, 1), 3, axis=2)
    else:
        return False
    got = np.asarray(ImageCms.applyTransform(probe, transform), dtype=np.int16)
    return bool(np.abs(got - expected).max() <= 1)


def _transform(profile: bytes, mode: str) -> ImageCms.ImageCmsTransform | None:
    """The LittleCMS transform from ``profile`` to sRGB for ``mode`` pixels; ``None`` when there is
    nothing to do (an sRGB profile) or the profile is unusable (not readable, another colour space)."""
    if profile[16:20] != _SPACE[mode]:
        return None
    key = (hashlib.sha256(profile).digest(), mode)
    with _TRANSFORMS_LOCK:
        if key in _TRANSFORMS:
            return _TRANSFORMS[key]
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        found: ImageCms.ImageCmsTransform | None = ImageCms.buildTransform(
            source, _SRGB, mode, "RGB", renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
            flags=ImageCms.Flags.BLACKPOINTCOMPENSATION)
        if found is not None and _identity(found, mode):
            found = None
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        found = None
    with _TRANSFORMS_LOCK:
        if len(_TRANSFORMS) >= _TRANSFORMS_KEPT:
            _TRANSFORMS.pop(next(iter(_TRANSFORMS)))
        _TRANSFORMS[key] = found
    return found


def to_srgb(im: Image.Image, profile: bytes, mode: str) -> Image.Image | None:
    """``im`` (mode ``mode``: RGB, L or CMYK) converted from ``profile`` to sRGB as RGB, or ``None``
    when the profile says sRGB already or cannot be used.

    >>> to_srgb(Image.new("CMYK", (1, 1)), b"not a profile" * 20, "CMYK") is None
    True
    """
    transform = _transform(profile, mode)
    if transform is None:
        return None
    if im.mode != mode:
        im = im.convert(mode)
    out = ImageCms.applyTransform(im, transform)
    assert out is not None
    return out


def is_srgb(profile: bytes | None) -> bool:
    """Whether pixels tagged with ``profile`` are shown as sRGB as they are: no profile, an sRGB
    one, or one LittleCMS cannot use (ignored, as viewers do).

    >>> from PIL import ImageCms
    >>> is_srgb(None), is_srgb(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    (True, True)
    """
    if profile is None or len(profile) < 128:
        return True
    mode = {b"RGB ": "RGB", b"GRAY": "L", b"CMYK": "CMYK"}.get(profile[16:20])
    return mode is None or _transform(profile, mode) is None

