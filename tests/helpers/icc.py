"""ICC profiles for tests, built from their published primaries, white point and tone curves.

Pillow's ``ImageCms.createProfile`` makes only sRGB, Lab and XYZ; phone photos carry Display P3 and
print workflows AdobeRGB, grey and CMYK profiles. These are written here byte by byte (ICC v2, the
layout of the ICC.1:2001-04 specification) so that LittleCMS, reading them through ``ImageCms``, is
the oracle of every colour test: nothing of maskrender computes them.

>>> import io
>>> from PIL import ImageCms
>>> ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(display_p3()))).strip()
'Display P3 (test)'
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np

__all__ = ["adobe_rgb", "cmyk", "display_p3", "grey_gamma", "rgb_profile", "srgb_built"]

D50 = (0.9642, 1.0, 0.8249)
D65_XY = (0.3127, 0.3290)
_BRADFORD = np.array([[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]])


def _s15(v: float) -> bytes:
    return struct.pack(">i", round(v * 65536))


def _xyz(v: Sequence[float] | np.ndarray) -> bytes:
    return b"XYZ " + bytes(4) + b"".join(_s15(float(c)) for c in v)


def _desc(text: str) -> bytes:
    ascii_ = text.encode("ascii") + b"\0"
    return b"desc" + bytes(4) + struct.pack(">I", len(ascii_)) + ascii_ + bytes(4) + bytes(4) + bytes(2) + bytes(1) \
        + bytes(67)


def _srgb_curve() -> bytes:
    """The sRGB tone curve as a parametric curve (type 3)."""
    params = (2.4, 1 / 1.055, 0.055 / 1.055, 1 / 12.92, 0.04045)
    return b"para" + bytes(4) + struct.pack(">HH", 3, 0) + b"".join(_s15(p) for p in params)


def _gamma_curve(gamma: float) -> bytes:
    return b"curv" + bytes(4) + struct.pack(">IH", 1, round(gamma * 256)) + bytes(2)


def _assemble(space: bytes, device_class: bytes, tags: list[tuple[bytes, bytes]], pcs: bytes = b"XYZ ") -> bytes:
    offset = 128 + 4 + 12 * len(tags)
    table, body = [struct.pack(">I", len(tags))], b""
    for sig, data in tags:
        data += bytes(-len(data) % 4)
        table.append(sig + struct.pack(">II", offset + len(body), len(data)))
        body += data
    size = offset + len(body)
    header = bytearray(128)
    header[0:4] = struct.pack(">I", size)
    header[8:12] = bytes([2, 0x10, 0, 0])
    header[12:16] = device_class
    header[16:20] = space
    header[20:24] = pcs
    header[36:40] = b"acsp"
    header[68:80] = b"".join(_s15(c) for c in D50)
    return bytes(header) + b"".join(table) + body


def _xy_to_xyz(x: float, y: float) -> np.ndarray:
    return np.array([x / y, 1.0, (1 - x - y) / y])


def _colorants(primaries: Sequence[tuple[float, float]], white: tuple[float, float]) -> np.ndarray:
    """The D50-adapted XYZ of each primary (columns), Bradford-adapted from ``white``."""
    m = np.stack([_xy_to_xyz(*p) for p in primaries], axis=1)
    w = _xy_to_xyz(*white)
    m = m * np.linalg.solve(m, w)
    src, dst = _BRADFORD @ w, _BRADFORD @ np.array(D50)
    adapt = np.linalg.inv(_BRADFORD) @ np.diag(dst / src) @ _BRADFORD
    out: np.ndarray = adapt @ m
    return out


def rgb_profile(name: str, primaries: Sequence[tuple[float, float]], curve: bytes,
                white: tuple[float, float] = D65_XY) -> bytes:
    """A matrix/TRC RGB display profile: primaries and white as CIE xy, one tone curve for the three."""
    cols = _colorants(primaries, white)
    tags = [(b"desc", _desc(name)), (b"wtpt", _xyz(D50)),
            (b"rXYZ", _xyz(cols[:, 0])), (b"gXYZ", _xyz(cols[:, 1])), (b"bXYZ", _xyz(cols[:, 2])),
            (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve)]
    return _assemble(b"RGB ", b"mntr", tags)


def display_p3() -> bytes:
    """Display P3: DCI-P3 primaries, D65 white, the sRGB tone curve (what phones tag their photos with)."""
    return rgb_profile("Display P3 (test)", [(0.680, 0.320), (0.265, 0.690), (0.150, 0.060)], _srgb_curve())


def adobe_rgb() -> bytes:
    """AdobeRGB (1998): its primaries, D65 white, gamma 563/256."""
    return rgb_profile("AdobeRGB (test)", [(0.64, 0.33), (0.21, 0.71), (0.15, 0.06)], _gamma_curve(563 / 256))


def srgb_built() -> bytes:
    """sRGB built the same way (a check of this builder against ``ImageCms.createProfile("sRGB")``)."""
    return rgb_profile("sRGB (test)", [(0.64, 0.33), (0.30, 0.60), (0.15, 0.06)], _srgb_curve())


def grey_gamma(gamma: float = 1.8) -> bytes:
    """A grey display profile: D50 white, one tone curve ``gamma`` (1.8: the old Mac grey)."""
    tags = [(b"desc", _desc(f"Grey gamma {gamma:g} (test)")), (b"wtpt", _xyz(D50)), (b"kTRC", _gamma_curve(gamma))]
    return _assemble(b"GRAY", b"mntr", tags)


def _u16(v: float) -> int:
    return max(0, min(65535, round(v)))


def cmyk() -> bytes:
    """A CMYK output profile: a 2-point-per-ink grid (``lut16Type`` AToB0/AToB1) to PCS XYZ, each corner
    the XYZ of the naive separation ``R = (1 - C)(1 - K)`` ... shown in sRGB; no BToA (input only)."""
    srgb_to_xyz = _colorants([(0.64, 0.33), (0.30, 0.60), (0.15, 0.06)], D65_XY)

    def lin(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    grid: list[int] = []
    for c in (0, 1):                      # the first input channel varies slowest
        for m in (0, 1):
            for y in (0, 1):
                for k in (0, 1):
                    rgb = [lin((1 - ink) * (1 - k)) for ink in (c, m, y)]
                    xyz = srgb_to_xyz @ np.array(rgb)
                    grid += [_u16(v * 32768) for v in xyz]   # PCS XYZ in lut16: 1.0 = 0x8000
    identity = [0, 65535]
    lut = (b"mft2" + bytes(4) + bytes([4, 3, 2, 0])
           + b"".join(_s15(v) for v in (1, 0, 0, 0, 1, 0, 0, 0, 1))
           + struct.pack(">HH", 2, 2)
           + struct.pack(">8H", *(identity * 4))
           + struct.pack(f">{len(grid)}H", *grid)
           + struct.pack(">6H", *(identity * 3)))
    tags = [(b"desc", _desc("CMYK naive (test)")), (b"wtpt", _xyz(D50)), (b"A2B0", lut), (b"A2B1", lut)]
    return _assemble(b"CMYK", b"prtr", tags)

