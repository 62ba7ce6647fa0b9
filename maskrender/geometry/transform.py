"""Map masks from their view_box onto images.

The map is affine: ``x_px = (x - min_x) * sx``, ``y_px = (y - min_y) * sy`` with
``sx = W / width`` and ``sy = H / height``.  When the aspect ratios agree the scale is
uniform; when they differ by more than 1% (almost always the wrong image) :func:`fit`
warns, or raises in strict mode.

Examples
--------
>>> from maskrender.model import ViewBox
>>> t = fit(ViewBox.parse("0 0 2416 2416"), (512, 512))
>>> round(t.sx, 6), t.uniform
(0.211921, True)
>>> t.apply_xy([[2416.0, 1208.0]]).tolist()
[[512.0, 256.0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from maskrender.errors import AspectWarning, ImageError, InputError, warn
from maskrender.model import Mask, ViewBox

__all__ = ["ASPECT_TOLERANCE", "Transform", "aspect_mismatch", "fit", "frame_of"]

ASPECT_TOLERANCE = 0.01
"""Relative aspect-ratio difference above which :func:`fit` warns (or refuses in strict mode)."""


@dataclass(frozen=True, slots=True)
class Transform:
    """An axis-aligned affine map from view_box units to output pixels."""

    sx: float
    sy: float
    tx: float
    ty: float

    @property
    def uniform(self) -> bool:
        """Whether x and y scale alike."""
        return abs(self.sx - self.sy) <= 1e-9 * max(abs(self.sx), abs(self.sy))

    @property
    def scale(self) -> float:
        """The geometric mean of the two scales (for sizes given in view_box units)."""
        return float(np.sqrt(self.sx * self.sy))

    def apply_xy(self, xy: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Map an ``(N, 2)`` array of coordinates."""
        arr = np.asarray(xy, dtype=np.float64)
        out: npt.NDArray[np.float64] = arr * np.array([self.sx, self.sy]) + np.array([self.tx, self.ty])
        return out

    def apply(self, geom: BaseGeometry) -> BaseGeometry:
        """Map a shapely geometry (vectorised over all its coordinates)."""
        return shapely.transform(geom, self.apply_xy)

    def apply_all(self, geoms: Sequence[BaseGeometry]) -> npt.NDArray[np.object_]:
        """Map many geometries with one vectorised call (an object array of the results)."""
        arr = np.empty(len(geoms), dtype=object)
        arr[:] = list(geoms)
        out: npt.NDArray[np.object_] = shapely.transform(arr, self.apply_xy)
        return out

    def then(self, other: Transform) -> Transform:
        """This map followed by ``other``."""
        return Transform(
            self.sx * other.sx, self.sy * other.sy, self.tx * other.sx + other.tx, self.ty * other.sy + other.ty
        )


def frame_of(mask: Mask, image_size: tuple[int, int] | None) -> ViewBox:
    """The frame a mask's coordinates live in (its view_box, else the image, else its extent).

    >>> import maskrender as mr
    >>> m = mr.load(b'{"mask_type": "point_mask", "features": [{"geometry": '
    ...             b'{"type": "Point", "coordinates": [99.5, 20]}}]}').masks()[0]
    >>> str(frame_of(m, (640, 480))), str(frame_of(m, None))
    ('0 0 640 480', '0 0 100 20')
    """
    if mask.view_box is not None:
        return mask.view_box
    w, h = mask.frame_size(image_size)
    return ViewBox(0.0, 0.0, w, h)


def aspect_mismatch(view_box: ViewBox, size: tuple[int, int], what: str = "") -> str | None:
    """The message for an image whose aspect ratio is more than :data:`ASPECT_TOLERANCE` off
    ``view_box``'s, or ``None`` when they agree.

    >>> aspect_mismatch(ViewBox(0, 0, 100, 100), (101, 100)) is None
    True
    """
    w, h = size
    mismatch = abs((w / h) / view_box.aspect - 1.0)
    if mismatch <= ASPECT_TOLERANCE * (1 + 1e-9):  # exactly 1% (101x100 on 100x100) is within
        return None
    return (f"{what + ': ' if what else ''}image {w}x{h} (aspect {w / h:.3f}) does not match view_box "
            f"{view_box} (aspect {view_box.aspect:.3f}): is this the mask set of another image?")


def fit(view_box: ViewBox, size: tuple[int, int], *, strict: bool = False, what: str = "",
        check_aspect: bool = True) -> Transform:
    """The transform that lays ``view_box`` over an image of ``size = (W, H)`` pixels.

    Parameters
    ----------
    view_box : ViewBox
    size : (int, int)
        The image's width and height in pixels.
    strict : bool
        Raise :class:`~maskrender.ImageError` instead of warning on an aspect mismatch.
    what : str
        Names the mask in the message.

    Raises
    ------
    InputError
        ``size`` is not two positive numbers.
    ImageError
        In strict mode, the aspect ratios differ by more than :data:`ASPECT_TOLERANCE`.

    Warns
    -----
    AspectWarning
        The aspect ratios differ by more than :data:`ASPECT_TOLERANCE` (not strict).

    >>> fit(ViewBox(100, 0, 200, 100), (400, 200))
    Transform(sx=2.0, sy=2.0, tx=-200.0, ty=0.0)
    >>> fit(ViewBox(0, 0, 100, 100), (300, 200), strict=True)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    maskrender.errors.ImageError: image 300x200 (aspect 1.500) does not match view_box 0 0 100 100 ...
    """
    w, h = size
    if not (w > 0 and h > 0):
        raise InputError(f"{what + ': ' if what else ''}image size must be positive, not {w}x{h}")
    sx = w / view_box.width
    sy = h / view_box.height
    msg = aspect_mismatch(view_box, size, what) if check_aspect else None
    if msg is not None:
        if strict:
            raise ImageError(msg)
        warn(msg, AspectWarning)
    return Transform(sx, sy, -view_box.min_x * sx, -view_box.min_y * sy)
