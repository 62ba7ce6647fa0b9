"""What a mask covers of each pixel of an image: a float array (for exports and ``Mask.coverage``).

The coverage comes from the renderer's own exact-area rasteriser (:mod:`maskrender.draw.raster`),
so it is what a drawing fills before colour, opacity and intensity are applied: polygons and
heatmaps by the area of the union of their features, points as discs and lines as round-capped
strokes of the sizes the :class:`~maskrender.Style` gives them on that image.

Examples
--------
>>> import maskrender as mr
>>> sq = mr.load(b'{"mask_type": "polygon_mask", "view_box": "0 0 4 4", "features": [{"geometry": '
...              b'{"type": "Polygon", "coordinates": [[[1, 1], [3, 1], [3, 2], [1, 2], [1, 1]]]}}]}').masks()[0]
>>> float(mask_coverage(sq, (8, 8)).sum()), canvas_size(sq, None), canvas_size(sq, None, 2)
(8.0, (4, 4), (2, 2))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import shapely

from maskrender.draw.raster import disc_coverage, line_coverage, polygon_coverage
from maskrender.errors import InputError
from maskrender.geometry import fit, frame_of
from maskrender.kinds import MASK_KINDS
from maskrender.model import Mask
from maskrender.outputs import check_canvas

if TYPE_CHECKING:
    from maskrender.style import Style

__all__ = ["canvas_size", "fitted", "mask_coverage", "mask_patch", "pixel_size"]


def fitted(size: tuple[float, float], max_size: int | None) -> tuple[int, int]:
    """``size`` rounded to whole pixels, scaled down (aspect kept) so neither side exceeds ``max_size``.

    >>> fitted((4000, 3000), 800), fitted((512, 600), 800), fitted((2416.4, 2416.4), None)
    ((800, 600), (512, 600), (2416, 2416))
    """
    w, h = float(size[0]), float(size[1])
    if max_size is not None:
        if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 1:
            raise InputError(f"max_size must be a whole number of pixels of at least 1, not {max_size!r}")
        scale = min(1.0, max_size / max(w, h))
        w, h = w * scale, h * scale
    return (max(1, round(w)), max(1, round(h)))


def pixel_size(size: Any) -> tuple[int, int]:
    """``size`` checked to be ``(width, height)``, two whole numbers of pixels of at least 1.

    >>> pixel_size((640, 480)), pixel_size([3, 2])
    ((640, 480), (3, 2))
    """
    try:
        w, h = size
    except (TypeError, ValueError):
        w = h = None
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1 for v in (w, h)):
        raise InputError(f"size must be (width, height), two whole numbers of pixels of at least 1, not {size!r}")
    return (int(w), int(h))


def canvas_size(mask: Mask, size: tuple[int, int] | None, max_size: int | None = None) -> tuple[int, int]:
    """The pixel size of a mask's picture: ``size``, else its frame's size, within ``max_size``.

    (See the module's example.)
    """
    return fitted(pixel_size(size) if size is not None else mask.frame_size(), max_size)


def mask_patch(mask: Mask, size: tuple[int, int], *, style: Style | None = None
               ) -> tuple[tuple[int, int, int, int], npt.NDArray[np.float32]] | None:
    """What ``mask`` covers on an image of ``size``, over the pixel box its features touch only:
    ``((x0, y0, x1, y1), coverage)`` (end exclusive; the array is ``(y1 - y0, x1 - x0)``), or ``None``
    when it covers nothing there.  The values are those of :func:`mask_coverage` in that box: a
    thousand small masks cost a thousand small arrays, not a thousand canvases.

    >>> import maskrender as mr
    >>> dot = mr.load(b'{"mask_type": "point_mask", "view_box": "0 0 100 100", "features": [{"geometry": '
    ...               b'{"type": "Point", "coordinates": [50, 50]}}]}').masks()[0]
    >>> box, cov = mask_patch(dot, (100, 100))
    >>> box, cov.shape, round(float(cov.sum()), 2) == round(float(mask_coverage(dot, (100, 100)).sum()), 2)
    ((48, 48, 53, 53), (5, 5), True)
    """
    from maskrender.draw.raster import bounds_box
    from maskrender.style import Style

    canvas = pixel_size(size)
    kind = MASK_KINDS.get(mask.mask_type)
    if kind is None or not mask.features:
        return None
    transform = fit(frame_of(mask, canvas), canvas, check_aspect=False)
    geoms = np.asarray(transform.apply_all([f.geometry for f in mask.features]), dtype=object)
    if kind.drawn_as == "filled":
        box = bounds_box(geoms, 0.0, canvas)
        return None if box is None else (box, polygon_coverage(geoms, box))
    resolved = (style if style is not None else Style()).resolve(mask, canvas)
    box = bounds_box(geoms, resolved.reach(kind.drawn_as) + 1, canvas)
    if kind.drawn_as == "dots":
        return None if box is None else (box, disc_coverage(shapely.get_coordinates(geoms), resolved.point_radius, box))
    return None if box is None else (box, line_coverage(geoms, resolved.line_width, box))


def mask_coverage(mask: Mask, size: tuple[int, int] | None = None, *, style: Style | None = None,
                  max_size: int | None = None) -> npt.NDArray[np.float32]:
    """Coverage 0..1 (float32, shape ``(height, width)``) of ``mask`` on an image of ``size``.

    ``size`` defaults to the mask's view_box size; the mask's frame is laid over the image as the
    renderer lays it (no aspect check: the caller chose the size).  ``style`` (default
    ``Style()``) gives the disc radius of points and the stroke width of lines.  The array is the
    image's size; :func:`mask_patch` gives the part the mask touches.

    >>> import maskrender as mr
    >>> m = mr.load("fixtures/pih_result.json").masks()[0]
    >>> cov = mr.mask_coverage(m, (604, 604))
    >>> cov.shape, cov.dtype.name, round(float(cov.sum()) / m.area_px((604, 604)), 2)
    ((604, 604), 'float32', 1.0)
    """
    canvas = canvas_size(mask, size, max_size)
    check_canvas(canvas)
    w, h = canvas
    out = np.zeros((h, w), dtype=np.float32)
    patch = mask_patch(mask, canvas, style=style)
    if patch is not None:
        (x0, y0, x1, y1), cov = patch
        out[y0:y1, x0:x1] = cov
    return out
