"""Masks as PDF paths: the same geometry, colours and levels as the PNG and SVG.

A PDF path is painted in one operation, so overlapping parts of one path never blend twice,
and a page has no layer of its own per mask: each mask becomes the nested sets of
:func:`~maskrender.draw.svg_shapes.level_shapes`, in output pixels, with the mask's opacity
folded into their alphas.  Set ``i`` holds every shape of level ``>= l_i`` at the alpha that
lifts ``l_{i-1}`` to ``l_i`` under source-over, so where two levels meet or cross the larger
wins (crossing lines of 0.48 and 0.53 show 0.53, not 0.76) and a pixel on the contour between
two heatmap levels gets the integral of the level over it (disjoint bands leave a pale seam there
in renderers that blend two anti-aliased edges that meet as if they overlapped).  Polygons are filled with the
non-zero rule (rings oriented: holes stay holes, overlapping lesions count once), discs are
one nonzero-filled path of circles, lines one round-capped stroke per set of open subpaths
(fpdf2's ``auto_close`` is turned off: by default it closes every subpath, which would add a
chord from each polyline's last point back to its first).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from maskrender.draw.svg import MaskDrawing
from maskrender.draw.svg_shapes import level_shapes
from maskrender.kinds import MASK_KINDS

__all__ = ["draw_masks"]


def _polygons(geom: BaseGeometry) -> Iterator[BaseGeometry]:
    return (p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty)


def _subpaths(xy: npt.NDArray[np.float64], counts: npt.NDArray[np.int64]) -> Iterator[npt.NDArray[np.float64]]:
    ends = np.cumsum(counts)
    for start, end in zip(ends - counts, ends, strict=True):
        if end > start:
            yield xy[start:end]


_KAPPA = 4 * (2 ** 0.5 - 1) / 3
"""Control-point distance of a quarter circle as one cubic Bezier (radius 1): within 0.03% of the radius."""


def _circle(path: Any, cx: float, cy: float, r: float) -> None:
    """A closed circle of four cubic Beziers, always turning the same way (so that discs of one
    path fill once under the non-zero rule).  fpdf2's own ``circle`` approximates elliptic arcs
    in Python, about 0.1 ms each: 0.5 s for a mask of 5,000 pores."""
    k = _KAPPA * r
    path.move_to(cx + r, cy)
    path.curve_to(cx + r, cy + k, cx + k, cy + r, cx, cy + r)
    path.curve_to(cx - k, cy + r, cx - r, cy + k, cx - r, cy)
    path.curve_to(cx - r, cy - k, cx - k, cy - r, cx, cy - r)
    path.curve_to(cx + k, cy - r, cx + r, cy - k, cx + r, cy)
    path.close()


def draw_masks(pdf: Any, drawings: Sequence[MaskDrawing], size: tuple[int, int], *, origin: tuple[float, float],
               scale: float) -> None:
    """Draw ``drawings`` (prepared for a canvas of ``size`` pixels) at ``origin``, ``scale`` points per canvas pixel."""
    from fpdf.drawing import PaintedPath
    from fpdf.enums import PathPaintRule, StrokeCapStyle, StrokeJoinStyle

    ox, oy = origin

    def trace(path: PaintedPath, xy: Any, close: bool) -> None:
        px, py = ox + np.asarray(xy[:, 0]) * scale, oy + np.asarray(xy[:, 1]) * scale
        path.move_to(float(px[0]), float(py[0]))
        for x, y in zip(px[1:].tolist(), py[1:].tolist(), strict=True):
            path.line_to(x, y)
        if close:
            path.close()

    for d in drawings:
        mask, t, st = d.mask, d.transform, d.style
        kind = MASK_KINDS[mask.mask_type]
        rgb = st.color.hex
        shapes = level_shapes(mask, t, kind.drawn_as, size, st.reach(kind.drawn_as), opacity=st.opacity, masks=False)
        for alpha, xy, counts in shapes.plain:
            path = PaintedPath()
            if shapes.kind == "dot":
                r = st.point_radius * scale
                for x, y in xy.tolist():
                    _circle(path, ox + x * scale, oy + y * scale, r)
                path.style.fill_color = rgb
                path.style.fill_opacity = alpha
                path.style.paint_rule = PathPaintRule.FILL_NONZERO
            elif shapes.kind == "ring":
                for ring in _subpaths(xy, counts):
                    trace(path, ring, True)
                path.style.fill_color = rgb
                path.style.fill_opacity = alpha
                path.style.stroke_color = None
                path.style.paint_rule = PathPaintRule.FILL_NONZERO
            else:
                for line in _subpaths(xy, counts):
                    trace(path, line, False)
                path.style.stroke_color = rgb
                path.style.stroke_opacity = alpha
                path.style.stroke_width = st.line_width * scale
                path.style.stroke_cap_style = StrokeCapStyle.ROUND
                path.style.stroke_join_style = StrokeJoinStyle.ROUND
                path.style.fill_color = None
                path.style.paint_rule = PathPaintRule.STROKE
                path.style.auto_close = False  # fpdf2 closes every subpath by default: a chord per wrinkle
            pdf.draw_path(path, copy=False)
        if st.outline > 0 and kind.polygonal:
            path = PaintedPath()
            for f in mask.features:
                if f.level == 0:  # drawn in no format
                    continue
                for poly in _polygons(t.apply(f.geometry)):
                    trace(path, np.asarray(poly.exterior.coords), True)
                    for hole in poly.interiors:
                        trace(path, np.asarray(hole.coords), True)
            path.style.stroke_color = rgb
            path.style.stroke_opacity = st.outline_opacity
            path.style.stroke_width = st.outline * scale
            path.style.stroke_join_style = StrokeJoinStyle.ROUND
            path.style.fill_color = None
            path.style.paint_rule = PathPaintRule.STROKE
            pdf.draw_path(path, copy=False)
