"""Masks as an SVG 1.1 document that agrees with the raster renderer.

The root ``viewBox`` is the output in pixels; each mask is one ``<g>`` whose ``transform``
maps the mask's own view_box onto it, so coordinates stay in view_box units (integers stay
integers) and are rounded only to what the output needs (1/20 px).  Inside a group:

* polygons: one ``<path fill-rule="evenodd">`` per polygon (exterior plus its own holes);
* lines: one stroked path per intensity level, round caps and joins;
* points: one path per intensity level of zero-length subpaths stroked with round caps, a
  disc each (SVG 1.1 paints those; about 11 bytes a point, so 5,000 pores take ~60 kB);
* heatmaps: intensity levels are made disjoint (each level minus the higher ones), so the
  group looks like the raster renderer's "largest intensity wins" without double blending.

Each group carries the mask's colour as ``fill`` and its ``opacity``, which makes the mask
one layer: overlapping features are painted inside the group and blended once.  Every string
from the data goes through :func:`safe_id` (ids, classes) or :func:`xml_text` and the XML
escaper (titles); colours come from :class:`~maskrender.style.Color`, so no markup, script,
event handler or external reference can come from the input.  The only ``href`` is the
embedded photo, a ``data:`` URI this module writes.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry.base import BaseGeometry

from maskrender.draw.layers import intensity_groups
from maskrender.errors import InputError
from maskrender.geometry import Transform
from maskrender.kinds import KINDS
from maskrender.model import Mask
from maskrender.style import MaskStyle

if TYPE_CHECKING:  # svgwrite costs ~50 ms to import: only SVG output pays for it
    import svgwrite
    import svgwrite.container

__all__ = [
    "MaskDrawing",
    "build_svg",
    "decimals_for",
    "lines_d",
    "mask_fragment",
    "points_d",
    "polygons_d",
    "safe_id",
    "xml_text",
]

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


def _ring_strings(rings: npt.NDArray[np.object_], decimals: int, close: bool) -> list[str]:
    """Path data of many rings or lines with one formatting pass over all their coordinates."""
    if not len(rings):
        return []
    xy, owner = shapely.get_coordinates(rings, return_index=True)
    counts = np.bincount(owner, minlength=len(rings))
    if close:  # the closing vertex is implied by "z"
        ends = np.cumsum(counts)
        starts = ends - counts
        shut = (counts > 1) & (xy[starts] == xy[np.maximum(ends - 1, 0)]).all(axis=1)
        keep = np.ones(len(xy), dtype=bool)
        keep[ends[shut] - 1] = False
        xy = xy[keep]
        counts = counts - shut
    s = _fmt(xy.ravel(), decimals)
    pairs = [f"{a} {b}" for a, b in zip(s[0::2], s[1::2], strict=True)]
    bounds = np.r_[0, np.cumsum(counts)].tolist()
    tail = "z" if close else ""
    return ["M" + " ".join(pairs[bounds[i]:bounds[i + 1]]) + tail for i in range(len(rings))]


def polygons_d(polys: Sequence[BaseGeometry], decimals: int) -> list[str]:
    """Path data of each polygon (exterior and its own holes), formatted in one pass.

    >>> import shapely
    >>> polygons_d([shapely.box(0, 0, 2, 1), shapely.box(0, 0, 4, 4).difference(shapely.box(1, 1, 2, 2))], 0)
    ['M2 0 2 1 0 1 0 0z', 'M0 0 0 4 4 4 4 0zM2 2 1 2 1 1 2 1z']
    """
    arr = np.empty(len(polys), dtype=object)
    arr[:] = list(polys)
    rings = _ring_strings(shapely.get_rings(arr), decimals, close=True)
    bounds = np.r_[0, np.cumsum(shapely.get_num_interior_rings(arr) + 1)].tolist()
    return ["".join(rings[bounds[i]:bounds[i + 1]]) for i in range(len(arr))]


def lines_d(geoms: Sequence[BaseGeometry], decimals: int) -> str:
    """Path data of every line of ``geoms`` (LineStrings or MultiLineStrings) as one path."""
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    return "".join(_ring_strings(shapely.get_parts(arr), decimals, close=False))


def points_d(xy: npt.NDArray[np.float64], decimals: int) -> str:
    """Path data drawing each point as a zero-length subpath (a disc once stroked with round caps).

    About 11 bytes a point, a third of two arcs, and the stroke of one path is painted once,
    so overlapping discs do not double-blend.

    >>> import numpy as np
    >>> points_d(np.array([[10.0, 20.0], [3.25, 4.0]]), 1)
    'M10 20h0M3.2 4h0'
    """
    if not len(xy):
        return ""
    s = _fmt(np.asarray(xy, dtype=np.float64)[:, :2].ravel(), decimals)
    return "".join(f"M{s[i]} {s[i + 1]}h0" for i in range(0, len(s), 2))


_XML_INVALID = re.compile(r"[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str, limit: int = 200) -> str:
    """Text safe to place in an XML document: characters XML 1.0 forbids removed, length capped.

    (Markup characters are escaped by the XML writer; this removes what no escaping can carry.)

    >>> xml_text("Acne\\x00 mask\\x1b")
    'Acne mask'
    """
    return _XML_INVALID.sub("", text)[:limit]


class MaskDrawing:
    """One mask prepared for drawing: its transform into the output and its resolved style.

    :func:`maskrender.overlay.prepare` makes these; both renderers draw them.

    >>> from maskrender.overlay import prepare
    >>> _, _, drawings = prepare("fixtures/pores.json", size=(604, 604))
    >>> d = drawings[0]
    >>> d.mask.mask_type, round(d.transform.sx, 3), round(d.style.point_radius, 2)
    ('point_mask', 0.25, 1.35)
    """

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


def _matrix(t: Transform) -> str | None:
    if t.sx == 1 and t.sy == 1 and t.tx == 0 and t.ty == 0:
        return None
    return f"matrix({t.sx:.10g} 0 0 {t.sy:.10g} {t.tx:.10g} {t.ty:.10g})"


def _mask_group(dwg: svgwrite.Drawing, md: MaskDrawing, index: int,
                id_prefix: str = "") -> list[svgwrite.container.Group]:
    mask, t, st = md.mask, md.transform, md.style
    dec = decimals_for(max(t.sx, t.sy))
    unit = t.scale  # output pixels per view_box unit: sizes are given in output pixels
    ident = safe_id(mask.tech_name or mask.name or mask.mask_type)
    attrs: dict[str, str | float] = {"id": f"{id_prefix}{ident}-{index}",
                                     "class": f"mask {safe_id(mask.mask_type)} {ident}",
                                     "fill": st.color.hex, "opacity": round(st.opacity, 4)}
    matrix = _matrix(t)
    if matrix:
        attrs["transform"] = matrix
    kind = KINDS[mask.mask_type]
    if kind.drawn_as == "strokes":
        attrs.update(stroke=st.color.hex, stroke_width=f"{st.line_width / unit:.4g}", stroke_linecap="round",
                     stroke_linejoin="round")
    elif kind.drawn_as == "dots":
        attrs.update(stroke=st.color.hex, stroke_width=f"{2 * st.point_radius / unit:.4g}", stroke_linecap="round")
    g = dwg.g(**attrs)
    g.set_desc(title=xml_text(mask.display_name))
    if kind.drawn_as == "area":
        for level, polys in _disjoint_levels(mask):
            target = g if level >= 1.0 else g.add(dwg.g(fill_opacity=round(level, 4)))
            for d in polygons_d(polys, dec):
                target.add(dwg.path(d=d, fill_rule="evenodd"))
    else:
        for level, idx in intensity_groups(mask):
            geoms = [mask.features[i].geometry for i in idx if not mask.features[i].geometry.is_empty]
            if kind.drawn_as == "dots":
                d = points_d(shapely.get_coordinates(np.asarray(geoms, dtype=object)), dec)
            else:
                d = lines_d(geoms, dec)
            if not d:
                continue
            el = dwg.path(d=d, fill="none")
            if level < 1.0:
                el["stroke-opacity"] = round(level, 4)
            g.add(el)
    groups = [g]
    if st.outline > 0 and kind.polygonal:
        o_attrs: dict[str, str | float] = {"class": f"outline {ident}", "fill": "none", "stroke": st.color.hex,
                                           "stroke-width": f"{st.outline / unit:.4g}", "stroke-linejoin": "round",
                                           "opacity": round(st.outline_opacity, 4)}
        if matrix:
            o_attrs["transform"] = matrix
        og = dwg.g(**o_attrs)
        parts = [p for f in mask.features for p in shapely.get_parts(f.geometry)]
        for d in polygons_d(parts, dec):
            og.add(dwg.path(d=d))
        groups.append(og)
    return groups


_MIME = frozenset({"image/png", "image/jpeg", "image/webp"})


def build_svg(
    drawings: Sequence[MaskDrawing],
    size: tuple[int, int],
    *,
    photo: tuple[bytes, str] | None = None,
    title: str | None = None,
) -> str:
    """An SVG document of ``size`` pixels with the masks in order and, optionally, the photo.

    ``photo`` is ``(encoded bytes, mime type)`` embedded as a data URI under the masks
    (PNG, JPEG or WebP only).

    >>> from maskrender.overlay import prepare
    >>> _, canvas, drawings = prepare("fixtures/pih_result.json", size=(302, 302))
    >>> svg = build_svg(drawings, canvas, title="PIH <demo>")
    >>> svg[:4], 'viewBox="0 0 302 302"' in svg, "<title>PIH &lt;demo&gt;</title>" in svg
    ('<svg', True, True)
    """
    w, h = size
    import svgwrite

    dwg = svgwrite.Drawing(size=(w, h), profile="full", debug=False)
    dwg["viewBox"] = f"0 0 {w} {h}"
    if title:
        dwg.set_desc(title=xml_text(title))
    if photo is not None:
        data, mime = photo
        if mime not in _MIME:
            raise InputError(f"photo type {mime!r}: expected one of {', '.join(sorted(_MIME))}")
        uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        dwg.add(dwg.image(href=uri, insert=(0, 0), size=(w, h), preserveAspectRatio="none"))
    for i, md in enumerate(drawings):
        for group in _mask_group(dwg, md, i):
            dwg.add(group)
    return str(dwg.tostring())


def mask_fragment(drawings: Sequence[MaskDrawing], size: tuple[int, int], *, id_prefix: str = "") -> str:
    """The masks' groups as SVG markup with no root element, for a frame of ``size`` output pixels.

    The one writer of mask markup: :func:`build_svg` wraps it in a document, the report nests it in
    each photo slot's ``<svg>``.  ``id_prefix`` (itself passed through :func:`safe_id`) keeps ids
    unique when one document holds several fragments.

    >>> from maskrender.overlay import prepare
    >>> _, canvas, drawings = prepare("fixtures/pih_result.json", size=(302, 302))
    >>> frag = mask_fragment(drawings, canvas, id_prefix="s1-")
    >>> frag.startswith("<g ") and 'id="s1-post_inflammatory' in frag
    True
    """
    import svgwrite

    prefix = safe_id(id_prefix) + "-" if id_prefix.strip("-") else ""
    dwg = svgwrite.Drawing(size=size, profile="full", debug=False)
    return "".join(str(group.tostring()) for i, md in enumerate(drawings) for group in _mask_group(dwg, md, i, prefix))
