"""Masks as PDF paths: the same geometry, colours and opacities as the PNG and SVG.

A PDF path is painted in one operation, so overlapping parts of one path never blend twice:
each mask becomes one path per intensity level (polygons filled even-odd after a union, so
holes stay holes and overlapping lesions count once; discs as one nonzero-filled path; lines
as one round-capped stroke), its opacity the mask's times the level's.  Levels of a graded
mask are made disjoint first (each minus every higher one), as the SVG writer does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from maskrender.draw.layers import intensity_groups
from maskrender.draw.svg import MaskDrawing
from maskrender.kinds import KINDS
from maskrender.model import Mask

__all__ = ["draw_masks", "polygon_levels"]


def polygon_levels(mask: Mask) -> list[tuple[float, BaseGeometry]]:
    """``(level, area)`` per intensity level, each level's union minus every higher level's."""
    out: list[tuple[float, BaseGeometry]] = []
    above: BaseGeometry | None = None
    for level, idx in reversed(intensity_groups(mask)):
        union = shapely.union_all([mask.features[i].geometry for i in idx])
        piece = union if above is None else shapely.difference(union, above)
        above = union if above is None else shapely.union(above, union)
        if not piece.is_empty:
            out.append((level, piece))
    return out[::-1]


def _polygons(geom: BaseGeometry) -> Iterable[BaseGeometry]:
    return (p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty)


def draw_masks(pdf: Any, drawings: Sequence[MaskDrawing], *, origin: tuple[float, float], scale: float) -> None:
    """Draw ``drawings`` (prepared for a canvas of pixels) at ``origin``, ``scale`` points per canvas pixel."""
    from fpdf.drawing import PaintedPath
    from fpdf.enums import PathPaintRule, StrokeCapStyle, StrokeJoinStyle

    ox, oy = origin

    def point(t: Any, x: float, y: float) -> tuple[float, float]:
        return (ox + (t.sx * x + t.tx) * scale, oy + (t.sy * y + t.ty) * scale)

    def rings(path: PaintedPath, t: Any, coords: Any, close: bool) -> None:
        first = True
        for x, y in coords:
            px, py = point(t, x, y)
            if first:
                path.move_to(px, py)
                first = False
            else:
                path.line_to(px, py)
        if close and not first:
            path.close()

    for d in drawings:
        mask, t, st = d.mask, d.transform, d.style
        kind = KINDS[mask.mask_type]
        rgb = st.color.hex
        if kind.drawn_as == "area":
            for level, area in polygon_levels(mask):
                path = PaintedPath()
                for poly in _polygons(area):
                    rings(path, t, poly.exterior.coords, True)
                    for hole in poly.interiors:
                        rings(path, t, hole.coords, True)
                path.style.fill_color = rgb
                path.style.fill_opacity = st.opacity * level
                path.style.stroke_color = None
                path.style.paint_rule = PathPaintRule.FILL_EVENODD
                pdf.draw_path(path, copy=False)
        else:
            for level, idx in intensity_groups(mask):
                geoms = [mask.features[i].geometry for i in idx if not mask.features[i].geometry.is_empty]
                if not geoms:
                    continue
                path = PaintedPath()
                if kind.drawn_as == "dots":
                    r = st.point_radius * scale
                    for x, y in shapely.get_coordinates(shapely.GeometryCollection(geoms)):
                        cx, cy = point(t, x, y)
                        path.circle(cx, cy, r)
                    path.style.fill_color = rgb
                    path.style.fill_opacity = st.opacity * level
                    path.style.paint_rule = PathPaintRule.FILL_NONZERO
                else:
                    for line in (p for g in geoms for p in shapely.get_parts(g)):
                        rings(path, t, line.coords, False)
                    path.style.stroke_color = rgb
                    path.style.stroke_opacity = st.opacity * level
                    path.style.stroke_width = st.line_width * scale
                    path.style.stroke_cap_style = StrokeCapStyle.ROUND
                    path.style.stroke_join_style = StrokeJoinStyle.ROUND
                    path.style.fill_color = None
                    path.style.paint_rule = PathPaintRule.STROKE
                pdf.draw_path(path, copy=False)
        if st.outline > 0 and kind.polygonal:
            path = PaintedPath()
            for f in mask.features:
                for poly in _polygons(f.geometry):
                    rings(path, t, poly.exterior.coords, True)
                    for hole in poly.interiors:
                        rings(path, t, hole.coords, True)
            path.style.stroke_color = rgb
            path.style.stroke_opacity = st.outline_opacity
            path.style.stroke_width = st.outline * scale
            path.style.stroke_join_style = StrokeJoinStyle.ROUND
            path.style.fill_color = None
            path.style.paint_rule = PathPaintRule.STROKE
            pdf.draw_path(path, copy=False)
