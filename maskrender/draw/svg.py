"""Masks as SVG 1.1 markup that agrees with the raster renderer: one writer for overlays and reports.

:func:`mask_fragment` writes the masks' groups (the report nests it in each photo slot's
``<svg>``); :func:`build_svg` wraps the same fragment in a document, with the photo if asked.
Everything is in output pixels (the root ``viewBox`` is the canvas, and no ``transform`` is
ever written): coordinates go through the mask's transform first, so discs stay circles and
strokes keep one width whatever the view_box's aspect or origin (see
:mod:`maskrender.draw.svg_shapes`), and are written to 1/100 px, relative, in the shortest
form (see :mod:`maskrender.draw.svg_path`).  Inside a mask's group:

* polygons and heatmaps: one filled path per intensity level (non-zero rule, rings oriented);
* lines: one stroked path per level, round caps and joins;
* points: one path per level of zero-length subpaths stroked with round caps, a disc each
  (about 11 bytes a point); discs wider than :data:`~maskrender.draw.svg_shapes.CAPPED_RADIUS`
  are filled, two arcs each (resvg draws a round cap as a coarse polygon);
* where a mask has several levels, the largest intensity wins where they overlap: lines and
  points of any number of levels as one ``<mask>`` in which every level is painted, ascending,
  in the opaque grey of its intensity (a luminance mask: each level overwrites the ones below
  where it covers a pixel, exactly, and its anti-aliased edge blends with them as the PNG's
  integral does), over a rectangle of the mask's colour; polygons and heatmaps as nested sets
  that integrate across contours (see :mod:`maskrender.draw.svg_shapes`).

Each group carries the mask's colour as ``fill`` and its ``opacity``, which makes the mask
one layer: overlapping features are painted inside the group and blended once.  The markup
is written here, by hand: a mask is a few elements (one path per level), so a library buys
nothing but its import (svgwrite: 64 ms per process, inactive since 2022; see the README).
Every string from the data goes through :func:`safe_id` (ids, classes) or :func:`xml_text`
and the XML escaper (titles); colours come from :class:`~maskrender.style.Color`, numbers
are formatted here, so no markup, script, event handler or external reference can come from
the input.  The only ``href`` is the embedded photo, a ``data:`` URI this module writes; the
only other reference is ``mask="url(#id)"`` to the ``<mask>`` of the same group.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from html import escape

from maskrender.draw.svg_shapes import CAPPED_RADIUS, level_paths, outline_path
from maskrender.errors import InputError
from maskrender.geometry import Transform
from maskrender.kinds import MASK_KINDS
from maskrender.model import Mask
from maskrender.style import MaskStyle

__all__ = ["MaskDrawing", "build_svg", "mask_fragment", "safe_id", "xml_text"]

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


_BREAKS = re.compile("[\u2028\u2029\u0085\r\n\t\x0b\x0c]")
"""Line and paragraph breaks: a name or a title is one line (its breaks become spaces)."""
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""What XML 1.0 forbids: C0 controls but tab and breaks, surrogates, U+FFFE and U+FFFF (the complement of
its ``Char`` ranges, written so: the negated class of those ranges took 5-7 ms to compile, at every start)."""


def xml_text(text: str, limit: int = 200) -> str:
    """Text safe to place in an XML document: one line (breaks become spaces), characters XML 1.0
    forbids removed, length capped.

    (Markup characters are escaped by the XML writer; this removes what no escaping can carry.)

    >>> xml_text("Acne\\x00 mask\\x1b"), xml_text("Fore\\u2028head")
    ('Acne mask', 'Fore head')
    """
    return _XML_INVALID.sub("", _BREAKS.sub(" ", text[:limit * 2]))[:limit]


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



def _num(value: float, places: int = 3) -> str:
    """A size or an opacity, to ``places`` decimals and no trailing zeros.

    >>> _num(4.7190), _num(2.0), _num(0.096154, 4)
    ('4.719', '2', '0.0962')
    """
    text = f"{value:.{places}f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _grey(level: float) -> str:
    """The grey whose luminance is ``level`` (0..1), to 1/255.

    >>> _grey(0.48), _grey(1.0)
    ('#7a7a7a', '#ffffff')
    """
    v = max(0, min(255, round(level * 255)))
    return f"#{v:02x}{v:02x}{v:02x}"


def _mask_markup(md: MaskDrawing, index: int, id_prefix: str, size: tuple[int, int]) -> str:
    """The group of one mask (and the group of its outline, if it has one)."""
    mask, t, st = md.mask, md.transform, md.style
    kind = MASK_KINDS[mask.mask_type]
    ident = safe_id(mask.tech_name or mask.name or mask.mask_type)
    gid = f"{id_prefix}{ident}-{index}"
    attrs = (f'id="{gid}" class="mask {safe_id(mask.mask_type)} {ident}" fill="{st.color.hex}" '
             f'opacity="{_num(st.opacity, 4)}"')
    reach, paint, pen = st.reach(kind.drawn_as), "fill", ""
    if kind.drawn_as == "strokes":
        paint = "stroke"
        pen = f' stroke-width="{_num(st.line_width)}" stroke-linecap="round" stroke-linejoin="round"'
    elif kind.drawn_as == "dots" and reach <= CAPPED_RADIUS:  # larger discs are filled arcs (see level_paths)
        paint = "stroke"
        pen = f' stroke-width="{_num(2 * st.point_radius)}" stroke-linecap="round"'
    if paint == "stroke":
        attrs += f' stroke="{st.color.hex}"{pen}'
    unfilled = ' fill="none"' if paint == "stroke" else ""

    def path(alpha: float, d: str) -> str:
        opacity = f' {paint}-opacity="{_num(alpha, 4)}"' if alpha < 1.0 else ""
        return f'<path{unfilled}{opacity} d="{d}"/>'

    paths = level_paths(mask, t, kind.drawn_as, size, reach)
    parts = [f"<g {attrs}><title>{escape(xml_text(mask.display_name), quote=False)}</title>"]
    parts += [path(alpha, d) for alpha, d in paths.plain]
    if paths.masked and paths.box is not None:  # levels painted opaque in grey, ascending, in a luminance mask
        bx0, by0, bx1, by1 = paths.box
        region = f'x="{_num(bx0, 2)}" y="{_num(by0, 2)}" width="{_num(bx1 - bx0, 2)}" height="{_num(by1 - by0, 2)}"'
        parts.append(f'<defs><mask id="{gid}-levels" maskUnits="userSpaceOnUse" {region}><g{unfilled}{pen}>')
        parts += [f'<path {paint}="{_grey(level)}" d="{d}"/>' for level, d in paths.masked]
        parts.append(f'</g></mask></defs><rect {region} stroke="none" mask="url(#{gid}-levels)"/>')
    parts.append("</g>")
    if st.outline > 0 and kind.polygonal:
        d = outline_path(mask, t, size, st.outline / 2 + 1.0)
        parts.append(f'<g class="outline {ident}" fill="none" stroke="{st.color.hex}" '
                     f'stroke-width="{_num(st.outline)}" stroke-linejoin="round" '
                     f'opacity="{_num(st.outline_opacity, 4)}"><path d="{d}"/></g>')
    return "".join(parts)


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
    prefix = safe_id(id_prefix) + "-" if id_prefix.strip("-") else ""
    return "".join(_mask_markup(md, i, prefix, size) for i, md in enumerate(drawings))


_MIME = frozenset({"image/png", "image/jpeg", "image/webp"})


def build_svg(
    drawings: Sequence[MaskDrawing],
    size: tuple[int, int],
    *,
    photo: tuple[bytes, str] | None = None,
    title: str | None = None,
    under: str = "",
    over: str = "",
) -> str:
    """An SVG document of ``size`` pixels with the masks in order and, optionally, the photo.

    ``photo`` is ``(encoded bytes, mime type)`` embedded as a data URI under the masks
    (PNG, JPEG or WebP only).  ``under`` and ``over`` are markup of the caller's own (a dimming
    rectangle, a legend) placed between the photo and the masks, and above the masks.

    >>> from maskrender.overlay import prepare
    >>> _, canvas, drawings = prepare("fixtures/pih_result.json", size=(302, 302))
    >>> svg = build_svg(drawings, canvas, title="PIH <demo>")
    >>> svg[:4], 'viewBox="0 0 302 302"' in svg, "<title>PIH &lt;demo&gt;</title>" in svg
    ('<svg', True, True)
    """
    w, h = size
    xlink = ' xmlns:xlink="http://www.w3.org/1999/xlink"' if photo is not None else ""
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg"{xlink} version="1.1" width="{w}" height="{h}" '
             f'viewBox="0 0 {w} {h}">']
    if title:
        parts.append(f"<title>{escape(xml_text(title), quote=False)}</title>")
    if photo is not None:
        data, mime = photo
        if mime not in _MIME:
            raise InputError(f"photo type {mime!r}: expected one of {', '.join(sorted(_MIME))}")
        parts.append(f'<image x="0" y="0" width="{w}" height="{h}" preserveAspectRatio="none" '
                     f'xlink:href="data:{mime};base64,{base64.b64encode(data).decode("ascii")}"/>')
    parts += [under, mask_fragment(drawings, size), over, "</svg>"]
    return "".join(parts)
