"""A mask's shapes in output pixels, as paths whose intensity levels never double-blend.

Coordinates go through the mask's :class:`~maskrender.geometry.Transform` (``apply_xy``, the
map the PNG renderer uses) before they are written, so the SVG needs no ``transform``:
discs stay circles and strokes keep one width whatever the view_box's aspect, and a far
view_box origin (1e7, 5e6) never reaches a single-precision renderer.  Shapes lying more
than a canvas away are clipped to a window around the canvas first (exact inside it).

A mask is one layer, as the PNG draws it: where its shapes overlap, the largest intensity
wins.  Each path paints once where its own subpaths overlap (non-zero rule, rings
oriented), and the levels are kept apart in one of two ways (measured against resvg and
Chromium in ``tests/helpers/parity.py``):

* **ascending levels** (lines and points of any number of levels, :data:`MASKED_LEVELS`): one
  path per level, painted in ascending order in the opaque grey of its intensity inside one
  luminance ``<mask>`` (:mod:`maskrender.draw.svg` writes it) over a rectangle of the mask's
  colour.  A level overwrites the ones below where it covers a pixel and its anti-aliased edge
  blends with them in proportion to its coverage, which is the PNG's integral of the largest
  level exactly, except where edges of two levels coincide: crossing lines of 0.48 and 0.53 show
  0.53, not 0.76; 72 lines of 36 levels crossing come out 99.9% of their pixels within 16/255 of
  the PNG via resvg and librsvg.  (The mask's luminance is taken in sRGB by resvg, librsvg and
  Chromium alike.)  This replaced disjoint levels each under a mask cutting out the levels above,
  which left a pale seam along every edge of a higher level over a lower one (98.8% within 16)
  and cost renderers a layer per level (resvg: 43 s for 36 levels on a 2000 px canvas; now 2 s);
* **nested sets** (polygons and heatmaps, whose levels share edges; lines and points where a
  writer has no masks, such as the PDF): shapes are
  grouped into *clusters* (polygons that touch, strokes within anti-aliasing reach); in a cluster of
  levels ``l_1 < ... < l_m`` set ``i`` holds every shape of level ``>= l_i`` at the alpha
  ``(l_i - l_{i-1}) / (1 - l_{i-1})`` that lifts ``l_{i-1}`` to ``l_i`` under source-over.
  Inside, that is exactly the largest intensity; across a contour between two levels a
  pixel gets ``l_lo + c (l_hi - l_lo)`` for the share ``c`` the higher level covers, the
  integral of the intensity over the pixel, without the pale seam disjoint pieces leave
  there (renderers blend two anti-aliased edges that meet as if they overlapped).  The
  price: an edge of a higher shape lying outside the lower shapes of its cluster is
  anti-aliased once per set, so its partly covered pixels come out darker (by
  ``l_1 x_2 c (1 - c)`` for two levels).  A shape alone is a cluster of one level, painted
  once.  Sets of different clusters with the same ``(l_{i-1}, l_i)`` share a path; a polygon
  within a lower level's polygon is left out of that level's set, so nested heatmap contours
  are written once.

Neighbours come from an STRtree queried in chunks, at most :data:`PAIR_BUDGET` pairs per
shape (many coincident shapes make one cluster instead), so memory stays linear; where
nested sets would write more than :data:`NESTED_BUDGET` times the mask's own vertices, its
levels are painted flat, one path each, without the largest-wins guarantee where they
overlap (only pathological inputs: many levels, all touching).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np
import numpy.typing as npt
import shapely

from maskrender.draw.layers import intensity_groups
from maskrender.draw.svg_path import SubpathKind, subpaths_d
from maskrender.geometry import Transform
from maskrender.model import Mask

__all__ = ["CAPPED_RADIUS", "MASKED_LEVELS", "NESTED_BUDGET", "PAIR_BUDGET", "LevelPaths", "LevelShapes", "level_paths",
           "level_shapes", "nested_alphas", "outline_path"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Objects = npt.NDArray[np.object_]

_TYPES: Mapping[SubpathKind, tuple[int, ...]] = MappingProxyType({"dot": (0,), "line": (1, 2), "ring": (3,)})
"""shapely type ids of the parts each kind of subpath draws."""

MASKED_LEVELS = 256
"""Most levels of lines or points painted as ascending levels in a luminance mask (any mask: levels
are 8-bit, so there are at most 256)."""

CAPPED_RADIUS = 4.0
"""Largest disc radius (output px) written as a round cap; larger discs are filled arcs: resvg
draws round caps as polygons, 2% short of the disc's area at a radius of 6 px, so that at
opacity 1 a lone disc had 2-6% of its pixels more than 16/255 from the PNG (none up to 4 px)."""

NESTED_BUDGET = 4.0
"""Most vertices nested sets may write, as a multiple of the mask's own (else: flat levels)."""

PAIR_BUDGET = 64
"""Candidate neighbour pairs (overlapping bounding boxes) examined per shape, at most."""

_AA = 1.5
"""Output pixels two shapes' anti-aliased edges may be apart and still share a pixel."""


def nested_alphas(levels: Sequence[float]) -> list[float]:
    """The alpha of each nested set so that source-over reaches each level exactly.

    >>> [round(a, 4) for a in nested_alphas([0.48, 0.53])]
    [0.48, 0.0962]
    >>> nested_alphas([0.5, 1.0])
    [0.5, 1.0]
    """
    out, below = [], 0.0
    for level in levels:
        out.append((level - below) / (1.0 - below))
        below = level
    return out


def _ranks(mask: Mask) -> tuple[list[float], I64]:
    """The mask's intensity levels (ascending) and each feature's level index (-1: not drawn)."""
    groups = intensity_groups(mask)
    ranks = np.full(len(mask.features), -1, dtype=np.int64)
    for k, (_, idx) in enumerate(groups):
        ranks[idx] = k
    return [level for level, _ in groups], ranks


def _parts(mask: Mask, ranks: I64, t: Transform, size: tuple[int, int], reach: float, types: tuple[int, ...]
           ) -> tuple[Objects, I64, Transform]:
    """The mask's non-empty parts of the given types, each part's level index (from the
    features' ``ranks``), and the map of their coordinates into the output (the identity
    where they had to be clipped to a window around the canvas first)."""
    geoms = np.empty(len(mask.features), dtype=object)
    geoms[:] = [f.geometry for f in mask.features]
    parts, owner = shapely.get_parts(geoms, return_index=True)
    keep = np.isin(shapely.get_type_id(parts), types) & ~shapely.is_empty(parts)
    parts, part_ranks = parts[keep], ranks[owner[keep]]
    if not len(parts):
        return parts, part_ranks, t
    w, h = size
    m = max(w, h) + reach + _AA
    x0, y0, x1, y1 = shapely.total_bounds(parts)
    (px0, py0), (px1, py1) = t.apply_xy([[x0, y0], [x1, y1]])
    if px0 >= -m and py0 >= -m and px1 <= w + m and py1 <= h + m:
        return parts, part_ranks, t
    clipped = shapely.clip_by_rect(t.apply_all(list(parts)), -m, -m, w + m, h + m)
    parts, owner = shapely.get_parts(clipped, return_index=True)
    keep = np.isin(shapely.get_type_id(parts), types) & ~shapely.is_empty(parts)
    return parts[keep], part_ranks[owner[keep]], Transform(1.0, 1.0, 0.0, 0.0)


def _coordinates(parts: Objects, t: Transform) -> tuple[F64, I64, I64]:
    """Output-pixel coordinates of ``parts`` (lines or rings), each vertex's part and each part's count."""
    xy, index = shapely.get_coordinates(parts, return_index=True)
    return t.apply_xy(xy), index, np.bincount(index, minlength=len(parts))


def _oriented(xy: F64, index: I64, counts: I64, exterior: Bools) -> F64:
    """Rings re-ordered so that exteriors turn one way and holes the other (for the non-zero rule)."""
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    local = xy - xy[starts[index]]  # small numbers: exact enough cross products
    nxt = np.arange(len(xy)) + 1
    last = starts + counts - 1
    nxt[last[counts > 0]] = starts[counts > 0]
    cross = local[:, 0] * local[nxt, 1] - local[nxt, 0] * local[:, 1]
    area = np.bincount(index, weights=cross, minlength=len(counts))
    flip = (area != 0) & ((area > 0) != exterior)
    if not flip.any():
        return xy
    pos = np.arange(len(xy)) - starts[index]
    order = np.where(flip[index], starts[index] + counts[index] - 1 - pos, np.arange(len(xy)))
    return xy[order]


def _rings(polys: Objects, t: Transform) -> tuple[F64, I64, I64, I64]:
    """Oriented rings of ``polys`` in output pixels: coordinates, each vertex's ring, each ring's
    vertex count and polygon."""
    rings = shapely.get_rings(polys)
    holes = shapely.get_num_interior_rings(polys)
    owner = np.repeat(np.arange(len(polys)), holes + 1)
    exterior = np.ones(len(rings), dtype=bool)
    exterior[1:] = owner[1:] != owner[:-1]
    xy, index, counts = _coordinates(rings, t)
    return _oriented(xy, index, counts, exterior), index, counts, owner


def _pairs(parts: Objects, distance: float | None) -> tuple[I64, I64] | None:
    """Pairs of parts within ``distance`` of each other (``None``: whose bounding boxes overlap;
    each pair once), or ``None`` past the budget.

    The tree is queried in chunks and the count checked after each, so memory stays within
    :data:`PAIR_BUDGET` pairs per part whatever the input.
    """
    tree = shapely.STRtree(parts)
    budget = PAIR_BUDGET * len(parts) + 1024
    chunk = max(1, budget // (4 * len(parts)))
    found: list[tuple[I64, I64]] = []
    spent = 0
    for start in range(0, len(parts), chunk):
        if distance is None:
            a, b = tree.query(parts[start:start + chunk])
        else:
            a, b = tree.query(parts[start:start + chunk], predicate="dwithin", distance=distance)
        spent += len(a)
        if spent > budget:
            return None
        a = a + start
        once = a < b
        found.append((a[once], b[once]))
    return np.concatenate([f[0] for f in found]), np.concatenate([f[1] for f in found])


def _components(n: int, a: I64, b: I64) -> I64:
    """Connected components of the graph on ``n`` nodes with edges ``(a, b)``: a label per node.

    Vectorised FastSV (hooking of grandparents, then shortcutting, until the grandparents
    settle): a few dozen passes even for a path visiting its nodes in random order.
    """
    f = np.arange(n)
    grand = f.copy()
    while True:
        np.minimum.at(f, f[a], grand[b])
        np.minimum.at(f, f[b], grand[a])
        np.minimum.at(f, a, grand[b])
        np.minimum.at(f, b, grand[a])
        np.minimum(f, grand, out=f)
        settled = f[f]
        if np.array_equal(settled, grand):
            return f
        grand = settled


def _deepest_cover(polys: Objects, ranks: I64, pairs: tuple[I64, I64]) -> tuple[I64, Bools]:
    """Per polygon, the highest lower level it lies within a polygon of (-1: none), and which
    of the candidate ``pairs`` are proven to touch by that (one within the other).

    A polygon within a polygon of level ``j`` adds nothing to the sets of levels ``<= j``.
    """
    bounds = shapely.bounds(polys)
    best = np.full(len(polys), -1, dtype=np.int64)
    a, b = pairs
    touching = np.zeros(len(a), dtype=bool)
    for inner, outer in ((a, b), (b, a)):
        box_inside = ((bounds[inner, :2] >= bounds[outer, :2]).all(axis=1)
                      & (bounds[inner, 2:] <= bounds[outer, 2:]).all(axis=1))
        test = np.flatnonzero(box_inside & (ranks[outer] < ranks[inner]))
        inside = shapely.within(polys[inner[test]], polys[outer[test]])
        touching[test[inside]] = True
        np.maximum.at(best, inner[test[inside]], ranks[outer[test[inside]]])
    return best, touching


def _memberships(cluster: I64, ranks: I64, cover: I64) -> tuple[I64, I64, I64]:
    """The nested sets each shape belongs to: ``(shape, level, previous level)`` triples
    (previous ``-1`` for a cluster's lowest level)."""
    n_levels = int(ranks.max()) + 1
    entries = np.unique(cluster * n_levels + ranks)  # each cluster's levels, ascending
    ent_cluster, ent_rank = np.divmod(entries, n_levels)
    first = np.r_[True, ent_cluster[1:] != ent_cluster[:-1]]
    ent_prev = np.where(first, -1, np.r_[-1, ent_rank[:-1]])
    start = np.maximum.accumulate(np.where(first, np.arange(len(entries)), 0))
    own = np.searchsorted(entries, cluster * n_levels + ranks)  # the shape's own set
    depth = own - start[own] + 1  # sets from the cluster's lowest level up to its own
    shape = np.repeat(np.arange(len(ranks)), depth)
    entry = start[own][shape] + (np.arange(len(shape)) - np.repeat(np.cumsum(depth) - depth, depth))
    keep = (entry == own[shape]) | (ent_rank[entry] > cover[shape])
    shape, entry = shape[keep], entry[keep]
    return shape, ent_rank[entry], ent_prev[entry]


def _chosen(xy: F64, index: I64, counts: I64, chosen: Bools) -> tuple[F64, I64]:
    """Coordinates and counts of the chosen subpaths."""
    if chosen.all():
        return xy, counts
    return xy[chosen[index]], counts[chosen]


@dataclass
class LevelPaths:
    """What to paint for one mask's fill, as ``(alpha, path data)`` pairs."""

    plain: list[tuple[float, str]] = field(default_factory=list)
    """Paths painted as they are, in any order."""
    masked: list[tuple[float, str]] = field(default_factory=list)
    """Levels, ascending, ``(level, path data)``: painted in this order, each overwriting the ones
    below where it covers (opaque greys in a luminance mask)."""
    box: tuple[float, float, float, float] | None = None
    """The region ``(x0, y0, x1, y1)`` the masked levels paint, within the canvas."""


Subpaths = tuple[float, F64, I64]
"""``(alpha, xy, counts)``: output-pixel coordinates of some subpaths, one count per subpath."""


@dataclass
class LevelShapes:
    """What to paint for one mask's fill, as subpaths (the geometry of :class:`LevelPaths`)."""

    kind: SubpathKind
    """``ring`` (oriented for the non-zero rule), ``line`` or ``dot`` (one vertex each)."""
    plain: list[Subpaths] = field(default_factory=list)
    """Painted as they are, in any order, each set in one operation."""
    masked: list[Subpaths] = field(default_factory=list)
    """Levels, ascending, each painted over the ones below (see :class:`LevelPaths`)."""


def _nested(parts: Objects, ranks: I64, levels: list[float], kind: SubpathKind, reach: float, unit: float,
            vertices: F64) -> list[tuple[float, I64]]:
    """``(alpha, shapes)`` of each nested-set path (see the module docstring)."""
    # strokes and discs within anti-aliasing reach; polygons that touch (a distance test on
    # long rings costs more than the whole SVG, and a pixel shared by two edges 1 px apart
    # blends a little, never doubles an interior)
    pairs = _pairs(parts, (2 * reach + _AA) / unit if kind != "ring" else None)
    cover = np.full(len(parts), -1)
    if pairs is None:  # too many neighbours to list: one cluster
        cluster = np.zeros(len(parts), dtype=np.int64)
    elif kind == "ring":  # candidates by bounding box: containment first, then touching
        a, b = pairs
        cover, touching = _deepest_cover(parts, ranks, pairs)
        rest = np.flatnonzero(~touching)
        touching[rest] = shapely.intersects(parts[a[rest]], parts[b[rest]])
        cluster = _components(len(parts), a[touching], b[touching])
    else:
        cluster = _components(len(parts), *pairs)
    shape, rank, prev = _memberships(cluster, ranks, cover)
    if vertices[shape].sum() > NESTED_BUDGET * vertices.sum():  # pathological: flat levels
        shape, rank, prev = np.arange(len(parts)), ranks, np.full(len(parts), -1)
    values = np.array([0.0, *levels])  # the value of level index i is values[i + 1]
    key = rank * (len(levels) + 1) + prev + 1
    order = np.argsort(key, kind="stable")
    keys, starts = np.unique(key[order], return_index=True)
    out = []
    for k_p, group in zip(keys.tolist(), np.split(shape[order], starts[1:]), strict=True):
        k, p = divmod(k_p, len(levels) + 1)
        out.append((float((values[k + 1] - values[p]) / (1.0 - values[p])), group))
    return out


def level_shapes(mask: Mask, t: Transform, drawn_as: str, size: tuple[int, int], reach: float, *,
                 opacity: float = 1.0, masks: bool = True) -> LevelShapes:
    """The subpaths of a mask drawn ``drawn_as`` (``filled``, ``strokes``, ``dots``) on a canvas of ``size``.

    ``reach`` is how far the drawing extends past a shape's coordinates (half a stroke, a
    disc's radius), in output pixels.  ``opacity`` scales the levels (for a writer that cannot
    paint the mask as one layer of that opacity, such as PDF); ``masks=False`` never uses
    masked levels (for a writer without masks): nested sets instead.

    >>> import maskrender as mr
    >>> from maskrender.geometry import fit
    >>> lines = mr.load(b'{"mask_type": "polyline_mask", "view_box": "0 0 10 10", "features": ['
    ...     b'{"geometry": {"type": "LineString", "coordinates": [[0, 5], [10, 5]]}, "properties": {"intensity": 0.5}},'
    ...     b'{"geometry": {"type": "LineString", "coordinates": [[5, 0], [5, 10]]}, "properties": {"intensity": 1}}'
    ...     b']}').masks()[0]
    >>> shapes = level_shapes(lines, fit(lines.view_box, (10, 10)), "strokes", (10, 10), 1.0, opacity=0.5, masks=False)
    >>> [(round(a, 4), counts.tolist()) for a, _, counts in shapes.plain]  # both 0.251, then one lifted to 0.5
    [(0.251, [2, 2]), (0.3325, [2])]
    """
    levels, feature_ranks = _ranks(mask)
    levels = [opacity * level for level in levels]
    kind: SubpathKind = "ring" if drawn_as == "filled" else "dot" if drawn_as == "dots" else "line"
    parts, ranks, tp = _parts(mask, feature_ranks, t, size, reach, _TYPES[kind])
    drawn = ranks >= 0
    parts, ranks = parts[drawn], ranks[drawn]
    out = LevelShapes(kind)
    if not len(parts):
        return out
    if kind == "ring":
        xy, index, counts, owner = _rings(parts, tp)
        vertices: F64 = np.bincount(owner, weights=counts, minlength=len(parts)).astype(np.float64)
    else:
        xy, index, counts = _coordinates(parts, tp)
        owner, vertices = np.arange(len(parts)), np.asarray(counts, dtype=np.float64)
    if len(levels) == 1:
        out.plain.append((levels[0], xy, counts))
    elif masks and kind != "ring" and len(levels) <= MASKED_LEVELS:
        out.masked = [(level, *_chosen(xy, index, counts, ranks == k)) for k, level in enumerate(levels)
                      if (ranks == k).any()]
    else:
        for alpha, group in _nested(parts, ranks, levels, kind, reach, min(abs(tp.sx), abs(tp.sy)), vertices):
            chosen = np.zeros(len(parts), dtype=bool)
            chosen[group] = True
            out.plain.append((alpha, *_chosen(xy, index, counts, chosen[owner])))
    return out


def level_paths(mask: Mask, t: Transform, drawn_as: str, size: tuple[int, int], reach: float) -> LevelPaths:
    """The paths of a mask drawn ``drawn_as`` (``filled``, ``strokes``, ``dots``) on a canvas of ``size``:
    :func:`level_shapes` as SVG path data: dots of a radius ``reach`` up to :data:`CAPPED_RADIUS` as
    zero-length subpaths (to stroke with round caps), larger ones as filled discs.

    >>> import maskrender as mr
    >>> from maskrender.geometry import fit
    >>> heat = mr.load(b'{"mask_type": "heatmap_mask", "view_box": "0 0 100 100", "features": ['
    ...     b'{"geometry": {"type": "Polygon", "coordinates": [[[10, 10], [90, 10], [90, 90], [10, 10]]]},'
    ...     b' "properties": {"intensity": 0.5}},'
    ...     b'{"geometry": {"type": "Polygon", "coordinates": [[[50, 20], [80, 20], [80, 50], [50, 20]]]},'
    ...     b' "properties": {"intensity": 1}}]}').masks()[0]
    >>> level_paths(heat, fit(heat.view_box, (100, 100)), "filled", (100, 100), 0).plain
    [(0.5019607843137255, 'M10 10l80 0 0 80z'), (1.0, 'M50 20l30 0 0 30z')]
    """
    shapes = level_shapes(mask, t, drawn_as, size, reach)
    radius = reach if shapes.kind == "dot" and reach > CAPPED_RADIUS else None  # big discs: filled arcs
    box = None
    if shapes.masked:
        xy = np.concatenate([xy for _, xy, _ in shapes.masked])
        (x0, y0), (x1, y1) = xy.min(axis=0) - reach - 1, xy.max(axis=0) + reach + 1
        box = (max(0.0, float(np.floor(x0))), max(0.0, float(np.floor(y0))),
               min(float(size[0]), float(np.ceil(x1))), min(float(size[1]), float(np.ceil(y1))))
    return LevelPaths([(a, subpaths_d(xy, counts, shapes.kind, radius=radius)) for a, xy, counts in shapes.plain],
                      [(a, subpaths_d(xy, counts, shapes.kind, radius=radius)) for a, xy, counts in shapes.masked],
                      box)


def outline_path(mask: Mask, t: Transform, size: tuple[int, int], reach: float) -> str:
    """Path data of every ring of a polygonal mask's drawn features (level above 0, as the PNG outlines)."""
    mask = replace(mask, features=tuple(f for f in mask.features if f.level > 0))
    polys, _, tp = _parts(mask, np.zeros(len(mask.features), dtype=np.int64), t, size, reach, _TYPES["ring"])
    if not len(polys):
        return ""
    xy, _, counts = _coordinates(shapely.get_rings(polys), tp)
    return subpaths_d(xy, counts, "ring")
