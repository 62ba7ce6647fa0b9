"""What the rasteriser draws: oriented rings and exact discs in a box's pixels, each with a level.

Every mask becomes one :class:`Shapes` value: polygons become rings (exteriors
counter-clockwise, holes clockwise, closing vertex dropped), points become discs, and lines
become stroke outlines, runs and round joins as rings (:mod:`maskrender.draw.strokes`), no
buffering.  Each ring and disc carries the 8-bit level (intensity x 255)
of its feature; where shapes of one mask overlap the largest level wins.

Vertical positions are fixed point, :data:`YQ` units per pixel, so that the pieces of a ring
telescope exactly and closed rings cancel to zero away from the shape.  Horizontal positions
stay float64.

A shape whose bounding box meets no other shape's box is *isolated*: it can be accumulated
without the union classification (its winding number is 0 or 1 everywhere), which is exact
and cheaper; the rest are classified (see :mod:`maskrender.draw.sweep`).

>>> import shapely
>>> s = from_geometries(polygons=[shapely.box(1, 1, 3, 2)], levels=[255], size=(4, 3))
>>> s.x.tolist(), (s.y // YQ).tolist(), s.ring_level.tolist(), s.ring_isolated.tolist()
([3.0, 3.0, 1.0, 1.0], [1, 2, 2, 1], [255], [True])
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from maskrender.draw.strokes import stroke_outlines

__all__ = ["YQ", "Shapes", "from_geometries"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]

YQ = 1024
"""Fixed-point units per pixel of vertical positions (a vertex is placed to 1/1024 px)."""

FAR = 1e7
"""Geometry reaching further than this many pixels outside the box is first clipped to it
(fixed-point y must stay far from int64 limits; clipping a polygon to a box keeps its area
inside the box)."""


@dataclass(frozen=True)
class Shapes:
    """Rings and discs in the pixels of a ``width`` x ``height`` box, ready to rasterise.

    Attributes
    ----------
    x, y : arrays
        Ring vertices: x in pixels (float64), y in :data:`YQ` units (int64), rings one
        after another without their closing vertex.
    ring_start : int64 array
        Offsets of the rings into ``x``/``y`` (``len(rings) + 1`` values).
    ring_level, ring_isolated, ring_component, ring_simple : arrays
        Per ring: the level (1..255), whether its polygon is isolated, the polygon (or stroke
        run) it belongs to, and whether that ring can be trusted not to overlap itself (true
        of a valid polygon's rings; checked for stroke outlines).
    cx, cy, disc_level, disc_isolated : arrays
        Per disc: centre x (pixels), centre y (:data:`YQ` units), level, isolated.
    radius : float
        The radius of every disc, in pixels.
    width, height : int
        The box.
    """

    x: F64
    y: I64
    ring_start: I64
    ring_level: I64
    ring_isolated: Bool
    ring_component: I64
    ring_simple: Bool
    cx: F64
    cy: I64
    disc_level: I64
    disc_isolated: Bool
    radius: float
    width: int
    height: int

    @property
    def empty(self) -> bool:
        """Whether there is nothing to draw."""
        return len(self.ring_level) == 0 and len(self.disc_level) == 0

    @property
    def levels(self) -> I64:
        """The distinct levels, ascending."""
        out: I64 = np.unique(np.concatenate([self.ring_level, self.disc_level]))
        return out


def _as_array(geoms: Any) -> npt.NDArray[np.object_]:
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    return arr


def _quantise(y: F64) -> I64:
    out: I64 = np.rint(y * YQ).astype(np.int64)
    return out


ISOLATION_CHUNK = 256
"""Boxes queried at a time when looking for isolated components."""


def _isolated(bounds: F64) -> Bool:
    """For boxes ``(N, 4)`` (x0, y0, x1, y1): whether each meets no other box (rows of NaN: unused).

    Identical boxes are found by sorting; the rest are queried a chunk at a time, and once the
    pairs found pass a budget linear in the boxes, the boxes not yet queried are simply
    classified (isolation only saves work; the classified path draws any shape exactly), so
    that thousands of boxes on top of one another cost linear time and memory.
    """
    n = len(bounds)
    out = np.ones(n, dtype=bool)
    used = np.flatnonzero(~np.isnan(bounds).any(axis=1))
    if len(used) <= 1:
        return out
    uniq, inverse, counts = np.unique(bounds[used], axis=0, return_inverse=True, return_counts=True)
    iso = counts == 1
    boxes = shapely.box(uniq[:, 0], uniq[:, 1], uniq[:, 2], uniq[:, 3])
    tree = shapely.STRtree(boxes)
    budget, found = 8 * len(uniq) + 100_000, 0
    for s in range(0, len(uniq), ISOLATION_CHUNK):
        pairs = tree.query(boxes[s:s + ISOLATION_CHUNK])  # box against box: the envelopes are the shapes
        mine = pairs[0] + s
        iso[mine[mine != pairs[1]]] = False
        found += pairs.shape[1]
        if found > budget:
            iso[s + ISOLATION_CHUNK:] = False
            break
    out[used] = iso[inverse.reshape(-1)]
    return out


def _repeated(parts: npt.NDArray[np.object_], levels: I64) -> Bool:
    """Per polygon: whether an identical one (same vertices, same level) comes before it."""
    key = np.column_stack([shapely.bounds(parts), levels])
    _, inverse, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    out = np.zeros(len(parts), dtype=bool)
    maybe = np.flatnonzero(counts[inverse.reshape(-1)] > 1)  # same box and level: compare the vertices
    seen: set[tuple[bytes, int]] = set()
    for i, wkb in zip(maybe, shapely.to_wkb(parts[maybe]), strict=True):
        k = (bytes(wkb), int(levels[i]))
        out[i] = k in seen
        seen.add(k)
    return out


def _overlapping_parts(polys: npt.NDArray[np.object_]) -> Bool:
    """Per geometry: whether it holds several polygons that may overlap (it is not valid)."""
    multi = shapely.get_num_geometries(polys) > 1
    out = np.zeros(len(polys), dtype=bool)
    if multi.any():
        # not shapely.is_valid: its warnings.catch_warnings() is process-wide (other threads' warnings vanish)
        out[multi] = shapely.is_valid_reason(polys[multi]) != "Valid Geometry"
    return out


def _clip_far(geoms: npt.NDArray[np.object_], size: tuple[int, int], pad: float) -> npt.NDArray[np.object_]:
    """``geoms`` clipped to the box grown by ``pad`` when some reach absurdly far from it."""
    if not len(geoms):
        return geoms
    b = shapely.bounds(geoms)
    if not (np.abs(b) > FAR).any():
        return geoms
    out: npt.NDArray[np.object_] = shapely.clip_by_rect(geoms, -pad, -pad, size[0] + pad, size[1] + pad)
    return out


def _rings(polys: npt.NDArray[np.object_], levels: I64) -> tuple[F64, F64, I64, I64, I64]:
    """Oriented rings of polygons (one level each): vertices, ring offsets, ring levels, polygon of each ring."""
    rings, poly_of_ring = shapely.get_rings(shapely.orient_polygons(polys), return_index=True)
    xy, ring_of_vertex = shapely.get_coordinates(rings, return_index=True)
    last = np.r_[ring_of_vertex[1:] != ring_of_vertex[:-1], True] if len(xy) else np.zeros(0, dtype=bool)
    keep = ~last  # drop the closing vertex of each ring
    counts = np.bincount(ring_of_vertex[keep], minlength=len(rings))
    start = np.r_[0, np.cumsum(counts)].astype(np.int64)
    return xy[keep, 0], xy[keep, 1], start, levels[poly_of_ring], poly_of_ring


def _simple_rings(x: F64, y: F64, start: I64) -> Bool:
    """Whether each ring (given without its closing vertex) does not cross or touch itself."""
    counts = np.diff(start)
    if not len(counts):
        return np.empty(0, dtype=bool)
    ring = np.repeat(np.arange(len(counts)), counts + 1)
    k = np.arange(len(ring)) - np.repeat(np.cumsum(counts + 1) - (counts + 1), counts + 1)
    pick = start[ring] + k % counts[ring]
    out: Bool = shapely.is_simple(shapely.linearrings(np.column_stack([x[pick], y[pick]]), indices=ring))
    return out


def _dedupe_discs(cx: F64, cy: I64, level: I64) -> tuple[F64, I64, I64]:
    """Discs with the same centre drawn once, at the largest level (their union)."""
    if len(cx) <= 1:
        return cx, cy, level
    order = np.lexsort((level, cx, cy))
    cx, cy, level = cx[order], cy[order], level[order]
    last = np.r_[(cx[1:] != cx[:-1]) | (cy[1:] != cy[:-1]), True]
    return cx[last], cy[last], level[last]


def from_geometries(
    *,
    polygons: Sequence[Any] | npt.NDArray[np.object_] = (),
    points: F64 | None = None,
    lines: Sequence[Any] | npt.NDArray[np.object_] = (),
    levels: Sequence[int] | I64 = (),
    point_levels: Sequence[int] | I64 | None = None,
    radius: float = 0.0,
    width: float = 0.0,
    size: tuple[int, int],
    origin: tuple[float, float] = (0.0, 0.0),
) -> Shapes:
    """Shapes for one mask from shapely geometries in pixel coordinates.

    Parameters
    ----------
    polygons : geometries
        Polygonal features (anything not polygonal is ignored), one level each in ``levels``.
    points : (N, 2) array, optional
        Disc centres, drawn with ``radius``; their levels in ``point_levels`` (default 255).
    lines : geometries
        Line features stroked ``width`` wide with round joins and caps, one level each in
        ``levels`` (give polygons or lines, not both).
    size : (int, int)
        The box's width and height; ``origin`` is its top-left corner in the geometries'
        coordinates.

    >>> import numpy as np, shapely
    >>> s = from_geometries(points=np.array([[2.0, 2.0], [2.0, 2.0], [5.5, 1.0]]), radius=1.5, size=(8, 4))
    >>> s.cx.tolist(), (s.cy / YQ).tolist(), s.disc_isolated.tolist()
    ([5.5, 2.0], [1.0, 2.0], [True, True])
    >>> t = from_geometries(lines=[shapely.LineString([(1, 1), (6, 1)])], levels=[200], width=2, size=(8, 4))
    >>> len(t.ring_level), len(t.cx), t.ring_isolated.tolist()   # one outline, round caps included
    (1, 0, [False])
    """
    w, h = int(size[0]), int(size[1])
    shift = np.array([float(origin[0]), float(origin[1])])
    lev = np.asarray(levels, dtype=np.int64)
    x, y = np.empty(0), np.empty(0)
    start, ring_level = np.zeros(1, dtype=np.int64), np.empty(0, dtype=np.int64)
    ring_component = np.empty(0, dtype=np.int64)
    ring_simple = np.empty(0, dtype=bool)
    bounds = np.empty((0, 4))
    disc_xy, disc_lev = np.empty((0, 2)), np.empty(0, dtype=np.int64)
    radius_px = float(radius)
    classify_all = False

    polys = _as_array(polygons)
    if len(polys):
        polys = _clip_far(shapely.transform(polys, lambda c: c - shift), (w, h), 2.0)
        parts, feature = shapely.get_parts(polys, return_index=True)
        polygonal = shapely.get_type_id(parts) == 3
        if polygonal.any():
            parts, feature = parts[polygonal], feature[polygonal]
            once = ~_repeated(parts, lev[feature])  # thousands of copies of one polygon draw as one
            parts, feature = parts[once], feature[once]
            x, y, start, ring_level, poly_of_ring = _rings(parts, lev[feature])
            # components are features, except the parts of a MultiPolygon that overlap one another
            # (not a valid MultiPolygon): those are classified like separate features, so that
            # the feature is the union of its parts, counted once
            split = _overlapping_parts(polys)[feature]
            component = np.where(split, len(polys) + np.arange(len(parts)), feature)
            ring_component = component[poly_of_ring]
            ring_simple = np.ones(len(ring_level), dtype=bool)
            bounds = np.concatenate([shapely.bounds(polys), np.where(split[:, None], shapely.bounds(parts), np.nan)])

    strokes = _as_array(lines)
    if len(strokes) and width > 0:
        strokes = _clip_far(shapely.transform(strokes, lambda c: c - shift), (w, h), width + 2.0)
        x, y, start, ring_level, disc_xy, disc_lev = stroke_outlines(strokes, lev, width, (w, h))
        ring_component = np.arange(len(ring_level), dtype=np.int64)
        ring_simple = _simple_rings(x, y, start)
        radius_px = width / 2.0
        classify_all = True  # a stroke's runs and caps overlap one another

    if points is not None and len(points) and radius > 0:
        disc_xy = np.asarray(points, dtype=np.float64).reshape(-1, 2) - shift
        disc_lev = (np.full(len(disc_xy), 255, dtype=np.int64) if point_levels is None
                    else np.asarray(point_levels, dtype=np.int64))

    # discs: finite, near the box, level > 0, one per centre
    cx, cyf = disc_xy[:, 0], disc_xy[:, 1]
    reach = radius_px + 1.0
    near = (np.isfinite(cx) & np.isfinite(cyf) & (cx > -reach) & (cx < w + reach) & (cyf > -reach)
            & (cyf < h + reach) & (disc_lev > 0))
    cx, cy, disc_level = _dedupe_discs(cx[near], _quantise(cyf[near]), disc_lev[near])

    # isolation: components (polygon features, discs) whose boxes meet no other one's
    r = radius_px
    fy = cy / YQ
    comp_bounds = np.concatenate([bounds, np.column_stack([cx - r, fy - r, cx + r, fy + r])])
    iso = np.zeros(len(comp_bounds), dtype=bool) if classify_all else _isolated(comp_bounds)
    ring_isolated = iso[ring_component] if len(ring_component) and not classify_all else \
        np.zeros(len(ring_level), dtype=bool)
    disc_isolated = iso[len(bounds):]

    # discs that hold the whole box (a radius far beyond it): the box itself, once, at their largest level
    holds = _holds_box(cx, cy / YQ, radius_px, (w, h))
    if holds.any():
        whole = np.array([shapely.box(-1, -1, w + 1, h + 1)])
        bx, by, bstart, blevel, _ = _rings(whole, disc_level[holds].max(keepdims=True))
        x, y, start = np.r_[x, bx], np.r_[y, by], np.r_[start, start[-1] + bstart[1:]]
        ring_level, ring_simple = np.r_[ring_level, blevel], np.r_[ring_simple, True]
        ring_isolated = np.zeros(len(ring_level), dtype=bool)  # the box meets everything
        ring_component = np.r_[ring_component, ring_component.max(initial=-1) + 1]
        cx, cy, disc_level = cx[~holds], cy[~holds], disc_level[~holds]
        disc_isolated = np.zeros(len(cx), dtype=bool)

    y_q = _quantise(np.asarray(y, dtype=np.float64))
    keep = ring_level > 0
    if not keep.all():
        x, y_q, start, (ring_level, ring_isolated, ring_component, ring_simple) = _select_rings(
            x, y_q, start, keep, ring_level, ring_isolated, ring_component, ring_simple)
    return Shapes(np.ascontiguousarray(x, dtype=np.float64), y_q, start, ring_level, ring_isolated,
                  ring_component.astype(np.int64), np.asarray(ring_simple, dtype=bool),
                  np.ascontiguousarray(cx, dtype=np.float64), cy, disc_level, disc_isolated, radius_px, w, h)


def _holds_box(cx: F64, cy: F64, r: float, size: tuple[int, int]) -> Bool:
    """Whether each disc holds the whole box grown by a pixel (its farthest corner is inside)."""
    dx = np.maximum(np.abs(cx + 1), np.abs(cx - size[0] - 1))
    dy = np.maximum(np.abs(cy + 1), np.abs(cy - size[1] - 1))
    out: Bool = dx * dx + dy * dy < r * r
    return out


def _select_rings(x: F64, y: I64, start: I64, keep: Bool, *per_ring: npt.NDArray[Any]
                  ) -> tuple[F64, I64, I64, tuple[npt.NDArray[Any], ...]]:
    counts = np.diff(start)
    vertex_keep = np.repeat(keep, counts)
    new_start = np.r_[0, np.cumsum(counts[keep])].astype(np.int64)
    return x[vertex_keep], y[vertex_keep], new_start, tuple(a[keep] for a in per_ring)


def disc_table(radius: float) -> tuple[int, F64, F64]:
    """Exact disc areas for the rasteriser: ``(k0, half_width, area_above)`` over integer
    vertical offsets ``k = k0 .. -k0`` (:data:`YQ` units) from a disc's centre.

    ``half_width[k - k0]`` is the chord half-width at offset ``k`` and ``area_above[k - k0]``
    the disc's area above it (pixels squared), so a horizontal strip's exact area is a
    difference of two entries.  Both rasteriser back-ends read the same table, so they agree
    to the bit.

    >>> k0, half, above = disc_table(1.0)
    >>> k0, round(float(half[-k0]), 6), round(float(above[-1]), 6) == round(math.pi, 6)
    (-1024, 1.0, True)
    """
    k0 = -math.ceil(float(radius) * YQ)
    return (k0, *disc_values(radius, np.arange(0, -2 * k0 + 1, dtype=np.int64)))


def disc_values(radius: float, keys: I64) -> tuple[F64, F64]:
    """The entries of :func:`disc_table` at offsets ``keys`` from the top (``k - k0``) only.

    >>> k0, half, above = disc_table(1.0)
    >>> h, a = disc_values(1.0, np.array([0, 1000, 2048]))
    >>> h.tolist() == half[[0, 1000, 2048]].tolist(), a.tolist() == above[[0, 1000, 2048]].tolist()
    (True, True)
    """
    r = float(radius)
    k0 = -math.ceil(r * YQ)
    t = (np.asarray(keys, dtype=np.int64) + k0).astype(np.float64) / YQ
    t = np.clip(t, -r, r)
    half = np.sqrt(np.maximum(r * r - t * t, 0.0))
    above = t * half + r * r * np.arcsin(np.clip(t / r, -1.0, 1.0)) + r * r * math.pi / 2
    return half, above
