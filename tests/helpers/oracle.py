"""An exact-area oracle for rasterised masks, written independently of ``maskrender.draw``.

Everything here is shapely and numpy only: a pixel's true coverage is the area of the
intersection of its unit square with the shape (``shapely.intersection`` of boxes), a disc is
a polygon with the disc's area within 0.001 px of its circle, a stroke is ``shapely.buffer`` of the line with round caps
and joins at 256 segments per quarter circle, and a mask of graded features is integrated as
nested level sets: the alpha a pixel should get is
``sum_i coverage(union of features with level >= l_i) x (l_i - l_(i-1))``, which is the
integral over the pixel of the largest level covering each point.  Nothing is imported from
the renderer, so a bug there cannot hide here.

Figures: :func:`edge_error` (mean absolute error over edge pixels, in 0..255 levels) and
:func:`area_bias`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

F64 = npt.NDArray[np.float64]

__all__ = ["Figures", "area_bias", "disc", "edge_error", "figures", "level_integral", "pixel_areas", "stroke",
           "winding_region"]


def pixel_areas(geom: shapely.Geometry, size: tuple[int, int]) -> F64:
    """Exact covered area (0..1) of every pixel of a ``size = (W, H)`` canvas by ``geom`` (its union).

    Pixel ``(i, j)`` is the square ``[i, i+1) x [j, j+1)``.  Only pixels inside the shape's
    bounding box are intersected; squares entirely inside are found with ``contains``.
    """
    w, h = size
    out = np.zeros((h, w))
    shape = shapely.union_all(np.atleast_1d(np.asarray(geom, dtype=object)))
    if shape.is_empty:
        return out
    minx, miny, maxx, maxy = shape.bounds
    x0, y0 = max(0, math.floor(minx)), max(0, math.floor(miny))
    x1, y1 = min(w, math.ceil(maxx) + 1), min(h, math.ceil(maxy) + 1)
    if x1 <= x0 or y1 <= y0:
        return out
    ys, xs = np.mgrid[y0:y1, x0:x1]
    cells = shapely.box(xs.ravel(), ys.ravel(), xs.ravel() + 1, ys.ravel() + 1)
    shapely.prepare(shape)
    inside = shapely.contains(shape, cells)
    area = np.where(inside, 1.0, 0.0)
    near = ~inside & shapely.intersects(shape, cells)
    area[near] = shapely.area(shapely.intersection(cells[near], shape))
    out[y0:y1, x0:x1] = area.reshape(y1 - y0, x1 - x0)
    return out


def disc(cx: float, cy: float, r: float, n: int | None = None) -> shapely.Polygon:
    """A regular ``n``-gon with the area of the disc of radius ``r`` (by default enough vertices
    to stay within 0.001 px of the circle, 32 to 1024)."""
    if n is None:
        n = int(min(1024, max(32, math.ceil(math.pi / math.acos(max(-1.0, 1 - 0.001 / max(r, 1e-9)))))))
    rr = r * math.sqrt(math.pi / (n / 2 * math.sin(2 * math.pi / n)))
    a = np.linspace(0, 2 * math.pi, n, endpoint=False)
    return shapely.Polygon(np.c_[cx + rr * np.cos(a), cy + rr * np.sin(a)])


def stroke(line: shapely.Geometry, width: float) -> shapely.Geometry:
    """``line`` stroked ``width`` wide with round caps and joins (shapely's buffer, 256 segments a quarter)."""
    return shapely.buffer(line, width / 2, quad_segs=256, cap_style="round", join_style="round")


def level_integral(shapes: Iterable[tuple[shapely.Geometry, float]], size: tuple[int, int]) -> F64:
    """Per pixel, the integral of the largest level covering each point (levels 0..1)."""
    pairs = [(g, float(lv)) for g, lv in shapes if lv > 0]
    out = np.zeros((size[1], size[0]))
    previous = 0.0
    for level in sorted({lv for _, lv in pairs}):
        union = shapely.union_all([g for g, lv in pairs if lv >= level])
        out += (level - previous) * pixel_areas(union, size)
        previous = level
    return out


def _winding(ring: F64, pts: F64) -> npt.NDArray[np.int64]:
    """Winding number of a closed ring around each point (crossing rule, half-open in y)."""
    x0, y0 = ring[:-1, 0][:, None], ring[:-1, 1][:, None]
    x1, y1 = ring[1:, 0][:, None], ring[1:, 1][:, None]
    px, py = pts[:, 0][None, :], pts[:, 1][None, :]
    up = (y0 <= py) & (y1 > py)
    down = (y1 <= py) & (y0 > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        side = (x1 - x0) * (py - y0) - (px - x0) * (y1 - y0)
    w: npt.NDArray[np.int64] = ((up & (side > 0)).sum(axis=0) - (down & (side < 0)).sum(axis=0)).astype(np.int64)
    return w


def winding_region(rings: Sequence[Sequence[Sequence[float]]]) -> shapely.Geometry:
    """The region a set of closed rings encloses with a non-zero winding number, each ring on its own.

    The rings' linework is noded and polygonised; a face belongs to the region when some ring
    winds around it (tested at a point inside the face).  This is what "the area a ring
    encloses" means for a ring that crosses itself, computed without ``make_valid``.
    """
    arrays = [np.asarray(r, dtype=np.float64)[:, :2] for r in rings]
    arrays = [np.vstack([a, a[:1]]) if not np.array_equal(a[0], a[-1]) else a for a in arrays]
    lines = shapely.union_all([shapely.LineString(a) for a in arrays])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    if not len(faces):
        return shapely.Polygon()
    pts = shapely.get_coordinates(shapely.point_on_surface(faces))
    keep = np.zeros(len(faces), dtype=bool)
    for a in arrays:
        keep |= _winding(a, pts) != 0
    return shapely.union_all(faces[keep]) if keep.any() else shapely.Polygon()


@dataclass(frozen=True)
class Figures:
    """How a rendered 8-bit alpha compares with the oracle."""

    edge_error: float
    """Mean |rendered - oracle| over edge pixels, in 0..255 levels."""
    max_error: float
    """The largest |rendered - oracle| of any pixel, in levels."""
    area_bias: float
    """(rendered - oracle) / oracle, summed over the canvas."""
    edge_pixels: int


def edge_error(alpha: npt.NDArray[np.uint8], ref: F64) -> float:
    """Mean |alpha - 255 ref| over edge pixels (partly covered in either picture), in levels."""
    a = alpha.astype(np.float64)
    r = ref * 255.0
    edge = ((ref > 1e-9) & (ref < 1 - 1e-9)) | ((alpha > 0) & (alpha < 255))
    return float(np.abs(a - r)[edge].mean()) if edge.any() else 0.0


def area_bias(alpha: npt.NDArray[np.uint8], ref: F64) -> float:
    """Relative error of the total alpha against the oracle's."""
    total = float(ref.sum()) * 255.0
    return (float(alpha.astype(np.float64).sum()) - total) / total if total else 0.0


def figures(alpha: npt.NDArray[np.uint8], ref: F64) -> Figures:
    """All the figures of a rendered alpha (opacity 1) against the oracle's coverage (0..1)."""
    a = alpha.astype(np.float64)
    edge = ((ref > 1e-9) & (ref < 1 - 1e-9)) | ((alpha > 0) & (alpha < 255))
    return Figures(edge_error(alpha, ref), float(np.abs(a - ref * 255).max(initial=0.0)), area_bias(alpha, ref),
                   int(edge.sum()))
