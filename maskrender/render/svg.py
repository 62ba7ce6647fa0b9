"""Masks as an SVG 1.1 document that agrees with the raster renderer.

The root ``viewBox`` is the output in pixels; each mask is one ``<g>`` whose ``transform``
maps the mask's own view_box onto it, so coordinates stay in view_box units (integers stay
integers) and are rounded only to what the output needs (1/20 px).  Inside a group:

* polygons: one ``<path fill-rule="evenodd">`` per polygon (exterior plus its own holes);
* lines: one stroked path per intensity level, round caps and joins;
* points: one path of circular arcs per intensity level (compact, and union-filled);
* heatmaps: intensity levels are made disjoint (each level minus the higher ones), so the
  group looks like the raster renderer's "largest intensity wins" without double blending.

The group's ``opacity`` makes the mask one layer.  Every string from the data goes through
:func:`safe_id` or the XML escaper; colours come from :class:`~maskrender.style.Color`, so no
script, event handler or external reference can come from the input.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import shapely
import svgwrite
from shapely.geometry.base import BaseGeometry

from maskrender.geometry import Transform
from maskrender.model import Mask
from maskrender.render.layers import intensity_groups
from maskrender.style import MaskStyle

__all__ = ["MaskDrawing", "build_svg", "decimals_for", "path_data", "safe_id"]

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def safe_id(text: str, fallback: str = "mask") -> str:
    """A string reduced to ``[A-Za-z0-9_-]``, starting with a letter (safe as id and class).

    >>> safe_id('"><script>alert(1)</script>')
    'script-alert-1-script'
    """
    cleaned = _UNSAFE.sub("-", text).strip("-")[:80]
    if not cleaned:
        return fallback
    return cleaned if cleaned[0].isalpha() else f"m-{cleaned}"


def decimals_for(scale: float) -> int:
    """Decimals that keep coordinates within 1/20 output pixel at ``scale`` pixels per unit.

    >>> decimals_for(1.0), decimals_for(0.2119), decimals_for(10)
    (2, 1, 3)
    """
    return max(0, math.ceil(math.log10(max(scale, 1e-9) * 20)))


def _fmt(values: npt.NDArray[np.float64], decimals: int) -> list[str]:
    r = np.round(values, decimals)
    if decimals == 0 or np.all(r == np.round(r)):
        return [str(v) for v in r.astype(np.int64).tolist()]
    return [(f"{v:.{decimals}f}".rstrip("0").rstrip(".") or "0") for v in r.tolist()]


def _ring_d(xy: npt.NDArray[np.float64], decimals: int) -> str:
    if len(xy) > 1 and np.array_equal(xy[0], xy[-1]):
        xy = xy[:-1]
    s = _fmt(xy.ravel(), decimals)
    pairs = [f"{s[i]} {s[i + 1]}" for i in range(0, len(s), 2)]
    return "M" + " ".join(pairs) + "z"


def path_data(geom: BaseGeometry, decimals: int) -> str:
    """SVG path data of a polygon (exterior and holes) or of lines.

    >>> import shapely
    >>> path_data(shapely.box(0, 0, 2, 1), 0)
    'M2 0 2 1 0 1 0 0z'
    """
    if geom.geom_type == "Polygon":
        rings = [geom.exterior, *geom.interiors]
        return "".join(_ring_d(np.asarray(r.coords)[:, :2], decimals) for r in rings)
    parts = geom.geoms if hasattr(geom, "geoms") else [geom]
    out = []
    for line in parts:
        s = _fmt(np.asarray(line.coords)[:, :2].ravel(), decimals)
        out.append("M" + " ".join(f"{s[i]} {s[i + 1]}" for i in range(0, len(s), 2)))
    return "".join(out)


def _discs_d(xy: npt.NDArray[np.float64], r: float, decimals: int) -> str:
    if not len(xy):
        return ""
    left = _fmt(xy[:, 0] - r, decimals)
    ys = _fmt(xy[:, 1], decimals)
    rr = _fmt(np.array([r]), decimals)[0]
    dd = _fmt(np.array([2 * r]), decimals)[0]
    arc = f"a{rr} {rr} 0 1 0 {dd} 0a{rr} {rr} 0 1 0 -{dd} 0"
    return "".join(f"M{x} {y}{arc}" for x, y in zip(left, ys, strict=True))


class MaskDrawing:
    """One mask prepared for SVG: its transform into the output and its resolved style."""

    __slots__ = ("mask", "style", "transform")

    def __init__(self, mask: Mask, transform: Transform, style: MaskStyle) -> None:
        self.mask = mask
        self.transform = transform
        self.style = style


def _disjoint_levels(mask: Mask) -> list[tuple[float, list[BaseGeometry]]]:
    """Polygons per intensity level, each level minus every higher one (for exact max)."""
    groups = intensity_groups(mask)
    if len(groups) == 1:
        level, idx = groups[0]
        return [(level, [p for i in idx for p in shapely.get_parts(mask.features[i].geometry)])]
    out: list[tuple[float, list[BaseGeometry]]] = []
    above: BaseGeometry | None = None
    for level, idx in reversed(groups):
        union = shapely.union_all([mask.features[i].geometry for i in idx])
        piece = union if above is None else shapely.difference(union, above)
        above = union if above is None else shapely.union(above, union)
        polys = [p for p in shapely.get_parts(piece) if p.geom_type == "Polygon" and not p.is_empty]
        polys += [q for p in shapely.get_parts(piece) if p.geom_type == "MultiPolygon" for q in p.geoms]
        out.append((level, polys))
    out.reverse()
    return out


def _mask_group(dwg: svgwrite.Drawing, md: MaskDrawing, index: int) -> list[svgwrite.container.Group]:
    mask, t, st = md.mask, md.transform, md.style
    dec = decimals_for(max(t.sx, t.sy))
    ident = safe_id(mask.tech_name or mask.name or mask.mask_type)
    attrs: dict[str, str | float] = {"id": f"{ident}-{index}", "class": f"mask {mask.mask_type} {ident}",
                                     "opacity": round(st.opacity, 4)}
    transform = None
    if not (t.sx == 1 and t.sy == 1 and t.tx == 0 and t.ty == 0):
        transform = f"matrix({t.sx:.10g} 0 0 {t.sy:.10g} {t.tx:.10g} {t.ty:.10g})"
        attrs["transform"] = transform
    unit = t.scale  # output pixels per view_box unit
    if mask.mask_type == "polyline_mask":
        g = dwg.g(fill="none", stroke=st.color.hex, stroke_width=f"{st.line_width / unit:.4g}",
                  stroke_linecap="round", stroke_linejoin="round", **attrs)
    else:
        g = dwg.g(fill=st.color.hex, **attrs)
    g.add(dwg.title(mask.display_name))
    if mask.mask_type in ("polygon_mask", "heatmap_mask"):
        for level, polys in _disjoint_levels(mask):
            target = g if level >= 1.0 else g.add(dwg.g(fill_opacity=round(level, 4)))
            for poly in polys:
                target.add(dwg.path(d=path_data(poly, dec), fill_rule="evenodd"))
    else:
        for level, idx in intensity_groups(mask):
            geoms = [mask.features[i].geometry for i in idx]
            if mask.mask_type == "point_mask":
                xy = shapely.get_coordinates(np.asarray(geoms, dtype=object))
                d = _discs_d(xy, st.point_radius / unit, dec)
            else:
                d = "".join(path_data(gm, dec) for gm in geoms if not gm.is_empty)
            if not d:
                continue
            el = dwg.path(d=d)
            if level < 1.0:
                el["fill-opacity" if mask.mask_type == "point_mask" else "stroke-opacity"] = round(level, 4)
            g.add(el)
    groups = [g]
    if st.outline > 0 and mask.mask_type in ("polygon_mask", "heatmap_mask"):
        o_attrs: dict[str, str | float] = {"class": f"outline {ident}", "opacity": round(st.outline_opacity, 4)}
        if transform:
            o_attrs["transform"] = transform
        og = dwg.g(fill="none", stroke=st.color.hex, stroke_width=f"{st.outline / unit:.4g}",
                   stroke_linejoin="round", **o_attrs)
        for f in mask.features:
            for poly in shapely.get_parts(f.geometry):
                og.add(dwg.path(d=path_data(poly, dec)))
        groups.append(og)
    return groups


def build_svg(
    drawings: Sequence[MaskDrawing],
    size: tuple[int, int],
    *,
    photo: tuple[bytes, str] | None = None,
    title: str | None = None,
) -> str:
    """An SVG document of ``size`` pixels with the masks in order and, optionally, the photo.

    ``photo`` is ``(encoded bytes, mime type)`` embedded as a data URI under the masks.
    """
    w, h = size
    dwg = svgwrite.Drawing(size=(w, h), profile="full", debug=False)
    dwg.viewbox(0, 0, w, h)
    if title:
        dwg.add(dwg.title(title))
    if photo is not None:
        data, mime = photo
        uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        dwg.add(dwg.image(href=uri, insert=(0, 0), size=(w, h), preserveAspectRatio="none"))
    for i, md in enumerate(drawings):
        for group in _mask_group(dwg, md, i):
            dwg.add(group)
    return str(dwg.tostring())
