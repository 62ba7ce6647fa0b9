"""Vectorised building of a mask's shapely geometries from its GeoJSON coordinates, and repair.

The coordinates of a whole mask go to numpy in a few C-level passes (no Python code runs per
coordinate) and to shapely's vectorised constructors.  When that fast path meets anything
unusual it walks the mask again slowly, to name the exact JSON path of the problem.
"""

from __future__ import annotations

from itertools import chain
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from maskrender import limits
from maskrender._jsonpath import Context, finite, join
from maskrender.errors import GeometryWarning, warn
from maskrender.kinds import GeometryFamily

__all__ = ["build_geometries"]


class _SlowPathError(Exception):
    """The fast path met something unusual; walk again slowly."""


class _Parts:
    """One mask's features reduced to lists of parts, with what messages need to name them."""

    __slots__ = ("ctx", "fam", "multi", "parts", "path")

    def __init__(self, path: str, fam: GeometryFamily, ctx: Context) -> None:
        self.path = path  # the mask's ``features`` path
        self.fam = fam
        self.ctx = ctx
        self.parts: list[list[Any]] = []  # per feature: its parts (points, lines or polygons)
        self.multi: list[bool] = []  # per feature: whether the input was a Multi* type

    def coords_path(self, fid: int, part: int | None = None, ring: int | None = None) -> str:
        """``features[fid].geometry.coordinates`` plus the part (for Multi* types) and ring."""
        p = f"{self.path}[{fid}].geometry.coordinates"
        if part is not None and self.multi[fid]:
            p += f"[{part}]"
        return p if ring is None else p + f"[{ring}]"

    def warn(self, path: str, what: str) -> None:
        warn(f"{self.ctx.src}: {path}: {what}", GeometryWarning)


def build_geometries(parts: list[list[Any]], multi: list[bool], path: str, fam: GeometryFamily,
                     ctx: Context) -> list[BaseGeometry]:
    """Build the geometries of one mask's features (``parts[i]``: feature i's points, lines or polygons
    as read from its ``coordinates``; ``multi[i]``: whether it was a Multi* type) at the JSON ``path``
    of its ``features`` list, with a handful of vectorised shapely calls; repair what is invalid, with
    a warning.

    >>> from maskrender._jsonpath import Context
    >>> from maskrender.kinds import MASK_KINDS
    >>> fam = MASK_KINDS["polygon_mask"].geometry
    >>> [g.area for g in build_geometries([[[[[0, 0], [2, 0], [2, 1], [0, 0]]]]], [True], "features", fam,
    ...                                   Context("x.json"))]
    [1.0]
    """
    todo = _Parts(path, fam, ctx)
    todo.parts = parts
    todo.multi = multi
    counted = ctx.coords
    try:
        return _build(todo)
    except _SlowPathError:
        ctx.coords = counted  # the slow walk counts again
        todo.parts = [_clean_parts(todo, i) for i in range(len(todo.parts))]
        return _build(todo)


def _clean_parts(todo: _Parts, fid: int) -> list[Any]:
    """Validate every coordinate of one feature with its exact path; return plain ``[x, y]`` floats."""
    ctx = todo.ctx
    depth = todo.fam.depth
    if todo.multi[fid]:
        hint = f" ({todo.fam.multi} coordinates are [{todo.fam.shape}, ...])"
    else:
        hint = f" ({todo.fam.single} coordinates are {todo.fam.shape})"

    def walk(node: Any, level: int, p: str) -> Any:
        if level == 0:
            return _clean_point(node, p, ctx, hint)
        if not isinstance(node, list):
            raise ctx.fail(p, "a list" + " of lists" * (level - 1) + " of coordinates" + hint, node)
        if level == 1:
            ctx.count(len(node), p)
        return [walk(child, level - 1, join(p, j)) for j, child in enumerate(node)]

    parts = todo.parts[fid]
    if depth == 1:
        ctx.count(len(parts), todo.coords_path(fid))
    # each part is one point, one line or one polygon: one level less than a feature's parts
    return [walk(part, depth - 1, todo.coords_path(fid, k)) for k, part in enumerate(parts)]


def _clean_point(node: Any, p: str, ctx: Context, hint: str) -> list[float]:
    if not isinstance(node, list) or len(node) not in (2, 3):
        raise ctx.fail(p, "a coordinate [x, y] or [x, y, z]" + hint, node)
    cap = limits.MAX_ABS_COORDINATE
    for j, v in enumerate(node):
        if isinstance(v, list):
            raise ctx.fail(join(p, j), "a number" + hint, v)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ctx.fail(join(p, j), "a number", v)
        fv = finite(v)
        if fv is None:
            raise ctx.fail(join(p, j), "a finite number", v)
        if cap is not None and abs(fv) > cap:
            raise ctx.fail(join(p, j), f"a coordinate within ±{cap:g} (maskrender.limits.MAX_ABS_COORDINATE)", v)
    return [float(node[0]), float(node[1])]


_LIST = frozenset({list})
_NUMBERS = frozenset({int, float})


def _as_xy(points: list[Any]) -> np.ndarray:
    """``(N, 2)`` floats from ``[x, y]`` / ``[x, y, z]`` lists in a few C-level passes.

    Raises ``_SlowPathError`` on anything but 2 or 3 finite numbers per point (booleans,
    which numpy would silently read as 0 and 1, included), so the slow walk can say where.
    """
    n = len(points)
    if not n:
        return np.empty((0, 2))
    try:  # a str or dict "point" passes here; its characters or keys fail the number check below
        lengths = np.fromiter(map(len, points), dtype=np.intp, count=n)
    except TypeError:
        raise _SlowPathError from None
    twos = lengths == 2
    if not (twos | (lengths == 3)).all():
        raise _SlowPathError
    flat = list(chain.from_iterable(points))
    if not set(map(type, flat)) <= _NUMBERS:
        raise _SlowPathError
    try:
        values = np.array(flat, dtype=np.float64)
    except OverflowError:
        raise _SlowPathError from None
    del flat
    cap = limits.MAX_ABS_COORDINATE
    if not np.isfinite(values).all() or (cap is not None and np.abs(values).max() > cap):
        raise _SlowPathError
    if twos.all():
        return values.reshape(n, 2)
    if not twos.any():
        return np.ascontiguousarray(values.reshape(n, 3)[:, :2])
    starts = np.cumsum(lengths) - lengths
    return np.column_stack((values[starts], values[starts + 1]))


def _flatten(todo: _Parts) -> tuple[np.ndarray, list[np.ndarray]]:
    """Flatten nested parts into one array of points and the owner index of each level.

    Returns the ``(N, 2)`` points and, for each level above points, the index of the
    enclosing item: ``[ring_of_point, polygon_of_ring, feature_of_polygon]`` for polygons.
    The coordinate count is checked before the list of points is built.
    """
    depth = todo.fam.depth
    nodes: list[Any] = todo.parts
    owners: list[np.ndarray] = []
    for level in range(depth):
        if not set(map(type, nodes)) <= _LIST:
            raise _SlowPathError
        lengths = np.fromiter(map(len, nodes), dtype=np.intp, count=len(nodes))
        if level == depth - 1:
            todo.ctx.count(int(lengths.sum()), todo.path)
        owners.append(np.repeat(np.arange(len(nodes), dtype=np.intp), lengths))
        nodes = list(chain.from_iterable(nodes))
    owners.reverse()
    return _as_xy(nodes), owners


def _build(todo: _Parts) -> list[BaseGeometry]:
    xy, owners = _flatten(todo)
    out = np.empty(len(todo.parts), dtype=object)
    if todo.fam.name == "point":
        if len(xy):
            shapely.multipoints(xy, indices=owners[0], out=out)
    elif todo.fam.name == "line":
        _build_lines(todo, xy, owners, out)
    else:
        _build_polygons(todo, xy, owners, out)
    return _fill_empty(out, todo.fam.empty_wkt)


def _local(owner: np.ndarray, item: int) -> int:
    """The index of ``item`` among the items of its owner (``owner`` is sorted)."""
    return int(item - np.searchsorted(owner, owner[item]))


def _build_lines(todo: _Parts, xy: np.ndarray, owners: list[np.ndarray], out: np.ndarray) -> None:
    line_of_point, feat_of_line = owners
    keep = _min_size(line_of_point, len(feat_of_line), 2, xy, closed=False)
    for lid in np.flatnonzero(~keep):
        fid = int(feat_of_line[lid])
        todo.warn(todo.coords_path(fid, _local(feat_of_line, int(lid))), "line with fewer than 2 points dropped")
    if keep.any():
        sizes = np.bincount(line_of_point, minlength=len(feat_of_line))
        lines = shapely.from_ragged_array(
            shapely.GeometryType.LINESTRING, _select(xy, keep[line_of_point]), (_offsets(sizes[keep]),)
        )
        shapely.multilinestrings(lines, indices=feat_of_line[keep], out=out)


def _build_polygons(todo: _Parts, xy: np.ndarray, owners: list[np.ndarray], out: np.ndarray) -> None:
    ring_of_point, poly_of_ring, feat_of_poly = owners
    ring_ok = _min_size(ring_of_point, len(poly_of_ring), 3, xy, closed=True)
    shell_of_poly = np.full(len(feat_of_poly), -1, dtype=np.intp)
    if len(poly_of_ring):
        first = np.r_[True, poly_of_ring[1:] != poly_of_ring[:-1]]
        shell_of_poly[poly_of_ring[first]] = np.flatnonzero(first)
    has_shell = shell_of_poly >= 0
    poly_ok = np.zeros(len(feat_of_poly), dtype=bool)
    poly_ok[has_shell] = ring_ok[shell_of_poly[has_shell]]
    for rid in np.flatnonzero(~ring_ok):
        pid = int(poly_of_ring[rid])
        fid = int(feat_of_poly[pid])
        exterior = shell_of_poly[pid] == rid
        todo.warn(
            todo.coords_path(fid, _local(feat_of_poly, pid), _local(poly_of_ring, int(rid))),
            f"{'exterior' if exterior else 'hole'} ring with fewer than 3 distinct points; "
            + ("polygon dropped" if exterior else "hole dropped"),
        )
    ring_keep = ring_ok & poly_ok[poly_of_ring]
    if not ring_keep.any():
        return
    points_per_ring = np.bincount(ring_of_point, minlength=len(poly_of_ring))[ring_keep]
    rings_per_poly = np.bincount(poly_of_ring[ring_keep], minlength=len(feat_of_poly))[poly_ok]
    polys = shapely.from_ragged_array(  # closes unclosed rings, as the vendor's sample needs
        shapely.GeometryType.POLYGON,
        _select(xy, ring_keep[ring_of_point]),
        (_offsets(points_per_ring), _offsets(rings_per_poly)),
    )
    poly_ids = np.flatnonzero(poly_ok)
    # not shapely.is_valid: it silences GEOS with warnings.catch_warnings(), a process-wide switch that
    # swallows other threads' warnings while it runs; is_valid_reason asks the same without it
    valid = shapely.is_valid_reason(polys) == "Valid Geometry"
    if not valid.all():
        polys, poly_ids = _repair(todo, polys, poly_ids, valid, feat_of_poly)
    if len(polys):
        shapely.multipolygons(polys, indices=feat_of_poly[poly_ids], out=out)


def _select(xy: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """The rows of ``xy`` to keep (without a copy when that is all of them)."""
    return xy if keep.all() else xy[keep]


def _offsets(sizes: np.ndarray) -> np.ndarray:
    """Offsets into a flat array of items of these ``sizes`` (for ``from_ragged_array``)."""
    out: np.ndarray = np.r_[0, np.cumsum(sizes)].astype(np.int64)
    return out


def _min_size(owner: np.ndarray, count: int, minimum: int, xy: np.ndarray, closed: bool) -> np.ndarray:
    """Which rings/lines have at least ``minimum`` points (a ring's closing point not counted)."""
    sizes = np.bincount(owner, minlength=count)
    if closed and len(owner):
        starts = np.r_[0, np.cumsum(sizes)[:-1]]
        ends = starts + sizes - 1
        nonempty = sizes > 0
        same = np.zeros(count, dtype=bool)
        same[nonempty] = (xy[starts[nonempty]] == xy[ends[nonempty]]).all(axis=1) & (sizes[nonempty] > 1)
        sizes = sizes - same
    result: np.ndarray = sizes >= minimum
    return result


def _repair(todo: _Parts, polys: np.ndarray, poly_ids: np.ndarray, valid: np.ndarray,
            feat_of_poly: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Replace each invalid polygon by the area its rings enclose (or drop it when it has none).

    The repair reads a polygon as its structure says (:func:`_enclosed`): what its exterior
    ring encloses minus what its holes enclose, never the even-odd reading of the linework
    (``make_valid``'s default), which paints where two holes overlap, paints outside the shell
    where a hole reaches past it, and cuts the middle out of a ring that overlaps itself.
    """
    out_polys: list[BaseGeometry] = []
    out_ids: list[int] = []
    for poly, pid, ok in zip(polys, poly_ids, valid, strict=True):
        if ok:
            out_polys.append(poly)
            out_ids.append(int(pid))
            continue
        reason = shapely.is_valid_reason(poly)
        fixed = _polygons_in(_enclosed(poly))
        fid = int(feat_of_poly[pid])
        where = todo.coords_path(fid, _local(feat_of_poly, int(pid)))
        if fixed:
            todo.warn(where, f"invalid polygon ({reason}) repaired with make_valid into {len(fixed)} polygon(s)")
            out_polys.extend(fixed)
            out_ids.extend([int(pid)] * len(fixed))
        else:
            todo.warn(where, f"invalid polygon ({reason}) has no area; dropped")
    return np.array(out_polys, dtype=object), np.asarray(out_ids, dtype=np.intp)


def _enclosed(poly: BaseGeometry) -> BaseGeometry:
    """The area a polygon's exterior ring encloses (non-zero winding) minus what its holes enclose.

    Each ring is made valid on its own with ``make_valid(method="structure")`` (a ring that
    crosses itself encloses every region it winds around), then the holes' union is
    subtracted: a hole past the shell removes only what it covers, a hole outside it nothing
    (``make_valid`` of the whole polygon with ``method="structure"`` would paint such a hole).

    >>> import shapely
    >>> square, away = [(0, 0), (10, 0), (10, 10), (0, 10)], [(20, 20), (30, 20), (30, 30), (20, 30)]
    >>> bowtie = [(0, 0), (2, 2), (2, 0), (0, 2)]
    >>> _enclosed(shapely.Polygon(square, [away])).area, _enclosed(shapely.Polygon(bowtie)).area
    (100.0, 2.0)
    """
    def valid(ring: BaseGeometry) -> BaseGeometry:
        return shapely.make_valid(shapely.Polygon(ring), method="structure", keep_collapsed=False)

    shell = valid(poly.exterior)
    if not len(poly.interiors):
        return shell
    return shapely.difference(shell, shapely.union_all([valid(r) for r in poly.interiors]))


def _polygons_in(geom: BaseGeometry) -> list[BaseGeometry]:
    """The non-empty polygons inside any geometry (make_valid may return a collection)."""
    if geom.geom_type == "Polygon":
        return [] if geom.is_empty else [geom]
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _polygons_in(g)]
    return []


def _fill_empty(out: np.ndarray, empty_wkt: str) -> list[BaseGeometry]:
    empty = shapely.from_wkt(empty_wkt)
    return [g if g is not None else empty for g in out]
