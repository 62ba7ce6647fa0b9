"""Anti-aliased coverage of shapely geometries, in numpy, and the blend of a mask onto pixels.

The rasteriser is a signed-area accumulator (the technique of font rasterisers such as
font-rs), vectorised over every edge of a mask at once:

* each pixel row is sampled on ``SUBSAMPLES`` horizontal sub-scanlines; every edge that
  crosses a sub-scanline adds its direction (+1/-1), split exactly between the two pixels
  around the crossing, to an accumulation buffer;
* a prefix sum along each row turns the buffer into the winding number with exact
  horizontal coverage; ``min(1, |winding|)`` is the non-zero fill rule.

With rings oriented (exteriors one way, holes the other) this gives, in one pass and with no
Python loop per feature: holes that show the photo, overlapping features that cover like one
(no double blending, no even-odd cancelling), unbiased area, and clipping for free (only
sub-scanlines and columns inside the canvas are ever touched, so geometry far off-canvas
costs nothing).  Points are exact discs computed the same way; lines are stroked with
round caps and joins by shapely's buffer, then filled.

Examples
--------
>>> import shapely
>>> cov = polygon_coverage(shapely.box(1.5, 1, 3.5, 3), (0, 0, 5, 4))
>>> cov.round(2).tolist()
[[0.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.5, 1.0, 0.5, 0.0], [0.0, 0.5, 1.0, 0.5, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["SUBSAMPLES", "Box", "disc_coverage", "polygon_coverage", "stroke"]

SUBSAMPLES = 5
"""Sub-scanlines per pixel row (vertical anti-aliasing levels); horizontal coverage is exact."""

Box = tuple[int, int, int, int]
"""A pixel box ``(x0, y0, x1, y1)``, end exclusive."""

F64 = npt.NDArray[np.float64]


def _accumulate(x: F64, m: npt.NDArray[np.intp], d: F64, box: Box, subsamples: int) -> npt.NDArray[np.float32]:
    """Coverage (0..1) in ``box`` from sub-scanline crossings ``(x, m, d)`` in box coordinates."""
    w = box[2] - box[0]
    h = box[3] - box[1]
    stride = w + 2
    x = np.clip(x, 0.0, float(w))
    px = np.floor(x).astype(np.intp)
    frac = x - px
    flat = (m // subsamples) * stride + px
    weight = d / subsamples
    acc = np.bincount(
        np.concatenate([flat, flat + 1]),
        weights=np.concatenate([weight * (1.0 - frac), weight * frac]),
        minlength=h * stride,
    )[: h * stride]
    cov = np.cumsum(acc.reshape(h, stride)[:, :w], axis=1, dtype=np.float32)
    np.abs(cov, out=cov)
    np.minimum(cov, 1.0, out=cov)
    return cov


def _ranges(lo: F64, hi: F64, box_h: int, subsamples: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Per item, the sub-scanline numbers ``[a, b)`` whose centres lie in ``[lo, hi)``, clipped."""
    limit = box_h * subsamples
    a = np.clip(np.ceil(lo * subsamples - 0.5), 0, limit).astype(np.intp)
    b = np.clip(np.ceil(hi * subsamples - 0.5), 0, limit).astype(np.intp)
    return a, np.maximum(b, a)


def _expand(a: npt.NDArray[np.intp], b: npt.NDArray[np.intp]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """For items with sub-scanline ranges ``[a, b)``: (item of each crossing, its sub-scanline)."""
    counts = b - a
    total = int(counts.sum())
    item = np.repeat(np.arange(len(a), dtype=np.intp), counts)
    starts = np.cumsum(counts) - counts
    m = np.arange(total, dtype=np.intp) - np.repeat(starts - a, counts)
    return item, m


def polygon_coverage(geoms: BaseGeometry | Sequence[BaseGeometry] | npt.NDArray[np.object_], box: Box,
                     subsamples: int = SUBSAMPLES) -> npt.NDArray[np.float32]:
    """Coverage (0..1, float32, shape ``(h, w)``) of the union of polygons over a pixel ``box``.

    Geometries are in pixel coordinates (pixel ``(i, j)`` spans ``[i, i+1) x [j, j+1)``);
    anything that is not polygonal is ignored.
    """
    w = box[2] - box[0]
    h = box[3] - box[1]
    arr = np.atleast_1d(np.asarray(geoms, dtype=object))
    polys = shapely.get_parts(arr[shapely.get_type_id(arr) == 6]) if len(arr) else arr
    polys = np.concatenate([polys, arr[shapely.get_type_id(arr) == 3]]) if len(arr) else arr
    if w <= 0 or h <= 0 or not len(polys):
        return np.zeros((max(h, 0), max(w, 0)), dtype=np.float32)
    rings = shapely.get_rings(shapely.orient_polygons(polys))
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    if len(xy) < 2:
        return np.zeros((h, w), dtype=np.float32)
    xy = xy - np.array([box[0], box[1]], dtype=np.float64)
    same = ring[:-1] == ring[1:]
    x0, y0 = xy[:-1, 0][same], xy[:-1, 1][same]
    x1, y1 = xy[1:, 0][same], xy[1:, 1][same]
    dy = y1 - y0
    slanted = dy != 0
    x0, y0, x1, y1, dy = x0[slanted], y0[slanted], x1[slanted], y1[slanted], dy[slanted]
    a, b = _ranges(np.minimum(y0, y1), np.maximum(y0, y1), h, subsamples)
    edge, m = _expand(a, b)
    yc = (m + 0.5) / subsamples
    x = x0[edge] + (yc - y0[edge]) * ((x1 - x0) / dy)[edge]
    return _accumulate(x, m, np.sign(dy)[edge], box, subsamples)


def disc_coverage(centres: F64, radius: float, box: Box, subsamples: int = SUBSAMPLES) -> npt.NDArray[np.float32]:
    """Coverage of the union of exact discs of ``radius`` around ``centres`` (``(N, 2)``, pixels)."""
    w = box[2] - box[0]
    h = box[3] - box[1]
    if w <= 0 or h <= 0 or not len(centres) or radius <= 0:
        return np.zeros((max(h, 0), max(w, 0)), dtype=np.float32)
    c = np.asarray(centres, dtype=np.float64) - np.array([box[0], box[1]], dtype=np.float64)
    a, b = _ranges(c[:, 1] - radius, c[:, 1] + radius, h, subsamples)
    item, m = _expand(a, b)
    dy = (m + 0.5) / subsamples - c[item, 1]
    dx = np.sqrt(np.maximum(radius * radius - dy * dy, 0.0))
    cx = c[item, 0]
    x = np.concatenate([cx - dx, cx + dx])
    d = np.concatenate([np.ones(len(item)), -np.ones(len(item))])
    return _accumulate(x, np.concatenate([m, m]), d, box, subsamples)


def stroke(
    geoms: BaseGeometry | Sequence[BaseGeometry] | npt.NDArray[np.object_], width: float
) -> npt.NDArray[np.object_]:
    """Outline lines (or polygon boundaries) as polygons ``width`` wide with round caps and joins."""
    arr = np.atleast_1d(np.asarray(geoms, dtype=object))
    if width <= 0 or not len(arr):
        return np.empty(0, dtype=object)
    quad = max(2, min(16, math.ceil(width / 2)))
    buffered: npt.NDArray[np.object_] = shapely.buffer(arr, width / 2.0, quad_segs=quad, cap_style="round",
                                                        join_style="round")
    return buffered


def bounds_box(geoms: npt.NDArray[np.object_], pad: float, canvas: tuple[int, int]) -> Box | None:
    """The pixel box around ``geoms`` (grown by ``pad``), clipped to the canvas; ``None`` if empty."""
    if not len(geoms):
        return None
    b = shapely.bounds(geoms)
    b = b[~np.isnan(b).any(axis=1)]
    if not len(b):
        return None
    x0 = max(0, math.floor(b[:, 0].min() - pad))
    y0 = max(0, math.floor(b[:, 1].min() - pad))
    x1 = min(canvas[0], math.ceil(b[:, 2].max() + pad) + 1)
    y1 = min(canvas[1], math.ceil(b[:, 3].max() + pad) + 1)
    if x1 <= x0 or y1 <= y0:
        return None
    return (x0, y0, x1, y1)
