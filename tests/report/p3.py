"""Photos carrying a Display P3 profile, and LittleCMS's sRGB view of them (the colour oracle).

Pillow's ``ImageCms.createProfile`` makes sRGB, Lab and XYZ only, so the Display P3 profile is
written here as the ICC v2 matrix/TRC profile phones embed (Apple's colorants, adapted to D50;
the sRGB tone curve as a 1024-entry table) and handed to LittleCMS through ``ImageCms``, which
does every conversion: the photo's sRGB numbers into P3 (what a phone writes), and back (what a
colour-managed viewer shows).
"""

from __future__ import annotations

import io
import struct

from PIL import Image, ImageCms

__all__ = ["display_p3", "p3_photo", "srgb_view"]

_D50 = (0.9642, 1.0, 0.8249)
_P3 = ((0.515102, 0.241196, -0.001053), (0.291965, 0.692236, 0.041882), (0.157153, 0.066561, 0.784209))
"""Display P3's red, green and blue colorants in the D50 connection space (Bradford-adapted)."""


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def _xyz(x: float, y: float, z: float) -> bytes:
    return b"XYZ " + b"\0" * 4 + _s15(x) + _s15(y) + _s15(z)


def _curve() -> bytes:
    def srgb(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    n = 1024
    table = b"".join(struct.pack(">H", round(srgb(i / (n - 1)) * 65535)) for i in range(n))
    return b"curv" + b"\0" * 4 + struct.pack(">I", n) + table


def _desc(text: str) -> bytes:
    ascii_ = text.encode("ascii") + b"\0"
    unicode_and_script = b"\0" * (4 + 4 + 3 + 67)  # no Unicode or ScriptCode description
    return b"desc" + b"\0" * 4 + struct.pack(">I", len(ascii_)) + ascii_ + unicode_and_script


def display_p3() -> bytes:
    """The bytes of a Display P3 ICC profile (v2, matrix/TRC).

    >>> from PIL import ImageCms
    >>> ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(display_p3()))).strip()
    'Display P3'
    """
    curve = _curve()
    tags = [(b"desc", _desc("Display P3")), (b"cprt", b"text" + b"\0" * 4 + b"No copyright, test data\0"),
            (b"wtpt", _xyz(*_D50)), (b"rXYZ", _xyz(*_P3[0])), (b"gXYZ", _xyz(*_P3[1])), (b"bXYZ", _xyz(*_P3[2])),
            (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve)]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for sig, body in tags:
        body += b"\0" * (-len(body) % 4)
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (struct.pack(">I", size) + b"lcms" + bytes([2, 0x10, 0, 0]) + b"mntrRGB XYZ " + bytes(12) + b"acsp"
              + b"APPL" + bytes(4) + bytes(8) + bytes(8) + struct.pack(">I", 0)
              + _s15(_D50[0]) + _s15(_D50[1]) + _s15(_D50[2]) + b"lcms" + bytes(16) + bytes(28))
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data


def _profile(data: bytes) -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(io.BytesIO(data))


def p3_photo(srgb: Image.Image) -> Image.Image:
    """``srgb`` re-expressed in Display P3 numbers with the P3 profile attached (as a phone writes it)."""
    out = ImageCms.profileToProfile(srgb.convert("RGB"), ImageCms.createProfile("sRGB"), _profile(display_p3()),
                                    renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC, outputMode="RGB")
    assert out is not None
    out.info["icc_profile"] = display_p3()
    return out


def srgb_view(photo: Image.Image) -> Image.Image:
    """What a colour-managed viewer shows of ``photo``: LittleCMS's conversion of its profile to sRGB."""
    icc = photo.info.get("icc_profile")
    if not icc:
        return photo.convert("RGB")
    out = ImageCms.profileToProfile(photo.convert("RGB"), _profile(icc), ImageCms.createProfile("sRGB"),
                                    renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC, outputMode="RGB")
    assert out is not None
    return out
