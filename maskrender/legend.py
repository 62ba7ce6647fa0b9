"""A legend on an overlay: one row per mask drawn (its swatch in the colour it is drawn in, its name).

:func:`legend_layout` places the legend in a corner of the picture once, measuring the names with
the bundled DejaVu Sans, and both writers draw that layout: :func:`draw_legend` on a picture
(Pillow, drawn 3x larger and reduced, so swatches and text are smooth) and :func:`svg_legend` as
SVG markup with real ``<text>`` (appended to the overlay document).  The swatch follows the mask
kind's ``legend`` (:mod:`maskrender.kinds`): a square for areas, a light-to-full strip for
heatmaps, a stroke for lines, a dot for points.

Examples
--------
>>> from maskrender.style import Color
>>> entries = [LegendEntry("Acne", Color.parse("#FF9F1C"), "filled"),
...            LegendEntry("Pores", Color.parse("#00B4D8"), "dot")]
>>> layout = legend_layout(entries, (1000, 800), "top-right")
>>> layout.box[2] == 1000 - layout.margin, [row.text for row in layout.rows]
(True, ['Acne', 'Pores'])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from maskrender.defaults import CORNERS  # where a legend may go (``none``, or ``None``: no legend)
from maskrender.draw.svg import MaskDrawing, xml_text
from maskrender.errors import InputError
from maskrender.kinds import MASK_KINDS
from maskrender.style import Color

if TYPE_CHECKING:  # drawing a legend imports them (FreeType: ~3 ms at every start otherwise)
    from PIL import ImageDraw, ImageFont

__all__ = ["CORNERS", "FONT", "SHARE", "LegendEntry", "LegendLayout", "LegendRow", "draw_legend", "font_size",
           "legend_entries", "legend_layout", "svg_legend"]

FONT = Path(__file__).resolve().parent / "report" / "fonts" / "DejaVuSans.ttf"
"""The bundled font the legend is measured and drawn with."""
_FAMILY = "'DejaVu Sans', 'Verdana', sans-serif"

_SCALE = 3
"""The raster legend is drawn this many times larger, then reduced (smooth discs and text)."""
_MAX_CHARS = 40
"""Names are measured up to four times this many characters (the SVG writes at most that, plus 20)."""
_PANEL = (255, 255, 255, 222)
_BORDER = (120, 120, 120, 255)
_TEXT = (33, 37, 41, 255)


@dataclass(frozen=True, slots=True)
class LegendEntry:
    """One row of a legend: the mask's name, the colour it is drawn in and its swatch shape."""

    name: str
    color: Color
    swatch: str = "filled"


@dataclass(frozen=True, slots=True)
class LegendRow:
    """A placed row: the swatch's box ``(x0, y0, x1, y1)`` and the text's left baseline point."""

    entry: LegendEntry
    swatch: tuple[float, float, float, float]
    text: str
    baseline: tuple[float, float]


@dataclass(frozen=True, slots=True)
class LegendLayout:
    """The legend's panel box, its rows and sizes, in output pixels."""

    box: tuple[float, float, float, float]
    rows: tuple[LegendRow, ...]
    font_size: float
    margin: float


def legend_entries(drawings: Iterable[MaskDrawing]) -> list[LegendEntry]:
    """One entry per mask name and colour, in drawing order (masks of one name and colour, such as
    the sides of one mask, share a row).

    >>> from maskrender.overlay import prepare
    >>> [(e.name, e.swatch) for e in legend_entries(prepare("fixtures/lines.json", size=(64, 64))[2])]
    [('Deep Lines Mask', 'filled'), ('Lines Mask', 'line')]
    """
    out: dict[tuple[str, str], LegendEntry] = {}
    for d in drawings:
        kind = MASK_KINDS.get(d.mask.mask_type)
        entry = LegendEntry(d.mask.display_name, d.style.color, kind.legend if kind is not None else "filled")
        out.setdefault((entry.name, entry.color.hex), entry)
    return list(out.values())


def _font(size: float) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    return ImageFont.truetype(str(FONT), max(1, round(size)))


def _fitted(text: str, font: ImageFont.FreeTypeFont, room: float) -> str:
    """``text`` as it fits in ``room`` (pixels of ``font``): whole, or cut at a character with an
    ellipsis (at a word's end when that keeps at least half of the room filled)."""
    text = " ".join(text.split())[:_MAX_CHARS * 4]
    if font.getlength(text) <= room:
        return text
    lo, hi = 0, len(text)  # the longest prefix that fits with its ellipsis
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if font.getlength(text[:mid].rstrip() + "…") <= room:
            lo = mid
        else:
            hi = mid - 1
    cut = text[:lo]
    word = cut.rsplit(" ", 1)[0] if " " in cut else cut
    if word != cut and font.getlength(word + "…") >= room / 2:
        cut = word
    return cut.rstrip() + "…" if cut.strip() else "…"


def font_size(canvas: tuple[int, int]) -> float:
    """The legend's text size on a ``canvas``: 2.6% of the shorter side (at most 40 px), and on a
    small picture no more than 6% of it (10 px from 167 px up; 5.8 px on a 96 px thumbnail).

    >>> [round(font_size((s, s)), 1) for s in (96, 128, 300, 1000, 4000)]
    [5.8, 7.7, 10.0, 26.0, 40.0]
    """
    side = min(canvas)
    return min(40.0, max(0.026 * side, min(10.0, 0.06 * side)))


SHARE = 0.5
"""The largest share of the canvas's width, and of its height, the legend's panel takes."""


def legend_layout(entries: Sequence[LegendEntry], canvas: tuple[int, int], corner: str) -> LegendLayout:
    """Place ``entries`` in ``corner`` of a ``canvas`` ``(W, H)`` (text of :func:`font_size`), in a
    panel at most :data:`SHARE` of the canvas wide and high: as many rows as fit (the last says how
    many more there are), each name shortened with an ellipsis to fit the panel's width (both
    writers draw these strings: the PNG and the SVG show the same words)."""
    if corner not in CORNERS:
        raise InputError(f"legend must be one of {', '.join(CORNERS)} or none, not {corner!r}")
    w, h = canvas
    fs = font_size(canvas)
    row_h, pad, margin = fs * 1.45, fs * 0.55, fs * 0.8
    fits = max(1, math.floor((min(h - 2 * margin, SHARE * h) - 2 * pad) / row_h))
    shown = list(entries)
    texts = [e.name for e in entries]
    if len(entries) > fits:  # the last row that fits tells how many are left out
        shown = shown[: fits - 1]
        texts = [*texts[: fits - 1], f"+{len(entries) - len(shown)} more"]
    font = _font(fs * _SCALE)  # measured as drawn: 3x larger, then reduced
    room = (max(min(w - 2 * margin, SHARE * w), 2 * pad + fs * 4) - 2 * pad - fs * 1.5) * _SCALE
    texts = [_fitted(t, font, room) for t in texts]
    text_w = max((font.getlength(t) for t in texts), default=0.0) / _SCALE
    box_w = min(w - 2 * margin, 2 * pad + fs * 1.5 + text_w)
    box_h = 2 * pad + row_h * len(texts)
    x0 = margin if corner.endswith("left") else w - margin - box_w
    y0 = margin if corner.startswith("top") else h - margin - box_h
    rows = []
    for i, text in enumerate(texts):
        top = y0 + pad + i * row_h
        entry = shown[i] if i < len(shown) else LegendEntry(text, Color(0, 0, 0, 0), "none")
        sw = (x0 + pad, top + (row_h - fs) / 2, x0 + pad + fs, top + (row_h + fs) / 2)
        rows.append(LegendRow(entry, sw, text, (x0 + pad + fs * 1.5, top + row_h / 2 + fs * 0.36)))
    return LegendLayout((x0, y0, x0 + box_w, y0 + box_h), tuple(rows), fs, margin)


def _swatch(draw: ImageDraw.ImageDraw, kind: str, box: tuple[float, ...], color: Color) -> None:
    x0, y0, x1, y1 = box
    rgb = color.rgb
    if kind == "dot":
        r = (x1 - x0) * 0.32
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(*rgb, 255))
    elif kind == "line":
        draw.line((x0, y1 - (y1 - y0) * 0.2, x1, y0 + (y1 - y0) * 0.2), fill=(*rgb, 255),
                  width=max(1, round((x1 - x0) * 0.18)))
    elif kind == "gradient":
        steps = max(1, round(x1 - x0))
        for i in range(steps):  # the colour over the white panel, from 20% to full
            t = 0.2 + 0.8 * i / max(1, steps - 1)
            mixed = tuple(round(255 * (1 - t) + v * t) for v in rgb)
            draw.rectangle((x0 + i, y0, x0 + i + 1, y1), fill=(*mixed, 255))
    elif kind == "filled":
        draw.rectangle(box, fill=(*rgb, 255))


def draw_legend(image: Image.Image, layout: LegendLayout) -> Image.Image:
    """``image`` with the legend of ``layout`` composited on it (a new image, same mode).

    >>> entries = [LegendEntry("Pores", Color.parse("#00B4D8"), "dot")]
    >>> out = draw_legend(Image.new("RGB", (200, 100), "black"), legend_layout(entries, (200, 100), "top-left"))
    >>> out.mode, out.getpixel((0, 0)), out.getpixel((199, 99))   # the panel sits inside its margin
    ('RGB', (0, 0, 0), (0, 0, 0))
    """
    x0, y0, x1, y1 = layout.box
    left, top = math.floor(x0), math.floor(y0)
    width, height = math.ceil(x1) - left, math.ceil(y1) - top
    s = _SCALE
    from PIL import ImageDraw

    panel = Image.new("RGBA", (width * s, height * s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(panel)

    def at(*xy: float) -> tuple[float, ...]:
        return tuple((v - (left if i % 2 == 0 else top)) * s for i, v in enumerate(xy))

    draw.rectangle(at(x0, y0, x1 - 1 / s, y1 - 1 / s), fill=_PANEL, outline=_BORDER, width=s)
    font = _font(layout.font_size * s)
    for row in layout.rows:
        _swatch(draw, row.entry.swatch, at(*row.swatch), row.entry.color)
        bx, by = at(*row.baseline)
        draw.text((bx, by), row.text, font=font, fill=_TEXT, anchor="ls")
    small = panel.resize((width, height), Image.Resampling.LANCZOS)
    box = (left, top, left + width, top + height)
    region = image.crop(box).convert("RGBA")  # only the panel's pixels change: no full-frame conversion
    region.alpha_composite(small)
    out = image.copy()
    out.paste(region.convert(image.mode) if image.mode != "RGBA" else region, box)
    return out


def _n(v: float) -> str:
    return f"{v:.2f}".rstrip("0").rstrip(".")


def svg_legend(layout: LegendLayout) -> str:
    """The legend of ``layout`` as SVG markup: one ``<g class="legend">`` with a panel, swatches and
    real ``<text>`` (names escaped; colours from :class:`~maskrender.style.Color`).

    >>> entries = [LegendEntry("A & B", Color.parse("#00B4D8"), "dot")]
    >>> svg_legend(legend_layout(entries, (200, 100), "top-left")).count(">A &amp; B</text>")
    1
    """
    x0, y0, x1, y1 = layout.box
    parts = ['<g class="legend">',
             f'<rect x="{_n(x0)}" y="{_n(y0)}" width="{_n(x1 - x0)}" height="{_n(y1 - y0)}" fill="#ffffff" '
             f'fill-opacity="{_PANEL[3] / 255:.3f}" stroke="#787878" stroke-width="1"/>']
    for i, row in enumerate(layout.rows):
        sx0, sy0, sx1, sy1 = row.swatch
        c, kind = row.entry.color.hex, row.entry.swatch
        if kind == "dot":
            parts.append(f'<circle cx="{_n((sx0 + sx1) / 2)}" cy="{_n((sy0 + sy1) / 2)}" '
                         f'r="{_n((sx1 - sx0) * 0.32)}" fill="{c}"/>')
        elif kind == "line":
            d = (sy1 - sy0) * 0.2
            parts.append(f'<line x1="{_n(sx0)}" y1="{_n(sy1 - d)}" x2="{_n(sx1)}" y2="{_n(sy0 + d)}" stroke="{c}" '
                         f'stroke-width="{_n((sx1 - sx0) * 0.18)}"/>')
        elif kind in ("filled", "gradient"):
            fill = c
            if kind == "gradient":
                parts.append(f'<linearGradient id="mr-legend-gradient-{i}"><stop offset="0" stop-color="{c}" '
                             f'stop-opacity="0.2"/><stop offset="1" stop-color="{c}"/></linearGradient>')
                fill = f"url(#mr-legend-gradient-{i})"
            parts.append(f'<rect x="{_n(sx0)}" y="{_n(sy0)}" width="{_n(sx1 - sx0)}" height="{_n(sy1 - sy0)}" '
                         f'fill="{fill}"/>')
        bx, by = row.baseline
        parts.append(f'<text x="{_n(bx)}" y="{_n(by)}" font-family="{_FAMILY}" font-size="{_n(layout.font_size)}" '
                     f'fill="#212529">{escape(xml_text(row.text, _MAX_CHARS * 4 + 20), quote=False)}</text>')
    parts.append("</g>")
    return "".join(parts)
