"""Draw a :class:`~maskrender.report.layout.Layout` as pixels (Pillow).

Rectangles are axis-aligned and snapped to whole pixels, so they need no anti-aliasing;
discs and slanted lines (legend swatches) are drawn 4x larger and reduced.  Photos are
resized to their box and the masks are rendered at that size by the mask renderer
(:mod:`maskrender.draw.layers`), in the report's colours.
"""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image, ImageDraw

from maskrender.draw.layers import blend, mask_layers
from maskrender.errors import InputError
from maskrender.report.elements import Box, Circle, Layout, Line, Photo, Rect, Text
from maskrender.report.scene import Scene
from maskrender.report.text import pillow_font
from maskrender.report.theme import rgb

__all__ = ["draw_layout", "pixel_box"]

_SUPER = 4


def pixel_box(box: Box) -> tuple[int, int, int, int]:
    """``box`` snapped to whole pixels as ``(x0, y0, x1, y1)`` (x1, y1 exclusive)."""
    return (round(box.x), round(box.y), round(box.right), round(box.bottom))


def draw_layout(layout: Layout, scene: Scene, background: str = "#ffffff") -> Image.Image:
    """The report as an RGB image of ``layout.width`` x ``layout.height`` pixels."""
    image = Image.new("RGB", (layout.width, layout.height), rgb(background))
    draw = ImageDraw.Draw(image)
    for el in layout.elements:
        if isinstance(el, Rect):
            _rect(image, draw, el)
        elif isinstance(el, Text):
            _text(draw, el)
        elif isinstance(el, Photo):
            _photo(image, el, scene)
        elif isinstance(el, Line):
            _line(image, draw, el)
        elif isinstance(el, Circle):
            _circle(image, el)
    return image


def _text(draw: ImageDraw.ImageDraw, el: Text) -> None:
    """Each run of the text in its face, shaped right to left where it is (Raqm, when Pillow has it)."""
    left = el.left
    for run in el.runs:
        ft, direction = pillow_font(run.face, el.font.px, run.text, run.rtl)
        try:
            draw.text((left + run.x, el.y), run.text, font=ft, fill=rgb(el.color), anchor="ls",
                      direction=direction)
        except OSError as err:  # FreeType's "raster overflow", "invalid outline": a glyph of a damaged file
            raise InputError(f"{run.face.path}: a damaged font file ({err} drawing {run.text[:40]!r})") from None


def _rect(image: Image.Image, draw: ImageDraw.ImageDraw, el: Rect) -> None:
    x0, y0, x1, y1 = pixel_box(el.box)
    if x1 <= x0 or y1 <= y0:
        return
    if el.fill is not None:
        if el.opacity >= 1.0:
            draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=rgb(el.fill))
        else:
            alpha = Image.new("L", (x1 - x0, y1 - y0), round(255 * el.opacity))
            image.paste(rgb(el.fill), (x0, y0, x1, y1), mask=alpha)
    if el.stroke is not None and el.stroke_width > 0:
        w = max(1, round(el.stroke_width))
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), outline=rgb(el.stroke), width=w)


def _line(image: Image.Image, draw: ImageDraw.ImageDraw, el: Line) -> None:
    if el.x0 == el.x1 or el.y0 == el.y1:  # axis-aligned: crisp
        w = max(1, round(el.width))
        if el.y0 == el.y1:
            y = round(el.y0 - w / 2)
            draw.rectangle((round(el.x0), y, round(el.x1) - 1, y + w - 1), fill=rgb(el.color))
        else:
            x = round(el.x0 - w / 2)
            draw.rectangle((x, round(el.y0), x + w - 1, round(el.y1) - 1), fill=rgb(el.color))
        return
    pad = el.width
    box = Box(min(el.x0, el.x1) - pad, min(el.y0, el.y1) - pad, abs(el.x1 - el.x0) + 2 * pad,
              abs(el.y1 - el.y0) + 2 * pad)

    def paint(d: ImageDraw.ImageDraw, ox: float, oy: float) -> None:
        pts = [((el.x0 - ox) * _SUPER, (el.y0 - oy) * _SUPER), ((el.x1 - ox) * _SUPER, (el.y1 - oy) * _SUPER)]
        d.line(pts, fill=255, width=max(1, round(el.width * _SUPER)))
        r = el.width * _SUPER / 2
        for px, py in pts:
            d.ellipse((px - r, py - r, px + r, py + r), fill=255)

    _supersampled(image, box, el.color, paint)


def _circle(image: Image.Image, el: Circle) -> None:
    box = Box(el.cx - el.r - 1, el.cy - el.r - 1, 2 * el.r + 2, 2 * el.r + 2)

    def paint(d: ImageDraw.ImageDraw, ox: float, oy: float) -> None:
        cx, cy, r = (el.cx - ox) * _SUPER, (el.cy - oy) * _SUPER, el.r * _SUPER
        d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)

    _supersampled(image, box, el.fill, paint)


def _supersampled(image: Image.Image, box: Box, color: str,
                  paint: Callable[[ImageDraw.ImageDraw, float, float], None]) -> None:
    x0, y0, x1, y1 = pixel_box(box)
    w, h = max(1, x1 - x0), max(1, y1 - y0)
    big = Image.new("L", (w * _SUPER, h * _SUPER), 0)
    paint(ImageDraw.Draw(big), x0, y0)
    alpha = big.resize((w, h), Image.Resampling.BOX)
    image.paste(rgb(color), (x0, y0, x0 + w, y0 + h), mask=alpha)


def _photo(image: Image.Image, el: Photo, scene: Scene) -> None:
    x0, y0, x1, y1 = pixel_box(el.box)
    size = (max(1, x1 - x0), max(1, y1 - y0))
    k = scene.detail(size)
    big = (size[0] * k, size[1] * k)
    tile = scene.photo(el.slot, big).copy()
    layers = []
    for d in scene.drawings(el.slot, el.algorithm, big):
        layers.extend(mask_layers(d.mask, d.transform, d.style, big))
    blend(tile, layers)
    if k > 1:
        tile = tile.resize(size, Image.Resampling.LANCZOS)
    image.paste(tile, (x0, y0))
