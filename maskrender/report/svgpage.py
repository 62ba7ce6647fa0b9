"""Write a :class:`~maskrender.report.elements.Layout` as one SVG document.

Text stays text: one ``<text>`` per run of one face and direction, in the run's embedded
subset font (``@font-face`` data URIs, :mod:`maskrender.report.webfonts`), centred on the
run's measured extent with ``textLength``, so it lands where the PNG has it whatever the
viewer; masks stay vectors (the groups of
:func:`maskrender.draw.svg.mask_fragment`, each photo slot a nested ``<svg>`` that clips
them).  Each photo is embedded once, as a data URI, at twice the largest size it is shown
at, and reused with ``<use>``.  Every string from the data is XML-escaped; colours come
from the layout's own palette or :class:`~maskrender.style.Color`, so nothing from the
input can become markup, a script or an external reference.
"""

from __future__ import annotations

import base64
import math
from html import escape

from maskrender.draw.svg import mask_fragment
from maskrender.report.elements import Box, Circle, Layout, Line, Photo, Rect, Text
from maskrender.report.fonts import FontFace
from maskrender.report.scene import Scene
from maskrender.report.text import clean
from maskrender.report.webfonts import family_stack, font_face_css

__all__ = ["layout_svg"]

def _n(v: float) -> str:
    """A coordinate with at most two decimals."""
    r = round(v, 2)
    return str(int(r)) if r == int(r) else f"{r:.2f}".rstrip("0")


def _attr(value: str) -> str:
    return escape(value, quote=True)


def layout_svg(layout: Layout, scene: Scene, *, title: str = "", hidpi: float = 2.0) -> str:
    """The report as an SVG document string (UTF-8 text, no XML declaration)."""
    w, h = layout.width, layout.height
    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" role="img">'
    ]
    if title:
        parts.append(f"<title>{escape(clean(title))}</title>")
    used: dict[FontFace, set[str]] = {}
    for line in layout.texts():
        for run in line.runs:
            used.setdefault(run.face, set()).update(run.text)
    # One embedded copy of each photo, big enough for its largest slot.
    biggest: dict[str, tuple[float, float]] = {}
    for el in layout.elements:
        if isinstance(el, Photo):
            bw, bh = biggest.get(el.slot, (0.0, 0.0))
            biggest[el.slot] = (max(bw, el.box.w), max(bh, el.box.h))
    parts.append("<defs>")
    if used:
        parts.append(f"<style>{font_face_css(used)}</style>")
    sizes: dict[str, tuple[int, int]] = {}
    for key, (bw, bh) in biggest.items():
        size = (max(1, math.ceil(bw * hidpi)), max(1, math.ceil(bh * hidpi)))
        slot_photo = scene.slots[key].photo
        if slot_photo is not None and slot_photo.width <= size[0]:
            size = slot_photo.size
        data, mime = scene.payload(key, size)
        sizes[key] = size
        uri = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        parts.append(f'<image id="photo-{_attr(key)}" width="{size[0]}" height="{size[1]}" '
                     f'preserveAspectRatio="none" href="{uri}"/>')
    parts.append("</defs>")
    parts.append(f'<rect width="{w}" height="{h}" fill="#ffffff"/>')
    count = 0
    for el in layout.elements:
        if isinstance(el, Rect):
            parts.append(_rect(el))
        elif isinstance(el, Text):
            parts.append(_text(el))
        elif isinstance(el, Line):
            parts.append(f'<line x1="{_n(el.x0)}" y1="{_n(el.y0)}" x2="{_n(el.x1)}" y2="{_n(el.y1)}" '
                         f'stroke="{el.color}" stroke-width="{_n(el.width)}" stroke-linecap="'
                         f'{"butt" if el.x0 == el.x1 or el.y0 == el.y1 else "round"}"/>')
        elif isinstance(el, Circle):
            parts.append(f'<circle cx="{_n(el.cx)}" cy="{_n(el.cy)}" r="{_n(el.r)}" fill="{el.fill}"/>')
        elif isinstance(el, Photo):
            count += 1
            parts.append(_photo(el, scene, sizes[el.slot], f"s{count}"))
    parts.append("</svg>")
    return "".join(parts)


def _rect(el: Rect) -> str:
    b = el.box
    attrs = [f'x="{_n(b.x)}" y="{_n(b.y)}" width="{_n(b.w)}" height="{_n(b.h)}"',
             f'fill="{el.fill}"' if el.fill else 'fill="none"']
    if el.stroke and el.stroke_width > 0:
        # Inside the box, like the raster writer's outline.
        sw = el.stroke_width
        attrs[0] = (f'x="{_n(b.x + sw / 2)}" y="{_n(b.y + sw / 2)}" width="{_n(b.w - sw)}" '
                    f'height="{_n(b.h - sw)}"')
        attrs.append(f'stroke="{el.stroke}" stroke-width="{_n(sw)}"')
    if el.opacity < 1.0:
        attrs.append(f'fill-opacity="{el.opacity:.3g}"')
    return f"<rect {' '.join(attrs)}/>"


def _text(el: Text) -> str:
    size = el.font.px
    weight = ' font-weight="bold"' if el.font.bold else ""
    left = el.left
    out = []
    for run in el.runs:
        direction = ' direction="rtl" unicode-bidi="embed"' if run.rtl else ""
        length = f' textLength="{_n(run.width)}" lengthAdjust="spacingAndGlyphs"' if run.width > 0 else ""
        out.append(f'<text x="{_n(left + run.x + run.width / 2)}" y="{_n(el.y)}" font-family="'
                   f'{_attr(family_stack(run.face))}" font-size="{size}"{weight} fill="{el.color}" '
                   f'text-anchor="middle"{direction}{length} xml:space="preserve">'
                   f"{escape(run.text, quote=False)}</text>")
    return "".join(out)


def _photo(el: Photo, scene: Scene, embedded: tuple[int, int], prefix: str) -> str:
    b: Box = el.box
    x0, y0 = round(b.x), round(b.y)
    w, h = max(1, round(b.right) - x0), max(1, round(b.bottom) - y0)
    k = scene.detail((w, h))  # masks drawn in a k times larger frame, like the raster writer
    vw, vh = w * k, h * k
    sx, sy = vw / embedded[0], vh / embedded[1]
    inner = [f'<use href="#photo-{_attr(el.slot)}" transform="scale({sx:.6g} {sy:.6g})"/>']
    drawings = scene.drawings(el.slot, el.algorithm, (vw, vh))
    if drawings:
        inner.append(mask_fragment(drawings, (vw, vh), id_prefix=prefix))
    return (f'<svg x="{x0}" y="{y0}" width="{w}" height="{h}" viewBox="0 0 {vw} {vh}" overflow="hidden" '
            f'class="photo" data-slot="{_attr(el.slot)}">{"".join(inner)}</svg>')
